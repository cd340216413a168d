import { describe, expect, it } from 'vitest';
import { createRandom } from '../../../src/core/random';
import { AdaptiveExploration } from '../../../src/core/rl/agents/adaptive';
import { RandomAgent } from '../../../src/core/rl/agents/bandits';
import { DqnAgent } from '../../../src/core/rl/agents/dqn';
import { LinUcbAgent } from '../../../src/core/rl/agents/linucb';
import { STANDALONE_AGENTS } from '../../../src/core/rl/agents/names';
import { AGENTS, parseAgentList } from '../../../src/core/rl/agents/registry';
import { ReplayBuffer } from '../../../src/core/rl/agents/replay';
import { QLearningAgent, SarsaAgent } from '../../../src/core/rl/agents/tabular';
import type { Agent } from '../../../src/core/rl/contract';
import { CliffWalk } from '../../../src/core/rl/envs/cliff';
import { MdpEnv } from '../../../src/core/rl/envs/mdp-env';
import { checkExperiment, runExperiment } from '../../../src/core/rl/experiment';
import { interact } from '../../../src/core/rl/interact';
import { articleMdp, valueIteration } from '../../../src/core/rl/mdp';
import { interval } from '../../../src/core/rl/metrics';
import { experimentCsv, experimentTable } from '../../../src/core/rl/report';
import { shopPreset } from '../../../src/core/rl/sim/presets';
import { ShopEnv } from '../../../src/core/rl/sim/shop-env';
import { LinearBandit } from '../helpers/linear-bandit';
import { useCpu } from '../helpers/setup-tf';

describe('LinUCB', () => {
  it('has sublinear regret on a linear contextual bandit and beats context-free random by far', () => {
    const steps = 20_000;
    const lin = interact(
      new LinearBandit(1),
      new LinUcbAgent({ numActions: 5, numStates: 1, contextSize: 4 }, 2, { alpha: 0.5 }),
      steps,
    );
    const rnd = interact(
      new LinearBandit(1),
      new RandomAgent({ numActions: 5, numStates: 1, contextSize: 4 }, 2),
      steps,
    );
    // 4× the steps: linear regret would grow 4×, √T regret 2×.
    const early = lin.regret[steps / 4 - 1]!;
    expect(lin.regret[steps - 1]! / early).toBeLessThan(2.5);
    expect(lin.regret[steps - 1]!).toBeLessThan(0.2 * rnd.regret[steps - 1]!);
  });
});

describe('tabular Q-learning and SARSA', () => {
  it('Q-learning reaches the Q* that value iteration computes for the article MDP', () => {
    const mdp = articleMdp();
    const star = valueIteration(mdp, 0.9);
    const agent = new QLearningAgent(
      { numActions: 2, numStates: 3, contextSize: 0 },
      {
        gamma: 0.9,
        learningRate: { kind: 'visits', power: 0.7 },
        // Off-policy: it learns Q* while behaving uniformly at random.
        exploration: { kind: 'schedule', schedule: { kind: 'constant', epsilon: 1 } },
      },
      3,
    );
    interact(new MdpEnv(mdp, 4), agent, 300_000);
    for (let i = 0; i < star.q.length; i++)
      expect(Math.abs(agent.q[i]! - star.q[i]!)).toBeLessThan(0.15);
    for (let s = 0; s < 3; s++) expect(agent.greedy(s)).toBe(star.policy[s]);
  });

  it('on the cliff, Q-learning walks the edge and SARSA the safe path, earning more while learning', () => {
    const options = {
      gamma: 1,
      learningRate: { kind: 'constant', alpha: 0.5 } as const,
      exploration: { kind: 'schedule', schedule: { kind: 'constant', epsilon: 0.1 } } as const,
    };
    const train = (agent: QLearningAgent | SarsaAgent): { returns: number[]; path: number } => {
      const env = new CliffWalk();
      const returns: number[] = [];
      for (let episode = 0; episode < 500; episode++) {
        let o = env.reset();
        let total = 0;
        for (let t = 0; t < 10_000; t++) {
          const a = agent.act(o);
          const r = env.step(a);
          agent.learn({
            observation: o,
            action: a,
            reward: r.reward,
            next: r.observation,
            done: r.done,
          });
          total += r.reward;
          o = r.observation;
          if (r.done) break;
        }
        returns.push(total);
      }
      // The greedy path's length from the start.
      let o = env.reset();
      let path = 0;
      for (; path < 100;) {
        const r = env.step(agent.greedy(o.state));
        path++;
        o = r.observation;
        if (r.done) break;
      }
      return { returns, path };
    };
    const shape = { numActions: 4, numStates: 48, contextSize: 0 };
    const q = train(new QLearningAgent(shape, options, 1));
    const sarsa = train(new SarsaAgent(shape, options, 1));
    expect(q.path).toBe(13);
    expect(sarsa.path).toBeGreaterThan(13);
    expect(sarsa.path).toBeLessThan(100);
    const late = (r: number[]): number => r.slice(-200).reduce((a, b) => a + b, 0) / 200;
    expect(late(sarsa.returns)).toBeGreaterThan(late(q.returns) + 10);
  });
});

