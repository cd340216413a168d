import type { Environment, Observation, StepResult } from '../../../src/core/rl/contract';
import { createRandom, type Random } from '../../../src/core/random';

/**
 * A linear contextual bandit: each step a random unit context x in R^4, arm a
 * pays 1 with probability 0.5 + 0.4 θ_aᵀx. Its oracle is exact, so regret is too.
 */
export class LinearBandit implements Environment<{ regret: number }> {
  readonly numActions = 5;
  readonly numStates = 1;
  readonly contextSize = 4;
  private readonly rng: Random;
  private x: Float64Array = new Float64Array(4);
  private readonly theta: Float64Array[];
  constructor(seed: number) {
    this.rng = createRandom(seed);
    this.theta = Array.from({ length: 5 }, () => this.unit());
  }
  private unit(): Float64Array {
    const v = Float64Array.from({ length: 4 }, () => this.rng.normal());
    const n = Math.hypot(...v);
    return v.map((a) => a / n);
  }
  private observe(): Observation {
    this.x = this.unit();
    return { state: 0, context: this.x };
  }
  reset(): Observation {
    return this.observe();
  }
  step(action: number | ArrayLike<number>): StepResult<{ regret: number }> {
    const a = action as number;
    const p = this.theta.map((t) => 0.5 + 0.4 * t.reduce((s, v, k) => s + v * this.x[k]!, 0));
    const reward = this.rng.next() < p[a]! ? 1 : 0;
    return {
      observation: this.observe(),
      reward,
      done: false,
      info: { regret: Math.max(...p) - p[a]! },
    };
  }
}
