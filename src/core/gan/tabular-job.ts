/**
 * A GAN over tables: G learns to make rows like the shopper feature vectors
 * of an interaction log, D tells them from real ones. Both are small MLPs;
 * G's last layer gives the category-share columns through a softmax (so they
 * sum to 1, as real shares do) and every other column through a sigmoid.
 *
 * A fifth of the shoppers is held out before training. They never reach D:
 * the fidelity measures test on them ("train on synthetic, test on real")
 * and compare their distances to the training rows with the synthetic rows'
 * (memorisation).
 *
 * With `privacy` on, D trains with DP-SGD (see privacy.ts): Poisson-sampled
 * real rows, each row's gradient clipped to `clipNorm`, Gaussian noise from
 * the platform's cryptographic generator; per-row clipping takes one
 * backward pass (clipped-gradients.ts). G never sees real rows, only D, so
 * it and its samples inherit D's guarantee.
 */
import * as tf from '@tensorflow/tfjs';
import { adam } from '../kernels/wasm/wasm-adam';
import {
  fidelityReport,
  table,
  type FidelityReport,
  type Table,
  type TstrTask,
} from '../data/fidelity';
import { holdoutSplit } from '../data/holdout';
import { DivergedError, type JobCheckpoint, type TrainingJob } from '../jobs/job';
import { createRandom, restoreRandom, type Random } from '../random';
import {
  modelTensors,
  optimizerTensors,
  setModelTensors,
  setOptimizerTensors,
} from '../store/tf-state';
import { discriminatorLoss, fakeTerms, generatorLoss, realTerms } from './losses';
import { clippedGradientSum } from './clipped-gradients';
import { mlp, trainableVariables } from './models';
import { dpDelta, dpEpsilon, secureNormal, secureUniform } from './privacy';
import { tabularConfigError, type TabularGanConfig } from './tabular-config';

/** Values recorded per step: D loss, G loss, mean D(x), mean D(G(z)). */
export const TABULAR_STATS_PER_STEP = 4;

/** The rows a tabular GAN learns, and what "train on synthetic, test on real" predicts. */
export interface TabularData {
  names: string[];
  /** Row-major, values in [0, 1]. */
  values: Float32Array;
  /** The first `shares` columns sum to 1 in every row. */
  shares: number;
  /** Null when the table has no yes/no column to predict. */
  task: TstrTask | null;
  /**
   * A label per row (a shopper's segment) to condition G and D on, or null
   * for an unconditional GAN. G then makes rows of a chosen label.
   */
  condition?: { names: string[]; labels: Int32Array } | null;
}

export interface TabularSnapshot {
  kind: 'tabular-gan';
  step: number;
  firstStatStep: number;
  /** TABULAR_STATS_PER_STEP values per step since the last snapshot. D(x) is NaN after an empty private sample. */
  stats: Float32Array;
  fidelity: FidelityReport | null;
  /** With a condition and a fidelity measurement: the label of each synthetic row. */
  syntheticLabels: Int32Array | null;
  /** Rows that train D and rows held out from it. */
  split: { train: number; holdout: number };
  /** The guarantee so far, when training privately. */
  privacy: { epsilon: number; delta: number; sampleRate: number; steps: number } | null;
  numTensors: number;
  backend: string;
}

/** The least shoppers worth training on: enough for a training part and a held-out part. */
export const MIN_TABULAR_ROWS = 20;
/** Caps that keep one fidelity measurement well under a second in the worker. */
const MAX_REFERENCE_ROWS = 5000;
const MIN_SYNTHETIC_ROWS = 500;
const MAX_SYNTHETIC_ROWS = 2000;

function pick(t: Table, rows: ArrayLike<number>): Table {
  const out = new Float32Array(rows.length * t.cols);
  for (let i = 0; i < rows.length; i++)
    out.set(t.values.subarray(rows[i]! * t.cols, (rows[i]! + 1) * t.cols), i * t.cols);
  return { values: out, rows: rows.length, cols: t.cols };
}

