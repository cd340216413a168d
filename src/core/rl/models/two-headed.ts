/**
 * The source article's behaviour-prediction and recommendation network
 * (README, "Source material"): one model, two towers of Dense 64 → 32 (relu),
 * one ending in a sigmoid ("will this shopper act?") and one in a softmax over
 * the items ("which item?").
 *
 * As the article writes it the two towers take two inputs of the same size
 * that it never defines, and categorical cross-entropy is asked of every row,
 * though only rows where the shopper clicked name an item. Here one input,
 * what the shop knows of the shopper (view-examples.ts's shopper columns),
 * feeds both towers; the softmax head's loss counts only rows with a click.
 *
 * The article then "adjusts dynamically", rewarding a purchase and
 * penalising the rest, and leaves the code out. That step is a policy
 * gradient (REINFORCE, Williams 1992) on the softmax head: for an item a
 * drawn from π(·|s) and its reward r, the update follows
 * (r − b) ∇ log π(a|s), with b a running mean of the rewards (a baseline,
 * which leaves the expectation unchanged and lowers the variance).
 */
import * as tf from '@tensorflow/tfjs';
import { adam } from '../../kernels/fused-adam';
import { lazyDense } from '../../kernels/lazy-layers';
import type { Random } from '../../random';
import { gatherRows } from './batches';
import type { NetWeight } from './two-headed-shapes';

export interface TwoHeadedOptions {
  /** Length of the shopper state. */
  inputs: number;
  /** Items the softmax chooses among (the article's num_recommendations). */
  items: number;
  /** The towers' widths (the article's 64 and 32). */
  hidden: [number, number];
  learningRate: number;
  batchSize: number;
  /** Step size of the policy-gradient updates. */
  policyLearningRate: number;
  /** How fast the baseline follows the rewards (an exponential mean's weight on the newest batch). */
  baselineRate: number;
}

export const TWO_HEADED_DEFAULTS = {
  hidden: [64, 32],
  learningRate: 1e-3,
  batchSize: 256,
  policyLearningRate: 1e-3,
  baselineRate: 0.05,
} as const;

/** Supervised rows: states, whether the shopper acted, and the item clicked (−1 for none). */
export interface TwoHeadedRows {
  states: Float32Array;
  width: number;
  acted: Float32Array;
  item: Int32Array;
}

export class TwoHeadedNet {
  readonly model: tf.LayersModel;
  readonly optimizer: tf.Optimizer;
  readonly policyOptimizer: tf.Optimizer;
  /** The policy-gradient baseline: a running mean of rewards (null before the first update). */
  baseline: number | null = null;
  steps = 0;
  policySteps = 0;

  constructor(
    readonly o: TwoHeadedOptions,
    rng: Random,
  ) {
    for (const k of ['inputs', 'items', 'batchSize'] as const)
      if (!(Number.isInteger(o[k]) && o[k] >= 1))
        throw new RangeError(`${k} must be a whole number ≥ 1, got ${o[k]}`);
    if (!(o.learningRate > 0 && o.policyLearningRate > 0))
      throw new RangeError('the learning rates must be > 0');
    if (!(o.baselineRate > 0 && o.baselineRate <= 1))
      throw new RangeError('the baseline rate must be in (0, 1]');
    const state = tf.input({ shape: [o.inputs], name: 'state' });
    const tower = (
      name: 'action' | 'recommendation',
      units: number,
      activation: 'sigmoid' | 'softmax',
    ) => {
      let h: tf.SymbolicTensor = state;
      o.hidden.forEach((width, l) => {
        h = lazyDense({
          units: width,
          activation: 'relu',
          name: `${name}_dense${l + 1}`,
          kernelInitializer: tf.initializers.heNormal({ seed: rng.seed32() }),
        }).apply(h) as tf.SymbolicTensor;
      });
      return tf.layers
        .dense({
          units,
          activation,
          name: `${name}_output`,
          kernelInitializer: tf.initializers.glorotUniform({ seed: rng.seed32() }),
        })
        .apply(h) as tf.SymbolicTensor;
    };
    this.model = tf.model({
      inputs: state,
      outputs: [tower('action', 1, 'sigmoid'), tower('recommendation', o.items, 'softmax')],
      name: 'behaviour_and_recommendation',
    });
    this.optimizer = adam(o.learningRate);
    this.policyOptimizer = adam(o.policyLearningRate);
  }

  /** The recommendation tower's weights: what the policy-gradient step moves. */
  get policyVariables(): tf.Variable[] {
    return this.model.trainableWeights
      .filter((w) => w.originalName.startsWith('recommendation_'))
      .map((w) => w.read() as tf.Variable);
  }

  /** The recommendation tower's kernels and biases, input side first: what a JS copy of π reads. */
  policyLayers(): tf.Tensor[] {
    return ['recommendation_dense1', 'recommendation_dense2', 'recommendation_output'].flatMap(
      (name) => this.model.getLayer(name).getWeights(),
    );
  }

  /** Both heads' outputs, [P(act), π(·|s)]. */
  private heads(states: tf.Tensor2D, training: boolean): [tf.Tensor2D, tf.Tensor2D] {
    return this.model.apply(states, { training }) as [tf.Tensor2D, tf.Tensor2D];
  }

