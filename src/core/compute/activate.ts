/**
 * Turns a list of candidate backends into a running tfjs backend, and watches
 * it for loss. This is the one place that calls `tf.setBackend`; it runs in
 * the training worker (and in node tests on cpu).
 */
import * as tf from '@tensorflow/tfjs';
// Side-effect imports register the 'webgpu' and 'wasm' backends with tfjs.
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { useLogitLoss } from '../kernels/logit-loss';
import { useBatchNorm } from '../kernels/batch-norm';
import { useSegmentSum } from '../kernels/segment-sum';
import { setCompileAheadPays } from './parallel-compile';
import { useSharedSaves } from '../kernels/shared-saves';
import { useAllWasmKernels } from '../kernels/wasm/all-kernels';
import { wasmGemmInfo } from '../kernels/wasm/wasm-gemm';
import { useIm2colConvolutions } from '../kernels/webgpu/webgpu-conv';
import { useGatherConvInputGradient } from '../kernels/webgpu/webgpu-conv-input';
import { useRegisterBlockMatMul } from '../kernels/webgpu/webgpu-matmul';
import { useWebGpuAdam } from '../kernels/webgpu/webgpu-adam';
import { HARDWARE_LANES, useWebGpuBatchNorm } from '../kernels/webgpu/webgpu-batch-norm';
import {
  isSoftware,
  wasmThreadsFor,
  type BackendInfo,
  type BackendName,
  type BackendPreference,
  type Capabilities,
} from './backends';

export interface ActivateOptions {
  /** URL prefix where tfjs-backend-wasm*.wasm are served (self-hosted; never a CDN). */
  wasmPrefix: string;
  /** At most this many WASM threads (`?threads=`); null for one per core. */
  wasmThreads?: number | null;
}

let wasmPathsSet = false;
/** Threads for WASM's products, fixed when the WASM backend first starts. */
let wasmThreads = 1;
/** Backends startBackend brought up and that are still registered (the probe leaves them). */
const started = new Set<BackendName>();

async function smokeTest(): Promise<void> {
  // A backend can register and still fail on its first kernel (a broken driver,
  // a context limit); one tiny op read back asynchronously finds that out early.
  const t = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)));
  try {
    const [v] = await t.data();
    if (v !== 3) throw new Error(`backend computed 1 + 2 = ${v}`);
  } finally {
    t.dispose();
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Brings up one backend: WASM's paths, threads and kernels, then a smoke
 * test. Throws (with the backend removed again) when it cannot train.
 */
export async function startBackend(
  name: BackendName,
  caps: Capabilities,
  options: ActivateOptions,
): Promise<void> {
  try {
    if (name === 'wasm' && !wasmPathsSet) {
      setWasmPaths(options.wasmPrefix);
      // Threads need SharedArrayBuffer, which only a cross-origin isolated
      // page has (COOP + COEP; a static host without those headers gets one
      // thread). vite.config.ts's tfjsWasmThreads() makes tfjs start its
      // pthreads from our own origin, as the strict CSP requires.
      const threads = wasmThreadsFor(
        caps,
        globalThis.navigator?.hardwareConcurrency,
        options.wasmThreads ?? null,
      );
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threads > 1);
      // The threads go to the app's GEMM (wasm-gemm.ts), which runs every product; tfjs's
      // own pool stays at one thread. Its threads spin after each kernel on the cores the
      // GEMM's helpers need: on 2 cores, a pool of 2 made the article GAN 13% and the demo
      // 34% slower, though it made the DCGAN's convolutions 18% faster (tfjs's).
      setThreadsCount(1);
      wasmThreads = threads;
      wasmPathsSet = true;
    }
    const ok = await tf.setBackend(name);
    if (!ok) throw new Error('tfjs could not initialise it');
    await tf.ready();
    // The app's own kernels (kernels/wasm/all-kernels.ts) take over where tfjs's are slow or missing.
    if (name === 'wasm') await useAllWasmKernels('wasm', wasmThreads);
    // A GAN's cross-entropy and its gradient in two kernels instead of about 18 where tensors
    // live in the CPU's memory (the WASM kernels install it too).
    if (name === 'cpu') useLogitLoss('cpu');
    // Batch norm in training in three kernels, there, on WASM and on WebGPU (seven shaders).
    if (name === 'cpu') useBatchNorm('cpu');
    // An embedding table's gradient (a gather's) in one pass over the rows, on cpu and WASM.
    if (name === 'cpu') useSegmentSum('cpu');
    // Its per-channel sums split over a workgroup on a GPU; a software adapter adds rows in order.
    if (name === 'webgpu')
      useWebGpuBatchNorm('webgpu', isSoftware(caps.webgpu, null) ? 1 : HARDWARE_LANES);
    // tfjs's Adam is 14 dispatches per variable, the app's 3, on any adapter.
    if (name === 'webgpu') useWebGpuAdam('webgpu');
    // A hardware adapter builds pipelines side by side (parallel-compile.ts); SwiftShader
    // builds them one at a time, where compiling ahead only adds the twin's step.
    if (name === 'webgpu') setCompileAheadPays(!isSoftware(caps.webgpu, null));
    // A CPU emulating a GPU runs tfjs's tiled products and its convolution
    // shaders several times slower than products kept in registers.
    if (name === 'webgpu' && isSoftware(caps.webgpu, null)) {
      useRegisterBlockMatMul('webgpu');
      useIm2colConvolutions('webgpu');
      useGatherConvInputGradient('webgpu');
    }
    // A gradient's saved tensors are kept without an Identity kernel each, on every backend.
    useSharedSaves();
    await smokeTest();
    started.add(name);
  } catch (e) {
    dropBackend(name);
    throw e;
  }
}