export class TabularGanJob implements TrainingJob<TabularSnapshot> {
  readonly kind = 'tabular-gan';
  private readonly config: TabularGanConfig;
  private readonly generator: tf.Sequential;
  private readonly discriminator: tf.Sequential;
  private readonly optD: tf.Optimizer;
  private readonly optG: tf.Optimizer;
  private rng: Random;
  private stepCount = 0;
  /** D updates made under DP-SGD: what the accountant counts. */
  private privateSteps = 0;
  private pending: tf.Tensor1D[] = [];
  private statBuffer: number[] = [];
  private lastFidelityStep = -Infinity;
  private readonly train: Table;
  private readonly holdout: Table;
  private readonly reference: Table;
  /** Training rows, each followed by its label one-hot when conditioned. */
  private readonly pool: tf.Tensor2D;
  /** Conditioned: the training rows' labels one-hot, to draw fake rows' labels from. */
  private readonly labelPool: tf.Tensor2D | null;
  /** Labels in the condition (0: unconditional). */
  private readonly labelCount: number;
  private readonly fixedZ: tf.Tensor2D;
  private readonly fixedLabels: Int32Array | null;
  private readonly syntheticRows: number;

  constructor(
    config: TabularGanConfig,
    private readonly data: TabularData,
  ) {
    const problem = tabularConfigError(config);
    if (problem) throw new RangeError(`${problem.field} ${problem.message}`);
    const cols = data.names.length;
    const all = table(data.values, cols);
    if (all.rows < MIN_TABULAR_ROWS)
      throw new RangeError(
        `The GAN needs at least ${MIN_TABULAR_ROWS} shoppers; this log has ${all.rows}.`,
      );
    if (!(data.shares >= 0 && data.shares <= cols)) throw new RangeError('bad share columns');
    const bad = data.values.findIndex((v) => !(v >= 0 && v <= 1));
    if (bad >= 0)
      throw new RangeError(
        `Shopper ${Math.floor(bad / cols) + 1} has ${data.names[bad % cols]} = ${data.values[bad]}; ` +
          'every feature must lie in [0, 1].',
      );
    this.config = { ...config };
    this.rng = createRandom(config.seed);
    const split = holdoutSplit(all.rows, this.rng);
    this.holdout = pick(all, split.holdout);
    this.train = pick(all, split.train);
    const condition = data.condition ?? null;
    if (condition && condition.labels.length !== all.rows)
      throw new RangeError(`${condition.labels.length} labels for ${all.rows} rows`);
    const K = (this.labelCount = condition ? condition.names.length : 0);
    if (condition && condition.labels.some((l) => !(l >= 0 && l < K)))
      throw new RangeError(`every label must be 0 to ${K - 1}`);
    const trainLabels = condition
      ? Int32Array.from(split.train, (r) => condition.labels[r]!)
      : null;
    this.reference = pick(
      this.train,
      Uint32Array.from({ length: Math.min(this.train.rows, MAX_REFERENCE_ROWS) }, (_, i) => i),
    );
    const h = config.hidden;
    this.generator = mlp(
      'tabular_generator',
      [config.latentSize + K, h, h, cols],
      'leakyRelu',
      'linear',
      this.rng,
    );
    this.discriminator = mlp(
      'tabular_discriminator',
      [cols + K, h, h, 1],
      'leakyRelu',
      'linear',
      this.rng,
    );
    this.optD = adam(config.learningRateD, config.beta1);
    this.optG = adam(config.learningRateG, config.beta1);
    const rows = tf.tensor2d(this.train.values, [this.train.rows, cols]);
    if (trainLabels) {
      this.labelPool = tf.oneHot(tf.tensor1d(trainLabels, 'int32'), K) as tf.Tensor2D;
      this.pool = tf.concat([rows, this.labelPool], 1);
      rows.dispose();
    } else {
      this.labelPool = null;
      this.pool = rows;
    }
    this.syntheticRows = Math.min(
      MAX_SYNTHETIC_ROWS,
      Math.max(MIN_SYNTHETIC_ROWS, this.reference.rows),
    );
    this.fixedZ = tf.tensor2d(
      Float32Array.from({ length: this.syntheticRows * config.latentSize }, () =>
        this.rng.normal(),
      ),
      [this.syntheticRows, config.latentSize],
    );
    // Synthetic rows take labels in the training rows' proportions, the same every measurement.
    this.fixedLabels = trainLabels
      ? Int32Array.from(
          { length: this.syntheticRows },
          (_, i) => trainLabels[i % this.reference.rows]!,
        )
      : null;
  }

