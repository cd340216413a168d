/**
 * Batch norm in training as one kernel forward and two backward, with an
 * optional ReLU after it. Through tfjs's ops (tf.moments, then batchNorm,
 * then relu) it is about 25 kernels forward and 50 backward: the DCGAN's
 * two batch norms were a tenth of its step on WASM, mostly engine work and
 * broadcast passes.
 *
 * Forward, per channel c of a channels-last input seen as rows × channels:
 *   mean = Σx / n, variance = Σ(x − mean)² / n (as tf.moments adds them),
 *   y = max(((x − mean) · gamma) / sd + beta, floor), sd = √(variance + ε),
 * floor −∞, or 0 for the ReLU. Backward, with g = dy (or dy where y > 0):
 *   dbeta = Σg, dgamma = Σg · (x − mean) / sd,
 *   dx = a · g + b · (x − mean) + c, where a = gamma / sd,
 *   b = −gamma · dgamma / (sd² · n) + 2 · dvariance / n,
 *   c = −gamma · dbeta / (sd · n) + dmean / n,
 * which is the gradient tfjs's chain of ops computes through the moments
 * (mean and variance are outputs too; the layer's moving averages read
 * them, and anything else that does gets their gradients).
 *
 * The passes here are the cpu backend's kernels and the reference for
 * WASM's (wasm/wasm-batch-norm.ts), which does the same float32 operations
 * in the same order, so the two give the same bits. Against tfjs's ops the
 * numbers differ in the last bits (tests/unit/kernels/batch-norm.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { outputOf, readValues } from './host-backend';

export const BATCH_NORM = 'DemandLabBatchNorm';
export const BATCH_NORM_SUMS = 'DemandLabBatchNormGradSums';
export const BATCH_NORM_INPUT_GRAD = 'DemandLabBatchNormInputGrad';

export interface BatchNormAttrs {
  epsilon: number;
  /** A ReLU after the normalisation. */
  relu: boolean;
}

const f = Math.fround;

/** The floor of the forward pass's max: none, or the ReLU's 0. */
export const floorOf = (relu: boolean): number => (relu ? 0 : -Infinity);

/** Per channel, √(variance + ε) in float32. */
export function deviationsOf(
  variance: Float32Array,
  epsilon: number,
  out = new Float32Array(variance.length),
): Float32Array {
  const eps = f(epsilon);
  for (let c = 0; c < variance.length; c++) out[c] = Math.sqrt(f(variance[c]! + eps));
  return out;
}

/** dgamma from Σg · (x − mean), per channel. */
export function gammaGradientOf(
  sumGX: Float32Array,
  variance: Float32Array,
  epsilon: number,
  out = new Float32Array(sumGX.length),
): Float32Array {
  const sd = deviationsOf(variance, epsilon);
  for (let c = 0; c < sumGX.length; c++) out[c] = sumGX[c]! / sd[c]!;
  return out;
}

/** The per-channel a, b and c of dx = a · g + b · (x − mean) + c. */
export function inputGradientCoefficients(p: {
  gamma: Float32Array;
  variance: Float32Array;
  epsilon: number;
  dgamma: Float32Array;
  dbeta: Float32Array;
  dmean: Float32Array;
  dvariance: Float32Array;
  count: number;
}): { a: Float32Array; b: Float32Array; c: Float32Array } {
  const channels = p.gamma.length;
  const sd = deviationsOf(p.variance, p.epsilon);
  const [a, b, c] = [0, 0, 0].map(() => new Float32Array(channels)) as [
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const n = p.count;
  for (let k = 0; k < channels; k++) {
    const s = sd[k]!;
    const gamma = p.gamma[k]!;
    a[k] = gamma / s;
    b[k] = (-gamma * p.dgamma[k]!) / (s * s * n) + (2 * p.dvariance[k]!) / n;
    c[k] = (-gamma * p.dbeta[k]!) / (s * n) + p.dmean[k]! / n;
  }
  return { a, b, c };
}

/** The forward pass over rows × channels. */
export function batchNormForward(
  x: Float32Array,
  channels: number,
  gamma: Float32Array,
  beta: Float32Array,
  { epsilon, relu }: BatchNormAttrs,
): { y: Float32Array; mean: Float32Array; variance: Float32Array } {
  const rows = x.length / channels;
  const mean = new Float32Array(channels);
  const variance = new Float32Array(channels);
  for (let i = 0; i < x.length; i++) mean[i % channels] += x[i]!;
  for (let c = 0; c < channels; c++) mean[c] = mean[c]! / rows;
  for (let i = 0; i < x.length; i++) {
    const d = f(x[i]! - mean[i % channels]!);
    variance[i % channels] += f(d * d);
  }
  for (let c = 0; c < channels; c++) variance[c] = variance[c]! / rows;
  const sd = deviationsOf(variance, epsilon);
  const floor = floorOf(relu);
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = i % channels;
    const scaled = f(f(f(x[i]! - mean[c]!) * gamma[c]!) / sd[c]!);
    y[i] = Math.max(f(scaled + beta[c]!), floor);
  }
  return { y, mean, variance };
}

/** g for element i: dy, or dy where y > 0 after a ReLU. */
const gradientAt = (dy: Float32Array, y: Float32Array, relu: boolean, i: number): number =>
  relu && !(y[i]! > 0) ? 0 : dy[i]!;

