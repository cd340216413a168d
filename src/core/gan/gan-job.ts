/**
 * A GAN training job for the worker: D and G updates on the chosen backend,
 * lean enough for live play. Per step: one tf.tidy, real data gathered from a
 * pool that was uploaded to the device once, no synchronous readback. Losses
 * and D's outputs are read back once per chunk, samples only as often as the
 * page shows them, quality metrics every `metricsEvery` steps.
 *
 * A non-finite loss throws DivergedError; the job keeps the weights of the
 * last state whose losses were finite and `restoreLastGood` puts them back.
 *
 * The parts live beside it: real-pool.ts (the data), train-step.ts (the
 * step), last-good.ts (rollback), evaluation.ts (IS and FID), views.ts (what
 * the page sees of G).
 */
import * as tf from '@tensorflow/tfjs';
import { sampleToy } from '../data/toy';
import { DivergedError, type JobCheckpoint, type JobProgress, type TrainingJob } from '../jobs/job';
import { StepStats } from '../jobs/step-stats';
import { compileAheadPays, compileInParallel } from '../compute/parallel-compile';
import { adam } from '../kernels/fused-adam';
import { createRandom, restoreRandom, type Random } from '../random';
import { tfjsModelFiles, type TfjsModelFiles } from '../store/tf-state';
import {
  ganConfigError,
  isConditional,
  optimizerChanged,
  rebuildNeeded,
  type GanConfig,
} from './config';
import { GanEvaluation } from './evaluation';
import { ganCheckpoint, setGanTensors, type GanParts } from './gan-tensors';
import { LastGood } from './last-good';
import { MNIST_SHAPE, buildGan, disposeGan, missingKernels, type GanModels } from './models';
import { RealPool, type ImageSource } from './real-pool';
import {
  STATS_PER_STEP,
  type GanAnswer,
  type GanMetrics,
  type GanQuery,
  type GanSnapshot,
  type ToyView,
} from './snapshot';
import { ganTrainStep, type GanOptimizers } from './train-step';
import { GanViews, TOY_SHOWN } from './views';

/** Toy points uploaded for training. */
const TOY_POOL = 8192;
const STAT_NAMES = ['D loss', 'G loss', 'D(x)', 'D(G(z))'];

export class GanJob implements TrainingJob<GanSnapshot> {
  readonly kind = 'gan';
  onProgress: ((p: JobProgress | null) => void) | undefined;
  private config: GanConfig;
  private readonly models: GanModels;
  private opt: GanOptimizers;
  private rng: Random;
  private queryRng: Random;
  private stepCount = 0;
  private readonly stats: StepStats;
  private readonly pool: RealPool;
  private readonly views: GanViews;
  private readonly evaluation: GanEvaluation | null;
  private readonly lastGood: LastGood;
  private lastSampleStep = -Infinity;
  private metricsDue: number | null = null;
  private newMetrics: GanMetrics[] = [];
  /** The compile pass, while it runs: a program run meanwhile would find its pipeline unbuilt. */
  private warming: Promise<void> = Promise.resolve();

  constructor(config: GanConfig, images: ImageSource | null) {
    const problem = ganConfigError(config);
    if (problem) throw new RangeError(`${problem.field} ${problem.message}`);
    if (config.model !== 'toy' && !images) throw new Error('an image GAN needs image data');
    if (isConditional(config.model) && !images?.data.labels)
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
    this.opt = this.makeOptimizers();
    this.stats = new StepStats(
      STATS_PER_STEP,
      (step, k, value) =>
        new DivergedError(
          step,
          `Training diverged: the ${STAT_NAMES[k]} became ${value} at step ${step}. ` +
            `Go back to step ${this.lastGood.step}, the last good state, and lower the learning rates, ` +
            'or try another loss.',
        ),
    );
    // The random stream is drawn in this order: weights, toy data, fixed noise.
    if (config.model === 'toy') {
      const points = sampleToy(config.toyDistribution, TOY_POOL, this.rng, config.toyPoints);
      this.pool = RealPool.points(points);
      this.views = new GanViews(
        this.models,
        this.rng,
        config.latentSize,
        points.slice(0, 2 * TOY_SHOWN),
      );
    } else {
      this.pool = RealPool.images(images!, this.models.dataSize);
      this.views = new GanViews(this.models, this.rng, config.latentSize, null);
    }
    const classifier = images?.classifier;
    this.evaluation = classifier
      ? new GanEvaluation({ ...images!, classifier }, this.models)
      : null;
    this.lastGood = new LastGood(this.models, 0);
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

  private makeOptimizers(): GanOptimizers {
    const c = this.config;
    return { d: adam(c.learningRateD, c.beta1), g: adam(c.learningRateG, c.beta1) };
  }

  private parts(): GanParts {
    const { generator, discriminator } = this.models;
    return { generator, discriminator, optD: this.opt.d, optG: this.opt.g };
  }

  private disposeOptimizers(): void {
    this.opt.d.dispose();
    this.opt.g.dispose();
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
      this.disposeOptimizers();
      this.opt = this.makeOptimizers();
    }
  }

