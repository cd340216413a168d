import { describe, expect, it } from 'vitest';
import {
  ARTICLE_TABLE,
  articleMdp,
  mdpFrom,
  valueIteration,
  type Mdp,
} from '../../../src/core/rl/mdp';

/** Solves (I - γ P_π) V = R_π by Gaussian elimination: the exact values of a fixed policy. */
function evaluatePolicy(m: Mdp, policy: Int32Array, gamma: number): number[] {
  const S = m.numStates;
  const A = m.numActions;
  const rows = Array.from({ length: S }, (_, s) => {
    const a = policy[s]!;
    const row = Array.from(
      { length: S },
      (_, t) => (s === t ? 1 : 0) - gamma * m.transitions[(s * A + a) * S + t]!,
    );
    return [...row, m.rewards[s * A + a]!];
  });
  for (let c = 0; c < S; c++) {
    const pivot = rows.findIndex((r, i) => i >= c && Math.abs(r[c]!) > 1e-12);
    [rows[c], rows[pivot]] = [rows[pivot]!, rows[c]!];
    for (let r = 0; r < S; r++) {
      if (r === c) continue;
      const f = rows[r]![c]! / rows[c]![c]!;
      for (let k = c; k <= S; k++) rows[r]![k]! -= f * rows[c]![k]!;
    }
  }
  return rows.map((r, i) => r[S]! / r[i]!);
}

describe('value iteration', () => {
  it('one state, two actions: V* = best reward / (1 - γ)', () => {
    const m = mdpFrom([[[1], [1]]], [[1, 3]]);
    const sol = valueIteration(m, 0.9);
    expect(sol.values[0]).toBeCloseTo(30, 8);
    expect(Array.from(sol.q)).toEqual([expect.closeTo(28, 8), expect.closeTo(30, 8)]);
    expect(Array.from(sol.policy)).toEqual([1]);
  });

  it('a two-state chain matches the values worked by hand', () => {
    // State 0: stay (reward 0) or go to 1 (reward 0). State 1: stay (reward 1) or go back (0).
    // γ = 0.5: V(1) = 1 / (1 - 0.5) = 2; V(0) = max(0.5 V(0), 0.5 V(1)) = 1.
    const m = mdpFrom(
      [
        [
          [1, 0],
          [0, 1],
        ],
        [
          [0, 1],
          [1, 0],
        ],
      ],
      [
        [0, 0],
        [1, 0],
      ],
    );
    const sol = valueIteration(m, 0.5);
    expect(sol.values[0]).toBeCloseTo(1, 9);
    expect(sol.values[1]).toBeCloseTo(2, 9);
    expect(Array.from(sol.policy)).toEqual([1, 0]);
  });

  it("the article's example, made well-defined, satisfies the Bellman optimality equation", () => {
    const m = articleMdp();
    // Every p(·|s,a) is a full distribution now: stay with T[s][a], else move on.
    for (let s = 0; s < 3; s++)
      for (let a = 0; a < 2; a++) {
        const row = Array.from(m.transitions.subarray((s * 2 + a) * 3, (s * 2 + a + 1) * 3));
        expect(row.reduce((x, y) => x + y)).toBeCloseTo(1, 12);
        expect(row[s]).toBe(ARTICLE_TABLE[s]![a]);
      }
    const gamma = 0.9;
    const sol = valueIteration(m, gamma);
    // V* = max_a [R + γ Σ p V*], to the tolerance.
    for (let s = 0; s < 3; s++) {
      const best = Math.max(
        ...[0, 1].map((a) => {
          let e = 0;
          for (let t = 0; t < 3; t++) e += m.transitions[(s * 2 + a) * 3 + t]! * sol.values[t]!;
          return m.rewards[s * 2 + a]! + gamma * e;
        }),
      );
      expect(sol.values[s]).toBeCloseTo(best, 8);
    }
    // And it equals the exact value of its greedy policy, solved as a linear system.
    const exact = evaluatePolicy(m, sol.policy, gamma);
    exact.forEach((v, s) => expect(sol.values[s]).toBeCloseTo(v, 7));
    // In state 1 only action 1 pays; in states 0 and 2 action 0 pays and also tends to stay.
    expect(Array.from(sol.policy)).toEqual([0, 1, 0]);
  });

  it('refuses ill-defined MDPs, like the article table read as it stands', () => {
    // The article's rows as p(s'|s,a) over 3 states do not exist: each row has 2 numbers.
    expect(() =>
      mdpFrom(
        ARTICLE_TABLE.map((row) => [row, row]),
        [
          [1, 0],
          [0, 1],
          [1, 0],
        ],
      ),
    ).toThrow(/for each of 3 states/);
    expect(() => mdpFrom([[[0.5, 0.4]], [[1, 0]]], [[1], [1]])).toThrow(/sums to 0\.9/);
    expect(() => mdpFrom([[[1.5, -0.5]], [[1, 0]]], [[1], [1]])).toThrow(/outside \[0, 1\]/);
    expect(() => valueIteration(articleMdp(), 1)).toThrow(/γ must be in \[0, 1\)/);
  });
});