  /** One supervised Adam step: binary cross-entropy on acting, cross-entropy on the clicked item where there is one. */
  trainBatch(data: TwoHeadedRows, rows: ArrayLike<number>): tf.Scalar {
    const n = rows.length;
    const x = gatherRows(data.states, data.width, rows);
    const acted = new Float32Array(n);
    const item = new Int32Array(n);
    const clicked = new Float32Array(n);
    for (let j = 0; j < n; j++) {
      const r = rows[j]!;
      acted[j] = data.acted[r]!;
      const i = data.item[r]!;
      item[j] = Math.max(0, i);
      clicked[j] = i >= 0 ? 1 : 0;
    }
    const clicks = clicked.reduce((a, b) => a + b, 0);
    const loss = tf.tidy(() => {
      const states = tf.tensor2d(x, [n, data.width]);
      const y = tf.tensor2d(acted, [n, 1]);
      const mask = tf.tensor1d(clicked);
      const target = tf.oneHot(tf.tensor1d(item, 'int32'), this.o.items);
      return this.optimizer.minimize(() => {
        const [act, pi] = this.heads(states, true);
        const bce = tf.losses.logLoss(y, act);
        if (clicks === 0) return bce as tf.Scalar;
        // −log π(clicked item), averaged over the rows that clicked.
        const picked = tf.sum(tf.mul(target, tf.log(tf.clipByValue(pi, 1e-7, 1))), 1);
        return tf.sub(bce, tf.div(tf.sum(tf.mul(picked, mask)), clicks)) as tf.Scalar;
      }, true) as tf.Scalar;
    });
    this.steps++;
    return loss;
  }

  /**
   * The REINFORCE gradient of the recommendation tower for items `actions`
   * drawn from π in `states`, rewards `rewards`, baseline `baseline`:
   * −mean over rows of (r − b) ∇ log π(a|s) (minus: optimisers descend).
   */
  policyGradients(
    states: Float32Array,
    actions: Int32Array,
    rewards: Float32Array,
    baseline: number,
  ): { value: tf.Scalar; grads: tf.NamedTensorMap } {
    const n = actions.length;
    return tf.tidy(() => {
      const s = tf.tensor2d(states, [n, this.o.inputs]);
      const advantage = tf.sub(tf.tensor1d(rewards), baseline);
      const chosen = tf.oneHot(tf.tensor1d(actions, 'int32'), this.o.items);
      return tf.variableGrads(() => {
        const pi = this.heads(s, true)[1];
        const logPi = tf.sum(tf.mul(chosen, tf.log(tf.clipByValue(pi, 1e-12, 1))), 1);
        return tf.neg(tf.mean(tf.mul(advantage, logPi)));
      }, this.policyVariables);
    });
  }

  /** One policy-gradient step from a batch of what was recommended and what it earned; then the baseline moves. */
  reinforce(states: Float32Array, actions: Int32Array, rewards: Float32Array): void {
    const mean = rewards.reduce((a, b) => a + b, 0) / rewards.length;
    const b = this.baseline ?? mean;
    const { value, grads } = this.policyGradients(states, actions, rewards, b);
    this.policyOptimizer.applyGradients(grads);
    tf.dispose([value, ...Object.values(grads)]);
    this.baseline = b + this.o.baselineRate * (mean - b);
    this.policySteps++;
  }

  /** Every weight by name ('action_dense1/kernel', …), read back: what a race's agent is built from. */
  async weights(): Promise<NetWeight[]> {
    const ws = this.model.weights;
    const values = await Promise.all(ws.map((w) => w.read().data() as Promise<Float32Array>));
    // A weight's shape is fully known once built (null only marks a batch dimension).
    return ws.map((w, i) => ({
      name: w.originalName,
      shape: w.shape.map((d) => d ?? 1),
      values: values[i]!,
    }));
  }

  /** Puts back weights `weights()` read, by name, into a network of the same sizes. */
  setWeights(weights: readonly NetWeight<ArrayLike<number>>[]): void {
    const byName = new Map(weights.map((w) => [w.name, w]));
    for (const v of this.model.weights) {
      const w = byName.get(v.originalName);
      if (!w || w.shape.join() !== v.shape.join())
        throw new RangeError(`the network's ${v.originalName} is missing or of another shape`);
      const t = tf.tensor(Float32Array.from(w.values), w.shape);
      v.write(t);
      t.dispose();
    }
  }

  /** Both heads for `rows` of `states`: P(act) per row, π row-major (rows × items). */
  async predict(
    states: Float32Array,
    width: number,
    rows: ArrayLike<number>,
  ): Promise<{ act: Float32Array; policy: Float32Array }> {
    const x = gatherRows(states, width, rows);
    const [act, pi] = tf.tidy(() => this.heads(tf.tensor2d(x, [rows.length, width]), false));
    const out = {
      act: (await act.data()) as Float32Array,
      policy: (await pi.data()) as Float32Array,
    };
    tf.dispose([act, pi]);
    return out;
  }

  dispose(): void {
    this.model.dispose();
    this.optimizer.dispose();
    this.policyOptimizer.dispose();
  }
}
