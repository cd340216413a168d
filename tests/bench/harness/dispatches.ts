/**
 * A page for tests/bench/dispatches.mjs, served by the dev server: trains the
 * GAN lab's models on this browser's WebGPU adapter, as the app's worker
 * does (the app's backend activation, its kernels, GanJob), and counts what
 * each training step asks of the GPU: compute dispatches, bytes written to
 * the GPU, bytes read back, and pipelines compiled. These counts carry over
 * to a real GPU where the software adapter's step time cannot.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { activateBackend } from '../../../src/core/compute/activate';
import { probeCapabilities } from '../../../src/core/compute/probe';
import { presetFor, type GanModelKind } from '../../../src/core/gan/config';
import { GanJob } from '../../../src/core/gan/gan-job';
import type { ImageSource } from '../../../src/core/gan/real-pool';
import { countGpuWork, type GpuCounts, type GpuScope } from './gpu-counts';

const counts = countGpuWork(globalThis as unknown as GpuScope);

/** Random pixels in MNIST's shape: the counts depend on the shapes, not the digits. */
function images(): ImageSource {
  const n = 512;
  const side = 28;
  const pixels = new Uint8Array(n * side * side);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 2654435761) >>> 24;
  return {
    data: { count: n, pixels, labels: Uint8Array.from({ length: n }, (_, i) => i % 10) },
    shape: { side, channels: 1 },
    train: Uint32Array.from({ length: n }, (_, i) => i),
    test: new Uint32Array(0),
    classifier: null,
  };
}

/** WebGPU's buffer bytes: in use by tensors, and allocated in all (tfjs keeps freed buffers to reuse). */
interface GpuBytes {
  inUse: number;
  allocated: number;
}

function gpuBytes(): GpuBytes {
  const m = tf.memory() as tf.MemoryInfo & {
    numBytesInGPU?: number;
    numBytesAllocatedInGPU?: number;
  };
  return { inUse: m.numBytesInGPU ?? 0, allocated: m.numBytesAllocatedInGPU ?? 0 };
}

export interface ModelCounts extends GpuCounts {
  model: GanModelKind;
  /** Steps counted, after `warm` warm-up steps. */
  steps: number;
  warm: number;
  /** Pipelines compiled by the end of warm-up (the first steps compile nearly all). */
  pipelinesAtWarm: number;
  backend: string;
  /** GPU buffer bytes after warm-up and after the counted steps: flat when nothing leaks. */
  gpuAtWarm: GpuBytes;
  gpuAtEnd: GpuBytes;
}

async function measure(model: GanModelKind, warm: number, steps: number): Promise<ModelCounts> {
  // Samples and quality off: a training step only, as the lab runs between its grid refreshes.
  const config = { ...presetFor(model), sampleEvery: 10_000, metricsEvery: 0 };
  const job = new GanJob(config, model === 'toy' ? null : images());
  const start = { ...counts };
  for (let i = 0; i < warm; i++) job.trainStep();
  await job.flush();
  const atWarm = { ...counts };
  const gpuAtWarm = gpuBytes();
  // Read back after each step, as the runner does while steps are slow (on a fast GPU it
  // reads back once per chunk of up to 64 steps).
  for (let i = 0; i < steps; i++) {
    job.trainStep();
    await job.flush();
  }
  const end = { ...counts };
  const gpuAtEnd = gpuBytes();
  job.dispose();
  const per = (k: keyof GpuCounts) => (end[k] - atWarm[k]) / steps;
  return {
    model,
    steps,
    warm,
    dispatches: per('dispatches'),
    uploadBytes: per('uploadBytes'),
    readbackBytes: per('readbackBytes'),
    pipelines: end.pipelines - atWarm.pipelines,
    pipelinesAtWarm: atWarm.pipelines - start.pipelines,
    backend: tf.getBackend(),
    gpuAtWarm,
    gpuAtEnd,
  };
}

export interface Harness {
  measure(models: GanModelKind[], warm: number, steps: number): Promise<ModelCounts[]>;
}

const harness: Harness = {
  async measure(models, warm, steps) {
    await activateBackend(['webgpu'], 'webgpu', await probeCapabilities(), {
      wasmPrefix: '/tfjs-wasm/',
    });
    const out: ModelCounts[] = [];
    for (const m of models) out.push(await measure(m, warm, steps));
    return out;
  },
};
(globalThis as unknown as { harness: Harness }).harness = harness;
