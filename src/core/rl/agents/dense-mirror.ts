/**
 * A plain-JS copy of a stack of dense layers (ReLU between them, none after
 * the last), read back from tfjs between chunks of steps: agents with a
 * network act from it without reading the GPU for every decision (WebGPU
 * has no synchronous readback).
 */
import type * as tf from '@tensorflow/tfjs';

export interface DenseLayer {
  /** Row-major, inputs × outputs, as tfjs keeps a dense kernel. */
  kernel: Float32Array;
  bias: Float32Array;
  inputs: number;
  outputs: number;
}

/** Reads [kernel, bias, kernel, bias, …] back into layers. */
export async function readDenseLayers(weights: readonly tf.Tensor[]): Promise<DenseLayer[]> {
  const values = await Promise.all(weights.map((w) => w.data() as Promise<Float32Array>));
  const layers: DenseLayer[] = [];
  for (let i = 0; i < weights.length; i += 2) {
    const [inputs, outputs] = weights[i]!.shape as [number, number];
    layers.push({ kernel: values[i]!, bias: values[i + 1]!, inputs, outputs });
  }
  return layers;
}

/** The last layer's outputs for input `x`, written into `out` (its length is the last layer's outputs). */
export function denseForward(
  layers: readonly DenseLayer[],
  x: ArrayLike<number>,
  out: Float64Array,
): Float64Array {
  let h: ArrayLike<number> = x;
  layers.forEach((layer, l) => {
    const last = l === layers.length - 1;
    const o = last ? out : new Float64Array(layer.outputs);
    o.set(layer.bias);
    for (let i = 0; i < layer.inputs; i++) {
      const v = h[i]!;
      if (v === 0) continue;
      const row = i * layer.outputs;
      for (let j = 0; j < layer.outputs; j++) o[j]! += v * layer.kernel[row + j]!;
    }
    if (!last) for (let j = 0; j < layer.outputs; j++) o[j] = Math.max(0, o[j]!);
    h = o;
  });
  return out;
}
