import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_CONFIG, demoConfigError } from '../../../src/core/demo/config';
import { DigitClassifierJob } from '../../../src/core/demo/digit-classifier';
import { splitTrainTest, type MnistData } from '../../../src/core/data/mnist';
import { realMnist } from '../helpers/mnist';
import { useCpu } from '../helpers/setup-tf';

let tf: Awaited<ReturnType<typeof useCpu>>;
let data: MnistData;

beforeAll(async () => {
  tf = await useCpu();
  data = await realMnist();
});

const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0) / xs.length;

describe('demo digit classifier', () => {
  it('has 784*h + h + 10*h + 10 parameters', () => {
    const job = new DigitClassifierJob(data, splitTrainTest(data.count), {
      ...DEFAULT_DEMO_CONFIG,
      hidden: 32,
    });
    expect(job.parameterCount).toBe(784 * 32 + 32 + 32 * 10 + 10);
    job.dispose();
  });

  it('learns: loss falls and test accuracy beats chance by far in 150 steps', async () => {
    const job = new DigitClassifierJob(data, splitTrainTest(data.count), {
      ...DEFAULT_DEMO_CONFIG,
      evalEvery: 150,
    });
    const losses: number[] = [];
    let accuracy = 0;
    for (let i = 0; i < 150; i++) {
      job.trainStep();
      if (i % 10 === 9) {
        const { snapshot } = await job.snapshot();
        losses.push(...snapshot.losses);
        if (snapshot.accuracy.length) accuracy = snapshot.accuracy[0]!;
      }
    }
    expect(losses).toHaveLength(150);
    expect(mean(losses.slice(-20))).toBeLessThan(0.5 * mean(losses.slice(0, 5)));
    expect(accuracy).toBeGreaterThan(0.7);
    job.dispose();
  });

  it('leaks no tensors: the count is flat over steps and back to the start after dispose', async () => {
    const before = tf.memory().numTensors;
    const job = new DigitClassifierJob(data, splitTrainTest(data.count), {
      ...DEFAULT_DEMO_CONFIG,
      evalEvery: 5,
    });
    const counts: number[] = [];
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 10; i++) job.trainStep();
      await job.snapshot();
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    job.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('replays the same losses for the same seed', async () => {
    const run = async (seed: number) => {
      const job = new DigitClassifierJob(data, splitTrainTest(data.count), {
        ...DEFAULT_DEMO_CONFIG,
        seed,
      });
      for (let i = 0; i < 5; i++) job.trainStep();
      const { snapshot } = await job.snapshot();
      job.dispose();
      return Array.from(snapshot.losses);
    };
    const a = await run(11);
    expect(await run(11)).toEqual(a);
    expect(await run(12)).not.toEqual(a);
  });

  it('sends the digits it trains on with their labels and its guesses', async () => {
    const job = new DigitClassifierJob(data, splitTrainTest(data.count), {
      ...DEFAULT_DEMO_CONFIG,
      previewCount: 8,
    });
    job.trainStep();
    const { snapshot, transfer } = await job.snapshot();
    expect(snapshot.previewPixels.length).toBe(8 * 784);
    expect(snapshot.previewLabels.length).toBe(8);
    expect(snapshot.previewGuesses.length).toBe(8);
    for (const g of snapshot.previewGuesses) expect(g).toBeLessThan(10);
    expect(transfer).toContain(snapshot.previewPixels.buffer);
    expect(snapshot.backend).toBe('cpu');
    job.dispose();
  });

  it.each([
    [{ hidden: 0 }, /hidden/],
    [{ batchSize: 1.5 }, /batchSize must be a whole number/],
    [{ learningRate: Number.NaN }, /learningRate/],
    [{ learningRate: 5 }, /learningRate/],
  ])('rejects the config %o', (patch, message) => {
    const config = { ...DEFAULT_DEMO_CONFIG, ...patch };
    expect(demoConfigError(config)).toMatch(message);
    expect(() => new DigitClassifierJob(data, splitTrainTest(data.count), config)).toThrow(
      RangeError,
    );
  });
});
