/**
 * The app's side of `npm run bench:quality`: a digit GAN trained by the
 * app's own GanJob on tfjs's WASM backend with the app's kernels (as the
 * worker trains, one thread), on the shipped digits and the lab's train/test
 * split, and measured by the job's own evaluation (the shipped classifier,
 * 1,000 digits from fixed noise) at the steps asked for.
 */
import { presetFor, type GanModelKind } from '../../src/core/gan/config';
import { GanJob } from '../../src/core/gan/gan-job';
import { classesDrawn, DIGITS_BAR } from '../../src/core/gan/metrics';
import type { ImageSource } from '../../src/core/gan/real-pool';
import { useAllWasmKernels } from '../../src/core/kernels/wasm/all-kernels';
import { mnistImageSource } from '../unit/helpers/mnist';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { join } from 'node:path';

/** The share of the samples at which a digit counts as drawn (the digits bar's). */
export const CLASS_SHARE = DIGITS_BAR.classShare;

export interface QualityPoint {
  step: number;
  IS: number;
  classes: number;
  FID: number;
}

let source: Promise<ImageSource> | null = null;

async function ready(): Promise<ImageSource> {
  source ??= (async () => {
    tf.env().set('IS_NODE', false); // skips tfjs's advice to install tfjs-node
    setWasmPaths(join(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/dist/'));
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (!(await tf.setBackend('wasm'))) throw new Error('no WASM backend in node');
    await useAllWasmKernels('wasm', 1);
    return mnistImageSource();
  })();
  return source;
}

/** The training digits' indices in the shipped set, for the PyTorch side to train on the same ones. */
export async function trainIndices(): Promise<number[]> {
  return Array.from((await ready()).train);
}

/** Trains the view's preset with `seed` to the last of `at`, measuring at each of `at` (multiples of `every`). */
export async function appQuality(
  model: GanModelKind,
  seed: number,
  at: number[],
  every: number,
): Promise<{ points: QualityPoint[]; stepsPerSecond: number }> {
  const images = await ready();
  const job = new GanJob(
    { ...presetFor(model), seed, sampleEvery: 10_000, metricsEvery: every },
    images,
  );
  const points: QualityPoint[] = [];
  const last = Math.max(...at);
  let trainMs = 0;
  try {
    for (let step = 1; step <= last; step++) {
      const t0 = performance.now();
      job.trainStep();
      if (step % 25 === 0) await job.flush();
      trainMs += performance.now() - t0;
      if (step % every !== 0) continue;
      for (const m of (await job.snapshot()).snapshot.metrics)
        if (at.includes(m.step))
          points.push({
            step: m.step,
            IS: m.inceptionScore,
            classes: classesDrawn(m.histogram),
            FID: m.fid,
          });
    }
  } finally {
    job.dispose();
  }
  return { points, stepsPerSecond: (last * 1000) / trainMs };
}
