/**
 * The app's gradient of Mean gives tfjs's numbers bit for bit, on cpu and
 * WASM, for the axes batch norm and the losses reduce over, without building
 * a tensor of the input's size in JavaScript as tfjs's does.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useMeanGradient } from '../../../src/core/kernels/mean-gradient';
import { useWasmInNode } from '../helpers/kernel-checks';

// tfjs's own, kept before the app's takes its place.
const tfjsGradient = tf.getGradient('Mean')!;

beforeAll(async () => {
  await useWasmInNode();
});

afterAll(() => {
  useMeanGradient();
});

/** Values made in JavaScript with at least `size` elements, while `fn` runs. */
function bigTensorsMade(size: number, fn: () => void): number {
  const engine = tf.engine() as unknown as { makeTensor: (...a: unknown[]) => tf.Tensor };
  const make = engine.makeTensor;
  let made = 0;
  engine.makeTensor = (...args: unknown[]) => {
    if (((args[0] as { length?: number } | null)?.length ?? 0) >= size) made++;
    return make.apply(engine, args);
  };
  try {
    fn();
  } finally {
    engine.makeTensor = make;
  }
  return made;
}

const CASES: [number[], number | number[]][] = [
  [
    [8, 5, 5, 3],
    [0, 1, 2],
  ], // batch norm's moments over all but channels
  [[6, 4], 0],
  [[6, 4], 1],
  [[2, 3, 4], -1],
  [
    [7, 1],
    [0, 1],
  ], // a loss's mean of everything
];

/** d/dx Σ w · mean(x, axis), with w not all ones so dy is not constant. */
function meanGradient(shape: number[], axis: number | number[]): tf.Tensor {
  const x = tf.randomNormal(shape, 0, 1, 'float32', 4);
  const reduced = tf.mean(x, axis);
  const w = tf.randomNormal(reduced.shape, 0, 1, 'float32', 5);
  return tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.mean(v, axis), w)))(x);
}

const bits = (t: tf.Tensor) => Array.from(new Uint32Array(t.dataSync().buffer));

describe.each(['cpu', 'wasm'])('on %s', (backend) => {
  it.each(CASES)('shape %j, axis %j: tfjs’s gradient bit for bit', async (shape, axis) => {
    await tf.setBackend(backend);
    tf.registerGradient(tfjsGradient);
    const expected = meanGradient(shape, axis);
    useMeanGradient();
    const actual = meanGradient(shape, axis);
    expect(actual.shape).toEqual(shape);
    expect(bits(actual)).toEqual(bits(expected));
    tf.dispose([expected, actual]);
  });
});

it('builds no tensor of the input’s size in JavaScript, where tfjs’s builds its ones', async () => {
  await tf.setBackend('wasm');
  const size = 8 * 5 * 5 * 3;
  // The input itself is one: randomNormal draws it in JavaScript.
  tf.registerGradient(tfjsGradient);
  expect(bigTensorsMade(size, () => tf.dispose(meanGradient([8, 5, 5, 3], [0, 1, 2])))).toBe(2);
  useMeanGradient();
  expect(bigTensorsMade(size, () => tf.dispose(meanGradient([8, 5, 5, 3], [0, 1, 2])))).toBe(1);
});
