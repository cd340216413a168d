/**
 * A reshape to the input's own shape passes its gradient on without a
 * kernel; other reshapes still reshape it back; the shared gradient tensor
 * survives tfjs's backprop where it is added to another, and nothing leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it } from 'vitest';
import { useReshapeGradient } from '../../../src/core/kernels/reshape-gradient';
import { withKernelsRun } from '../helpers/kernel-checks';
import { useCpu } from '../helpers/setup-tf';

// tfjs's own, kept before the app's takes its place.
const tfjsGradient = tf.getGradient('Reshape')!;

beforeAll(async () => {
  await useCpu();
});

/** d/dx Σ w · f(x) for x of `shape`, with weights not all ones. */
function gradientOf(
  shape: number[],
  f: (x: tf.Tensor) => tf.Tensor,
): { grad: number[]; kernels: string[] } {
  const x = tf.randomNormal(shape, 0, 1, 'float32', 3);
  const { result: grad, kernels } = withKernelsRun(() =>
    tf.grad((v: tf.Tensor) => {
      const y = f(v);
      return tf.sum(tf.mul(y, tf.randomNormal(y.shape, 0, 1, 'float32', 4)));
    })(x),
  );
  const values = Array.from(grad.dataSync());
  tf.dispose([x, grad]);
  return { grad: values, kernels };
}

const CASES: [string, number[], (x: tf.Tensor) => tf.Tensor][] = [
  ['to its own shape', [4, 3], (x) => tf.reshape(x, x.shape)],
  ['to another shape', [4, 3], (x) => tf.reshape(x, [2, 6])],
  // x reaches the loss twice: the passed-on gradient is added to the other one.
  ['to its own shape, beside x itself', [5], (x) => tf.add(tf.reshape(x, x.shape), tf.mul(x, 3))],
];

it.each(CASES)('a reshape %s: tfjs’s gradient, leaving nothing behind', (name, shape, f) => {
  tf.registerGradient(tfjsGradient);
  const theirs = gradientOf(shape, f);
  useReshapeGradient();
  const before = tf.memory().numTensors;
  const mine = gradientOf(shape, f);
  expect(tf.memory().numTensors).toBe(before);
  expect(mine.grad).toEqual(theirs.grad);
  const reshapes = (k: string[]) => k.filter((n) => n === 'Reshape').length;
  // Backward, tfjs's reshapes dy back; the app's does only where the shapes differ.
  const ownShape = !name.includes('another');
  expect(reshapes(mine.kernels)).toBe(reshapes(theirs.kernels) - (ownShape ? 1 : 0));
});
