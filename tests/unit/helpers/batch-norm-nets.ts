/**
 * A batch norm (and the ReLU after it) built from tfjs-layers or the app's
 * lazy layer, and one training pass through it: shared by the node tests
 * (tests/unit/kernels/batch-norm.test.ts) and the WebGPU page
 * (tests/e2e/harness/webgpu-kernels.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { lazyBatchNorm, withRelu } from '../../../src/core/kernels/lazy-layers';
import { createRandom } from '../../../src/core/random';

/** Values from a seeded normal, times `scale`, plus `shift`. */
export function normal(seed: number, n: number, scale = 1, shift = 0): Float32Array {
  const rng = createRandom(seed);
  return Float32Array.from({ length: n }, () => rng.normal() * scale + shift);
}

// Six channels: one four-lane step and two single lanes per row.
export const SHAPES: [string, number[]][] = [
  ['an image batch [5, 3, 4, 6]', [5, 3, 4, 6]],
  ['a dense batch [9, 6]', [9, 6]],
];

type Stack = (layer: tf.layers.Layer) => tf.layers.Layer[];
const STOCK_RELU: Stack = (bn) => [bn, tf.layers.reLU()];
const NONE: Stack = (bn) => [bn];

/** A batch norm (momentum 0.8, as the DCGAN's G) and what follows it, with random gamma and beta. */
export function model(lazy: boolean, relu: boolean, shape: number[]): tf.Sequential {
  const bn = (lazy ? lazyBatchNorm : tf.layers.batchNormalization)({
    momentum: 0.8,
    inputShape: shape.slice(1),
  });
  const stack: Stack = relu ? (lazy ? withRelu : STOCK_RELU) : NONE;
  const m = tf.sequential({ layers: stack(bn) });
  const channels = shape[shape.length - 1]!;
  // Gamma around 1 with both signs present, beta both ways, moving stats off their start.
  m.layers[0]!.setWeights([
    tf.tensor1d(normal(3, channels, 0.8, 0.6)),
    tf.tensor1d(normal(4, channels, 0.5)),
    tf.tensor1d(normal(5, channels, 0.1)),
    tf.tensor1d(normal(6, channels, 0.2, 1)),
  ]);
  return m;
}

/** In training: the output, the gradients of sum(output · probe) for x, gamma and beta, and the moving stats after. */
export function trainingPass(m: tf.Sequential, shape: number[]): tf.Tensor[] {
  const size = shape.reduce((a, b) => a * b, 1);
  const x = tf.tensor(normal(1, size, 1.5, 0.3), shape);
  const probe = tf.tensor(normal(2, size), shape);
  const [gamma, beta] = m.layers[0]!.trainableWeights.map((w) => w.read() as tf.Variable);
  const out = tf.tidy(() => {
    const f = (input: tf.Tensor) => {
      const y = m.apply(input, { training: true }) as tf.Tensor;
      return { y, loss: tf.sum(tf.mul(y, probe)) };
    };
    const { y } = f(x);
    const dx = tf.grad((input: tf.Tensor) => f(input).loss)(x);
    const { grads } = tf.variableGrads(() => f(x).loss as tf.Scalar, [gamma!, beta!]);
    return [y, dx, grads[gamma!.name]!, grads[beta!.name]!];
  });
  tf.dispose([x, probe]);
  // Copies: the moving statistics are the layer's own variables.
  return [
    ...out,
    ...m.layers[0]!.getWeights()
      .slice(2)
      .map((w) => w.clone()),
  ];
}
