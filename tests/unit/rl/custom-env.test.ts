/** The README's "plug in your own problem" example, kept here so it stays true. */
import { describe, expect, it } from 'vitest';
import { createRandom } from '../../../src/core/random';
import { RandomAgent } from '../../../src/core/rl/agents/bandits';
import { LinUcbAgent } from '../../../src/core/rl/agents/linucb';
import type { Environment, Observation, StepResult } from '../../../src/core/rl/contract';
import { interact } from '../../../src/core/rl/interact';

/** Three coupons; which one a customer redeems depends on whether they are new. */
class CouponTest implements Environment<{ regret: number }> {
  readonly numActions = 3;
  readonly numStates = 1;
  readonly contextSize = 2; // [1 (bias), 1 if a new customer]
  private isNew = false;
  private readonly rng = createRandom(1);

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

describe('a custom problem through the agent contract', () => {
  it('LinUCB learns which coupon suits whom; random does not', () => {
    const shape = { numActions: 3, numStates: 1, contextSize: 2 };
    const lin = interact(new CouponTest(), new LinUcbAgent(shape, 7), 10_000);
    const rnd = interact(new CouponTest(), new RandomAgent(shape, 7), 10_000);
    expect(lin.regret[9999]!).toBeLessThan(rnd.regret[9999]! / 4);
    expect(lin.reward[9999]! / 10_000).toBeGreaterThan(0.2);
  });
});
