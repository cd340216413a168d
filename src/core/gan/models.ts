/**
 * Generator and discriminator builders for the four GAN views. Every model
 * works on flat vectors (pixels in [-1, 1], or 2D points) so the train
 * step, the metrics and the page never care about image layout. D returns a
 * logit; D(x) = sigmoid(logit), and the losses work on the logit for stability.
 *
 * Parameter counts (asserted in tests):
 *   article      G 100->128->256->1024->784 tanh          1,112,720
 *                D 784->1024->512->256->1 (sigmoid)       1,460,225
 *   article-tuned  the same with leaky ReLU (0.2) for relu: the same counts
 *   dcgan        G z->7x7x64 ->14x14x32 ->28x28x1 tanh    234,369
 *                D 28x28x1 ->14x14x32 ->7x7x64 ->1        36,513
 *                (on the user's 32x32 colour images: 8x8 base, 3 channels out and in)
 *   conditional  the DCGAN with a one-hot digit appended to z and 10 label planes added to D's input
 *   conditional-mlp  G (z+10)->256->512->784 tanh          552,976 (z = 64)
 *                D (784+10)->512->256->1, leaky ReLU 0.2  538,625: the quickest to digits here
 *   toy          G 2->h->h->2, D 2->h->h->1
 *
 * Dense, convolution and batch-norm layers are tfjs's, built through
 * kernels/lazy-layers.ts so that a step computes only the gradients it asks
 * for, in as few kernels as it can.
 */
import * as tf from '@tensorflow/tfjs';
import type { Random } from '../random';
import {
  lazyBatchNorm,
  lazyConv2d,
  lazyDense,
  withLeakyRelu,
  withRelu,
} from '../kernels/lazy-layers';
import { isConditional, type GanConfig, type GanModelKind } from './config';

export const IMAGE_SIDE = 28;
export const IMAGE_PIXELS = IMAGE_SIDE * IMAGE_SIDE;
export const DIGIT_CLASSES = 10;

/** The images a GAN makes: MNIST's 28×28×1, or the user's own (28×28 grey or 32×32 colour). */
export interface ImageShape {
  side: number;
  channels: 1 | 3;
}

export const MNIST_SHAPE: ImageShape = { side: IMAGE_SIDE, channels: 1 };

export interface GanModels {
  kind: GanModelKind;
  generator: tf.LayersModel;
  discriminator: tf.LayersModel;
  /** Values per sample: side * side * channels for images, 2 for toy points. */
  dataSize: number;
  /** Image models only. */
  shape: ImageShape | null;
  /** Whether G and D take a digit label. */
  conditional: boolean;
  latentSize: number;
  /** Whether D judges each row on its own (no batch statistics, no dropout): see discriminatePair. */
  rowWiseD: boolean;
}

/** Layers whose output for a row depends on that row alone, in training as in inference. */
const ROW_WISE_LAYERS = new Set([
  'Dense',
  'Conv2D',
  'LeakyReLU',
  'ReLU',
  'Activation',
  'Flatten',
  'Reshape',
]);

function judgesRowsAlone(model: tf.LayersModel): boolean {
  return model.layers.every((l) => ROW_WISE_LAYERS.has(l.getClassName()));
}

function glorot(rng: Random): ReturnType<typeof tf.initializers.glorotUniform> {
  return tf.initializers.glorotUniform({ seed: rng.seed32() });
}

/** A dense network through `sizes`, with ReLU or leaky-ReLU (0.2) between layers. */
export function mlp(
  name: string,
  sizes: number[],
  hidden: 'relu' | 'leakyRelu',
  last: 'tanh' | 'linear',
  rng: Random,
): tf.Sequential {
  const model = tf.sequential({ name });
  for (let i = 1; i < sizes.length; i++) {
    const isLast = i === sizes.length - 1;
    const dense = lazyDense({
      ...(i === 1 ? { inputShape: [sizes[0]!] } : {}),
      units: sizes[i]!,
      activation: isLast ? last : hidden === 'relu' ? 'relu' : 'linear',
      kernelInitializer: glorot(rng),
    });
    const leaky = !isLast && hidden === 'leakyRelu';
    for (const layer of leaky ? withLeakyRelu(dense, 0.2) : [dense]) model.add(layer);
  }
  return model;
}

/**
 * The article's MLP GAN, fixed: G ends in Dense(784) + tanh, D is used
 * through D(G(z)). `hidden` is the article's relu, or leaky ReLU for the
 * variant that draws every digit (config.ts 'article-tuned').
 */
