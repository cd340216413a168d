/**
 * WASM's Identity that shares data, its Tile by doubling block copies and its GatherV2 by block copies: the
 * same values as tfjs cpu for every gather shape the app meets and more
 * (axes, batch dims, int32 data, repeated indices), the shipped kernel's
 * error for an index out of range, and clones that outlive their source
 * without copying or leaking.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmCopies } from '../../../../src/core/kernels/wasm/wasm-copies';
import { wasmHeap } from '../../../../src/core/kernels/wasm/wasm-heap';
import { createRandom } from '../../../../src/core/random';
import { countCalls, useWasmInNode } from '../../helpers/kernel-checks';

const rng = createRandom(31);

/** Calls that reached the kernel the app's GatherV2 falls back to. */
const fallbacks = { GatherV2: 0, Tile: 0 };

beforeAll(async () => {
  await useWasmInNode();
  countCalls('GatherV2', () => fallbacks.GatherV2++);
  countCalls('Tile', () => fallbacks.Tile++);
  expect(await useWasmCopies('wasm')).toBe(true);
});

interface GatherCase {
  shape: number[];
  indexShape: number[];
  axis: number;
  batchDims: number;
  dtype: 'float32' | 'int32';
}

const CASES: GatherCase[] = [
  // A batch of rows from a data set, as the GANs take it.
  { shape: [50, 784], indexShape: [128], axis: 0, batchDims: 0, dtype: 'float32' },
  { shape: [6, 5, 16], indexShape: [4], axis: 1, batchDims: 0, dtype: 'float32' },
  { shape: [3, 7, 9], indexShape: [3, 5], axis: 1, batchDims: 1, dtype: 'float32' },
  { shape: [10, 2, 8], indexShape: [2, 3], axis: 0, batchDims: 0, dtype: 'int32' },
  // Slices too short for block copies go to the shipped loop.
  { shape: [20, 3], indexShape: [6], axis: 0, batchDims: 0, dtype: 'float32' },
];

function gatherOn(c: GatherCase, x: number[], idx: number[]) {
  return tf.tidy(() => {
    const g = tf.gather(
      tf.tensor(x, c.shape, c.dtype),
      tf.tensor(idx, c.indexShape, 'int32'),
      c.axis,
      c.batchDims,
    );
    return { shape: g.shape, values: Array.from(g.dataSync()) };
  });
}

describe('GatherV2 by block copies on WASM', () => {
  it.each(CASES)('matches tfjs cpu for $shape by $indexShape on axis $axis', async (c) => {
    const size = tf.util.sizeFromShape(c.shape);
    const x = Array.from({ length: size }, () =>
      c.dtype === 'int32' ? rng.int(1000) - 500 : rng.normal(),
    );
    // Indices repeat (a batch drawn with replacement) and cover both ends.
    const idx = Array.from({ length: tf.util.sizeFromShape(c.indexShape) }, (_, i) =>
      i === 0 ? 0 : i === 1 ? c.shape[c.axis]! - 1 : rng.int(c.shape[c.axis]!),
    );
    await tf.setBackend('cpu');
    const want = gatherOn(c, x, idx);
    await tf.setBackend('wasm');
    fallbacks.GatherV2 = 0;
    const before = tf.memory().numTensors;
    const got = gatherOn(c, x, idx);
    expect(got.shape).toEqual(want.shape);
    expect(got.values).toEqual(want.values);
    expect(tf.memory().numTensors).toBe(before);
    expect(fallbacks.GatherV2).toBe(
      c.shape.slice(c.axis + 1).reduce((a, b) => a * b, 1) < 8 ? 1 : 0,
    );
  });

  it('takes a batch whose output grows the heap (which detaches the old buffer here)', async () => {
    await tf.setBackend('wasm');
    const memory = wasmHeap('wasm')!.memory;
    const before = memory.buffer.byteLength;
    const x = tf.tensor2d(
      Float32Array.from({ length: 50 * 784 }, (_, i) => i),
      [50, 784],
    );
    // 80 MB of output: more than the heap holds now, on the one-thread build that node runs.
    const rows = Math.ceil((before + 80e6) / (784 * 4));
    const idx = tf.tensor1d(
      Int32Array.from({ length: rows }, (_, i) => (i * 7) % 50),
      'int32',
    );
    const g = tf.gather(x, idx);
    expect(memory.buffer.byteLength).toBeGreaterThan(before);
    const last = rows - 1;
    const values = await g.data();
    expect(Array.from(values.subarray(last * 784, last * 784 + 3))).toEqual(
      [0, 1, 2].map((j) => ((last * 7) % 50) * 784 + j),
    );
    tf.dispose([x, idx, g]);
  });

  it('leaves an index out of range to the shipped kernel, which says which', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([4, 16]);
    const idx = tf.tensor1d([1, 4], 'int32');
    expect(() => tf.gather(x, idx)).toThrow(/index value 4 is not in \[0, 3\]/);
    tf.dispose([x, idx]);
  });
});

