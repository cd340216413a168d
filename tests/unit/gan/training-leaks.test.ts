/**
 * Zero growth over 1,000 steps on the app's CPU path (tfjs WASM with all
 * the app's kernels, as the worker installs them), stepped the way the worker steps a job: stats
 * flushed every 25 steps and samples drawn every 100. Tensors and bytes are
 * read at each flush; the good-state checkpoint comes and goes every 50 steps,
 * so the count swings, but its highs must not climb and after dispose
 * everything the job made is gone.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useAllWasmKernels } from '../../../src/core/kernels/wasm/all-kernels';
import { splitTrainTest } from '../../../src/core/data/mnist';
import { presetFor, type GanConfig } from '../../../src/core/gan/config';
import { GanJob } from '../../../src/core/gan/gan-job';
import type { ImageSource } from '../../../src/core/gan/real-pool';
import { MNIST_SHAPE } from '../../../src/core/gan/models';
import { realMnist } from '../helpers/mnist';
import { useWasmInNode } from '../helpers/kernel-checks';

const STEPS = 1000;
const FLUSH_EVERY = 25;
const SAMPLE_EVERY = 100;

let images: ImageSource;

beforeAll(async () => {
  await useWasmInNode();
  await useAllWasmKernels('wasm');
  const data = await realMnist();
  images = { data, shape: MNIST_SHAPE, ...splitTrainTest(data.count), classifier: null };
});

interface Reading {
  tensors: number;
  bytes: number;
}

/** Trains STEPS steps and returns the readings at each flush, plus the state after dispose. */
async function run(
  config: GanConfig,
  source: ImageSource | null,
): Promise<{ before: Reading; readings: Reading[]; after: Reading }> {
  const read = (): Reading => ({
    tensors: tf.memory().numTensors,
    bytes: tf.memory().numBytes,
  });
  const before = read();
  const job = new GanJob(config, source);
  const readings: Reading[] = [];
  for (let i = 1; i <= STEPS; i++) {
    job.trainStep();
    if (i % SAMPLE_EVERY === 0) await job.snapshot();
    if (i % FLUSH_EVERY === 0) {
      await job.flush();
      readings.push(read());
    }
  }
  job.dispose();
  return { before, readings, after: read() };
}

function expectNoGrowth({ before, readings, after }: Awaited<ReturnType<typeof run>>): void {
  expect(readings).toHaveLength(STEPS / FLUSH_EVERY);
  // The first 200 steps set the high-water mark (a checkpoint, a sample grid held);
  // the other 800 must stay under it.
  const split = 200 / FLUSH_EVERY;
  const early = readings.slice(0, split);
  const late = readings.slice(split);
  expect(Math.max(...late.map((r) => r.tensors))).toBeLessThanOrEqual(
    Math.max(...early.map((r) => r.tensors)),
  );
  expect(Math.max(...late.map((r) => r.bytes))).toBeLessThanOrEqual(
    Math.max(...early.map((r) => r.bytes)),
  );
  expect(after).toEqual(before);
}

describe('no tensor growth over 1,000 steps on WASM', () => {
  it('the toy GAN', async () => {
    expectNoGrowth(await run({ ...presetFor('toy'), sampleEvery: SAMPLE_EVERY }, null));
  });

  it('the article GAN (batch 2: leaks do not depend on the batch, time does)', async () => {
    expectNoGrowth(
      await run(
        { ...presetFor('article'), batchSize: 2, metricsEvery: 0, sampleEvery: SAMPLE_EVERY },
        images,
      ),
    );
  }, 180_000);
});
