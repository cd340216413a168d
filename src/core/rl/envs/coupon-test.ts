/**
 * The guide's "plug in your own problem" example (src/ui/guide/experiments.md):
 * three coupons, and which one a customer redeems depends on whether they
 * are new. Any module that exports `createEnvironment(seed)` like this one
 * can also be swept (`"environment"` in a sweep spec, src/cli/sweep-coupons.json).
 */
import { createRandom, type Random } from '../../random';
import type { Environment, Observation, StepResult } from '../contract';

export class CouponTest implements Environment<{ regret: number }> {
  readonly numActions = 3;
  readonly numStates = 1;
  readonly contextSize = 2; // [1 (bias), 1 if a new customer]
  private isNew = false;
  private readonly rng: Random;

  constructor(seed = 1) {
    this.rng = createRandom(seed);
  }

  private arrive(): Observation {
    this.isNew = this.rng.next() < 0.3;
    return { state: 0, context: Float64Array.of(1, this.isNew ? 1 : 0) };
  }
  reset(): Observation {
    return this.arrive();
  }
  step(action: number): StepResult<{ regret: number }> {
    const p = (this.isNew ? [0.3, 0.1, 0.05] : [0.05, 0.1, 0.2])[action]!;
    const reward = this.rng.next() < p ? 1 : 0;
    const regret = (this.isNew ? 0.3 : 0.2) - p;
    return { observation: this.arrive(), reward, done: false, info: { regret } };
  }
}

/** What a sweep calls for each cell: the problem, seeded by the cell's seed. */
export function createEnvironment(seed: number): CouponTest {
  return new CouponTest(seed);
}
