/**
 * A small GAN's two networks built from tfjs's layers or the app's lazy ones,
 * and the gradients a GAN step takes of them: shared by the node tests
 * (tests/unit/kernels/lazy-layers.test.ts) and the WebGPU page
 * (tests/e2e/harness/webgpu-kernels.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { lazyConv2d, lazyDense, withLeakyRelu } from '../../../src/core/kernels/lazy-layers';
import { createRandom } from '../../../src/core/random';

type Dense = typeof lazyDense;
type Conv = typeof lazyConv2d;
type Leaky = typeof withLeakyRelu;
export type LayerMaker = { dense: Dense; conv2d: Conv; leaky: Leaky };
export const STOCK: LayerMaker = {
  dense: tf.layers.dense as Dense,
  conv2d: tf.layers.conv2d as Conv,
  leaky: (layer, alpha) => [layer, tf.layers.leakyReLU({ alpha })],
};
export const LAZY: LayerMaker = { dense: lazyDense, conv2d: lazyConv2d, leaky: withLeakyRelu };

/**
 * A small GAN's two networks with every layer form the models use: G dense
 * layers without bias and with tanh into an image, D three convolutions
 * (linear then leaky ReLU as a layer, one with the leaky ReLU after it
 * fused, one with ReLU fused, 'valid'), then dense layers: with a fused
 * leaky ReLU, ReLU and linear.
 */
export function networks(make: LayerMaker): [tf.Sequential, tf.Sequential] {
  const g = tf.sequential({
    layers: [
      make.dense({ inputShape: [5], units: 9, useBias: false }),
      make.dense({ units: 6 * 6 * 2, activation: 'tanh' }),
      tf.layers.reshape({ targetShape: [6, 6, 2] }),
    ],
  });
  const d = tf.sequential({
    layers: [
      make.conv2d({
        inputShape: [6, 6, 2],
        filters: 4,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
      }),
      tf.layers.leakyReLU({ alpha: 0.2 }),
      ...make.leaky(make.conv2d({ filters: 5, kernelSize: 3, padding: 'same' }), 0.3),
      make.conv2d({ filters: 3, kernelSize: 2, padding: 'valid', activation: 'relu' }),
      tf.layers.flatten(),
      ...make.leaky(make.dense({ units: 8 }), 0.2),
      make.dense({ units: 7, activation: 'relu' }),
      make.dense({ units: 1 }),
    ],
  });
  return [g, d];
}

/** The same random weights into both pairs (biases too, so ReLU sees both signs). */
export function sameWeights(
  rng: ReturnType<typeof createRandom>,
  ...pairs: tf.Sequential[][]
): void {
  const [first] = pairs;
  first!.forEach((model, m) => {
    const weights = model.getWeights().map((w) => {
      const values = Float32Array.from({ length: w.size }, () => rng.normal() * 0.5);
      return tf.tensor(values, w.shape);
    });
    for (const pair of pairs) pair[m]!.setWeights(weights);
    weights.forEach((w) => w.dispose());
  });
}

/** D's logits on real and fake, and a loss over them that mixes signs (its bias gradient far from 0). */
function loss(g: tf.Sequential, d: tf.Sequential, z: tf.Tensor, real: tf.Tensor): tf.Scalar {
  const fake = g.apply(z) as tf.Tensor;
  const logits = d.apply(tf.concat([real, fake])) as tf.Tensor;
  return tf.sum(tf.mul(logits, tf.linspace(-1, 2, logits.size).reshape(logits.shape)));
}

export type Want = 'all' | 'D' | 'G';

/** The gradients a GAN step takes, as bits, in variable order. */
export function gradients(
  g: tf.Sequential,
  d: tf.Sequential,
  z: tf.Tensor,
  real: tf.Tensor,
  want: Want,
) {
  const vars = [
    ...(want !== 'D' ? g.trainableWeights : []),
    ...(want !== 'G' ? d.trainableWeights : []),
  ].map((w) => w.read() as tf.Variable);
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => loss(g, d, z, real), vars);
    return [value, ...vars.map((v) => grads[v.name]!)];
  });
}

/** Stock and lazy networks with the same random weights, and the inputs of a step. */
export function twinNetworks(seed: number) {
  const stock = networks(STOCK);
  const lazy = networks(LAZY);
  sameWeights(createRandom(seed), stock, lazy);
  const z = tf.randomNormal([4, 5], 0, 1, 'float32', seed + 1);
  const real = tf.randomUniform([4, 6, 6, 2], -1, 1, 'float32', seed + 2);
  return { stock, lazy, z, real };
}
