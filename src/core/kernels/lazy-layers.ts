/**
 * Dense and Conv2D layers whose gradients are computed only where asked.
 *
 * tfjs-layers runs a Dense or Conv2D layer with a linear activation through
 * tf.fused.matMul or tf.fused.conv2d. Under a gradient tape those are
 * customGrad ops, and a customGrad's gradient returns every input's
 * gradient whether the tape needs it or not. So each GAN step computed work
 * it threw away: the G step took D's weight and bias gradients (on the
 * DCGAN, D's largest filter gradient, about 10 ms of a step on WASM), and
 * the D step took the gradient of the images. A ReLU layer is not fused
 * under a tape at all: it runs as a product, an add and a ReLU, three
 * passes over the activations.
 *
 * Here the layers run the same kernels (_FusedMatMul and FusedConv2D, bias
 * and ReLU fused) straight through the engine, which records them with the
 * gradients registered below. The engine calls a registered gradient input
 * by input, and only for inputs on the path to the variables asked for. The
 * gradients are tfjs's own formulas on the same kernels, so they are the
 * same numbers (tests/unit/kernels/lazy-layers.test.ts); the layers keep
 * their class and weights, so saved models and checkpoints do not change.
 */
import * as tf from '@tensorflow/tfjs';
import { batchNormInTraining } from './batch-norm';
import { takesMatrices } from './kernel-swap';
import { useMeanGradient } from './mean-gradient';
import { useReshapeGradient } from './reshape-gradient';
import { useSharedSaves } from './shared-saves';

/**
 * Activations fused into the kernels here; other layers keep tfjs's own call.
 * Leaky ReLU comes from the layer after (withLeakyRelu), not the layer's own.
 */
type Fused = 'linear' | 'relu' | 'leakyrelu';
const isOwnFused = (name: string): name is 'linear' | 'relu' =>
  name === 'linear' || name === 'relu';

/**
 * dy through the fused activation, from the output y. y > 0 exactly where
 * x > 0 for ReLU and for leaky ReLU with alpha ≥ 0, so the registered
 * gradients (the app's own on WASM, wasm-activation-grad.ts) give the same
 * numbers from y as from x.
 */
function throughActivation(dy: tf.Tensor, y: tf.Tensor, activation: string, alpha: number) {
  if (activation === 'linear') return dy;
  if (activation === 'relu') {
    const relu = tf.getGradient('Relu');
    return relu ? relu.gradFunc(dy, [y], {}).x!() : tf.mul(dy, tf.step(y));
  }
  if (activation !== 'leakyrelu') throw new Error(`no gradient here for a fused ${activation}`);
  return tf.getGradient('LeakyRelu')!.gradFunc(dy, [y], { alpha }).x!();
}

/**
 * The gradient of a bias of one value per channel (the last axis): dy summed
 * over every other axis, as tfjs's getFusedBiasGradient sums it. The engine
 * cannot save an optional input for a gradient, so the bias's shape is
 * taken to be that: the ops below only pass such biases.
 */
const biasGradient = (dy: tf.Tensor): tf.Tensor => tf.sum(dy, [...dy.shape.keys()].slice(0, -1));

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
  activation: string;
  leakyreluAlpha: number;
}

interface ConvAttrs {
  strides: [number, number];
  pad: 'same' | 'valid';
  dataFormat: 'NHWC';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  activation: string;
  leakyreluAlpha: number;
}

/** tfjs's fused matMul gradient (ops/fused/mat_mul.ts), one input at a time. */
const matMulGradient: tf.GradConfig = {
  kernelName: '_FusedMatMul',
  inputsToSave: ['a', 'b'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [a, b, y] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
    const { transposeA, transposeB, activation, leakyreluAlpha } = attrs as unknown as MatMulAttrs;
    // Every input on the tape's path needs it, and the node is on the path: one pass, here.
    const g = throughActivation(dy as tf.Tensor, y, activation, leakyreluAlpha);
    return {
      a: () =>
        !transposeA ? tf.matMul(g, b, false, !transposeB) : tf.matMul(b, g, transposeB, true),
      b: () =>
        !transposeB ? tf.matMul(a, g, !transposeA, false) : tf.matMul(g, a, true, transposeA),
      bias: () => biasGradient(g),
    };
  },
};

