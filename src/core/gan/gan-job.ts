/**
 * A GAN training job for the worker: D and G updates on the chosen backend,
 * lean enough for live play. Per step: one tf.tidy, real data gathered from a
 * pool that was uploaded to the device once, no synchronous readback. Losses
 * and D's outputs are read back once per chunk, samples only as often as the
 * page shows them, quality metrics every `metricsEvery` steps.
 *
 * A non-finite loss throws DivergedError; the job keeps the weights of the
 * last state whose losses were finite and `restoreLastGood` puts them back.
 */
import * as tf from '@tensorflow/tfjs';
import { adam } from '../kernels/wasm/wasm-adam';
import { TOY_EXTENT, modeCoverage, sampleToy, toyModes } from '../data/toy';
import { DivergedError, type JobCheckpoint, type JobProgress, type TrainingJob } from '../jobs/job';
import { createRandom, restoreRandom, type Random } from '../random';
import {
  modelTensors,
  optimizerTensors,
  setModelTensors,
  setOptimizerTensors,
  tfjsModelFiles,
  type TfjsModelFiles,
} from '../store/tf-state';
import { classifierOutputs, FEATURE_SIZE } from './classifier';
import { ganConfigError, optimizerChanged, rebuildNeeded, type GanConfig } from './config';
import { discriminatorLoss, generatorLoss } from './losses';
import {
  DIGIT_CLASSES,
  MNIST_SHAPE,
  buildGan,
  discriminate,
  discriminatePair,
  disposeGan,
  generate,
  missingKernels,
  trainableVariables,
  type GanModels,
  type ImageShape,
} from './models';
import { classHistogram, inceptionScore } from './metrics';
import { featureStats, frechetDistance, type FeatureStats } from '../data/stats';

/** Values recorded per step, in this order: D loss, G loss, mean D(x), mean D(G(z)). */
export const STATS_PER_STEP = 4;

/** One quality measurement. */
export interface GanMetrics {
  step: number;
  inceptionScore: number;
  fid: number;
  /** Generated digits the classifier put in each class. */
  histogram: number[];
  /** Conditional GAN only: share of digits classified as the digit asked for. */
  labelAccuracy: number | null;
}

/** The real test digits' values: what a perfect generator would score. */
export interface GanReference {
  inceptionScore: number;
  fid: number;
  histogram: number[];
  classifierAccuracy: number | null;
}

/** What the toy view draws. Points are flat (x, y) pairs in data space. */
export interface ToyView {
  real: Float32Array;
  fake: Float32Array;
  /** G applied to a warpSide x warpSide grid of latent points, row by row. */
  warp: Float32Array;
  warpSide: number;
  /** D(x) = sigmoid(logit) on a fieldSide x fieldSide grid over the view, row 0 at the top. */
  field: Float32Array;
  fieldSide: number;
  extent: number;
  /** Ring and grid only: modes hit by the generated points, and their share near a mode. */
  coverage: { hit: number; total: number; quality: number } | null;
}

export interface GanSnapshot {
  kind: 'gan';
  model: GanConfig['model'];
  step: number;
  /** Stats of steps firstStatStep+1 ... since the last snapshot, STATS_PER_STEP values each. */
  firstStatStep: number;
  stats: Float32Array;
  /** A fresh sample grid from the fixed noise, when one was due (image models). */
  samples: SampleFrame | null;
  /** New quality measurements since the last snapshot. */
  metrics: GanMetrics[];
  reference: GanReference | null;
  toy: ToyView | null;
  /** Step of the state a rollback would return to. */
  lastGoodStep: number;
  numTensors: number;
  backend: string;
}

/** What the page may ask a running GAN job for. */
export type GanQuery =
  | { kind: 'interpolate'; from: number; to: number; steps: number }
  | { kind: 'generate'; digit: number; count: number };

/** Generated images as bytes, `side * side * channels` each, in [0, 255]. */
export interface GanImages extends ImageShape {
  pixels: Uint8Array;
  count: number;
}

