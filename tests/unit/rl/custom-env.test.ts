/** The guide's "plug in your own problem" example (src/core/rl/envs/coupon-test.ts), kept true here. */
import { describe, expect, it } from 'vitest';
import { RandomAgent } from '../../../src/core/rl/agents/bandits';
import { LinUcbAgent } from '../../../src/core/rl/agents/linucb';
import { CouponTest } from '../../../src/core/rl/envs/coupon-test';
import { interact } from '../../../src/core/rl/interact';

describe('a custom problem through the agent contract', () => {
  it('LinUCB learns which coupon suits whom; random does not', () => {
    const shape = { numActions: 3, numStates: 1, contextSize: 2 };
    const lin = interact(new CouponTest(), new LinUcbAgent(shape, 7), 10_000);
    const rnd = interact(new CouponTest(), new RandomAgent(shape, 7), 10_000);
    expect(lin.regret[9999]!).toBeLessThan(rnd.regret[9999]! / 4);
    expect(lin.reward[9999]! / 10_000).toBeGreaterThan(0.2);
  });
});
