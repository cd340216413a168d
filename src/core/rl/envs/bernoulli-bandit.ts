/**
 * The simplest recommender problem: K items, each clicked with a fixed
 * probability whatever the shopper. It knows the true probabilities, so an
 * oracle and the regret of every choice are exact; tests and the custom
 * environment example in the README use it.
 */
import { createRandom, type Random } from '../../random';
import type { Environment, Observation, StepResult } from '../contract';

export interface BanditInfo {
  /** The chosen arm's true mean reward. */
  expected: number;
  /** The best arm's true mean minus the chosen one's: this step's expected regret. */
  regret: number;
}

const NO_CONTEXT: Observation = { state: 0, context: null };

export class BernoulliBandit implements Environment<BanditInfo> {
  readonly numStates = 1;
  readonly contextSize = 0;
  readonly numActions: number;
  readonly best: number;
  private rng: Random;

  constructor(
    readonly means: readonly number[],
    seed: number,
  ) {
    if (means.length === 0) throw new RangeError('a bandit needs at least one arm');
    if (means.some((p) => !(p >= 0 && p <= 1)))
      throw new RangeError('arm means must be probabilities from 0 to 1');
    this.numActions = means.length;
    this.best = Math.max(...means);
    this.rng = createRandom(seed);
  }

  reset(seed?: number): Observation {
    if (seed !== undefined) this.rng = createRandom(seed);
    return NO_CONTEXT;
  }

  step(action: number): StepResult<BanditInfo> {
    if (!(Number.isInteger(action) && action >= 0 && action < this.numActions))
      throw new RangeError(`action must be 0-${this.numActions - 1}, got ${action}`);
    const p = this.means[action]!;
    return {
      observation: NO_CONTEXT,
      reward: this.rng.next() < p ? 1 : 0,
      done: false,
      info: { expected: p, regret: this.best - p },
    };
  }
}
