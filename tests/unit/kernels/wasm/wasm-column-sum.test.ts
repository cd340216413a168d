/**
 * WASM's Sum over leading axes by column sums: the very numbers the shipped
 * kernel gives (same float32 additions in the same order), for widths with
 * and without a tail, kept dimensions and several leading axes; every other
 * reduction reaches the shipped kernel. Mean over leading axes (batch
 * norm's moments) likewise, within float32 rounding of the shipped kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { restoreShipped } from '../../../../src/core/kernels/kernel-swap';
import { useWasmColumnSum } from '../../../../src/core/kernels/wasm/wasm-column-sum';
import { createRandom } from '../../../../src/core/random';
import { countCalls, expectClose, useWasmInNode } from '../../helpers/kernel-checks';

const rng = createRandom(41);
let shippedCalls = 0;
let shippedMeans = 0;

beforeAll(async () => {
  await useWasmInNode();
});

/** Counts the calls reaching the shipped Sum, with the column sum in front. */
async function install(): Promise<void> {
  countCalls('Sum', () => shippedCalls++);
  countCalls('Mean', () => shippedMeans++);
  expect(await useWasmColumnSum('wasm')).toBe(true);
}

interface SumCase {
  shape: number[];
  axis: number | number[];
  keepDims: boolean;
  dtype?: 'int32';
  /** Whether the column sum takes it. */
  mine: boolean;
}

const CASES: SumCase[] = [
  { shape: [256, 1024], axis: 0, keepDims: false, mine: true },
  { shape: [128, 7], axis: [0], keepDims: true, mine: true },
  { shape: [5, 3, 9], axis: [0, 1], keepDims: false, mine: true },
  // The shipped kernel adds these in the order listed: axis 1, then 0.
  { shape: [5, 3, 9], axis: [1, 0], keepDims: false, mine: false },
  { shape: [4, 6], axis: 1, keepDims: false, mine: false },
  { shape: [4, 6], axis: [0, 1], keepDims: false, mine: false },
  { shape: [4, 6], axis: 0, keepDims: false, dtype: 'int32', mine: false },
];

describe('Sum over leading axes on WASM', () => {
  it.each(CASES)('gives the shipped kernel’s sums for $shape over $axis', async (c) => {
    const x = Array.from({ length: tf.util.sizeFromShape(c.shape) }, () =>
      c.dtype ? rng.int(100) : rng.normal() * 10 ** rng.int(4),
    );
    const sum = async () => {
      const t = tf.tensor(x, c.shape, c.dtype ?? 'float32');
      const s = tf.sum(t, c.axis, c.keepDims);
      const out = { shape: s.shape, values: Array.from(await s.data()) };
      tf.dispose([t, s]);
      return out;
    };
    restoreShipped('Sum', 'wasm');
    const want = await sum();
    await install();
    shippedCalls = 0;
    const got = await sum();
    expect(got).toEqual(want);
    expect(shippedCalls).toBe(c.mine ? 0 : 1);
  });

  it('gives zeros for a sum over no rows, as cpu does', async () => {
    await install();
    const t = tf.zeros([0, 6]);
    const s = tf.sum(t, 0);
    expect(Array.from(await s.data())).toEqual([0, 0, 0, 0, 0, 0]);
    tf.dispose([t, s]);
  });
});

describe('Mean over leading axes on WASM', () => {
  it.each(CASES.filter((c) => !c.dtype))(
    'gives the shipped kernel’s means for $shape over $axis',
    async (c) => {
      const x = Array.from({ length: tf.util.sizeFromShape(c.shape) }, () => rng.normal() * 3);
      const mean = async () => {
        const t = tf.tensor(x, c.shape);
        const m = tf.mean(t, c.axis, c.keepDims);
        const out = { shape: m.shape, values: (await m.data()) as Float32Array };
        tf.dispose([t, m]);
        return out;
      };
      restoreShipped('Sum', 'wasm');
      restoreShipped('Mean', 'wasm');
      const want = await mean();
      await install();
      shippedMeans = 0;
      const got = await mean();
      expect(got.shape).toEqual(want.shape);
      expectClose(got.values, want.values, 1e-6);
      expect(shippedMeans).toBe(c.mine ? 0 : 1);
    },
  );

  it('gives batch norm’s moments over [64, 14, 14, 32] as tfjs cpu does', async () => {
    const x = Array.from({ length: 64 * 14 * 14 * 32 }, () => rng.normal() + 1);
    const moments = async (backend: string) => {
      await tf.setBackend(backend);
      const t = tf.tensor4d(x, [64, 14, 14, 32]);
      const { mean, variance } = tf.moments(t, [0, 1, 2]);
      const out = [(await mean.data()) as Float32Array, (await variance.data()) as Float32Array];
      tf.dispose([t, mean, variance]);
      return out;
    };
    const want = await moments('cpu');
    await install();
    const got = await moments('wasm');
    got.forEach((g, i) => expectClose(g, want[i]!, 1e-5));
  });
});