  /** One-hot labels for `n` fake rows, drawn as the training rows have them; null when unconditional. */
  private fakeLabels(n: number): tf.Tensor2D | null {
    if (!this.labelPool) return null;
    const idx = Int32Array.from({ length: n }, () => this.rng.int(this.train.rows));
    return tf.gather(this.labelPool, tf.tensor1d(idx, 'int32'));
  }

  /** Rows with their labels appended (as D reads them), or the rows alone. */
  private labelled(rows: tf.Tensor2D, labels: tf.Tensor2D | null): tf.Tensor2D {
    return labels ? tf.concat([rows, labels], 1) : rows;
  }

  get step(): number {
    return this.stepCount;
  }

  get split(): { train: number; holdout: number } {
    return { train: this.train.rows, holdout: this.holdout.rows };
  }

  /** The chance that one training row joins a private batch. */
  get sampleRate(): number {
    return Math.min(1, this.config.batchSize / this.train.rows);
  }

  private noise(n: number): tf.Tensor2D {
    return tf.randomNormal([n, this.config.latentSize], 0, 1, 'float32', this.rng.seed32());
  }

  /** G(z | labels) as table rows: shares through a softmax, the rest through a sigmoid. */
  private generateRows(z: tf.Tensor2D, labels: tf.Tensor2D | null, training: boolean): tf.Tensor2D {
    const out = this.generator.apply(this.labelled(z, labels), { training }) as tf.Tensor2D;
    const s = this.data.shares;
    if (s === 0) return tf.sigmoid(out);
    if (s === out.shape[1]) return tf.softmax(out);
    return tf.concat(
      [tf.softmax(tf.slice(out, [0, 0], [-1, s])), tf.sigmoid(tf.slice(out, [0, s], [-1, -1]))],
      1,
    );
  }

  private logits(x: tf.Tensor2D, training: boolean): tf.Tensor1D {
    const out = this.discriminator.apply(x, { training }) as tf.Tensor2D;
    return tf.reshape(out, [x.shape[0]]);
  }

  trainStep(): void {
    const c = this.config;
    const b = c.batchSize;
    const kept: tf.Tensor[] = [];
    const stats = tf.tidy(() => {
      let dLoss: tf.Scalar = tf.scalar(0);
      let means: tf.Tensor1D = tf.tensor1d([NaN, NaN]);
      for (let k = 0; k < c.dStepsPerG; k++) {
        const labels = this.fakeLabels(b);
        const fake = this.labelled(this.generateRows(this.noise(b), labels, true), labels);
        if (c.privacy) {
          [dLoss, means] = this.privateDiscriminatorStep(fake);
          continue;
        }
        const idx = Int32Array.from({ length: b }, () => this.rng.int(this.train.rows));
        const real = tf.gather(this.pool, tf.tensor1d(idx, 'int32'));
        dLoss = this.optD.minimize(
          () => {
            const lr = this.logits(real, true);
            const lf = this.logits(fake, true);
            const m = tf.keep(tf.stack([tf.mean(tf.sigmoid(lr)), tf.mean(tf.sigmoid(lf))]));
            kept.push(m);
            return discriminatorLoss(c.loss, lr, lf);
          },
          true,
          trainableVariables(this.discriminator),
        ) as tf.Scalar;
        means = kept[kept.length - 1] as tf.Tensor1D;
      }
      const z = this.noise(b);
      const labels = this.fakeLabels(b);
      const gLoss = this.optG.minimize(
        () =>
          generatorLoss(
            c.loss,
            this.logits(this.labelled(this.generateRows(z, labels, true), labels), true),
          ),
        true,
        trainableVariables(this.generator),
      ) as tf.Scalar;
      return tf.concat([tf.stack([dLoss, gLoss]), means]) as tf.Tensor1D;
    });
    kept.forEach((t) => t.dispose());
    this.pending.push(stats);
    this.stepCount++;
  }

