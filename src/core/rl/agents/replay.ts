/**
 * Experience replay (the source articles' remedy, README "Source material", for sparse,
 * correlated rewards): a fixed-size ring of transitions in typed arrays,
 * sampled uniformly so a minibatch mixes old and new experience.
 */
import type { Random } from '../../random';

export interface ReplayBatch {
  observations: Float32Array;
  actions: Int32Array;
  rewards: Float32Array;
  nexts: Float32Array;
  /** 1 where the episode continued after the transition, 0 where it ended. */
  notDone: Float32Array;
}

export class ReplayBuffer {
  private readonly observations: Float32Array;
  private readonly nexts: Float32Array;
  private readonly actions: Int32Array;
  private readonly rewards: Float32Array;
  private readonly notDone: Float32Array;
  private head = 0;
  /** Transitions held, up to the capacity. */
  size = 0;

  constructor(
    readonly capacity: number,
    readonly width: number,
  ) {
    if (!(Number.isInteger(capacity) && capacity >= 1))
      throw new RangeError(`replay capacity must be a whole number ≥ 1, got ${capacity}`);
    this.observations = new Float32Array(capacity * width);
    this.nexts = new Float32Array(capacity * width);
    this.actions = new Int32Array(capacity);
    this.rewards = new Float32Array(capacity);
    this.notDone = new Float32Array(capacity);
  }

  /** Stores a transition, overwriting the oldest when full. */
  add(
    observation: ArrayLike<number>,
    action: number,
    reward: number,
    next: ArrayLike<number>,
    done: boolean,
  ): void {
    const i = this.head;
    this.observations.set(observation, i * this.width);
    this.nexts.set(next, i * this.width);
    this.actions[i] = action;
    this.rewards[i] = reward;
    this.notDone[i] = done ? 0 : 1;
    this.head = (i + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** `n` transitions drawn uniformly with replacement. */
  sample(n: number, rng: Random): ReplayBatch {
    if (this.size === 0) throw new Error('the replay buffer is empty');
    const w = this.width;
    const out: ReplayBatch = {
      observations: new Float32Array(n * w),
      actions: new Int32Array(n),
      rewards: new Float32Array(n),
      nexts: new Float32Array(n * w),
      notDone: new Float32Array(n),
    };
    for (let k = 0; k < n; k++) {
      const i = rng.int(this.size);
      out.observations.set(this.observations.subarray(i * w, (i + 1) * w), k * w);
      out.nexts.set(this.nexts.subarray(i * w, (i + 1) * w), k * w);
      out.actions[k] = this.actions[i]!;
      out.rewards[k] = this.rewards[i]!;
      out.notDone[k] = this.notDone[i]!;
    }
    return out;
  }
}
