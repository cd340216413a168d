import { describe, expect, it } from 'vitest';
import { createRandom } from '../../../src/core/random';
import type { Agent, ProblemShape } from '../../../src/core/rl/contract';
import { argmaxRandomTie } from '../../../src/core/rl/contract';
import { sampleBeta, sampleGamma } from '../../../src/core/rl/distributions';
import {
  EpsilonGreedyAgent,
  RandomAgent,
  ThompsonBetaAgent,
  ThompsonGaussianAgent,
  Ucb1Agent,
} from '../../../src/core/rl/agents/bandits';
import { checkSchedule, epsilonAt } from '../../../src/core/rl/agents/schedule';
import { BernoulliBandit } from '../../../src/core/rl/envs/bernoulli-bandit';
import { interact } from '../../../src/core/rl/interact';

const MEANS = [0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7];
const shape: ProblemShape = { numActions: MEANS.length, numStates: 1, contextSize: 0 };
const STEPS = 20_000;
const SEEDS = [1, 2, 3];

const AGENTS: Record<string, (seed: number) => Agent> = {
  random: (s) => new RandomAgent(shape, s),
  'epsilon 0.1': (s) => new EpsilonGreedyAgent(shape, { kind: 'constant', epsilon: 0.1 }, s),
  'epsilon decaying': (s) =>
    new EpsilonGreedyAgent(shape, { kind: 'exponential', start: 1, end: 0.01, decay: 0.999 }, s),
  ucb1: (s) => new Ucb1Agent(shape, s),
  'thompson beta': (s) => new ThompsonBetaAgent(shape, s),
  'thompson gaussian': (s) => new ThompsonGaussianAgent(shape, s, 0.5),
};

/** Mean over seeds of the cumulative regret at step t (1-based) and of the total reward. */
function run(name: string): { regretAt: (t: number) => number; reward: number } {
  const curves = SEEDS.map((seed) =>
    interact(new BernoulliBandit(MEANS, seed), AGENTS[name]!(seed + 100), STEPS),
  );
  const mean = (f: (c: (typeof curves)[number]) => number) =>
    curves.reduce((s, c) => s + f(c), 0) / curves.length;
  return {
    regretAt: (t) => mean((c) => c.regret[t - 1]!),
    reward: mean((c) => c.reward[STEPS - 1]!),
  };
}

const results = Object.fromEntries(Object.keys(AGENTS).map((k) => [k, run(k)]));

describe('bandit agents on a 10-armed Bernoulli bandit (3 seeds, 20,000 steps)', () => {
  it('the oracle beats every learner, and every learner beats random', () => {
    const oracle = Math.max(...MEANS) * STEPS;
    const random = results.random!.reward;
    for (const [name, r] of Object.entries(results)) {
      expect(r.reward, name).toBeLessThan(oracle);
      if (name !== 'random') expect(r.reward, name).toBeGreaterThan(random * 1.4);
    }
  });

  it.each(['ucb1', 'thompson beta', 'thompson gaussian', 'epsilon decaying'])(
    '%s has sublinear regret: 4× the steps add well under 4× the regret',
    (name) => {
      const r = results[name]!;
      const ratio = r.regretAt(STEPS) / r.regretAt(STEPS / 4);
      expect(ratio).toBeLessThan(2);
      expect(r.regretAt(STEPS)).toBeLessThan(0.05 * STEPS);
    },
  );

  it('constant epsilon-greedy and random have linear regret', () => {
    for (const name of ['epsilon 0.1', 'random']) {
      const r = results[name]!;
      expect(r.regretAt(STEPS) / r.regretAt(STEPS / 4), name).toBeGreaterThan(3.5);
    }
    // Random pays the mean gap every step: 0.7 - mean(MEANS) = 0.285.
    expect(results.random!.regretAt(STEPS) / STEPS).toBeCloseTo(0.285, 2);
  });

  it('Thompson sampling ends with less regret than constant epsilon-greedy', () => {
    expect(results['thompson beta']!.regretAt(STEPS)).toBeLessThan(
      results['epsilon 0.1']!.regretAt(STEPS) / 3,
    );
  });

  it('the same seeds replay the same run', () => {
    const a = interact(new BernoulliBandit(MEANS, 5), new ThompsonBetaAgent(shape, 6), 500);
    const b = interact(new BernoulliBandit(MEANS, 5), new ThompsonBetaAgent(shape, 6), 500);
    expect(Array.from(a.reward)).toEqual(Array.from(b.reward));
  });
});

