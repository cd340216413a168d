/**
 * Per-row clipped gradients of a dense network in one backward pass, the
 * heart of DP-SGD. For a dense layer y = a W + b, the gradient row i gives W
 * is the outer product a_i ⊗ δ_i and the one it gives b is δ_i, where δ_i is
 * the gradient of row i's loss at the layer's output. So the squared norm of
 * row i's whole gradient is Σ_layers (|a_i|² + 1) |δ_i|² (Goodfellow 2015,
 * "Efficient per-example gradient computations"), and the clipped sum is
 * Σ_i s_i a_i ⊗ δ_i = aᵀ (s δ) with s_i = min(1, C / norm_i). The δ's come
 * from one gradient of the summed loss with respect to zero "probes" added
 * to each layer's output.
 */
import * as tf from '@tensorflow/tfjs';
import { withLeakyReluApart } from '../kernels/lazy-layers';

/** Layers without weights (activations) pass through; every weighted layer must be Dense. */
function denseLayers(model: tf.Sequential): tf.layers.Layer[] {
  const weighted = model.layers.filter((l) => l.trainableWeights.length > 0);
  const bad = weighted.find((l) => l.getClassName() !== 'Dense');
  if (bad) throw new Error(`per-row clipping handles Dense layers only, not ${bad.getClassName()}`);
  if (weighted.some((l) => l.trainableWeights.length !== 2))
    throw new Error('per-row clipping needs dense layers with a bias');
  return weighted;
}

export interface ClippedGradients {
  /** Σ_i clip(g_i), in the order of the model's trainable weights (kernel, bias per layer). */
  sums: tf.Tensor[];
  /** Each row's gradient norm before clipping. */
  norms: tf.Tensor1D;
  /** The model's outputs for the rows, as [rows]. */
  outputs: tf.Tensor1D;
}

/**
 * `rowLosses` maps the model's outputs [rows] to each row's loss [rows].
 * Call inside a tidy; `x` must have at least one row.
 */
export function clippedGradientSum(
  model: tf.Sequential,
  x: tf.Tensor2D,
  rowLosses: (outputs: tf.Tensor1D) => tf.Tensor1D,
  clipNorm: number,
): ClippedGradients {
  const dense = denseLayers(model);
  const rows = x.shape[0];
  const inputs: tf.Tensor2D[] = [];
  const forward = (probes: tf.Tensor[] | null): tf.Tensor1D => {
    let h: tf.Tensor2D = x;
    let k = 0;
    for (const layer of model.layers) {
      const isDense = layer.trainableWeights.length > 0;
      if (isDense && !probes) inputs.push(h);
      h = layer.apply(h, { training: true }) as tf.Tensor2D;
      if (isDense && probes) h = tf.add(h, probes[k++]!);
    }
    return tf.reshape(h, [rows]);
  };
  const outputs = forward(null);
  const zeros = dense.map((l) => tf.zeros([rows, l.trainableWeights[1]!.shape[0]!]));
  // The probes go on each product's output before its activation, so a leaky ReLU fused
  // into the product runs apart here.
  const deltas = withLeakyReluApart(model.layers, () =>
    tf.grads((...probes: tf.Tensor[]) => tf.sum(rowLosses(forward(probes))))(zeros),
  );
  const squared = tf.addN(
    dense.map((_, l) =>
      tf.mul(tf.add(tf.sum(tf.square(inputs[l]!), 1), 1), tf.sum(tf.square(deltas[l]!), 1)),
    ),
  );
  const norms = tf.sqrt(squared) as tf.Tensor1D;
  const scale = tf.expandDims(tf.minimum(1, tf.div(clipNorm, tf.maximum(norms, 1e-12))), 1);
  const sums = dense.flatMap((_, l) => {
    const d = tf.mul(deltas[l]!, scale);
    return [tf.matMul(inputs[l]!, d, true, false), tf.sum(d, 0)];
  });
  return { sums, norms, outputs };
}