/** The fixed-noise sample grid at a step. */
export interface SampleFrame extends GanImages {
  step: number;
  cols: number;
}

export type GanAnswer = GanImages;

/** Where an image GAN gets its images, and what judges them. */
export interface ImageSource {
  /** Bytes, `side * side * channels` per image; labels 0-9 for MNIST, null for the user's own. */
  data: { count: number; pixels: Uint8Array; labels: Uint8Array | null };
  shape: ImageShape;
  train: Uint32Array;
  test: Uint32Array;
  /** The shipped MNIST classifier, or null to skip quality metrics. */
  classifier: tf.LayersModel | null;
  classifierAccuracy?: number;
}

/** A state to go back to: clones of every weight of G and D. */
interface SavedState {
  step: number;
  g: tf.Tensor[];
  d: tf.Tensor[];
}

/** Steps between saved good states; a rollback loses at most about this many. */
const GOOD_EVERY = 50;
const TOY_POOL = 8192;
const TOY_SHOWN = 600;
const WARP_SIDE = 15;
const FIELD_SIDE = 40;
const METRIC_CHUNK = 500;

function saveState(m: GanModels, step: number): SavedState {
  return tf.tidy(() => ({
    step,
    g: m.generator.getWeights().map((w) => w.clone()),
    d: m.discriminator.getWeights().map((w) => w.clone()),
  }));
}

function disposeState(s: SavedState | null): void {
  s?.g.forEach((t) => t.dispose());
  s?.d.forEach((t) => t.dispose());
}

/** [-1, 1] images to bytes, on the device. */
function toBytes(x: tf.Tensor): tf.Tensor {
  return tf.cast(tf.clipByValue(tf.mul(tf.add(x, 1), 127.5), 0, 255), 'int32');
}

/** Spherical interpolation: stays on the shell where Gaussian noise lives. */
function slerp(a: Float32Array, b: Float32Array, t: number): Float32Array {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  const omega = Math.acos(Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb || 1))));
  const out = new Float32Array(a.length);
  const so = Math.sin(omega);
  for (let i = 0; i < a.length; i++) {
    out[i] =
      so < 1e-6
        ? (1 - t) * a[i]! + t * b[i]!
        : (Math.sin((1 - t) * omega) / so) * a[i]! + (Math.sin(t * omega) / so) * b[i]!;
  }
  return out;
}

export class GanJob implements TrainingJob<GanSnapshot> {
  readonly kind = 'gan';
  onProgress: ((p: JobProgress | null) => void) | undefined;
  private config: GanConfig;
  private readonly models: GanModels;
  private optD: tf.Optimizer;
  private optG: tf.Optimizer;
  private rng: Random;
  private queryRng: Random;
  private stepCount = 0;
  private pending: tf.Tensor1D[] = [];
  private statBuffer: number[] = [];
  /** Real data on the device: images in [-1, 1] or toy points. */
  private readonly pool: tf.Tensor2D;
  private readonly poolLabels: tf.Tensor1D | null;
  private readonly poolIndex: Uint32Array;
  private readonly fixedZ: tf.Tensor2D;
  private readonly fixedZValues: Float32Array;
  private readonly fixedLabels: tf.Tensor2D | null;
  private readonly gridCols: number;
  private lastSampleStep = -Infinity;
  private metricsDue: number | null = null;
  private newMetrics: GanMetrics[] = [];
  private reference: { stats: FeatureStats; values: GanReference } | null = null;
  private referenceSent = false;
  private good: SavedState;
  private candidate: SavedState | null = null;
  private readonly toyShown: Float32Array | null = null;
  private readonly toyLatentGrid: tf.Tensor2D | null = null;
  private readonly toyFieldGrid: tf.Tensor2D | null = null;

