import { beforeAll, describe, expect, it } from 'vitest';
import { JobPausedError } from '../../../src/core/jobs/job';
import { NonFiniteRewardError } from '../../../src/core/rl/reward/shop-reward';
import {
  defaultRecsysConfig,
  recsysConfigError,
  type RecsysConfig,
} from '../../../src/core/rl/lab/config';
import { agentSettings } from '../../../src/core/rl/agents/settings';
import { FUNNEL, POINT_STRIDE, RecsysJob } from '../../../src/core/rl/lab/recsys-job';
import { previewReward } from '../../../src/core/rl/lab/reward-preview';
import { articleMdp, valueIteration, valueIterationTrace } from '../../../src/core/rl/mdp';
import { packCheckpoint, unpackCheckpoint } from '../../../src/core/store/checkpoint';
import type { Json } from '../../../src/core/store/schema';
import { madeUpPrior } from '../helpers/log-prior';
import { LOG_AGENTS } from '../../../src/core/rl/agents/names';
import { useCpu } from '../helpers/setup-tf';

beforeAll(useCpu);

function config(over: Partial<RecsysConfig> = {}): RecsysConfig {
  return {
    ...defaultRecsysConfig('electronics'),
    population: 4,
    agents: [agentSettings('random'), agentSettings('ucb')],
    ...over,
  };
}

/** Typed arrays as plain lists, so two saved states compare as text. */
const stateReplacer = (_k: string, v: unknown) =>
  ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v;

async function run(c: RecsysConfig, rounds: number) {
  const job = await RecsysJob.create(c, 'cpu');
  for (let i = 0; i < rounds; i++) job.trainStep();
  await job.flush();
  const { snapshot } = await job.snapshot();
  job.dispose();
  return snapshot;
}

