import { describe, expect, it } from 'vitest';
import { createRandom } from '../../../src/core/random';
import { argmaxPlan, PlanCache, replayPlan } from '../../../src/core/rl/agents/argmax-plan';
import { argmaxRandomTie } from '../../../src/core/rl/contract';

describe('picking the best by replaying a recorded scan', () => {
  it('picks what argmaxRandomTie picks, drawing exactly as it draws', () => {
    const values = createRandom(1);
    for (let t = 0; t < 500; t++) {
      // Few distinct values, so ties (with running and final maxima) are common; infinities too.
      const n = 1 + values.int(60);
      const pool = [-Infinity, 0, 0.25, 0.5, 1, Infinity];
      const xs = Float64Array.from({ length: n }, () => pool[values.int(t % 2 ? 4 : 6)]!);
      const plan = argmaxPlan(xs);
      const [a, b] = [createRandom(t), createRandom(t)];
      for (let k = 0; k < 5; k++)
        expect(replayPlan(plan, a)).toBe(argmaxRandomTie(xs, () => b.next()));
      // The streams are at the same place afterwards.
      expect(a.next()).toBe(b.next());
    }
  });

  it('records a row of a table, and is cached by key until dropped', () => {
    const table = Float64Array.from([0, 5, 1, 7, 7, 2]);
    expect(Array.from(argmaxPlan(table, 3, 6))).toEqual([~0, 1]);
    const cache = new PlanCache();
    const first = cache.plan(1, table, 3, 6);
    table[5] = 9;
    expect(cache.plan(1, table, 3, 6)).toBe(first);
    cache.drop(1);
    expect(Array.from(cache.plan(1, table, 3, 6))).toEqual([~0, 1, ~2]);
  });
});