  /**
   * Compiles the GPU programs of a step and of the sample grid side by side
   * before the first step, on a twin of the models (compile-only kernels
   * leave their outputs unwritten): on WebGPU the first step otherwise
   * waits on each pipeline in turn. Only on hardware adapters
   * (compute/parallel-compile.ts says why).
   */
  warmUp(): Promise<void> {
    if (!compileAheadPays()) return Promise.resolve();
    this.warming = compileInParallel(() => {
      const twin = buildGan(
        this.config,
        createRandom(this.config.seed),
        this.models.shape ?? MNIST_SHAPE,
      );
      const opt = this.makeOptimizers();
      try {
        ganTrainStep(twin, this.config, this.pool, createRandom(this.config.seed), opt);
        if (this.config.model !== 'toy') this.views.samplesOn(twin);
      } finally {
        opt.d.dispose();
        opt.g.dispose();
        disposeGan(twin);
      }
    }).then(() => undefined);
    return this.warming;
  }

  trainStep(): void {
    this.stats.push(ganTrainStep(this.models, this.config, this.pool, this.rng, this.opt));
    this.stepCount++;
    const every = this.config.metricsEvery;
    if (every > 0 && this.evaluation && this.stepCount % every === 0)
      this.metricsDue = this.stepCount;
  }

  async flush(): Promise<void> {
    // The weights that produced the finite losses just read are good.
    if ((await this.stats.flush(this.stepCount)) > 0) this.lastGood.confirm(this.stepCount);
    if (this.metricsDue !== null) {
      const step = this.metricsDue;
      this.metricsDue = null;
      this.newMetrics.push(await this.evaluation!.measure(step, this.config, this.onProgress));
    }
  }

  async restoreLastGood(): Promise<number> {
    this.stats.clear();
    this.stepCount = this.lastGood.restore();
    // Adam's moment estimates may hold the NaNs too: start them afresh.
    this.disposeOptimizers();
    this.opt = this.makeOptimizers();
    this.lastSampleStep = -Infinity;
    this.metricsDue = null;
    return this.stepCount;
  }

  /** Weights of G and D, both Adam states, both random streams and the step. */
  async saveState(): Promise<JobCheckpoint> {
    await this.flush();
    const extra = { queryRng: this.queryRng.state(), model: this.config.model };
    return ganCheckpoint(this.parts(), this.stepCount, this.rng, extra);
  }

  /** Continues from a saved state; the job must be fresh and built from the same settings. */
  async loadState(state: JobCheckpoint): Promise<void> {
    if (this.stepCount !== 0) throw new Error('only a fresh job can take a saved state');
    const extra = state.extra as { queryRng?: number[]; model?: string } | null;
    if (extra?.model !== undefined && extra.model !== this.config.model)
      throw new Error(`the checkpoint is of the ${extra.model} model, not ${this.config.model}`);
    await setGanTensors(this.parts(), state);
    this.rng = restoreRandom(state.rng);
    if (Array.isArray(extra?.queryRng)) this.queryRng = restoreRandom(extra.queryRng);
    this.stepCount = state.step;
    this.lastGood.reset(this.stepCount);
  }

  /** The generator in TensorFlow.js format (model.json and weights). */
  generatorFiles(): Promise<TfjsModelFiles> {
    return tfjsModelFiles(this.models.generator);
  }

  async snapshot(): Promise<{ snapshot: GanSnapshot; transfer: Transferable[] }> {
    await this.flush();
    const transfer: Transferable[] = [];
    let samples: GanSnapshot['samples'] = null;
    let toy: ToyView | null = null;
    if (this.config.model === 'toy') {
      toy = await this.views.toyView(this.config.toyDistribution);
      transfer.push(toy.real.buffer, toy.fake.buffer, toy.warp.buffer, toy.field.buffer);
    } else if (this.stepCount - this.lastSampleStep >= this.config.sampleEvery) {
      const images = await this.views.samples();
      this.lastSampleStep = this.stepCount;
      samples = { ...images, step: this.stepCount, cols: this.views.gridCols };
      transfer.push(images.pixels.buffer);
    }
    const stats = this.stats.take();
    transfer.push(stats.buffer);
    const snapshot: GanSnapshot = {
      kind: 'gan',
      model: this.config.model,
      step: this.stepCount,
      firstStatStep: this.stepCount - stats.length / STATS_PER_STEP,
      stats,
      samples,
      metrics: this.newMetrics,
      reference: this.evaluation?.takeReference() ?? null,
      toy,
      lastGoodStep: this.lastGood.step,
      numTensors: tf.memory().numTensors,
      backend: tf.getBackend(),
    };
    this.newMetrics = [];
    return { snapshot, transfer };
  }

  /** Answers the page's questions about the current generator. */
  async answer(q: GanQuery): Promise<GanAnswer> {
    await this.warming;
    return this.views.answer(q, this.queryRng);
  }

  dispose(): void {
    this.stats.clear();
    this.lastGood.dispose();
    this.pool.dispose();
    this.views.dispose();
    this.disposeOptimizers();
    disposeGan(this.models);
  }
}
