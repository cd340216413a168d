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
import { adam } from '../kernels/fused-adam';
import { fidelityReport, type FidelityReport } from '../data/fidelity';
import { table, type Table } from '../data/table';
import { holdoutSplit } from '../data/holdout';
import { DivergedError, type JobCheckpoint, type TrainingJob } from '../jobs/job';
import { StepStats } from '../jobs/step-stats';
import { createRandom, restoreRandom, type Random } from '../random';
import { discriminatorLoss, generatorLoss } from './losses';
import { ganCheckpoint, setGanTensors, type GanParts } from './gan-tensors';
import { mlp, trainableVariables } from './models';
import { dpDelta, dpEpsilon } from './privacy';
import { privateDiscriminatorStep, type PrivateStepParts } from './private-step';
import { tabularConfigError, type TabularGanConfig } from './tabular-config';
import { TABULAR_STATS_PER_STEP, type TabularData, type TabularSnapshot } from './tabular-snapshot';

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
  private readonly stats = new StepStats(TABULAR_STATS_PER_STEP, (step, k, value) =>
    // D(x) is NaN after an empty private sample; only the losses must be finite.
    k < 2
      ? new DivergedError(
          step,
          `Training diverged: the ${k === 0 ? 'D' : 'G'} loss became ${value} at step ${step}. ` +
            'Train again with lower learning rates or another loss.',
        )
      : null,
  );
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

  private parts(): GanParts {
    const { generator, discriminator, optD, optG } = this;
    return { generator, discriminator, optD, optG };
  }

  private privateParts(): PrivateStepParts {
    const { discriminator, optD, pool, config, sampleRate } = this;
    return { discriminator, optD, pool, config, sampleRate, logits: (x, t) => this.logits(x, t) };
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
          [dLoss, means] = privateDiscriminatorStep(this.privateParts(), fake);
          this.privateSteps++;
          continue;
        }
        const idx = Int32Array.from({ length: b }, () => this.rng.int(this.train.rows));
        const real = tf.gather(this.pool, tf.tensor1d(idx, 'int32'));
        dLoss = this.optD.minimize(
          () => {
            const both = tf.concat([this.logits(real, true), this.logits(fake, true)]);
            const m = tf.keep(tf.mean(tf.sigmoid(tf.reshape(both, [2, b])), 1));
            kept.push(m);
            return discriminatorLoss(c.loss, both, b);
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
    this.stats.push(stats);
    this.stepCount++;
  }

  async flush(): Promise<void> {
    await this.stats.flush(this.stepCount);
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
    const stats = this.stats.take();
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
    return ganCheckpoint(this.parts(), this.stepCount, this.rng, {
      privateSteps: this.privateSteps,
    });
  }

  async loadState(state: JobCheckpoint): Promise<void> {
    if (this.stepCount !== 0) throw new Error('only a fresh job can take a saved state');
    await setGanTensors(this.parts(), state);
    this.rng = restoreRandom(state.rng);
    this.stepCount = state.step;
    const extra = state.extra as { privateSteps?: unknown } | null;
    this.privateSteps = typeof extra?.privateSteps === 'number' ? extra.privateSteps : 0;
  }

  dispose(): void {
    this.stats.clear();
    this.pool.dispose();
    this.labelPool?.dispose();
    this.fixedZ.dispose();
    this.optD.dispose();
    this.optG.dispose();
    this.generator.dispose();
    this.discriminator.dispose();
  }
}