  constructor(
    config: GanConfig,
    private readonly images: ImageSource | null,
  ) {
    const problem = ganConfigError(config);
    if (problem) throw new RangeError(`${problem.field} ${problem.message}`);
    if (config.model !== 'toy' && !images) throw new Error('an image GAN needs image data');
    if (config.model === 'conditional' && !images?.data.labels)
      throw new Error('the conditional GAN needs labelled digits');
    if (
      images?.classifier &&
      (images.shape.side !== MNIST_SHAPE.side || images.shape.channels !== MNIST_SHAPE.channels)
    )
      throw new Error('the MNIST classifier can only judge 28×28 greyscale images');
    const missing = missingKernels(config.model, tf.getBackend());
    if (missing.length > 0)
      throw new Error(
        `The ${tf.getBackend()} backend cannot train this convolutional GAN: it lacks ` +
          `${missing.join(' and ')}. Pick WebGPU, WebGL or CPU in the backend menu, ` +
          'or use the article example or the toy GANs here.',
      );
    this.config = { ...config, toyPoints: [...config.toyPoints] };
    this.rng = createRandom(config.seed);
    this.queryRng = createRandom(config.seed ^ 0x5eed);
    this.models = buildGan(config, this.rng, images?.shape ?? MNIST_SHAPE);
    [this.optD, this.optG] = this.makeOptimizers();

    const latent = config.latentSize;
    if (config.model === 'toy') {
      const points = sampleToy(config.toyDistribution, TOY_POOL, this.rng, config.toyPoints);
      this.pool = tf.tensor2d(points, [TOY_POOL, 2]);
      this.poolLabels = null;
      this.poolIndex = Uint32Array.from({ length: TOY_POOL }, (_, i) => i);
      this.toyShown = points.slice(0, 2 * TOY_SHOWN);
      this.gridCols = 0;
      this.fixedZValues = Float32Array.from({ length: TOY_SHOWN * latent }, () =>
        this.rng.normal(),
      );
      this.fixedZ = tf.tensor2d(this.fixedZValues, [TOY_SHOWN, latent]);
      this.fixedLabels = null;
      this.toyLatentGrid = tf.tidy(() => {
        const axis = tf.linspace(-2, 2, WARP_SIDE);
        const [gx, gy] = tf.meshgrid(axis, tf.neg(axis));
        const grid = tf.stack([tf.reshape(gx!, [-1]), tf.reshape(gy!, [-1])], 1);
        // Latent sizes above 2 vary the first two coordinates; the rest stay at 0.
        return (
          latent === 2
            ? grid
            : latent === 1
              ? tf.slice(grid, [0, 0], [-1, 1])
              : tf.pad(grid, [
                  [0, 0],
                  [0, latent - 2],
                ])
        ) as tf.Tensor2D;
      });
      this.toyFieldGrid = tf.tidy(() => {
        const step = (2 * TOY_EXTENT) / FIELD_SIDE;
        const axis = tf.linspace(-TOY_EXTENT + step / 2, TOY_EXTENT - step / 2, FIELD_SIDE);
        const [gx, gy] = tf.meshgrid(axis, tf.reverse(axis));
        return tf.stack([tf.reshape(gx!, [-1]), tf.reshape(gy!, [-1])], 1) as tf.Tensor2D;
      });
    } else {
      const src = images!;
      const n = src.train.length;
      const size = this.models.dataSize;
      if (n === 0) throw new Error('the image set has no training images');
      if (src.data.pixels.length !== src.data.count * size)
        throw new RangeError(
          `the image set holds ${src.data.pixels.length} bytes, not ${src.data.count} × ${size}`,
        );
      const x = new Float32Array(n * size);
      const labels = src.data.labels;
      const y = labels ? new Int32Array(n) : null;
      for (let i = 0; i < n; i++) {
        const k = src.train[i]!;
        if (y) y[i] = labels![k]!;
        const px = src.data.pixels.subarray(k * size, (k + 1) * size);
        for (let p = 0; p < size; p++) x[i * size + p] = px[p]! / 127.5 - 1;
      }
      this.pool = tf.tensor2d(x, [n, size]);
      this.poolLabels = y ? tf.tensor1d(y, 'int32') : null;
      this.poolIndex = Uint32Array.from({ length: n }, (_, i) => i);
      const conditional = config.model === 'conditional';
      // The conditional grid has one row per digit and one noise vector per column.
      const rows = conditional ? DIGIT_CLASSES : 8;
      const cols = conditional ? 10 : 8;
      const colNoise = Array.from({ length: conditional ? cols : rows * cols }, () =>
        Float32Array.from({ length: latent }, () => this.rng.normal()),
      );
      this.fixedZValues = new Float32Array(rows * cols * latent);
      for (let i = 0; i < rows * cols; i++)
        this.fixedZValues.set(colNoise[conditional ? i % cols : i]!, i * latent);
      this.fixedZ = tf.tensor2d(this.fixedZValues, [rows * cols, latent]);
      this.fixedLabels = conditional
        ? tf.tidy(
            () =>
              tf.oneHot(
                tf.tensor1d(
                  Int32Array.from({ length: rows * cols }, (_, i) => Math.floor(i / cols)),
                  'int32',
                ),
                DIGIT_CLASSES,
              ) as tf.Tensor2D,
          )
        : null;
      this.gridCols = cols;
    }
    this.good = saveState(this.models, 0);
  }

