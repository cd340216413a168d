/**
 * Deep Q-network (Mnih et al. 2015) in tfjs, on whatever backend is active.
 *
 * - Input: the problem's context vector, or a one-hot of its discrete state.
 * - Network: dense ReLU layers, then one linear output per action: Q(s, ·).
 * - Learning: every `trainEvery` decisions after `warmup`, one Adam step on a
 *   minibatch from the replay buffer, Huber loss on
 *     y = r + γ (1 − done) Q_target(s', a*),
 *   a* = argmax_a Q_target(s', a) (DQN) or argmax_a Q_online(s', a) (double
 *   DQN, van Hasselt et al. 2016, which curbs over-estimation); the target
 *   network copies the online one every `targetEvery` updates.
 * - Acting never reads the GPU: the agent keeps a plain-JS copy of the online
 *   weights and runs the small forward pass itself. `sync()` refreshes that
 *   copy with async readbacks (WebGPU has no synchronous ones), so the policy
 *   lags training by at most one chunk of steps. The same copy gives the TD
 *   errors the adaptive exploration watches.
 */
import * as tf from '@tensorflow/tfjs';
import { adam } from '../../kernels/fused-adam';
import { lazyDense } from '../../kernels/lazy-layers';
import type { NamedTensor } from '../../store/checkpoint';
import {
  modelTensors,
  optimizerTensors,
  setModelTensors,
  setOptimizerTensors,
} from '../../store/tf-state';
import { createRandom, type Random } from '../../random';
import type { Agent, Observation, ProblemShape, Transition } from '../contract';
import { argmaxRandomTie, checkShape } from '../contract';
import { explorerFor, type Exploration, type Explorer } from './adaptive';
import { bestSlate, randomSlate } from './bandits';
import { denseForward, readDenseLayers, type DenseLayer } from './dense-mirror';
import { ReplayBuffer } from './replay';

export interface DqnOptions {
  /** Discount γ in [0, 1]. */
  gamma: number;
  exploration: Exploration;
  /** Hidden layer widths (default [64, 64]). */
  hidden?: number[];
  /** Adam step size (default 0.001). */
  learningRate?: number;
  /** Minibatch size (default 32). */
  batchSize?: number;
  /** Replay capacity in transitions (default 10,000). */
  replayCapacity?: number;
  /** Transitions gathered before the first update (default 500). */
  warmup?: number;
  /** Decisions per update (default 4). */
  trainEvery?: number;
  /** Updates between target-network copies (default 200). */
  targetEvery?: number;
  /** Double DQN targets (default true). */
  double?: boolean;
}

export class DqnAgent implements Agent {
  readonly name: string;
  readonly inputSize: number;
  /** Minibatch updates done so far. */
  updates = 0;
  private readonly A: number;
  private readonly online: tf.Sequential;
  private readonly target: tf.Sequential;
  private readonly optimizer: tf.Optimizer;
  private readonly replay: ReplayBuffer;
  private readonly rng: Random;
  private readonly explorer: Explorer;
  private readonly o: Required<Omit<DqnOptions, 'exploration'>>;
  private readonly useContext: boolean;
  private mirror: DenseLayer[] = [];
  private mirrorUpdates = -1;
  private readonly input: Float32Array;
  private readonly nextInput: Float32Array;
  private readonly q: Float64Array;
  /** The loss of the latest update, not yet read back. */
  private pendingLoss: tf.Scalar | null = null;
  /** The latest loss read back by sync(), with the update it came from. */
  lastLoss: { update: number; loss: number } | null = null;
  private t = 0;
  private disposed = false;