/** tfjs's fused conv2d gradient (ops/fused/conv2d.ts), one input at a time. */
const convGradient: tf.GradConfig = {
  kernelName: 'FusedConv2D',
  inputsToSave: ['x', 'filter'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor];
    const { strides, pad, dataFormat, dimRoundingMode, activation, leakyreluAlpha } =
      attrs as unknown as ConvAttrs;
    const common = { strides, pad, dataFormat, dimRoundingMode };
    const g = throughActivation(dy as tf.Tensor, y, activation, leakyreluAlpha) as tf.Tensor4D;
    const run = (kernel: string, inputs: tf.NamedTensorMap, attrs: object) =>
      tf.engine().runKernel(kernel, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
    return {
      x: () => run('Conv2DBackpropInput', { dy: g, filter }, { ...common, inputShape: x.shape }),
      filter: () =>
        run('Conv2DBackpropFilter', { x, dy: g }, { ...common, filterShape: filter.shape }),
      bias: () => biasGradient(g),
    };
  },
};

/**
 * Registers the two gradients (once, when a layer is built; tfjs's own fused
 * ops never record these kernels), the mean's that batch norm uses, and the
 * engine's kernel-free saves for gradients.
 */
function ensureGradients(): void {
  for (const config of [matMulGradient, convGradient])
    if (tf.getGradient(config.kernelName) !== config) tf.registerGradient(config);
  useMeanGradient();
  useReshapeGradient();
  useSharedSaves();
}

/**
 * Whether the backend's _FusedMatMul takes x and w as they are. tfjs's cpu
 * and WebGPU kernels take any rank; its WASM kernel wants a batch axis,
 * unless the app's GEMM stands in front of it. Each reshape is a recorded
 * kernel forward and another backward (with a saved copy of its input): on
 * the toy GAN, a tenth of a step.
 */
function takesMatricesNow(): boolean {
  const backend = tf.getBackend();
  return backend !== 'wasm' || takesMatrices('_FusedMatMul', backend);
}

/** x · w (+ bias), then the activation, as one recorded _FusedMatMul; x and w are matrices. */
function fusedDense(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  bias: tf.Tensor1D | null,
  activation: Fused,
  leakyreluAlpha: number,
): tf.Tensor2D {
  const attrs = {
    transposeA: false,
    transposeB: false,
    activation,
    leakyreluAlpha,
  } satisfies MatMulAttrs;
  const run = (a: tf.Tensor, b: tf.Tensor) =>
    tf
      .engine()
      .runKernel(
        '_FusedMatMul',
        bias ? { a, b, bias } : { a, b },
        attrs as unknown as tf.NamedAttrMap,
      ) as tf.Tensor;
  if (takesMatricesNow()) return run(x, w) as tf.Tensor2D;
  return tf.tidy(() => {
    const [rows, inner] = x.shape;
    const cols = w.shape[1];
    const y = run(tf.reshape(x, [1, rows, inner]), tf.reshape(w, [1, inner, cols]));
    return tf.reshape(y, [rows, cols]);
  });
}