  get step(): number {
    return this.stepCount;
  }

  /** Trainable parameters of G and D. */
  get parameterCounts(): { generator: number; discriminator: number } {
    return {
      generator: this.models.generator.countParams(),
      discriminator: this.models.discriminator.countParams(),
    };
  }

  get currentConfig(): GanConfig {
    return { ...this.config, toyPoints: [...this.config.toyPoints] };
  }

  private makeOptimizers(): [tf.Optimizer, tf.Optimizer] {
    const c = this.config;
    return [adam(c.learningRateD, c.beta1), adam(c.learningRateG, c.beta1)];
  }

  /** Takes new settings at the next step; throws when they need a rebuild. */
  reconfigure(next: GanConfig): void {
    const problem = ganConfigError(next);
    if (problem) throw new RangeError(`${problem.field} ${problem.message}`);
    const rebuild = rebuildNeeded(this.config, next);
    if (rebuild.length > 0)
      throw new Error(`Changing ${rebuild.join(', ')} needs a rebuild: press Reset to apply it.`);
    const newOptimizers = optimizerChanged(this.config, next);
    this.config = { ...next, toyPoints: [...next.toyPoints] };
    if (newOptimizers) {
      this.optD.dispose();
      this.optG.dispose();
      [this.optD, this.optG] = this.makeOptimizers();
    }
  }

  private noise(n: number): tf.Tensor2D {
    return tf.randomNormal([n, this.config.latentSize], 0, 1, 'float32', this.rng.seed32());
  }

  private randomDigits(n: number): tf.Tensor2D {
    const digits = Int32Array.from({ length: n }, () => this.rng.int(DIGIT_CLASSES));
    return tf.oneHot(tf.tensor1d(digits, 'int32'), DIGIT_CLASSES) as tf.Tensor2D;
  }