describe('adaptive exploration', () => {
  it('follows the base schedule while errors are steady and rises when they jump', () => {
    const e = new AdaptiveExploration({
      base: { kind: 'constant', epsilon: 0.05 },
      fastWindow: 200,
      slowWindow: 2000,
    });
    const rng = createRandom(1);
    // Unbiased errors: a 0/1 reward with p = 0.3 around a correct estimate of 0.3.
    const noise = (p: number, estimate: number): number => (rng.next() < p ? 1 : 0) - estimate;
    for (let t = 0; t < 3000; t++) e.observe(noise(0.3, 0.3));
    expect(e.epsilon(3000)).toBe(0.05);
    // The item goes out of fashion (p = 0.05) while the estimate still says 0.3.
    for (let t = 0; t < 300; t++) e.observe(noise(0.05, 0.3));
    expect(e.drift).toBeGreaterThan(0.4);
    expect(e.epsilon(3300)).toBeGreaterThan(0.15);
    expect(e.epsilon(3300)).toBeLessThanOrEqual(0.5);
    // Re-learned: unbiased again.
    for (let t = 0; t < 3000; t++) e.observe(noise(0.05, 0.05));
    expect(e.epsilon(6300)).toBe(0.05);
  });

  it('lets Q-learning recover faster after the shoppers change taste', async () => {
    // Two fashion seasons in 16,000 steps; compare reward after the change.
    const config = shopPreset('fashion');
    config.shoppers.seasonEvery = 8000;
    const run = (adaptive: boolean): number => {
      const env = new ShopEnv(config, { seed: 3 });
      const base = { kind: 'linear', start: 0.3, end: 0.02, steps: 4000 } as const;
      const agent = new QLearningAgent(
        env,
        {
          gamma: 0.5,
          learningRate: { kind: 'constant', alpha: 0.1 },
          exploration: adaptive
            ? { kind: 'adaptive', base, fastWindow: 200, slowWindow: 4000 }
            : { kind: 'schedule', schedule: base },
        },
        4,
      );
      const c = interact(env, agent, 16_000);
      return c.reward[15_999]! - c.reward[7999]!;
    };
    const [on, off] = [run(true), run(false)];
    expect(on).toBeGreaterThan(1.1 * off);
  });
});

