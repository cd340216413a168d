/**
 * UnsortedSegmentSum in one pass (kernels/segment-sum.ts): tfjs's own cpu
 * kernel's sums; an embedding table's gradient through it on cpu and on
 * WASM, which had no such kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { segmentSum, useSegmentSum } from '../../../src/core/kernels/segment-sum';
import { useAllWasmKernels } from '../../../src/core/kernels/wasm/all-kernels';
import { createRandom } from '../../../src/core/random';
import { expectClose, useWasmInNode } from '../helpers/kernel-checks';

const rng = createRandom(4);
const rows = 300;
const width = 7;
const segments = 40;
const data = Float32Array.from({ length: rows * width }, () => rng.normal());
// Some ids repeat, some segments get none, and -1 and 40 fall outside.
const ids = Int32Array.from({ length: rows }, (_, r) =>
  r % 50 === 0 ? -1 : r % 51 === 0 ? 40 : rng.int(30),
);

let stock: Float32Array;
beforeAll(async () => {
  await useWasmInNode();
  await tf.setBackend('cpu');
  stock = tf
    .unsortedSegmentSum(tf.tensor2d(data, [rows, width]), tf.tensor1d(ids, 'int32'), segments)
    .dataSync() as Float32Array;
  useSegmentSum('cpu');
  await useAllWasmKernels('wasm');
});

/** d(sum(w ⊙ gather(table, ids)))/d table: the gradient every embedding lookup takes. */
function lookupGradient(): Float32Array {
  const table = tf.tensor2d(new Float32Array(segments * width), [segments, width]);
  const w = tf.tensor2d(data, [rows, width]);
  const kept = tf.tensor1d(
    Int32Array.from(ids, (i) => Math.min(Math.max(i, 0), segments - 1)),
    'int32',
  );
  return tf
    .grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, kept), w)))(table)
    .dataSync() as Float32Array;
}

describe('UnsortedSegmentSum in one pass', () => {
  it('sums each row into its segment, ids outside the range dropped, as tfjs’s cpu kernel does', () => {
    const mine = segmentSum(data, ids, segments, width);
    expectClose(mine, stock, 1e-5);
    expect(Array.from(mine.subarray(35 * width, 36 * width))).toEqual(Array(width).fill(0));
  });

  it.each(['cpu', 'wasm'])(
    'runs on %s and gives an embedding lookup’s gradient',
    async (backend) => {
      await tf.setBackend(backend);
      expect(tf.getKernel('UnsortedSegmentSum', backend)).toBeDefined();
      const kept = Int32Array.from(ids, (i) => Math.min(Math.max(i, 0), segments - 1));
      expectClose(lookupGradient(), segmentSum(data, kept, segments, width), 1e-5);
    },
  );
});