  trainStep(): void {
    const c = this.config;
    const m = this.models;
    const b = c.batchSize;
    const kept: tf.Tensor[] = [];
    const stats = tf.tidy(() => {
      let dLoss: tf.Scalar = tf.scalar(0);
      let dReal: tf.Scalar = tf.scalar(0);
      let dFake: tf.Scalar = tf.scalar(0);
      const dVars = trainableVariables(m.discriminator);
      for (let k = 0; k < c.dStepsPerG; k++) {
        const idx = new Int32Array(b);
        for (let i = 0; i < b; i++) idx[i] = this.poolIndex[this.rng.int(this.poolIndex.length)]!;
        const idxT = tf.tensor1d(idx, 'int32');
        const real = tf.gather(this.pool, idxT);
        const realLabels =
          m.conditional && this.poolLabels
            ? (tf.oneHot(tf.gather(this.poolLabels, idxT), DIGIT_CLASSES) as tf.Tensor2D)
            : null;
        const fakeLabels = m.conditional ? this.randomDigits(b) : null;
        const fake = generate(m, this.noise(b), fakeLabels, true);
        dLoss = this.optD.minimize(
          () => {
            const [lr, lf] = discriminatePair(m, real, realLabels, fake, fakeLabels, true);
            // Means of D(x) and D(G(z)) ride along; minimize disposes everything but the loss.
            const means = tf.keep(tf.stack([tf.mean(tf.sigmoid(lr)), tf.mean(tf.sigmoid(lf))]));
            kept.push(means);
            return discriminatorLoss(c.loss, lr, lf, c.labelSmoothing);
          },
          true,
          dVars,
        ) as tf.Scalar;
        const means = kept[kept.length - 1]!;
        dReal = tf.slice(means, [0], [1]).reshape([]) as tf.Scalar;
        dFake = tf.slice(means, [1], [1]).reshape([]) as tf.Scalar;
      }
      const labels = m.conditional ? this.randomDigits(b) : null;
      const z = this.noise(b);
      const gLoss = this.optG.minimize(
        () => generatorLoss(c.loss, discriminate(m, generate(m, z, labels, true), labels, true)),
        true,
        trainableVariables(m.generator),
      ) as tf.Scalar;
      return tf.stack([dLoss, gLoss, dReal, dFake]) as tf.Tensor1D;
    });
    kept.forEach((t) => t.dispose());
    this.pending.push(stats);
    this.stepCount++;
    const every = c.metricsEvery;
    if (every > 0 && this.images?.classifier && this.stepCount % every === 0)
      this.metricsDue = this.stepCount;
  }

  async flush(): Promise<void> {
    if (this.pending.length > 0) {
      const pending = this.pending;
      this.pending = [];
      const stacked = tf.stack(pending);
      pending.forEach((t) => t.dispose());
      const values = await stacked.data();
      stacked.dispose();
      const first = this.stepCount - pending.length;
      for (let i = 0; i < values.length; i++) {
        if (!Number.isFinite(values[i]!)) {
          const step = first + Math.floor(i / STATS_PER_STEP) + 1;
          const what = ['D loss', 'G loss', 'D(x)', 'D(G(z))'][i % STATS_PER_STEP];
          throw new DivergedError(
            step,
            `Training diverged: the ${what} became ${values[i]} at step ${step}. ` +
              `Go back to step ${this.good.step}, the last good state, and lower the learning rates, ` +
              'or try another loss.',
          );
        }
      }
      for (const v of values) this.statBuffer.push(v);
      // The candidate's weights produced the finite losses just read: it is good.
      if (this.candidate) {
        disposeState(this.good);
        this.good = this.candidate;
        this.candidate = null;
      }
      if (this.stepCount - this.good.step >= GOOD_EVERY)
        this.candidate = saveState(this.models, this.stepCount);
    }
    if (this.metricsDue !== null) {
      const step = this.metricsDue;
      this.metricsDue = null;
      this.newMetrics.push(await this.measure(step));
    }
  }

  async restoreLastGood(): Promise<number> {
    this.pending.forEach((t) => t.dispose());
    this.pending = [];
    this.statBuffer = [];
    disposeState(this.candidate);
    this.candidate = null;
    this.models.generator.setWeights(this.good.g);
    this.models.discriminator.setWeights(this.good.d);
    // Adam's moment estimates may hold the NaNs too: start them afresh.
    this.optD.dispose();
    this.optG.dispose();
    [this.optD, this.optG] = this.makeOptimizers();
    this.stepCount = this.good.step;
    this.lastSampleStep = -Infinity;
    this.metricsDue = null;
    return this.stepCount;
  }

  /** Weights of G and D, both Adam states, both random streams and the step. */
  async saveState(): Promise<JobCheckpoint> {
    await this.flush();
    const [g, d, oD, oG] = await Promise.all([
      modelTensors(this.models.generator, 'G'),
      modelTensors(this.models.discriminator, 'D'),
      optimizerTensors(this.optD, 'optD'),
      optimizerTensors(this.optG, 'optG'),
    ]);
    return {
      step: this.stepCount,
      weights: [...g, ...d],
      optimizer: [...oD, ...oG],
      rng: this.rng.state(),
      extra: { queryRng: this.queryRng.state(), model: this.config.model },
    };
  }