  constructor(shape: ProblemShape, options: DqnOptions, seed: number) {
    checkShape(shape);
    this.o = {
      gamma: options.gamma,
      hidden: options.hidden ?? [64, 64],
      learningRate: options.learningRate ?? 1e-3,
      batchSize: options.batchSize ?? 32,
      replayCapacity: options.replayCapacity ?? 10_000,
      // A warm-up longer than the buffer would never end: the agent would never train.
      warmup: options.warmup ?? Math.min(500, options.replayCapacity ?? 10_000),
      trainEvery: options.trainEvery ?? 4,
      targetEvery: options.targetEvery ?? 200,
      double: options.double ?? true,
    };
    const o = this.o;
    if (!(o.gamma >= 0 && o.gamma <= 1))
      throw new RangeError(`γ must be in [0, 1], got ${o.gamma}`);
    if (
      o.hidden.length === 0 ||
      o.hidden.some((h) => !(Number.isInteger(h) && h >= 1 && h <= 4096))
    )
      throw new RangeError('hidden layers must be whole widths from 1 to 4,096');
    if (!(o.learningRate > 0))
      throw new RangeError(`learningRate must be > 0, got ${o.learningRate}`);
    for (const k of ['batchSize', 'trainEvery', 'targetEvery'] as const)
      if (!(Number.isInteger(o[k]) && o[k] >= 1))
        throw new RangeError(`${k} must be a whole number ≥ 1, got ${o[k]}`);
    if (!(Number.isInteger(o.warmup) && o.warmup >= 0))
      throw new RangeError(`warmup must be a whole number ≥ 0, got ${o.warmup}`);
    if (o.warmup > o.replayCapacity)
      throw new RangeError(
        `warmup (${o.warmup}) must not exceed the replay capacity (${o.replayCapacity}), or the agent never trains`,
      );
    this.name = o.double ? 'DQN (double)' : 'DQN';
    this.A = shape.numActions;
    this.useContext = shape.contextSize > 0;
    this.inputSize = this.useContext ? shape.contextSize : shape.numStates;
    this.rng = createRandom(seed);
    this.explorer = explorerFor(options.exploration);
    this.replay = new ReplayBuffer(o.replayCapacity, this.inputSize);
    this.online = this.build();
    this.target = this.build();
    this.target.setWeights(this.online.getWeights());
    this.optimizer = adam(o.learningRate);
    this.input = new Float32Array(this.inputSize);
    this.nextInput = new Float32Array(this.inputSize);
    this.q = new Float64Array(this.A);
  }

  private build(): tf.Sequential {
    const model = tf.sequential();
    this.o.hidden.forEach((units, i) =>
      model.add(
        lazyDense({
          units,
          activation: 'relu',
          kernelInitializer: tf.initializers.heNormal({ seed: this.rng.seed32() }),
          ...(i === 0 && { inputShape: [this.inputSize] }),
        }),
      ),
    );
    model.add(
      lazyDense({
        units: this.A,
        kernelInitializer: tf.initializers.glorotUniform({ seed: this.rng.seed32() }),
      }),
    );
    return model;
  }

  /** The current exploration rate. */
  get epsilon(): number {
    return this.explorer.epsilon(this.t);
  }

  private encode(o: Observation, out: Float32Array): Float32Array {
    if (this.useContext) {
      if (!o.context || o.context.length !== this.inputSize)
        throw new RangeError(`DQN needs a context of length ${this.inputSize}`);
      out.set(o.context);
    } else {
      out.fill(0);
      out[o.state] = 1;
    }
    return out;
  }

  /** Q(s, ·) from the JS copy of the online network, into this.q. */
  private forward(x: Float32Array): Float64Array {
    return denseForward(this.mirror, x, this.q);
  }

  /**
   * Reads the online weights back into the JS copy when training has moved
   * them. Call between chunks of steps; the first call is needed before acting.
   */
  async sync(): Promise<void> {
    if (this.disposed || this.mirrorUpdates === this.updates) return;
    const weights = this.online.getWeights();
    const lossTensor = this.pendingLoss;
    this.pendingLoss = null;
    const updates = this.updates;
    const [layers, loss] = await Promise.all([readDenseLayers(weights), lossTensor?.data()]);
    lossTensor?.dispose();
    if (loss) this.lastLoss = { update: updates, loss: loss[0]! };
    this.mirror = layers;
    this.mirrorUpdates = this.updates;
  }

  private requireMirror(): void {
    if (this.mirror.length === 0)
      throw new Error('await sync() once before the DQN acts, to read its weights');
  }

  act(o: Observation): number {
    this.requireMirror();
    const explore = this.rng.next() < this.epsilon;
    this.t++;
    if (explore) return this.rng.int(this.A);
    return argmaxRandomTie(this.forward(this.encode(o, this.input)), () => this.rng.next());
  }