describe('Tile by block copies on WASM', () => {
  const TILES: { shape: number[]; reps: number[]; dtype: 'float32' | 'int32' }[] = [
    // Batch norm's gradient: a channel vector over batch, rows and columns (G's two layers).
    { shape: [1, 1, 1, 32], reps: [64, 14, 14, 1], dtype: 'float32' },
    { shape: [1, 1, 1, 64], reps: [64, 7, 7, 1], dtype: 'float32' },
    // Every axis repeated, odd counts (the doubling's last copy is partial), and none.
    { shape: [2, 3, 5], reps: [3, 5, 7], dtype: 'float32' },
    { shape: [4, 1, 3], reps: [1, 6, 1], dtype: 'int32' },
    { shape: [7], reps: [9], dtype: 'int32' },
    { shape: [3, 2], reps: [1, 1], dtype: 'float32' },
    { shape: [2, 0, 3], reps: [2, 2, 2], dtype: 'float32' },
  ];
  it.each(TILES)('matches tfjs cpu for $shape by $reps ($dtype)', async (c) => {
    const x = Array.from({ length: tf.util.sizeFromShape(c.shape) }, () =>
      c.dtype === 'int32' ? rng.int(1000) - 500 : rng.normal(),
    );
    const tile = () =>
      tf.tidy(() => {
        const t = tf.tile(tf.tensor(x, c.shape, c.dtype), c.reps);
        return { shape: t.shape, values: Array.from(t.dataSync()) };
      });
    await tf.setBackend('cpu');
    const want = tile();
    await tf.setBackend('wasm');
    fallbacks.Tile = 0;
    const before = tf.memory().numTensors;
    const got = tile();
    expect(got).toEqual(want);
    expect(tf.memory().numTensors).toBe(before);
    expect(fallbacks.Tile).toBe(0);
  });

  it('leaves bool tensors to the shipped kernel', async () => {
    await tf.setBackend('wasm');
    fallbacks.Tile = 0;
    const t = tf.tile(tf.tensor([true, false], [2], 'bool'), [3]);
    expect(Array.from(await t.data())).toEqual([1, 0, 1, 0, 1, 0]);
    t.dispose();
    expect(fallbacks.Tile).toBe(1);
  });
});

describe('Identity sharing data on WASM', () => {
  it('gives a clone the same values without new memory, and it outlives its source', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [2, 4]);
    const { numBytes, numDataBuffers } = tf.memory() as tf.MemoryInfo & { numDataBuffers: number };
    const copy = tf.clone(x);
    const after = tf.memory() as tf.MemoryInfo & { numDataBuffers: number };
    expect(after.numDataBuffers).toBe(numDataBuffers);
    expect(after.numBytes).toBe(numBytes + 32);
    x.dispose();
    expect(Array.from(await copy.data())).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    copy.dispose();
    expect((tf.memory() as tf.MemoryInfo & { numDataBuffers: number }).numDataBuffers).toBe(
      numDataBuffers - 1,
    );
  });

  it('keeps the gradients of a model equal to tfjs cpu (the engine clones what backprop saves)', async () => {
    const w0 = Array.from({ length: 12 }, () => rng.normal());
    const x0 = Array.from({ length: 15 }, () => rng.normal());
    const grads = async (backend: string) => {
      await tf.setBackend(backend);
      const w = tf.tensor2d(w0, [3, 4]);
      const x = tf.tensor2d(x0, [5, 3]);
      const g = tf.grad((v: tf.Tensor) => tf.sum(tf.tanh(tf.matMul(x, v))))(w);
      const values = Array.from(await g.data());
      tf.dispose([w, x, g]);
      return values;
    };
    const cpu = await grads('cpu');
    const wasm = await grads('wasm');
    wasm.forEach((v, i) => expect(v).toBeCloseTo(cpu[i]!, 5));
  });
});