  /** Continues from a saved state; the job must be fresh and built from the same settings. */
  async loadState(state: JobCheckpoint): Promise<void> {
    if (this.stepCount !== 0) throw new Error('only a fresh job can take a saved state');
    const extra = state.extra as { queryRng?: number[]; model?: string } | null;
    if (extra?.model !== undefined && extra.model !== this.config.model)
      throw new Error(`the checkpoint is of the ${extra.model} model, not ${this.config.model}`);
    setModelTensors(this.models.generator, 'G', state.weights);
    setModelTensors(this.models.discriminator, 'D', state.weights);
    await setOptimizerTensors(this.optD, 'optD', state.optimizer);
    await setOptimizerTensors(this.optG, 'optG', state.optimizer);
    this.rng = restoreRandom(state.rng);
    if (Array.isArray(extra?.queryRng)) this.queryRng = restoreRandom(extra.queryRng);
    this.stepCount = state.step;
    disposeState(this.good);
    this.good = saveState(this.models, this.stepCount);
  }

  /** The generator in TensorFlow.js format (model.json and weights). */
  generatorFiles(): Promise<TfjsModelFiles> {
    return tfjsModelFiles(this.models.generator);
  }

  /** Generated images for rows of z, read back as bytes. */
  private async render(z: tf.Tensor2D, labels: tf.Tensor2D | null): Promise<GanImages> {
    const bytes = tf.tidy(() => toBytes(generate(this.models, z, labels, false)));
    const values = await bytes.data();
    bytes.dispose();
    return { pixels: Uint8Array.from(values), count: z.shape[0], ...this.models.shape! };
  }