describe('ε-greedy per segment', () => {
  const twoSegments: ProblemShape = { numActions: 3, numStates: 1, contextSize: 0, numSegments: 2 };
  /** Segment 0 likes arm 0 best, segment 1 arm 2; arm 1 is everyone's second choice. */
  const P = [
    [0.8, 0.6, 0.1],
    [0.1, 0.6, 0.8],
  ];
  const schedule = { kind: 'linear', start: 1, end: 0, steps: 1500 } as const;

  /** Shows each of `steps` shoppers (segments at random) the agent's pick; returns the greedy picks after. */
  function train(agent: Agent, seed: number, steps: number): number[] {
    const rng = createRandom(seed);
    for (let i = 0; i < steps; i++) {
      const observation = { state: 0, context: null, segment: rng.int(2) };
      const action = agent.act(observation);
      const reward = rng.next() < P[observation.segment]![action]! ? 1 : 0;
      agent.learn({ observation, action, reward, next: observation, done: true });
    }
    return [0, 1].map((segment) => agent.act({ state: 0, context: null, segment }));
  }

  it.each([1, 2, 3])(
    'seed %i: learns each segment its own best arm, where one set of averages cannot',
    (seed) => {
      const apart = new EpsilonGreedyAgent(twoSegments, schedule, seed, { bySegment: true });
      expect(apart.name).toBe('epsilon-greedy (decaying, per segment)');
      expect(train(apart, seed, 3000)).toEqual([0, 2]);
      const together = train(new EpsilonGreedyAgent(twoSegments, schedule, seed), seed, 3000);
      expect(together[0]).toBe(together[1]);
    },
  );

  it('is plain ε-greedy, decision for decision, on a problem without segments', () => {
    const curves = [{}, { bySegment: true }].map((options) =>
      interact(
        new BernoulliBandit(MEANS, 4),
        new EpsilonGreedyAgent(shape, schedule, 4, options),
        2000,
      ),
    );
    expect(curves[1]!.reward).toEqual(curves[0]!.reward);
  });

  it('pools its segments’ arm statistics for the lab’s chart, and refuses a segment it does not know', () => {
    const agent = new EpsilonGreedyAgent(twoSegments, schedule, 1, { bySegment: true });
    const learn = (segment: number, reward: number) => {
      const observation = { state: 0, context: null, segment };
      agent.learn({ observation, action: 0, reward, next: observation, done: true });
    };
    [1, 0].forEach((r) => learn(0, r));
    [1, 1, 1].forEach((r) => learn(1, r));
    const arms = agent.arms();
    expect(arms.pulls[0]).toBe(5);
    expect(arms.mean[0]).toBeCloseTo(0.8, 12);
    // The sample variance of 1, 0, 1, 1, 1 is 0.2.
    expect(arms.high[0]! - arms.mean[0]!).toBeCloseTo(1.96 * Math.sqrt(0.2 / 5), 12);
    expect(arms.pulls[1]).toBe(0);
    expect(() => agent.act({ state: 0, context: null, segment: 2 })).toThrow(/segments are 0-1/);
    expect(() => agent.act({ state: 0, context: null })).toThrow(/segments are 0-1, got undefined/);
  });
});

describe('agent building blocks', () => {
  it('samples Gamma and Beta with the right means', () => {
    const rng = createRandom(3);
    const n = 20_000;
    const mean = (f: () => number) => Array.from({ length: n }, f).reduce((a, b) => a + b) / n;
    expect(mean(() => sampleGamma(0.5, rng))).toBeCloseTo(0.5, 1);
    expect(mean(() => sampleGamma(4, rng))).toBeCloseTo(4, 1);
    expect(mean(() => sampleBeta(2, 5, rng))).toBeCloseTo(2 / 7, 2);
    expect(() => sampleGamma(0, rng)).toThrow(/shape/);
  });

  it('exploration schedules follow their formulas and refuse bad values', () => {
    expect(epsilonAt({ kind: 'constant', epsilon: 0.2 }, 1e6)).toBe(0.2);
    const exp = { kind: 'exponential', start: 1, end: 0.05, decay: 0.99 } as const;
    expect(epsilonAt(exp, 0)).toBe(1);
    expect(epsilonAt(exp, 10)).toBeCloseTo(0.99 ** 10, 12);
    expect(epsilonAt(exp, 10_000)).toBe(0.05);
    const lin = { kind: 'linear', start: 0.5, end: 0.1, steps: 100 } as const;
    expect(epsilonAt(lin, 50)).toBeCloseTo(0.3, 12);
    expect(epsilonAt(lin, 500)).toBe(0.1);
    expect(() => checkSchedule({ kind: 'constant', epsilon: 1.5 })).toThrow(/epsilon/);
    expect(() => checkSchedule({ ...exp, decay: 0 })).toThrow(/decay/);
    expect(() => checkSchedule({ ...lin, steps: 0 })).toThrow(/steps/);
  });

  it('breaks ties at random, evenly', () => {
    const rng = createRandom(9);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 8000; i++) counts[argmaxRandomTie([1, 3, 3, 3], () => rng.next())]!++;
    expect(counts[0]).toBe(0);
    for (const c of counts.slice(1)) expect(c).toBeGreaterThan(2400);
  });

  it('refuses bad problems, actions and rewards with clear errors', () => {
    expect(() => new Ucb1Agent({ ...shape, numActions: 0 }, 1)).toThrow(/numActions/);
    expect(() => new BernoulliBandit([], 1)).toThrow(/at least one arm/);
    expect(() => new BernoulliBandit([0.5, 1.2], 1)).toThrow(/probabilities/);
    expect(() => new BernoulliBandit(MEANS, 1).step(10)).toThrow(/action must be 0-9/);
    const ts = new ThompsonBetaAgent(shape, 1);
    const obs = { state: 0, context: null };
    expect(() =>
      ts.learn({ observation: obs, action: 0, reward: 2, next: obs, done: false }),
    ).toThrow(/rewards in \[0, 1\]/);
    const ucb = new Ucb1Agent(shape, 1);
    expect(() =>
      ucb.learn({ observation: obs, action: 0, reward: NaN, next: obs, done: false }),
    ).toThrow(/finite/);
  });
});
