import { beforeAll, describe, expect, it } from 'vitest';
import { agentSettings } from '../../../src/core/rl/agents/settings';
import { defaultRecsysConfig, labShop, type RecsysConfig } from '../../../src/core/rl/lab/config';
import {
  racePolicyProblem,
  raceShop,
  type RacePolicies,
} from '../../../src/core/rl/lab/race-policies';
import { RecsysJob } from '../../../src/core/rl/lab/recsys-job';
import { evaluateOnLog } from '../../../src/core/rl/ope/evaluate';
import {
  OPE_DEFAULTS,
  opeSettingsProblem,
  opeSettingsRequest,
  type OpeRequest,
} from '../../../src/core/rl/ope/request';
import { generateCatalog } from '../../../src/core/rl/sim/catalog';
import { shopPreset } from '../../../src/core/rl/sim/presets';
import { madeUpPrior } from '../helpers/log-prior';
import { useCpu } from '../helpers/setup-tf';

beforeAll(useCpu);

/** The home page's demo shop (100 items), one item a step, as the log shows one. */
function config(agents: RecsysConfig['agents'], over: Partial<RecsysConfig> = {}): RecsysConfig {
  return {
    ...defaultRecsysConfig('fashion'),
    items: 100,
    slateSize: 1,
    population: 8,
    agents,
    ...over,
  };
}

async function trained(c: RecsysConfig, rounds: number): Promise<RecsysJob> {
  const job = await RecsysJob.create(c, 'cpu');
  for (let i = 0; i < rounds; i++) job.trainStep();
  await job.flush();
  return job;
}

/** The request that judges only the race's agents, on a simulated log of `rows` shoppers. */
function raceOnly(policies: RacePolicies, rows = OPE_DEFAULTS.rows): OpeRequest {
  const settings = { ...OPE_DEFAULTS, agents: [], race: true, pessimistic: false, example: false };
  return opeSettingsRequest({ ...settings, rows }, null, null, policies) as OpeRequest;
}