/** Removes a backend from tfjs (for good, in this worker), ignoring one that is not there. */
export function dropBackend(name: BackendName): void {
  started.delete(name);
  try {
    tf.removeBackend(name);
  } catch {
    // never registered or already removed
  }
}

/** What the badge shows about the backend now running. */
function describeActive(
  name: BackendName,
  requested: BackendPreference,
  caps: Capabilities,
  skipped: BackendInfo['skipped'],
): BackendInfo {
  return {
    name,
    requested,
    adapter: name === 'webgpu' ? caps.webgpu : null,
    webglRenderer: name === 'webgl' ? caps.webgl : null,
    wasm:
      name === 'wasm'
        ? {
            simd: caps.wasm?.simd ?? false,
            threads: wasmGemmInfo()?.threads ?? Math.max(1, getThreadsCount()),
          }
        : null,
    skipped,
  };
}

/**
 * Tries `candidates` in order and returns the first backend that initialises and
 * passes a smoke test. The last resort, cpu, cannot fail in practice.
 */
export async function activateBackend(
  candidates: readonly BackendName[],
  requested: BackendPreference,
  caps: Capabilities,
  options: ActivateOptions,
): Promise<BackendInfo> {
  const skipped: BackendInfo['skipped'] = [];
  for (const name of candidates) {
    try {
      // A backend the speed probe left running only needs selecting again.
      if (started.has(name) && name in tf.engine().registry) {
        if (!(await tf.setBackend(name))) throw new Error('tfjs could not switch to it');
      } else {
        await startBackend(name, caps, options);
      }
      return describeActive(name, requested, caps, skipped);
    } catch (e) {
      skipped.push({ name, reason: errorText(e) });
      dropBackend(name);
    }
  }
  throw new Error(
    `No TensorFlow.js backend could start: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`,
  );
}

interface WebGPULike {
  device: GPUDevice;
}
interface WebGLLike {
  gpgpu: { gl: WebGL2RenderingContext };
}

function currentWebGPUDevice(): GPUDevice | null {
  return tf.getBackend() === 'webgpu' ? (tf.backend() as unknown as WebGPULike).device : null;
}

function currentWebGLContext(): WebGL2RenderingContext | null {
  return tf.getBackend() === 'webgl' ? (tf.backend() as unknown as WebGLLike).gpgpu.gl : null;
}

/**
 * Calls `onLost` once if the active GPU backend loses its device (WebGPU
 * `device.lost`, WebGL `webglcontextlost`). Returns a function that stops
 * watching; after it is called a loss (such as our own dispose) is ignored.
 */
export function watchDeviceLoss(onLost: (message: string) => void): () => void {
  let active = true;
  const fire = (message: string) => {
    if (!active) return;
    active = false;
    onLost(message);
  };
  const device = currentWebGPUDevice();
  if (device) {
    void device.lost.then((info) => fire(info.message || `WebGPU device lost (${info.reason})`));
    return () => {
      active = false;
    };
  }
  const gl = currentWebGLContext();
  const canvas = gl?.canvas as OffscreenCanvas | HTMLCanvasElement | undefined;
  if (canvas && 'addEventListener' in canvas) {
    const handler = () => fire('WebGL context lost');
    canvas.addEventListener('webglcontextlost', handler);
    return () => {
      active = false;
      canvas.removeEventListener('webglcontextlost', handler);
    };
  }
  return () => {
    active = false;
  };
}

/**
 * Makes the active GPU backend lose its device for real (WebGPU `destroy()`,
 * WebGL `loseContext()`), so the recovery path can be shown and tested.
 * Returns false on backends that have no device to lose.
 */
export function loseDeviceOnPurpose(): boolean {
  const device = currentWebGPUDevice();
  if (device) {
    device.destroy();
    return true;
  }
  const gl = currentWebGLContext();
  const ext = gl?.getExtension('WEBGL_lose_context');
  if (ext) {
    ext.loseContext();
    return true;
  }
  return false;
}