  private async measure(step: number): Promise<GanMetrics> {
    const src = this.images!;
    const classifier = src.classifier!;
    const n = this.config.metricsSamples;
    // Progress in digits classified: the real train and test digits once, then n fakes each time.
    const total = n + (this.reference ? 0 : src.train.length + src.test.length);
    let done = 0;
    const tell = (k: number) => {
      done += k;
      this.onProgress?.({ task: 'Measuring IS and FID', done, total, unit: 'digits classified' });
    };
    tell(0);
    const reference = await this.referenceStats(tell);
    const conditional = this.models.conditional;
    const p = new Float32Array(n * DIGIT_CLASSES);
    const f = new Float32Array(n * FEATURE_SIZE);
    // The same noise every time, so changes between measurements come from G alone.
    const noiseRng = createRandom(this.config.seed + 1);
    for (let at = 0; at < n; at += METRIC_CHUNK) {
      const size = Math.min(METRIC_CHUNK, n - at);
      const out = tf.tidy(() => {
        const z = tf.randomNormal(
          [size, this.config.latentSize],
          0,
          1,
          'float32',
          noiseRng.seed32(),
        ) as tf.Tensor2D;
        const labels = conditional
          ? (tf.oneHot(
              tf.tensor1d(
                Int32Array.from({ length: size }, (_, i) => (at + i) % DIGIT_CLASSES),
                'int32',
              ),
              DIGIT_CLASSES,
            ) as tf.Tensor2D)
          : null;
        const x01 = tf.div(tf.add(generate(this.models, z, labels, false), 1), 2) as tf.Tensor2D;
        return classifierOutputs(classifier, x01);
      });
      // Read back chunk by chunk (the same numbers as one concat), so progress can be told.
      const [cp, cf] = await Promise.all([out.probs.data(), out.features.data()]);
      out.probs.dispose();
      out.features.dispose();
      p.set(cp as Float32Array, at * DIGIT_CLASSES);
      f.set(cf as Float32Array, at * FEATURE_SIZE);
      tell(size);
    }
    this.onProgress?.(null);
    let labelAccuracy: number | null = null;
    if (conditional) {
      let right = 0;
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let c = 1; c < DIGIT_CLASSES; c++)
          if (p[i * DIGIT_CLASSES + c]! > p[i * DIGIT_CLASSES + best]!) best = c;
        if (best === i % DIGIT_CLASSES) right++;
      }
      labelAccuracy = right / n;
    }
    return {
      step,
      inceptionScore: inceptionScore(p, n, DIGIT_CLASSES),
      fid: frechetDistance(featureStats(f, n, FEATURE_SIZE), reference.stats),
      histogram: classHistogram(p, n, DIGIT_CLASSES),
      labelAccuracy,
    };
  }

  /** Classifier outputs of real digits at `indices` (pixels in [0, 1]). */
  private async realOutputs(indices: Uint32Array): Promise<{ p: Float32Array; f: Float32Array }> {
    const src = this.images!;
    const n = indices.length;
    const size = this.models.dataSize;
    const x = new Float32Array(n * size);
    for (let i = 0; i < n; i++) {
      const k = indices[i]!;
      const px = src.data.pixels.subarray(k * size, (k + 1) * size);
      for (let j = 0; j < size; j++) x[i * size + j] = px[j]! / 255;
    }
    const out = tf.tidy(() => classifierOutputs(src.classifier!, tf.tensor2d(x, [n, size])));
    const [p, f] = await Promise.all([out.probs.data(), out.features.data()]);
    out.probs.dispose();
    out.features.dispose();
    return { p: p as Float32Array, f: f as Float32Array };
  }

  /**
   * The train digits' feature statistics (what FID compares against) and the
   * test digits' own scores: the line a perfect generator would reach.
   */
  private async referenceStats(
    tell: (digits: number) => void = () => {},
  ): Promise<{ stats: FeatureStats; values: GanReference }> {
    if (this.reference) return this.reference;
    const src = this.images!;
    const train = await this.realOutputs(src.train);
    tell(src.train.length);
    const stats = featureStats(train.f, src.train.length, FEATURE_SIZE);
    const test = await this.realOutputs(src.test);
    tell(src.test.length);
    const n = src.test.length;
    this.reference = {
      stats,
      values: {
        inceptionScore: inceptionScore(test.p, n, DIGIT_CLASSES),
        fid: frechetDistance(featureStats(test.f, n, FEATURE_SIZE), stats),
        histogram: classHistogram(test.p, n, DIGIT_CLASSES),
        classifierAccuracy: src.classifierAccuracy ?? null,
      },
    };
    return this.reference;
  }

  private async toyView(): Promise<ToyView> {
    const out = tf.tidy(() => {
      const fake = generate(this.models, this.fixedZ, null, false);
      const warp = generate(this.models, this.toyLatentGrid!, null, false);
      const field = tf.sigmoid(discriminate(this.models, this.toyFieldGrid!, null, false));
      return [fake, warp, field];
    });
    const [fake, warp, field] = (await Promise.all(out.map((t) => t.data()))) as Float32Array[];
    out.forEach((t) => t.dispose());
    const modes = toyModes(this.config.toyDistribution);
    return {
      real: this.toyShown!.slice(),
      fake: fake!,
      warp: warp!,
      warpSide: WARP_SIDE,
      field: field!,
      fieldSide: FIELD_SIDE,
      extent: TOY_EXTENT,
      coverage: modes ? modeCoverage(fake!, modes) : null,
    };
  }

  async snapshot(): Promise<{ snapshot: GanSnapshot; transfer: Transferable[] }> {
    await this.flush();
    const transfer: Transferable[] = [];
    let samples: GanSnapshot['samples'] = null;
    let toy: ToyView | null = null;
    if (this.config.model === 'toy') {
      toy = await this.toyView();
      transfer.push(toy.real.buffer, toy.fake.buffer, toy.warp.buffer, toy.field.buffer);
    } else if (this.stepCount - this.lastSampleStep >= this.config.sampleEvery) {
      const images = await this.render(this.fixedZ, this.fixedLabels);
      this.lastSampleStep = this.stepCount;
      samples = { ...images, step: this.stepCount, cols: this.gridCols };
      transfer.push(images.pixels.buffer);
    }
    const stats = Float32Array.from(this.statBuffer);
    transfer.push(stats.buffer);
    let reference: GanReference | null = null;
    if (this.reference && !this.referenceSent) {
      reference = this.reference.values;
      this.referenceSent = true;
    }
    const snapshot: GanSnapshot = {
      kind: 'gan',
      model: this.config.model,
      step: this.stepCount,
      firstStatStep: this.stepCount - stats.length / STATS_PER_STEP,
      stats,
      samples,
      metrics: this.newMetrics,
      reference,
      toy,
      lastGoodStep: this.good.step,
      numTensors: tf.memory().numTensors,
      backend: tf.getBackend(),
    };
    this.statBuffer = [];
    this.newMetrics = [];
    return { snapshot, transfer };
  }

  /** Answers the page's questions about the current generator. */
  async answer(q: GanQuery): Promise<GanAnswer> {
    const latent = this.config.latentSize;
    if (this.config.model === 'toy') throw new Error('The toy GAN makes points, not images.');
    if (q.kind === 'interpolate') {
      const count = this.fixedZ.shape[0];
      if (![q.from, q.to].every((i) => Number.isInteger(i) && i >= 0 && i < count))
        throw new RangeError(`pick two samples from 0 to ${count - 1}`);
      const steps = Math.max(2, Math.min(32, Math.round(q.steps)));
      const za = this.fixedZValues.subarray(q.from * latent, (q.from + 1) * latent);
      const zb = this.fixedZValues.subarray(q.to * latent, (q.to + 1) * latent);
      const zs = new Float32Array(steps * latent);
      for (let i = 0; i < steps; i++) zs.set(slerp(za, zb, i / (steps - 1)), i * latent);
      let labels: tf.Tensor2D | null = null;
      if (this.fixedLabels) {
        const cols = this.gridCols;
        const da = Math.floor(q.from / cols);
        const db = Math.floor(q.to / cols);
        // The digit fades from one to the other along with the noise.
        const l = new Float32Array(steps * DIGIT_CLASSES);
        for (let i = 0; i < steps; i++) {
          const t = i / (steps - 1);
          l[i * DIGIT_CLASSES + da]! += 1 - t;
          l[i * DIGIT_CLASSES + db]! += t;
        }
        labels = tf.tensor2d(l, [steps, DIGIT_CLASSES]);
      }
      const z = tf.tensor2d(zs, [steps, latent]);
      try {
        return await this.render(z, labels);
      } finally {
        z.dispose();
        labels?.dispose();
      }
    }
    if (!this.models.conditional) throw new Error('Only the conditional GAN takes a digit.');
    if (!(Number.isInteger(q.digit) && q.digit >= 0 && q.digit <= 9))
      throw new RangeError('digit must be 0-9');
    const count = Math.max(1, Math.min(64, Math.round(q.count)));
    const [z, labels] = tf.tidy(() => [
      tf.randomNormal([count, latent], 0, 1, 'float32', this.queryRng.seed32()) as tf.Tensor2D,
      tf.oneHot(tf.fill([count], q.digit, 'int32') as tf.Tensor1D, DIGIT_CLASSES) as tf.Tensor2D,
    ]);
    try {
      return await this.render(z!, labels!);
    } finally {
      z!.dispose();
      labels!.dispose();
    }
  }

  dispose(): void {
    this.pending.forEach((t) => t.dispose());
    this.pending = [];
    disposeState(this.good);
    disposeState(this.candidate);
    this.candidate = null;
    this.pool.dispose();
    this.poolLabels?.dispose();
    this.fixedZ.dispose();
    this.fixedLabels?.dispose();
    this.toyLatentGrid?.dispose();
    this.toyFieldGrid?.dispose();
    this.optD.dispose();
    this.optG.dispose();
    disposeGan(this.models);
  }
}