  rank(o: Observation, k: number): Int32Array {
    this.requireMirror();
    const epsilon = this.epsilon;
    this.t++;
    // Q is only computed when the slate is not a random one.
    if (this.rng.next() < epsilon) return randomSlate(this.A, k, this.rng);
    return bestSlate(this.forward(this.encode(o, this.input)), k, this.rng);
  }

  learn(t: Transition): void {
    if (!Number.isFinite(t.reward)) throw new RangeError(`reward must be finite, got ${t.reward}`);
    const x = this.encode(t.observation, this.input);
    const next = this.encode(t.next, this.nextInput);
    this.replay.add(x, t.action, t.reward, next, t.done);
    if (this.mirror.length > 0) {
      // TD error by the JS copy, for the adaptive exploration; no GPU readback.
      const qa = this.forward(x)[t.action]!;
      let future = 0;
      if (!t.done) {
        const qn = this.forward(next);
        future = this.o.gamma * qn.reduce((m, v) => Math.max(m, v), -Infinity);
      }
      this.explorer.observe(t.reward + future - qa);
    }
    if (
      this.replay.size >= Math.max(this.o.warmup, this.o.batchSize) &&
      this.t % this.o.trainEvery === 0
    )
      this.trainStep();
  }

  /** One minibatch update (queued on the backend; nothing is read back). */
  private trainStep(): void {
    const { batchSize: B, gamma } = this.o;
    const batch = this.replay.sample(B, this.rng);
    const A = this.A;
    tf.tidy(() => {
      const s = tf.tensor2d(batch.observations, [B, this.inputSize]);
      const s2 = tf.tensor2d(batch.nexts, [B, this.inputSize]);
      const a = tf.oneHot(tf.tensor1d(batch.actions, 'int32'), A);
      const qTarget = this.target.predict(s2) as tf.Tensor2D;
      const pick = this.o.double
        ? tf.oneHot((this.online.predict(s2) as tf.Tensor2D).argMax(1), A)
        : tf.oneHot(qTarget.argMax(1), A);
      const nextValue = tf.sum(tf.mul(qTarget, pick), 1);
      const y = tf.add(
        tf.tensor1d(batch.rewards),
        tf.mul(nextValue, tf.mul(tf.tensor1d(batch.notDone), gamma)),
      );
      const loss = this.optimizer.minimize(() => {
        const q = this.online.apply(s, { training: true }) as tf.Tensor2D;
        return tf.losses.huberLoss(y, tf.sum(tf.mul(q, a), 1)) as tf.Scalar;
      }, true);
      // Only the latest loss is kept (and read back in sync()): one scalar, never a queue.
      this.pendingLoss?.dispose();
      this.pendingLoss = tf.keep(loss!);
    });
    this.updates++;
    if (this.updates % this.o.targetEvery === 0) this.target.setWeights(this.online.getWeights());
  }

  /** Both networks and Adam's state, for a checkpoint (after `sync`). */
  async tensors(prefix: string): Promise<{ weights: NamedTensor[]; optimizer: NamedTensor[] }> {
    const [online, target, optimizer] = await Promise.all([
      modelTensors(this.online, `${prefix}/online`),
      modelTensors(this.target, `${prefix}/target`),
      optimizerTensors(this.optimizer, `${prefix}/adam`),
    ]);
    return { weights: [...online, ...target], optimizer };
  }

  /** Puts back what `tensors` saved, into an agent built with the same options. */
  async setTensors(
    prefix: string,
    weights: NamedTensor[],
    optimizer: NamedTensor[],
  ): Promise<void> {
    setModelTensors(this.online, `${prefix}/online`, weights);
    setModelTensors(this.target, `${prefix}/target`, weights);
    await setOptimizerTensors(this.optimizer, `${prefix}/adam`, optimizer);
  }

  /** Transitions in the replay buffer, and its capacity. */
  get replayFill(): { size: number; capacity: number } {
    return { size: this.replay.size, capacity: this.o.replayCapacity };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pendingLoss?.dispose();
    this.pendingLoss = null;
    this.online.dispose();
    this.target.dispose();
    this.optimizer.dispose();
  }
}