describe('recommender lab job', () => {
  it('races agents on the same shoppers and reports curves, funnels and sampled sessions', async () => {
    const s = await run(config(), 300);
    expect(s.step).toBe(300);
    expect(s.decisions).toBe(1200);
    expect(s.catalog?.price).toHaveLength(120);
    expect(s.segmentNames.length).toBeGreaterThan(1);
    for (const a of s.agents) {
      const f = Object.fromEntries(FUNNEL.map((k, i) => [k, a.funnel[i]!]));
      expect(f.steps).toBe(1200);
      expect(f.clicks).toBeGreaterThanOrEqual(f.carts!);
      expect(f.carts).toBeGreaterThanOrEqual(f.purchases!);
      expect(f.sessions).toBeGreaterThan(0);
      expect(a.points.length % POINT_STRIDE).toBe(0);
      const last = a.points.subarray(a.points.length - POINT_STRIDE);
      expect(last[0]).toBe(1200);
      expect(last[1]).toBeCloseTo(a.reward, 9);
      expect(a.reward).toBe(f.clicks); // the default reward counts clicks
      expect(a.regret).toBeGreaterThan(0);
      expect(last[3]).toBeGreaterThan(0); // CTR
      expect(a.shoppers).toHaveLength(4);
      expect(a.shoppers[0]!.steps.length).toBeGreaterThan(0);
      expect(a.shoppers[0]!.steps[0]!.slate).toHaveLength(1);
    }
    // The n-th visitor of a slot is the same shopper for every agent.
    const first = await run(config(), 1);
    for (let j = 0; j < 4; j++)
      expect(first.agents[0]!.shoppers[j]!.segment).toBe(first.agents[1]!.shoppers[j]!.segment);
    for (const [j, v] of s.agents[0]!.shoppers.entries()) {
      const w = s.agents[1]!.shoppers[j]!;
      if (v.visitor === w.visitor) expect(v.segment).toBe(w.segment);
    }
    // UCB learns: less regret than random over the same shoppers.
    expect(s.agents[1]!.regret).toBeLessThan(s.agents[0]!.regret);
    expect(s.agents[0]!.arms).toBeNull();
    const arms = s.agents[1]!.arms!;
    expect(arms.items.length).toBe(20);
    for (let i = 1; i < arms.truth.length; i++)
      expect(arms.truth[i]).toBeLessThanOrEqual(arms.truth[i - 1]!);
    expect(arms.pulls.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('replays the same run from the same seed, and a different one from another', async () => {
    const a = await run(config({ seed: 3 }), 100);
    const b = await run(config({ seed: 3 }), 100);
    const c = await run(config({ seed: 4 }), 100);
    expect(b.agents.map((x) => [x.reward, x.regret])).toEqual(
      a.agents.map((x) => [x.reward, x.regret]),
    );
    expect(c.agents.map((x) => x.regret)).not.toEqual(a.agents.map((x) => x.regret));
  });

  it('shows Q-learning’s table and DQN’s loss and replay', async () => {
    const dqn = { ...agentSettings('dqn'), hidden: 8, replay: 500 };
    const s = await run(
      config({ agents: [agentSettings('qlearning'), dqn], population: 8, slateSize: 2 }),
      150,
    );
    const q = s.agents[0]!.q!;
    expect(q.states).toBe(27);
    expect(q.items).toHaveLength(24);
    expect(q.values).toHaveLength(27 * 24);
    expect(Math.max(...q.values)).toBeGreaterThan(0);
    const d = s.agents[1]!.dqn!;
    expect(d.replay).toBe(500); // 1,200 decisions × 2 slate items fill a 500 buffer
    expect(d.capacity).toBe(500);
    expect(d.updates).toBeGreaterThan(0);
    expect(d.loss.length).toBeGreaterThan(0);
    expect(Number.isFinite(d.loss.at(-1)![1])).toBe(true);
  });

  it('rewards what the expression says, and stops with a clear error when it is not finite', async () => {
    const s = await run(config({ reward: 'purchased * price - 0.5 * left' }), 200);
    for (const a of s.agents) {
      const purchases = a.funnel[3]!;
      expect(a.reward).not.toBe(a.funnel[1]);
      expect(a.reward).toBeGreaterThan(-0.5 * a.funnel[4]! - 1e-9);
      if (purchases === 0) expect(a.reward).toBeCloseTo(-0.5 * a.funnel[4]!, 9);
    }
    const job = await RecsysJob.create(config({ reward: 'log(price)' }), 'cpu');
    expect(() => job.trainStep()).toThrow(JobPausedError);
    expect(job.step).toBe(0);
    job.dispose();
  });

  it('a reward that breaks mid-race pauses it between two rounds, with nothing half done', async () => {
    // Finite until some shopper's session reaches its 4th step: the preview's first steps pass it.
    const c = config({
      reward: 'clicked + 1 / (4 - step)',
      population: 6,
      slateSize: 3,
      agents: [
        agentSettings('egreedy'),
        agentSettings('ucb'),
        { ...agentSettings('dqn'), hidden: 8 },
      ],
    });
    const job = await RecsysJob.create(c, 'cpu');
    let before: string | null = null;
    let error: unknown = null;
    for (let i = 0; i < 200 && !error; i++) {
      await job.flush();
      before = JSON.stringify(await job.saveState(), stateReplacer);
      try {
        job.trainStep();
      } catch (e) {
        error = e;
      }
    }
    expect(error).toBeInstanceOf(JobPausedError);
    const step = job.step;
    expect(step).toBeGreaterThan(0);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Paused after round ${step}: the reward is (Infinity|-Infinity|NaN) when .*step = 4.*Reset`,
      ),
    );
    // The refused round left no trace: every agent, shop and random stream is as before it.
    expect(JSON.stringify(await job.saveState(), stateReplacer)).toBe(before);
    // Trying again refuses again, still without moving.
    expect(() => job.trainStep()).toThrow(JobPausedError);
    expect(job.step).toBe(step);
    job.dispose();
  });

  it('a resumed race continues exactly as one that never stopped, for every agent', async () => {
    const dqn = { ...agentSettings('dqn'), hidden: 8, replay: 200 };
    const adaptive = { ...agentSettings('qlearning'), adaptive: true };
    const races: RecsysConfig['agents'][] = [
      [
        agentSettings('random'),
        agentSettings('popularity'),
        agentSettings('egreedy'),
        agentSettings('egreedy-decay'),
      ],
      [
        agentSettings('ucb'),
        agentSettings('ts-beta'),
        agentSettings('ts-gauss'),
        agentSettings('linucb'),
      ],
      [agentSettings('qlearning'), agentSettings('sarsa'), dqn, adaptive],
      // Exploiting its per-segment averages by the save (ε reaches 0.01 after 200 decisions).
      [{ ...agentSettings('egreedy-segment'), epsilonSteps: 200 }],
      // From a log: CF's tables and the bestseller list it starts from; the two-headed network,
      // its Adam state well in use by the save (an update every 32 outcomes).
      [agentSettings('cf'), agentSettings('popularity'), agentSettings('two-headed')],
    ];
    for (const agents of races) {
      const base = config({ agents, population: 5, slateSize: 2, fatigue: 0.3, drift: 0.02 });
      const c = agents.some((a) => LOG_AGENTS.includes(a.kind))
        ? { ...base, fromLog: madeUpPrior(base) }
        : base;
      const unbroken = await RecsysJob.create(c, 'cpu');
      for (let i = 0; i < 60; i++) unbroken.trainStep();
      await unbroken.snapshot(); // as the runner does before every checkpoint
      const saved = await unbroken.saveState();
      // Through storage and an export file: packed, unpacked, the extra part as JSON.
      const stored = unpackCheckpoint(
        packCheckpoint(saved, { id: 'c', sessionId: 's', createdAt: 0 }),
      );
      stored.extra = JSON.parse(JSON.stringify(stored.extra)) as Json;
      for (let i = 0; i < 40; i++) unbroken.trainStep();
      const expected = (await unbroken.snapshot()).snapshot;
      unbroken.dispose();

      const resumed = await RecsysJob.create(c, 'cpu');
      await resumed.loadState(stored);
      for (let i = 0; i < 40; i++) resumed.trainStep();
      const got = (await resumed.snapshot()).snapshot;
      resumed.dispose();
      expect(got.step).toBe(100);
      expect(got.agents).toEqual(expected.agents);
      expect(got.catalog).not.toBeNull(); // the page gets the catalog again after a resume
      const net = expected.agents.find((a) => a.dqn)?.dqn;
      if (net) expect(net.updates).toBeGreaterThan(20); // its Adam state was well in use at the save

      // Without the saved state the same 40 rounds go differently.
      const fresh = await run(c, 40);
      expect(fresh.agents.map((a) => a.reward)).not.toEqual(expected.agents.map((a) => a.reward));
    }
  });

  it('refuses bad settings, naming the field', async () => {
    expect(recsysConfigError(config({ reward: 'purchased * prize' }))).toMatchObject({
      field: 'reward',
      message: expect.stringMatching(/prize/),
    });
    expect(recsysConfigError(config({ slateSize: 11 }))?.field).toBe('slateSize');
    expect(recsysConfigError(config({ agents: [] }))?.field).toBe('agents');
    expect(
      recsysConfigError(config({ agents: [{ ...agentSettings('qlearning'), gamma: 2 }] })),
    ).toMatchObject({
      field: 'agents.0',
      message: expect.stringMatching(/γ/),
    });
    expect(recsysConfigError(config())).toBeNull();
    // CF needs a log; a log's prior must be for this shop and its catalog.
    expect(recsysConfigError(config({ agents: [agentSettings('cf')] }))).toMatchObject({
      field: 'agents.0',
      message: expect.stringMatching(/trained on a log/),
    });
    const c = config({ agents: [agentSettings('cf')] });
    expect(recsysConfigError({ ...c, fromLog: madeUpPrior(c) })).toBeNull();
    expect(
      recsysConfigError({ ...c, fromLog: { ...madeUpPrior(c), shop: 'fashion' } }),
    ).toMatchObject({ field: 'fromLog', message: expect.stringMatching(/fashion shop/) });
    expect(recsysConfigError({ ...c, items: 50, fromLog: madeUpPrior(c) })).toMatchObject({
      field: 'fromLog',
      message: expect.stringMatching(/the race has 50/),
    });
    await expect(RecsysJob.create(config({ population: 0 }), 'cpu')).rejects.toThrow(/population/);
  });
});

describe('reward preview and the value-iteration stepper', () => {
  it('bins the reward over simulated steps, and reports a reward that breaks', () => {
    const clicks = previewReward(config({ reward: 'clicked' }));
    expect(clicks.samples).toBe(4096);
    expect(clicks.min).toBe(0);
    expect(clicks.max).toBe(1);
    expect(clicks.bins.reduce((a, b) => a + b.count, 0)).toBe(4096);
    // Random slates on electronics: most steps get no click.
    expect(clicks.zeroShare).toBeGreaterThan(0.5);
    expect(clicks.mean).toBeCloseTo(1 - clicks.zeroShare, 12);
    const revenue = previewReward(config({ reward: 'purchased * price - 0.5 * left' }));
    expect(revenue.min).toBeLessThan(0);
    expect(revenue.max).toBeGreaterThan(0.5);
    expect(() => previewReward(config({ reward: 'log(price)' }))).toThrow(NonFiniteRewardError);
  });

  it('steps value iteration from V = 0 to the fixed point', () => {
    const m = articleMdp();
    const trace = valueIterationTrace(m, 0.9, 300);
    expect(trace[0]!.values).toEqual([0, 0, 0]);
    // After one sweep V is the best immediate reward: 1 in every state.
    expect(trace[1]!.values).toEqual([1, 1, 1]);
    const exact = valueIteration(m, 0.9);
    trace[300]!.values.forEach((v, s) => expect(v).toBeCloseTo(exact.values[s]!, 7));
    expect(trace[300]!.policy).toEqual(Array.from(exact.policy));
  });
});