/** A channels-last convolution (+ bias), then the activation, as one recorded FusedConv2D. */
function fusedConv2d(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor1D | null,
  strides: [number, number],
  pad: 'same' | 'valid',
  activation: Fused,
  leakyreluAlpha: number,
): tf.Tensor4D {
  const inputs: tf.NamedTensorMap = bias ? { x, filter, bias } : { x, filter };
  const attrs: ConvAttrs = { strides, pad, dataFormat: 'NHWC', activation, leakyreluAlpha };
  return tf.engine().runKernel('FusedConv2D', inputs, {
    ...attrs,
    dilations: [1, 1],
  } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/** The parts of tfjs-layers' Dense and Conv2D read here (its typings keep them private). */
interface LayerParts {
  kernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
  activation: { getClassName(): string; apply(x: tf.Tensor): tf.Tensor };
}
interface ConvParts extends LayerParts {
  rank: number;
  strides: number[];
  padding: string;
  dataFormat: string;
  dilationRate: number[];
}

type Call = tf.layers.Layer['call'];
const one = (inputs: Parameters<Call>[0]): tf.Tensor =>
  Array.isArray(inputs) ? inputs[0]! : inputs;

/** The leaky ReLU's alpha of layers whose next layer's leaky ReLU they apply (withLeakyRelu). */
const leakyAfter = new WeakMap<tf.layers.Layer, number>();
/** Layers whose next layer applies its leaky ReLU itself for now (withLeakyReluApart). */
const apart = new WeakSet<tf.layers.Layer>();
/** The alpha of the leaky ReLU `layer` applies now, if it applies one. */
const fusedAlpha = (layer: tf.layers.Layer): number | undefined =>
  apart.has(layer) ? undefined : leakyAfter.get(layer);

/**
 * The activation a lazy layer fuses: its own (linear or ReLU), or the leaky
 * ReLU of the layer after it; null when neither can be fused.
 */
function fusedActivation(layer: tf.layers.Layer, own: string): [Fused, number] | null {
  const alpha = fusedAlpha(layer);
  if (alpha !== undefined)
    return own !== 'linear' ? null : alpha === 0 ? ['relu', 0] : ['leakyrelu', alpha];
  return isOwnFused(own) ? [own, 0] : null;
}

/**
 * Replaces a layer's call with `fast` where it returns a tensor, tfjs's own
 * call where it returns null (followed by the leaky ReLU it stands in for).
 */
function withCall<L extends tf.layers.Layer>(
  layer: L,
  fast: (x: tf.Tensor, kwargs: Parameters<Call>[1]) => tf.Tensor | null,
): L {
  const stock: Call = layer.call.bind(layer);
  layer.call = (inputs, kwargs) =>
    tf.tidy(() => {
      const y = fast(one(inputs), kwargs);
      if (y) return y;
      const out = stock(inputs, kwargs) as tf.Tensor;
      const alpha = fusedAlpha(layer);
      return alpha === undefined ? out : alpha === 0 ? tf.relu(out) : tf.leakyRelu(out, alpha);
    });
  return layer;
}

/**
 * `layer` and the activation layer `after` it, run as one kernel: `layer`
 * applies the activation in its last pass over the output instead of
 * another kernel making a pass of its own (on the DCGAN's D, 6% of a step
 * on WASM). The activation layer stays in the model, so its layers,
 * weights and saved form are tfjs's own (loaded elsewhere, the two compute
 * the same); here it passes its input on.
 */
function fusedWithNext(layer: tf.layers.Layer, alpha: number, after: tf.layers.Layer) {
  leakyAfter.set(layer, alpha);
  const stock: Call = after.call.bind(after);
  // A reshape to its own shape shares the data both ways. Its input as it is would be
  // cloned by tfjs-layers (an output is never an input), and the clone's gradient is a Cast.
  const pass = (x: tf.Tensor) => tf.reshape(x, x.shape);
  after.call = (inputs, kwargs) => (apart.has(layer) ? stock(inputs, kwargs) : pass(one(inputs)));
  return [layer, after];
}

/**
 * A lazy Dense or Conv2D layer (linear) and a leaky ReLU after it, the
 * product applying the leaky ReLU (_FusedMatMul and FusedConv2D take
 * `leakyrelu`).
 */
export function withLeakyRelu(layer: tf.layers.Layer, alpha: number): tf.layers.Layer[] {
  if (!(alpha >= 0)) throw new RangeError(`a fused leaky ReLU needs alpha ≥ 0, got ${alpha}`);
  return fusedWithNext(layer, alpha, tf.layers.leakyReLU({ alpha }));
}

/** A lazy layer and a ReLU layer after it, the first applying the ReLU (lazyBatchNorm's kernel). */
export function withRelu(layer: tf.layers.Layer): tf.layers.Layer[] {
  return fusedWithNext(layer, 0, tf.layers.reLU());
}

/**
 * Runs `fn` with the leaky ReLUs after `layers` applied by their own layers
 * again: for code that reads a product's output before its activation
 * (per-row clipping adds its probes there). The same numbers either way.
 */
export function withLeakyReluApart<T>(layers: readonly tf.layers.Layer[], fn: () => T): T {
  const fused = layers.filter((l) => leakyAfter.has(l) && !apart.has(l));
  for (const l of fused) apart.add(l);
  try {
    return fn();
  } finally {
    for (const l of fused) apart.delete(l);
  }
}

/**
 * tf.layers.dense, with lazy gradients for matrix inputs. Linear and ReLU
 * run fused; another activation (G's tanh) follows the fused product, as
 * tfjs's layer applies it after its own.
 */
export function lazyDense(args: Parameters<typeof tf.layers.dense>[0]): tf.layers.Layer {
  ensureGradients();
  const layer = tf.layers.dense(args);
  const p = layer as unknown as LayerParts;
  return withCall(layer, (x) => {
    if (x.rank !== 2) return null;
    const own = p.activation.getClassName();
    const bias = (p.bias?.read() ?? null) as tf.Tensor1D | null;
    const w = p.kernel.read() as tf.Tensor2D;
    const fused = fusedActivation(layer, own);
    if (fused) return fusedDense(x as tf.Tensor2D, w, bias, ...fused);
    if (fusedAlpha(layer) !== undefined) return null;
    return p.activation.apply(fusedDense(x as tf.Tensor2D, w, bias, 'linear', 0));
  });
}

/** tf.layers.conv2d, with lazy gradients where channels come last, undilated, linear or ReLU. */
export function lazyConv2d(args: Parameters<typeof tf.layers.conv2d>[0]): tf.layers.Layer {
  ensureGradients();
  const layer = tf.layers.conv2d(args);
  const p = layer as unknown as ConvParts;
  return withCall(layer, (x) => {
    const fused = fusedActivation(layer, p.activation.getClassName());
    const plain =
      p.rank === 2 &&
      x.rank === 4 &&
      p.dataFormat === 'channelsLast' &&
      p.dilationRate.every((d) => d === 1) &&
      (p.padding === 'same' || p.padding === 'valid');
    if (!plain || !fused) return null;
    const bias = (p.bias?.read() ?? null) as tf.Tensor1D | null;
    const strides = [p.strides[0]!, p.strides[1]!] as [number, number];
    const pad = p.padding as 'same' | 'valid';
    return fusedConv2d(
      x as tf.Tensor4D,
      p.kernel.read() as tf.Tensor4D,
      bias,
      strides,
      pad,
      ...fused,
    );
  });
}

/** The parts of tfjs-layers' BatchNormalization read here. */
interface BatchNormParts {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: { read(): tf.Tensor };
  beta: { read(): tf.Tensor };
  movingMean: { read(): tf.Tensor; write(t: tf.Tensor): void };
  movingVariance: { read(): tf.Tensor; write(t: tf.Tensor): void };
}

/**
 * tf.layers.batchNormalization, whose training pass over channels-last
 * inputs is one kernel forward and two backward where the backend has them
 * (kernels/batch-norm.ts), a ReLU after it fused in (withRelu). Inference,
 * and backends without the kernels, run tfjs's own call. The moving
 * averages are updated as tfjs-layers updates them, from the kernel's mean
 * and variance.
 */
export function lazyBatchNorm(
  args?: Parameters<typeof tf.layers.batchNormalization>[0],
): tf.layers.Layer {
  ensureGradients();
  const layer = tf.layers.batchNormalization(args);
  const p = layer as unknown as BatchNormParts;
  const movingAverage = (variable: BatchNormParts['movingMean'], value: tf.Tensor): void => {
    const current = variable.read();
    variable.write(tf.sub(current, tf.mul(tf.sub(current, value), 1 - p.momentum)));
  };
  return withCall(layer, (x, kwargs) => {
    const alpha = fusedAlpha(layer);
    const lastAxis = p.axis === -1 || p.axis === x.rank - 1;
    if (kwargs?.['training'] !== true || !lastAxis || !p.center || !p.scale) return null;
    if (alpha !== undefined && alpha !== 0) return null;
    const out = batchNormInTraining(x, p.gamma.read(), p.beta.read(), {
      epsilon: p.epsilon,
      relu: alpha === 0,
    });
    if (!out) return null;
    const [y, mean, variance] = out;
    movingAverage(p.movingMean, mean);
    movingAverage(p.movingVariance, variance);
    return y;
  });
}
