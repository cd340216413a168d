/**
 * WASM's Sum over leading axes by column sums: the very numbers the shipped
 * kernel gives (same float32 additions in the same order), for widths with
 * and without a tail, kept dimensions and several leading axes; every other
 * reduction reaches the shipped kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { restoreShipped } from '../../../../src/core/kernels/kernel-swap';
import { useWasmColumnSum } from '../../../../src/core/kernels/wasm/wasm-column-sum';
import { createRandom } from '../../../../src/core/random';
import { countCalls, useWasmInNode } from '../../helpers/kernel-checks';

const rng = createRandom(41);
let shippedCalls = 0;

beforeAll(async () => {
  await useWasmInNode();
});

/** Counts the calls reaching the shipped Sum, with the column sum in front. */
async function install(): Promise<void> {
  countCalls('Sum', () => shippedCalls++);
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
