/**
 * The measuring half of `npm run bench:gpu` (gpu-node.ts loads it once
 * Dawn's WebGPU is in place): the GAN lab's models trained as the worker
 * trains them (the app's backend activation and kernels, GanJob), on WebGPU
 * and on WASM in the same process, over the lab's range of batch sizes, so
 * the table shows where a GPU starts to beat the CPU for each model.
 */
import * as tf from '@tensorflow/tfjs';
import { activateBackend, startBackend } from '../../src/core/compute/activate';
import { adapterName, type Capabilities } from '../../src/core/compute/backends';
import { setCompileAheadPays } from '../../src/core/compute/parallel-compile';
import { presetFor, type GanModelKind } from '../../src/core/gan/config';
import { useIm2colConvolutions } from '../../src/core/kernels/webgpu/webgpu-conv';
import { useGatherConvInputGradient } from '../../src/core/kernels/webgpu/webgpu-conv-input';
import { useRegisterBlockMatMul } from '../../src/core/kernels/webgpu/webgpu-matmul';
import { useWebGpuBatchNorm } from '../../src/core/kernels/webgpu/webgpu-batch-norm';
import { GanJob } from '../../src/core/gan/gan-job';
import type { ImageSource } from '../../src/core/gan/real-pool';
import { mnistSource } from './gan-node';
import type { GpuCounts } from './harness/gpu-counts';

export interface GpuBenchOptions {
  models: GanModelKind[];
  batches: number[];
  windowMs: number;
  /** Where tfjs-backend-wasm's .wasm files are (a folder path). */
  wasmDir: string;
  /** Compile each model's programs ahead of its first step, as the app does on a hardware adapter. */
  compileAhead: boolean;
  /** Time each model's first step (meaningful for the first model of a fresh process only). */
  firstStep: boolean;
  backends: ('webgpu' | 'wasm')[];
  /**
   * WebGPU's products and convolutions: 'tfjs' as the app runs them on a hardware adapter,
   * 'software' with the kernels activate.ts installs for a software one (register-blocked
   * products, im2col convolutions, a gathering input gradient), to see which a GPU prefers.
   */
  kernels: 'tfjs' | 'software';
  /** Batch norm's lanes per channel sum on WebGPU, over what activate.ts picks for the adapter. */
  batchNormLanes: number | null;
}

/** One line of the bench's output (JSON). */
export type GpuBenchRow =
  | {
      kind: 'first-step';
      backend: string;
      adapter: string;
      model: GanModelKind;
      compileAhead: boolean;
      /** From the job's creation to its first step's losses read back: warm-up, compiling, one step. */
      ms: number;
      pipelines: number;
    }
  | {
      kind: 'speed';
      backend: string;
      kernels: GpuBenchOptions['kernels'];
      batchNormLanes: number | null;
      adapter: string;
      model: GanModelKind;
      batch: number;
      stepsPerSecond: number;
      examplesPerSecond: number;
      steps: number;
      /** Per step, WebGPU only. */
      dispatches: number | null;
      uploadBytes: number | null;
      readbackBytes: number | null;
    };

/** Losses are read back every this many steps (fewer when steps are slow), as torch_gan.py does. */
const READ_EVERY = 25;

function newJob(model: GanModelKind, batch: number, images: ImageSource | null): GanJob {
  return new GanJob(
    { ...presetFor(model), batchSize: batch, metricsEvery: 0 },
    model === 'toy' ? null : images,
  );
}

async function firstStep(
  model: GanModelKind,
  images: ImageSource | null,
  counts: GpuCounts | null,
): Promise<{ ms: number; pipelines: number }> {
  const before = counts?.pipelines ?? 0;
  const t0 = performance.now();
  const job = newJob(model, presetFor(model).batchSize, images);
  await job.warmUp();
  job.trainStep();
  await job.flush();
  const ms = performance.now() - t0;
  job.dispose();
  return { ms, pipelines: (counts?.pipelines ?? 0) - before };
}

async function speed(
  model: GanModelKind,
  batch: number,
  images: ImageSource | null,
  windowMs: number,
  counts: GpuCounts | null,
) {
  const job = newJob(model, batch, images);
  job.trainStep();
  await job.flush();
  const w0 = performance.now();
  for (let i = 0; i < 2; i++) job.trainStep();
  await job.flush();
  // Slow steps (WASM at large batches) are read back sooner, so a window holds a few reads.
  const every = Math.max(
    1,
    Math.min(READ_EVERY, Math.floor(windowMs / 4 / ((performance.now() - w0) / 2))),
  );
  const start = counts ? { ...counts } : null;
  let steps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < windowMs || steps === 0) {
    for (let i = 0; i < every; i++) job.trainStep();
    await job.flush();
    steps += every;
  }
  const elapsed = (performance.now() - t0) / 1000;
  job.dispose();
  const per = (k: keyof GpuCounts) =>
    counts && start ? Math.round(((counts[k] - start[k]) / steps) * 10) / 10 : null;
  return {
    stepsPerSecond: Math.round((steps / elapsed) * 100) / 100,
    examplesPerSecond: Math.round((steps * batch) / elapsed),
    steps,
    dispatches: per('dispatches'),
    uploadBytes: per('uploadBytes'),
    readbackBytes: per('readbackBytes'),
  };
}

/** Runs the bench, handing each row to `emit` as it is measured. */
export async function runGpuBench(
  caps: Capabilities,
  options: GpuBenchOptions,
  counts: GpuCounts,
  emit: (row: GpuBenchRow) => void,
): Promise<void> {
  tf.env().set('IS_NODE', false); // skips tfjs's advice to install tfjs-node
  const images = options.models.some((m) => m !== 'toy') ? await mnistSource() : null;
  for (const backend of options.backends) {
    if (backend === 'webgpu') {
      await activateBackend(['webgpu'], 'webgpu', caps, { wasmPrefix: options.wasmDir });
      setCompileAheadPays(options.compileAhead);
      if (options.batchNormLanes) useWebGpuBatchNorm('webgpu', options.batchNormLanes);
      if (options.kernels === 'software') {
        useRegisterBlockMatMul('webgpu');
        useIm2colConvolutions('webgpu');
        useGatherConvInputGradient('webgpu');
      }
    } else {
      await startBackend('wasm', caps, { wasmPrefix: options.wasmDir, wasmThreads: 1 });
    }
    const gpu = backend === 'webgpu' ? counts : null;
    const adapter = backend === 'webgpu' && caps.webgpu ? adapterName(caps.webgpu) : 'one thread';
    for (const model of options.models) {
      if (options.firstStep) {
        const first = await firstStep(model, images, gpu);
        emit({
          kind: 'first-step',
          backend,
          adapter,
          model,
          compileAhead: backend === 'webgpu' && options.compileAhead,
          ...first,
        });
      }
      for (const batch of options.batches) {
        const row = await speed(model, batch, images, options.windowMs, gpu);
        emit({
          kind: 'speed',
          backend,
          kernels: options.kernels,
          batchNormLanes: options.batchNormLanes,
          adapter,
          model,
          batch,
          ...row,
        });
      }
    }
  }
}
