/**
 * Collaborative filtering as the source article meant it (README, "Source
 * material"), in the form that runs: two inputs, a shopper id and an item id,
 * each looked up in its own embedding table (10 numbers, as the article
 * chose), and P(engage) = σ(user · item + user bias + item bias), trained by
 * binary cross-entropy with Adam on the log's labelled pairs (log-pairs.ts).
 *
 * The article stacked the two embeddings in one `Sequential`, which feeds the
 * user embedding's output into the item embedding as if it were ids; its
 * `Dense(1)` over both flattened is replaced by their dot product, which
 * makes the item vectors comparable across shoppers (the factorisation
 * Koren et al. 2009 describe). The Keras layers are tfjs's own, so the saved
 * model is an ordinary LayersModel.
 */
import * as tf from '@tensorflow/tfjs';
import { adam } from '../../kernels/fused-adam';
import type { Random } from '../../random';
import type { CfTables } from './cf-tables';
import type { LabelledPairs } from './log-pairs';

export { cfItemMeans, cfProbability, type CfTables } from './cf-tables';

export interface CfOptions {
  users: number;
  items: number;
  /** Embedding size (the article's 10). */
  dim: number;
  /** Adam's step (the article's 1e-3 learns too slowly on a shop's sparse log; see the lab's fixes). */
  learningRate: number;
  /**
   * L2 penalty on the embedding rows a batch uses, per row: keeps shoppers
   * with one or two events near the mean. Only the rows used: a penalty on
   * the whole table would move every row at every step, which Adam, dividing
   * by each weight's own gradient size, turns into full-size steps.
   */
  l2: number;
  batchSize: number;
  /** Share of positives in the training pairs: the item biases start at its logit. */
  baseRate: number;
}

export const CF_DEFAULTS = { dim: 10, learningRate: 0.01, l2: 0.3, batchSize: 256 } as const;

const logit = (p: number) => Math.log(p / (1 - p));

export class CfModel {
  readonly model: tf.LayersModel;
  readonly optimizer: tf.Optimizer;
  /** Batches trained so far. */
  steps = 0;
  private readonly userTable: tf.layers.Layer;
  private readonly itemTable: tf.layers.Layer;
  private readonly userBias: tf.layers.Layer;
  private readonly itemBias: tf.layers.Layer;

  constructor(
    readonly o: CfOptions,
    rng: Random,
  ) {
    for (const k of ['users', 'items', 'dim', 'batchSize'] as const)
      if (!(Number.isInteger(o[k]) && o[k] >= 1))
        throw new RangeError(`${k} must be a whole number ≥ 1, got ${o[k]}`);
    if (!(o.learningRate > 0)) throw new RangeError('the learning rate must be > 0');
    if (!(o.l2 >= 0)) throw new RangeError('the L2 penalty must be ≥ 0');
    const base = Math.min(0.99, Math.max(0.01, o.baseRate || 0.5));
    const table = (inputDim: number, outputDim: number, name: string) =>
      tf.layers.embedding({
        inputDim,
        outputDim,
        name,
        embeddingsInitializer:
          outputDim === 1
            ? tf.initializers.constant({ value: name === 'item_bias' ? logit(base) : 0 })
            : tf.initializers.randomNormal({ mean: 0, stddev: 0.1, seed: rng.seed32() }),
      });
    const user = tf.input({ shape: [1], dtype: 'int32', name: 'user' });
    const item = tf.input({ shape: [1], dtype: 'int32', name: 'item' });
    this.userTable = table(o.users, o.dim, 'user_embedding');
    this.itemTable = table(o.items, o.dim, 'item_embedding');
    this.userBias = table(o.users, 1, 'user_bias');
    this.itemBias = table(o.items, 1, 'item_bias');
    const flat = (layer: tf.layers.Layer, x: tf.SymbolicTensor) =>
      tf.layers.flatten().apply(layer.apply(x)) as tf.SymbolicTensor;
    const dot = tf.layers
      .dot({ axes: 1 })
      .apply([flat(this.userTable, user), flat(this.itemTable, item)]) as tf.SymbolicTensor;
    const score = tf.layers
      .add()
      .apply([dot, flat(this.userBias, user), flat(this.itemBias, item)]) as tf.SymbolicTensor;
    this.model = tf.model({
      inputs: [user, item],
      outputs: score,
      name: 'collaborative_filtering',
    });
    this.optimizer = adam(o.learningRate);
  }

  /** One Adam step on the rows `rows` of `pairs`; the loss, not read back. */
  trainBatch(pairs: LabelledPairs, rows: ArrayLike<number>): tf.Scalar {
    const n = rows.length;
    const u = new Int32Array(n);
    const i = new Int32Array(n);
    const y = new Float32Array(n);
    for (let j = 0; j < n; j++) {
      const r = rows[j]!;
      u[j] = pairs.user[r]!;
      i[j] = pairs.item[r]!;
      y[j] = pairs.label[r]!;
    }
    const loss = tf.tidy(() => {
      const users = tf.tensor2d(u, [n, 1], 'int32');
      const items = tf.tensor2d(i, [n, 1], 'int32');
      const labels = tf.tensor2d(y, [n, 1]);
      return this.optimizer.minimize(() => {
        const logits = this.model.apply([users, items], { training: true }) as tf.Tensor;
        const bce = tf.losses.sigmoidCrossEntropy(labels, logits);
        if (this.o.l2 === 0) return bce as tf.Scalar;
        const rows = (layer: tf.layers.Layer, ids: tf.Tensor) =>
          tf.gather(layer.trainableWeights[0]!.read(), ids.reshape([n]));
        // The user's bias too: with a handful of rows a shopper's own offset memorises them.
        const squares = tf.addN([
          tf.sum(tf.square(rows(this.userTable, users))),
          tf.sum(tf.square(rows(this.itemTable, items))),
          tf.sum(tf.square(rows(this.userBias, users))),
        ]);
        return tf.add(bce, tf.mul(this.o.l2 / n, squares)) as tf.Scalar;
      }, true) as tf.Scalar;
    });
    this.steps++;
    return loss;
  }

  /** The learned tables as plain arrays, for acting without the backend. */
  async tables(): Promise<CfTables> {
    const read = async (layer: tf.layers.Layer) =>
      (await layer.getWeights()[0]!.data()) as Float32Array;
    return {
      dim: this.o.dim,
      users: this.o.users,
      items: this.o.items,
      user: await read(this.userTable),
      item: await read(this.itemTable),
      userBias: await read(this.userBias),
      itemBias: await read(this.itemBias),
    };
  }

  dispose(): void {
    this.model.dispose();
    this.optimizer.dispose();
  }
}