function buildArticle(
  latent: number,
  pixels: number,
  hidden: 'relu' | 'leakyRelu',
  rng: Random,
): [tf.Sequential, tf.Sequential] {
  return [
    mlp('article_generator', [latent, 128, 256, 1024, pixels], hidden, 'tanh', rng),
    // The article's D ends in a sigmoid; we keep its logit and apply the sigmoid in the loss.
    mlp('article_discriminator', [pixels, 1024, 512, 256, 1], hidden, 'linear', rng),
  ];
}

/** A small DCGAN; `labels` adds the conditional inputs. G upsamples twice, so side must divide by 4. */
function buildDcgan(
  latent: number,
  labels: boolean,
  shape: ImageShape,
  rng: Random,
): [tf.Sequential, tf.Sequential] {
  const base = shape.side / 4;
  const g = tf.sequential({ name: labels ? 'cgan_generator' : 'dcgan_generator' });
  g.add(
    lazyDense({
      inputShape: [latent + (labels ? DIGIT_CLASSES : 0)],
      units: base * base * 64,
      useBias: false,
      kernelInitializer: glorot(rng),
    }),
  );
  g.add(tf.layers.reshape({ targetShape: [base, base, 64] }));
  // Batch norm in G keeps early activations in range; momentum 0.8 so the
  // moving statistics used for the sample grid catch up within a few steps.
  // Each applies the ReLU after it in its own last pass (withRelu).
  const normThenRelu = () => withRelu(lazyBatchNorm({ momentum: 0.8 }));
  for (const layer of normThenRelu()) g.add(layer);
  g.add(
    tf.layers.conv2dTranspose({
      filters: 32,
      kernelSize: 4,
      strides: 2,
      padding: 'same',
      useBias: false,
      kernelInitializer: glorot(rng),
    }),
  );
  for (const layer of normThenRelu()) g.add(layer);
  g.add(
    tf.layers.conv2dTranspose({
      filters: shape.channels,
      kernelSize: 4,
      strides: 2,
      padding: 'same',
      activation: 'tanh',
      kernelInitializer: glorot(rng),
    }),
  );
  g.add(tf.layers.flatten());

  const d = tf.sequential({ name: labels ? 'cgan_discriminator' : 'dcgan_discriminator' });
  // Each convolution applies the leaky ReLU after it in its own last pass (withLeakyRelu).
  const convs = [
    lazyConv2d({
      inputShape: [shape.side, shape.side, shape.channels + (labels ? DIGIT_CLASSES : 0)],
      filters: 32,
      kernelSize: 4,
      strides: 2,
      padding: 'same',
      kernelInitializer: glorot(rng),
    }),
    lazyConv2d({
      filters: 64,
      kernelSize: 4,
      strides: 2,
      padding: 'same',
      kernelInitializer: glorot(rng),
    }),
  ];
  for (const conv of convs) for (const layer of withLeakyRelu(conv, 0.2)) d.add(layer);
  d.add(tf.layers.flatten());
  d.add(lazyDense({ units: 1, kernelInitializer: glorot(rng) }));
  return [g, d];
}

/** Kernels the convolutional GANs need for training beyond the common ones. */
const CONV_TRAINING_KERNELS = ['Conv2DBackpropFilter', 'Conv2DBackpropInput'] as const;

/**
 * Kernels a model needs that `backend` lacks, so the job can say so up front
 * instead of failing at its first step. tfjs's WASM backend ships no
 * Conv2DBackpropFilter; the app registers one when WASM starts
 * (kernels/wasm/wasm-conv.ts), so this is empty there in the app.
 */
export function missingKernels(kind: GanModelKind, backend: string): string[] {
  if (kind !== 'dcgan' && kind !== 'conditional') return [];
  return CONV_TRAINING_KERNELS.filter((k) => !tf.getKernel(k, backend));
}

/**
 * Builds G and D for a config, with weights drawn from `rng`; image models
 * make images of `shape` (MNIST's unless the user brought their own).
 */