describe('a race’s agents as policies a log can judge', () => {
  it('asking leaves the race as if it had never been asked, for every kind of agent', async () => {
    const dqn = { ...agentSettings('dqn'), hidden: 8, replay: 200 };
    const c = config(
      [agentSettings('egreedy-segment'), agentSettings('ts-beta'), agentSettings('linucb'), dqn],
      { slateSize: 2, population: 4 },
    );
    const asked = await trained(c, 40);
    const policies = await asked.policies(200);
    for (let i = 0; i < 30; i++) asked.trainStep();
    const after = (await asked.snapshot()).snapshot;
    asked.dispose();
    // Flushed where the asked one was: DQN acts on the weights its last flush read back.
    const unasked = await trained(c, 40);
    for (let i = 0; i < 30; i++) unasked.trainStep();
    const expected = (await unasked.snapshot()).snapshot;
    unasked.dispose();
    expect(after.agents).toEqual(expected.agents);
    expect(policies.agents.map((a) => a.label)).toEqual(expected.agents.map((a) => a.label));
    expect(policies.decisions).toBe(40 * 4);
  });

  it('measures each agent’s first choice per segment: random is uniform, a learner concentrates', async () => {
    const c = config([
      agentSettings('random'),
      { ...agentSettings('egreedy-segment'), epsilonSteps: 500 },
    ]);
    const job = await trained(c, 400);
    const got = await job.policies(2_000);
    job.dispose();
    const segments = shopPreset('fashion').shoppers.segments.map((s) => s.name);
    expect(got.segments).toEqual(segments);
    expect(got.shop).toEqual({ shop: 'fashion', items: 100, catalogSeed: 1 });
    const [random, greedy] = got.agents;
    for (const row of [...random!.probabilities, ...greedy!.probabilities]) {
      expect(row).toHaveLength(100);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    }
    // 2,000 uniform draws over 100 items: each share 0.01 ± 0.0022 (sd); none past 6 sd.
    for (const row of random!.probabilities)
      expect(Math.max(...row)).toBeLessThan(0.01 + 6 * 0.0022);
    // ε has decayed to 0.01: its greedy item per segment takes about 99%.
    for (const row of greedy!.probabilities) expect(Math.max(...row)).toBeGreaterThan(0.95);
  });

  it('the simulator writes the log in the race’s catalog, and the log judges the agents against their truth', async () => {
    const c = config([
      agentSettings('random'),
      { ...agentSettings('egreedy-segment'), epsilonSteps: 500 },
    ]);
    // The catalog the simulator's log is of (simulated.ts draws it so) is the race's.
    const preset = shopPreset('fashion');
    preset.catalog.items = 100;
    const race = labShop(c).catalog;
    const logs = generateCatalog(preset.catalog, raceShop(c).catalogSeed);
    expect(Array.from(logs.price)).toEqual(Array.from(race.price));
    expect(Array.from(logs.category)).toEqual(Array.from(race.category));

    const job = await trained(c, 400);
    const policies = await job.policies();
    job.dispose();
    const request = raceOnly(policies);
    const report = evaluateOnLog({ ...request, resamples: 200 });
    expect(report.items).toBe(100);
    expect(report.log).toContain('the race’s fashion shop (100 items, catalog seed 1)');
    const [random, greedy] = report.policies;
    expect(random!.name).toBe('race: random');
    expect(report.race).toContain('as they were after 3,200 decisions each');
    expect(greedy!.error).toBeNull();
    // The race taught the learner what clicks: it beats random by the truth and by the log.
    expect(greedy!.truth!).toBeGreaterThan(1.5 * random!.truth!);
    for (const p of [random!, greedy!]) {
      const dr = p.estimates.find((e) => e.estimator === 'dr')!;
      // Each truth inside its doubly robust estimate's 95% interval.
      expect(p.truth!, p.name).toBeGreaterThanOrEqual(dr.low);
      expect(p.truth!, p.name).toBeLessThanOrEqual(dr.high);
      expect(p.warnings.some((w) => w.includes('learned to earn'))).toBe(false);
    }
  });

  it('says what a race’s agents were not trained for, and refuses a policy of another shop', async () => {
    const c = config([agentSettings('ucb')], { slateSize: 3, reward: 'purchased * price' });
    const job = await trained(c, 50);
    const policies = await job.policies(200);
    job.dispose();
    const request = raceOnly(policies, 2_000);
    const other = { ...request.policies[0]!, label: 'moved' } as Extract<
      OpeRequest['policies'][number],
      { kind: 'race' }
    >;
    other.probabilities = other.probabilities.map((row) => [...row, 0]);
    const report = evaluateOnLog({
      ...request,
      policies: [request.policies[0]!, other],
      resamples: 50,
    });
    const [ucb, moved] = report.policies;
    expect(ucb!.warnings.join(' ')).toMatch(/learned to earn “purchased \* price”.*a click/);
    expect(ucb!.warnings.join(' ')).toMatch(/shows 3 items a step.*the item it puts first/);
    expect(moved!.error).toMatch(/measured in a shop other than this log’s/);
  });

  it('is offered only where the simulator can write the race’s log', () => {
    const plain = config([agentSettings('ucb')]);
    expect(racePolicyProblem(plain)).toBeNull();
    expect(racePolicyProblem({ ...plain, fromLog: madeUpPrior(plain) })).toMatch(/log’s catalog/);
    const synthetic = { source: 'x', names: [], shares: 1, scale: { maxEvents: 1 }, values: [] };
    expect(racePolicyProblem({ ...plain, synthetic } as unknown as RecsysConfig)).toMatch(
      /synthetic shoppers/,
    );
    const race = { ...OPE_DEFAULTS, race: true };
    expect(opeSettingsProblem(race, null, null, 'start a race first')).toBe('start a race first');
    expect(opeSettingsProblem(race, null, null, null)).toBeNull();
    expect(opeSettingsRequest(race, null, null, null)).toMatch(/start a race first/);
    const own = { name: 'shop.csv', log: {} as never };
    expect(opeSettingsProblem({ ...race, source: 'own' }, own, null, null)).toMatch(
      /not on your log/,
    );
    // Only the race picked: it counts as a policy to judge.
    const alone = { ...race, agents: [], pessimistic: false, example: false };
    expect(opeSettingsProblem(alone, null, null, null)).toBeNull();
    expect(opeSettingsProblem({ ...alone, race: false }, null, null, null)).toMatch(/at least one/);
  });
});