  /**
   * One DP-SGD update of D. Returns D's loss and [mean D(x), mean D(G(z))];
   * runs inside the caller's tidy.
   */
  private privateDiscriminatorStep(fake: tf.Tensor2D): [tf.Scalar, tf.Tensor1D] {
    const c = this.config;
    const n = this.train.rows;
    const q = this.sampleRate;
    const u = secureUniform(n);
    const rows: number[] = [];
    for (let i = 0; i < n; i++) if (u[i]! < q) rows.push(i);
    const m = rows.length;
    const vars = trainableVariables(this.discriminator);
    let clipped: tf.Tensor[];
    let realLoss: tf.Scalar;
    let realMean: tf.Scalar;
    if (m > 0) {
      const real = tf.gather(this.pool, tf.tensor1d(rows, 'int32'));
      const terms = (logits: tf.Tensor1D) => realTerms(c.loss, logits) as tf.Tensor1D;
      const { sums, outputs } = clippedGradientSum(this.discriminator, real, terms, c.clipNorm);
      clipped = sums;
      realLoss = tf.mean(terms(outputs));
      realMean = tf.mean(tf.sigmoid(outputs));
    } else {
      clipped = vars.map((v) => tf.zerosLike(v));
      realLoss = tf.scalar(0);
      realMean = tf.scalar(NaN);
    }
    // The generated rows hold no one's data: their gradient needs no clipping or noise.
    const { value: fakeLoss, grads: fakeGrads } = tf.variableGrads(
      () => tf.mean(fakeTerms(c.loss, this.logits(fake, true))) as tf.Scalar,
      vars,
    );
    const grads: tf.NamedTensorMap = {};
    vars.forEach((v, i) => {
      const sum = clipped[i]!;
      const noise = tf.mul(
        tf.tensor(secureNormal(sum.size), sum.shape),
        c.noiseMultiplier * c.clipNorm,
      );
      grads[v.name] = tf.add(tf.div(tf.add(sum, noise), c.batchSize), fakeGrads[v.name]!);
    });
    // Measured before the update, as the plain step measures it.
    const fakeMean = tf.mean(tf.sigmoid(this.logits(fake, false)));
    this.optD.applyGradients(grads);
    this.privateSteps++;
    return [tf.add(realLoss, fakeLoss) as tf.Scalar, tf.stack([realMean, fakeMean]) as tf.Tensor1D];
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const pending = this.pending;
    this.pending = [];
    const stacked = tf.stack(pending);
    pending.forEach((t) => t.dispose());
    const values = await stacked.data();
    stacked.dispose();
    const first = this.stepCount - pending.length;
    for (let i = 0; i < values.length; i++) {
      // D(x) is NaN after an empty private sample; only the losses must be finite.
      if (i % TABULAR_STATS_PER_STEP < 2 && !Number.isFinite(values[i]!)) {
        const step = first + Math.floor(i / TABULAR_STATS_PER_STEP) + 1;
        throw new DivergedError(
          step,
          `Training diverged: the ${i % TABULAR_STATS_PER_STEP === 0 ? 'D' : 'G'} loss became ` +
            `${values[i]} at step ${step}. Train again with lower learning rates or another loss.`,
        );
      }
      this.statBuffer.push(values[i]!);
    }
  }