export function buildGan(
  config: GanConfig,
  rng: Random,
  shape: ImageShape = MNIST_SHAPE,
): GanModels {
  const latent = config.latentSize;
  if (config.model !== 'toy' && !(shape.side >= 4 && shape.side % 4 === 0))
    throw new RangeError(`image side ${shape.side} must be a multiple of 4`);
  let pair: [tf.Sequential, tf.Sequential];
  switch (config.model) {
    case 'article':
    case 'article-tuned':
      pair = buildArticle(
        latent,
        shape.side * shape.side * shape.channels,
        config.model === 'article' ? 'relu' : 'leakyRelu',
        rng,
      );
      break;
    case 'dcgan':
      pair = buildDcgan(latent, false, shape, rng);
      break;
    case 'conditional':
      pair = buildDcgan(latent, true, shape, rng);
      break;
    case 'conditional-mlp': {
      const pixels = shape.side * shape.side * shape.channels;
      pair = [
        mlp('cmlp_generator', [latent + DIGIT_CLASSES, 256, 512, pixels], 'leakyRelu', 'tanh', rng),
        mlp(
          'cmlp_discriminator',
          [pixels + DIGIT_CLASSES, 512, 256, 1],
          'leakyRelu',
          'linear',
          rng,
        ),
      ];
      break;
    }
    case 'toy': {
      const h = config.toyHidden;
      pair = [
        mlp('toy_generator', [latent, h, h, 2], 'leakyRelu', 'linear', rng),
        mlp('toy_discriminator', [2, h, h, 1], 'leakyRelu', 'linear', rng),
      ];
      break;
    }
  }
  return {
    kind: config.model,
    generator: pair[0],
    discriminator: pair[1],
    dataSize: config.model === 'toy' ? 2 : shape.side * shape.side * shape.channels,
    shape: config.model === 'toy' ? null : shape,
    conditional: isConditional(config.model),
    latentSize: latent,
    rowWiseD: judgesRowsAlone(pair[1]),
  };
}

/** G(z) (with the one-hot digit for the conditional GAN), as [batch, dataSize]. */
export function generate(
  m: GanModels,
  z: tf.Tensor2D,
  labels: tf.Tensor2D | null,
  training: boolean,
): tf.Tensor2D {
  const input = m.conditional && labels ? tf.concat([z, labels], 1) : z;
  return m.generator.apply(input, { training }) as tf.Tensor2D;
}

/** D's logit for each row of x, as [batch]. */
export function discriminate(
  m: GanModels,
  x: tf.Tensor2D,
  labels: tf.Tensor2D | null,
  training: boolean,
): tf.Tensor1D {
  return tf.reshape(logitColumn(m, x, labels, training), [x.shape[0]]);
}

/**
 * D's logit for each row of x as D gives them, [batch, 1]: what the losses
 * take, without a reshape forward and another backward on the tape.
 */
export function logitColumn(
  m: GanModels,
  x: tf.Tensor2D,
  labels: tf.Tensor2D | null,
  training: boolean,
): tf.Tensor2D {
  let input: tf.Tensor = x;
  if (m.kind === 'conditional-mlp' && labels) input = tf.concat([x, labels], 1);
  if ((m.kind === 'dcgan' || m.kind === 'conditional') && m.shape) {
    const b = x.shape[0];
    const { side, channels } = m.shape;
    input = tf.reshape(x, [b, side, side, channels]);
    if (m.conditional && labels) {
      // Each digit becomes 10 constant planes, so every conv filter sees the label.
      const planes = tf.tile(tf.reshape(labels, [b, 1, 1, DIGIT_CLASSES]), [1, side, side, 1]);
      input = tf.concat([input, planes], 3);
    }
  }
  return m.discriminator.apply(input, { training }) as tf.Tensor2D;
}

/**
 * D's logits for a real and a fake batch, joined (real first) in a column,
 * as the losses take them. Where D judges each row alone, both go through it as one
 * batch: the same logits and gradients (up to float rounding), in half the
 * kernel calls, and each weight's gradient is one product over both batches
 * instead of two products and a sum.
 */
export function discriminatePair(
  m: GanModels,
  real: tf.Tensor2D,
  realLabels: tf.Tensor2D | null,
  fake: tf.Tensor2D,
  fakeLabels: tf.Tensor2D | null,
  training: boolean,
): tf.Tensor2D {
  if (!m.rowWiseD)
    return tf.concat([
      logitColumn(m, real, realLabels, training),
      logitColumn(m, fake, fakeLabels, training),
    ]);
  const labels = realLabels && fakeLabels ? tf.concat([realLabels, fakeLabels]) : null;
  return logitColumn(m, tf.concat([real, fake]), labels, training);
}

/** The trainable variables of a model, as the optimisers need them. */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

export function disposeGan(m: GanModels): void {
  m.generator.dispose();
  m.discriminator.dispose();
}