describe('DQN', () => {
  it('learns a small contextual task clearly above random on the cpu backend, with flat tensor count', async () => {
    const tf = await useCpu();
    const task = new LinearBandit(5);
    const shape = { numActions: 5, numStates: 1, contextSize: 4 };
    const agent = new DqnAgent(
      shape,
      {
        gamma: 0,
        hidden: [32],
        learningRate: 0.01,
        warmup: 64,
        trainEvery: 2,
        exploration: {
          kind: 'schedule',
          schedule: { kind: 'linear', start: 0.5, end: 0.02, steps: 1500 },
        },
      },
      6,
    );
    let mid = -1;
    let o = task.reset();
    let late = 0;
    const steps = 3000;
    for (let t = 0; t < steps; t++) {
      if (t % 100 === 0) await agent.sync();
      // Adam makes its slots at the first update; from then on nothing may leak.
      if (t === 1000) mid = tf.memory().numTensors;
      const a = agent.act(o);
      const r = task.step(a);
      agent.learn({
        observation: o,
        action: a,
        reward: r.reward,
        next: r.observation,
        done: false,
      });
      if (t >= steps - 1000) late += r.reward;
      o = r.observation;
    }
    expect(agent.updates).toBeGreaterThan(1000);
    // Between syncs the agent holds one more tensor, the latest update's loss, which sync() reads and frees.
    expect(tf.memory().numTensors).toBeLessThanOrEqual(mid + 1);
    await agent.sync();
    expect(tf.memory().numTensors).toBe(mid);
    expect(Number.isFinite(agent.lastLoss?.loss)).toBe(true);
    const random = interact(new LinearBandit(5), new RandomAgent(shape, 1), 1000).reward[999]!;
    // Random earns about 0.5 per step here; the best arm about 0.8.
    expect(late / 1000).toBeGreaterThan(random / 1000 + 0.15);
    agent.dispose();
  });

  it('refuses to act before its first sync, and bad settings', () => {
    const shape = { numActions: 3, numStates: 2, contextSize: 0 };
    const exploration = { kind: 'schedule', schedule: { kind: 'constant', epsilon: 0.1 } } as const;
    const agent = new DqnAgent(shape, { gamma: 0.9, exploration }, 1);
    expect(() => agent.act({ state: 0, context: null })).toThrow(/await sync\(\)/);
    agent.dispose();
    expect(() => new DqnAgent(shape, { gamma: 2, exploration }, 1)).toThrow(/γ/);
    expect(() => new DqnAgent(shape, { gamma: 0.5, exploration, hidden: [] }, 1)).toThrow(/hidden/);
    expect(() => new DqnAgent(shape, { gamma: 0.5, exploration, batchSize: 0 }, 1)).toThrow(
      /batchSize/,
    );
    // A warm-up the buffer cannot reach would mean an agent that never trains.
    expect(
      () => new DqnAgent(shape, { gamma: 0.5, exploration, replayCapacity: 100, warmup: 200 }, 1),
    ).toThrow(/never trains/);
    const small = new DqnAgent(shape, { gamma: 0.5, exploration, replayCapacity: 100 }, 1);
    expect(small.replayFill.capacity).toBe(100); // its default warm-up fits the buffer
    small.dispose();
  });
});

describe('replay buffer', () => {
  it('keeps the newest transitions up to its capacity and samples only stored ones', () => {
    const buffer = new ReplayBuffer(3, 2);
    for (let i = 0; i < 5; i++) buffer.add([i, i], i, i * 10, [i + 1, i + 1], i === 4);
    expect(buffer.size).toBe(3);
    const batch = buffer.sample(200, createRandom(1));
    expect(new Set(batch.actions)).toEqual(new Set([2, 3, 4]));
    for (let k = 0; k < 200; k++) {
      const a = batch.actions[k]!;
      expect(batch.rewards[k]).toBe(a * 10);
      expect(batch.observations[2 * k]).toBe(a);
      expect(batch.nexts[2 * k]).toBe(a + 1);
      expect(batch.notDone[k]).toBe(a === 4 ? 0 : 1);
    }
  });
});

