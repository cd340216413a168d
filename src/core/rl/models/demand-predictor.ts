/**
 * The source article's demand predictor (README, "Source material"),
 * `Dense(50, relu) → Dense(1)`, made to predict something: the probability
 * that a shown item is bought, from what the shop knows when it shows it
 * (view-examples.ts). The article trained it with mean squared error on
 * random numbers, its output unbounded; here the output goes through a
 * sigmoid and the loss is binary cross-entropy on the log's real outcomes,
 * so the number it gives is a probability that can be checked for
 * calibration.
 */
import * as tf from '@tensorflow/tfjs';
import { adam } from '../../kernels/fused-adam';
import { lazyDense } from '../../kernels/lazy-layers';
import type { Random } from '../../random';
import { gatherRows } from './batches';

export interface PredictorOptions {
  inputs: number;
  /** The article's 50. */
  hidden: number;
  learningRate: number;
  batchSize: number;
  /** Share of positives in the training rows: the output bias starts at its logit. */
  baseRate: number;
}

export const PREDICTOR_DEFAULTS = { hidden: 50, learningRate: 1e-3, batchSize: 256 } as const;

/** Rows and labels to learn from: `values` row-major, `width` per row. */
export interface LabelledRows {
  values: Float32Array;
  width: number;
  labels: Float32Array;
}

export class DemandPredictor {
  readonly model: tf.Sequential;
  readonly optimizer: tf.Optimizer;
  steps = 0;

  constructor(
    readonly o: PredictorOptions,
    rng: Random,
  ) {
    for (const k of ['inputs', 'hidden', 'batchSize'] as const)
      if (!(Number.isInteger(o[k]) && o[k] >= 1))
        throw new RangeError(`${k} must be a whole number ≥ 1, got ${o[k]}`);
    if (!(o.learningRate > 0)) throw new RangeError('the learning rate must be > 0');
    const base = Math.min(0.999, Math.max(0.001, o.baseRate || 0.5));
    this.model = tf.sequential({
      name: 'demand_predictor',
      layers: [
        lazyDense({
          units: o.hidden,
          activation: 'relu',
          inputShape: [o.inputs],
          kernelInitializer: tf.initializers.heNormal({ seed: rng.seed32() }),
        }),
        lazyDense({
          units: 1,
          kernelInitializer: tf.initializers.glorotUniform({ seed: rng.seed32() }),
          biasInitializer: tf.initializers.constant({ value: Math.log(base / (1 - base)) }),
        }),
      ],
    });
    this.optimizer = adam(o.learningRate);
  }

  /** One Adam step on `rows` of `data`; the loss, not read back. */
  trainBatch(data: LabelledRows, rows: ArrayLike<number>): tf.Scalar {
    const n = rows.length;
    const x = gatherRows(data.values, data.width, rows);
    const y = new Float32Array(n);
    for (let j = 0; j < n; j++) y[j] = data.labels[rows[j]!]!;
    const loss = tf.tidy(() => {
      const input = tf.tensor2d(x, [n, data.width]);
      const labels = tf.tensor2d(y, [n, 1]);
      return this.optimizer.minimize(
        () =>
          tf.losses.sigmoidCrossEntropy(
            labels,
            this.model.apply(input, { training: true }) as tf.Tensor,
          ),
        true,
      ) as tf.Scalar;
    });
    this.steps++;
    return loss;
  }

  /** P(purchase) for `rows` of `values`. */
  async predict(
    values: Float32Array,
    width: number,
    rows: ArrayLike<number>,
  ): Promise<Float32Array> {
    const x = gatherRows(values, width, rows);
    const p = tf.tidy(() =>
      tf
        .sigmoid(this.model.predict(tf.tensor2d(x, [rows.length, width])) as tf.Tensor)
        .reshape([-1]),
    );
    const out = (await p.data()) as Float32Array;
    p.dispose();
    return out;
  }

  dispose(): void {
    this.model.dispose();
    this.optimizer.dispose();
  }
}