  /** Synthetic rows from the fixed noise, measured against the real ones. */
  private async measure(): Promise<FidelityReport> {
    const rows = tf.tidy(() => {
      const labels = this.fixedLabels
        ? (tf.oneHot(tf.tensor1d(this.fixedLabels, 'int32'), this.labelCount) as tf.Tensor2D)
        : null;
      return this.generateRows(this.fixedZ, labels, false);
    });
    const values = (await rows.data()) as Float32Array;
    rows.dispose();
    const synthetic = table(values, this.train.cols);
    return fidelityReport(this.stepCount, this.reference, synthetic, this.holdout, this.data.task);
  }

  async snapshot(): Promise<{ snapshot: TabularSnapshot; transfer: Transferable[] }> {
    await this.flush();
    let fidelity: FidelityReport | null = null;
    if (this.stepCount - this.lastFidelityStep >= this.config.fidelityEvery) {
      fidelity = await this.measure();
      this.lastFidelityStep = this.stepCount;
    }
    const stats = Float32Array.from(this.statBuffer);
    this.statBuffer = [];
    const delta = dpDelta(this.train.rows);
    const snapshot: TabularSnapshot = {
      kind: 'tabular-gan',
      step: this.stepCount,
      firstStatStep: this.stepCount - stats.length / TABULAR_STATS_PER_STEP,
      stats,
      fidelity,
      syntheticLabels: fidelity && this.fixedLabels ? this.fixedLabels.slice() : null,
      split: this.split,
      privacy: this.config.privacy
        ? {
            epsilon: dpEpsilon(
              this.privateSteps,
              this.sampleRate,
              this.config.noiseMultiplier,
              delta,
            ),
            delta,
            sampleRate: this.sampleRate,
            steps: this.privateSteps,
          }
        : null,
      numTensors: tf.memory().numTensors,
      backend: tf.getBackend(),
    };
    const transfer: Transferable[] = [stats.buffer];
    if (fidelity) transfer.push(fidelity.synthetic.buffer);
    return { snapshot, transfer };
  }

  /** Weights, Adam states, the random stream and the private-step count. */
  async saveState(): Promise<JobCheckpoint> {
    await this.flush();
    const [g, d, oD, oG] = await Promise.all([
      modelTensors(this.generator, 'G'),
      modelTensors(this.discriminator, 'D'),
      optimizerTensors(this.optD, 'optD'),
      optimizerTensors(this.optG, 'optG'),
    ]);
    return {
      step: this.stepCount,
      weights: [...g, ...d],
      optimizer: [...oD, ...oG],
      rng: this.rng.state(),
      extra: { privateSteps: this.privateSteps },
    };
  }

  async loadState(state: JobCheckpoint): Promise<void> {
    if (this.stepCount !== 0) throw new Error('only a fresh job can take a saved state');
    setModelTensors(this.generator, 'G', state.weights);
    setModelTensors(this.discriminator, 'D', state.weights);
    await setOptimizerTensors(this.optD, 'optD', state.optimizer);
    await setOptimizerTensors(this.optG, 'optG', state.optimizer);
    this.rng = restoreRandom(state.rng);
    this.stepCount = state.step;
    const extra = state.extra as { privateSteps?: unknown } | null;
    this.privateSteps = typeof extra?.privateSteps === 'number' ? extra.privateSteps : 0;
  }

  dispose(): void {
    this.pending.forEach((t) => t.dispose());
    this.pending = [];
    this.pool.dispose();
    this.labelPool?.dispose();
    this.fixedZ.dispose();
    this.optD.dispose();
    this.optG.dispose();
    this.generator.dispose();
    this.discriminator.dispose();
  }
}