/** Σg and Σg · (x − mean) per channel. */
export function batchNormGradientSums(
  dy: Float32Array,
  y: Float32Array,
  x: Float32Array,
  mean: Float32Array,
  relu: boolean,
): { sumG: Float32Array; sumGX: Float32Array } {
  const channels = mean.length;
  const sumG = new Float32Array(channels);
  const sumGX = new Float32Array(channels);
  for (let i = 0; i < x.length; i++) {
    const c = i % channels;
    const g = gradientAt(dy, y, relu, i);
    sumG[c] += g;
    sumGX[c] += f(g * f(x[i]! - mean[c]!));
  }
  return { sumG, sumGX };
}

/** dx = a · g + b · (x − mean) + c. */
export function batchNormInputGradient(
  dy: Float32Array,
  y: Float32Array,
  x: Float32Array,
  mean: Float32Array,
  relu: boolean,
  { a, b, c }: { a: Float32Array; b: Float32Array; c: Float32Array },
): Float32Array {
  const channels = mean.length;
  const dx = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const k = i % channels;
    const g = gradientAt(dy, y, relu, i);
    dx[i] = f(f(f(a[k]! * g) + f(b[k]! * f(x[i]! - mean[k]!))) + c[k]!);
  }
  return dx;
}

export const attrsOf = (attrs: tf.NamedAttrMap | undefined): BatchNormAttrs => ({
  epsilon: Number(attrs?.['epsilon']),
  relu: attrs?.['relu'] === true,
});

const gradient: tf.GradConfig = {
  kernelName: BATCH_NORM,
  inputsToSave: ['x', 'gamma'],
  outputsToSave: [true, true, true],
  gradFunc: (dys, saved, attrs) => {
    const [dy, dmean, dvariance] = dys as tf.Tensor[];
    const [x, gamma, y, mean, variance] = saved as tf.Tensor[];
    const run = (name: string, inputs: tf.NamedTensorMap) =>
      tf.engine().runKernel(name, inputs, attrs) as tf.Tensor | tf.Tensor[];
    // Run here, once, for all three gradients: dx needs both sums. The engine
    // disposes them with the rest of the backward pass unless a variable takes them.
    const [dgamma, dbeta] = run(BATCH_NORM_SUMS, { dy, y, x, mean, variance }) as tf.Tensor[];
    return {
      x: () =>
        run(BATCH_NORM_INPUT_GRAD, {
          dy,
          y,
          x,
          mean,
          variance,
          gamma,
          dgamma,
          dbeta,
          dmean,
          dvariance,
        }) as tf.Tensor,
      gamma: () => dgamma!,
      beta: () => dbeta!,
    };
  },
};

/** Registers the gradient of BATCH_NORM (once); the backends' kernels register with it. */
export function useBatchNormGradient(): void {
  if (tf.getGradient(BATCH_NORM) !== gradient) tf.registerGradient(gradient);
}

/** The three kernels on the cpu backend (once), and the gradient. */
export function useBatchNorm(backendName: 'cpu'): void {
  useBatchNormGradient();
  if (tf.getKernel(BATCH_NORM, backendName)) return;
  tf.registerKernel({
    kernelName: BATCH_NORM,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const x = inputs['x']!;
      const channels = x.shape[x.shape.length - 1]!;
      const read = (name: string) => readValues(backend, inputs[name]!);
      const out = batchNormForward(
        read('x'),
        channels,
        read('gamma'),
        read('beta'),
        attrsOf(attrs),
      );
      return [
        outputOf(backend, x.shape, out.y),
        outputOf(backend, [channels], out.mean),
        outputOf(backend, [channels], out.variance),
      ];
    },
  });
  tf.registerKernel({
    kernelName: BATCH_NORM_SUMS,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const read = (name: string) => readValues(backend, inputs[name]!);
      const { epsilon, relu } = attrsOf(attrs);
      const { sumG, sumGX } = batchNormGradientSums(
        read('dy'),
        read('y'),
        read('x'),
        read('mean'),
        relu,
      );
      const dgamma = gammaGradientOf(sumGX, read('variance'), epsilon);
      return [outputOf(backend, [sumG.length], dgamma), outputOf(backend, [sumG.length], sumG)];
    },
  });
  tf.registerKernel({
    kernelName: BATCH_NORM_INPUT_GRAD,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const read = (name: string) => readValues(backend, inputs[name]!);
      const { epsilon, relu } = attrsOf(attrs);
      const x = inputs['x']!;
      const coefficients = inputGradientCoefficients({
        gamma: read('gamma'),
        variance: read('variance'),
        epsilon,
        dgamma: read('dgamma'),
        dbeta: read('dbeta'),
        dmean: read('dmean'),
        dvariance: read('dvariance'),
        count: tf.util.sizeFromShape(x.shape) / x.shape[x.shape.length - 1]!,
      });
      const dx = batchNormInputGradient(
        read('dy'),
        read('y'),
        read('x'),
        read('mean'),
        relu,
        coefficients,
      );
      return outputOf(backend, x.shape, dx);
    },
  });
}

/**
 * [y, mean, variance] of a batch norm in training over the last axis, as
 * one recorded kernel; null where the backend lacks it (the caller runs
 * tfjs's ops) or the input is not float32 with channels last.
 */
export function batchNormInTraining(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  attrs: BatchNormAttrs,
): [tf.Tensor, tf.Tensor, tf.Tensor] | null {
  const channels = x.shape[x.shape.length - 1];
  const fits =
    x.rank >= 2 &&
    x.dtype === 'float32' &&
    x.size > 0 &&
    gamma.size === channels &&
    beta.size === channels;
  if (!fits || !tf.getKernel(BATCH_NORM, tf.getBackend())) return null;
  const out = tf
    .engine()
    .runKernel(BATCH_NORM, { x, gamma, beta }, attrs as unknown as tf.NamedAttrMap);
  return out as [tf.Tensor, tf.Tensor, tf.Tensor];
}