describe('experiment runner', () => {
  const stationary = shopPreset('electronics');
  stationary.shoppers.drift = 0;

  it('oracle > every learner > random on a stationary shop (20,000 steps, 2 seeds)', async () => {
    // Every agent that learns, but DQN (slow on the cpu backend; its own tests are below).
    const learners = STANDALONE_AGENTS.filter((n) => !['random', 'popularity', 'dqn'].includes(n));
    const result = await runExperiment({
      shop: stationary,
      agents: ['oracle', 'random', ...learners],
      steps: 20_000,
      seeds: [1, 2],
    });
    const reward = (name: string): number =>
      result.agents.find((a) => a.agent === name)!.metrics.rewardPerStep.mean;
    const random = reward('random');
    for (const name of learners) {
      expect(reward(name), name).toBeGreaterThan(1.3 * random);
      expect(reward(name), name).toBeLessThan(reward('oracle'));
    }
  });

  it('replays the same result for the same seeds, with curves and 95% intervals', async () => {
    const config = {
      shop: 'fashion' as const,
      agents: ['random' as const, 'ucb' as const],
      steps: 2000,
      seeds: [1, 2, 3],
      curvePoints: 20,
    };
    const a = await runExperiment(config);
    const b = await runExperiment(config);
    expect(b.agents.map((x) => x.metrics)).toEqual(a.agents.map((x) => x.metrics));
    expect(a.curveSteps).toHaveLength(20);
    expect(a.curveSteps.at(-1)).toBe(2000);
    for (const agent of a.agents) {
      const m = agent.metrics.ctr;
      expect(m.n).toBe(3);
      expect(m.low).toBeLessThanOrEqual(m.mean);
      expect(m.high).toBeGreaterThanOrEqual(m.mean);
      expect(agent.segments.map((s) => s.name)).toEqual([
        'trend followers',
        'bargain hunters',
        'premium',
      ]);
      for (let p = 1; p < 20; p++)
        expect(agent.regret.mean[p]!).toBeGreaterThanOrEqual(agent.regret.mean[p - 1]!);
    }
    const table = experimentTable(a);
    expect(table.split('\n')).toHaveLength(4);
    expect(table).toMatch(/\| UCB1 \| 0\.\d{3} ± 0\.\d{3} \|/);
    // One header, then 2 agents × (all + 3 segments) × 8 metrics.
    expect(experimentCsv(a).trim().split('\n')).toHaveLength(1 + 2 * 4 * 8);
  });

  it('refuses bad experiments and unknown agents with the choices listed', () => {
    expect(() => parseAgentList('ucb,nope')).toThrow(
      /unknown agent "nope"; choose from random, popularity/,
    );
    expect(() =>
      checkExperiment({ shop: 'bakery' as never, agents: ['ucb'], steps: 10, seeds: [1] }),
    ).toThrow(/unknown shop/);
    expect(() =>
      checkExperiment({ shop: 'fashion', agents: ['ucb'], steps: 0, seeds: [1] }),
    ).toThrow(/steps/);
    expect(() =>
      checkExperiment({ shop: 'fashion', agents: ['ucb'], steps: 10, seeds: [] }),
    ).toThrow(/seed/);
    expect(() =>
      checkExperiment({
        shop: 'fashion',
        agents: ['ucb'],
        steps: 10,
        seeds: [1],
        reward: 'likes' as never,
      }),
    ).toThrow(/unknown reward/);
    expect(Object.keys(AGENTS)).toHaveLength(12);
    // CF races only from a log: the command line and experiments say where to get one.
    expect(() => parseAgentList('ucb,cf')).toThrow(/CF races only from a model trained on a log/);
    expect(() =>
      checkExperiment({ shop: 'fashion', agents: ['cf'], steps: 10, seeds: [1] }),
    ).toThrow(/trained on a log/);
  });

  it('computes Student-t 95% intervals', () => {
    const i = interval([1, 2, 3]);
    expect(i.mean).toBe(2);
    expect(i.half).toBeCloseTo((4.303 * 1) / Math.sqrt(3), 6);
    expect(interval([5]).half).toBe(0);
    expect(interval([NaN, 4, 6]).n).toBe(2);
  });
});

// Agents meet the documented contract: any Environment works, not only the shops.
describe('the agent contract', () => {
  it('every registered agent runs on a custom problem', async () => {
    await useCpu();
    const shape = { numActions: 5, numStates: 1, contextSize: 4 };
    for (const [name, entry] of Object.entries(AGENTS)) {
      const agent: Agent = entry.make(shape, 1);
      await agent.sync?.();
      const curves = interact(new LinearBandit(2), agent, 50);
      expect(curves.reward).toHaveLength(50);
      expect(Number.isFinite(curves.regret[49]), name).toBe(true);
      agent.dispose?.();
    }
  });
});
