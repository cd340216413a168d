/**
 * Reward sweeps' core: a spec expands into the race configurations it
 * names (or refuses, naming the field), cells split into balanced shards
 * that cover every cell once, a cell that throws is recorded, not fatal,
 * and the ranking is a function of the cells, whatever their order.
 */
import { describe, expect, it } from 'vitest';
import {
  parseShard,
  runCell,
  shardCells,
  sweepCells,
  type CellResult,
} from '../../../src/core/rl/sweep/cells';
import { sweepSvg } from '../../../src/charts/sweep-svg';
import { rankConfigs, sweepReport, sweepTable } from '../../../src/core/rl/sweep/rank';
import { parseSweepSpec, SweepSpecError } from '../../../src/core/rl/sweep/spec';
import { raceFromRanking } from '../../../src/core/rl/sweep/to-race';
import type { RecsysConfig } from '../../../src/core/rl/lab/config';
import { readLabConfig } from '../../../src/core/settings/lab-configs';
import { createEnvironment } from '../../../src/core/rl/envs/coupon-test';

const base = {
  name: 'test',
  steps: 300,
  seeds: 2,
  outcome: 'ctr',
  shops: [{ shop: 'fashion', items: [50, 100] }],
  rewards: ['clicks', 'purchased * price'],
  agents: [{ kind: 'ucb', ucbC: [0.1, 1, 3] }, 'random'],
};

describe('a sweep on a problem of one’s own', () => {
  it('runs each agent on the environment a module makes, ranks by reward, and does not open as a race', async () => {
    const spec = parseSweepSpec({
      name: 'coupons',
      environment: '../core/rl/envs/coupon-test.ts',
      steps: 4000,
      seeds: 2,
      agents: ['random', { kind: 'linucb', ucbC: 0.5 }],
    });
    expect(spec.configs.map((c) => c.label)).toEqual([
      'random · coupon-test',
      'linucb ucbC=0.5 · coupon-test',
    ]);
    const cells = await Promise.all(
      sweepCells([0, 1], spec.seeds).map((c) => runCell(spec, c, createEnvironment)),
    );
    for (const c of cells) {
      expect(c.error).toBeNull();
      expect(c.metrics!.rewardPerStep).toBeCloseTo(c.metrics!.reward / 4000, 12);
      expect(c.metrics!.ctr).toBeNaN();
      expect(c.curve).toHaveLength(20);
    }
    const report = sweepReport(spec, cells, []);
    expect(report.environment).toBe('../core/rl/envs/coupon-test.ts');
    // LinUCB learns which coupon suits whom; random does not.
    expect(report.ranking[0]!.label).toBe('linucb ucbC=0.5 · coupon-test');
    expect(report.ranking[0]!.outcome.low).toBeGreaterThan(report.ranking[1]!.outcome.high);
    const race = raceFromRanking(JSON.parse(JSON.stringify(report)));
    expect(race.problem).toMatch(
      /problem of its own .*coupon-test\.ts.*lab races them in its shops/,
    );
    // Without the module's factory a cell says what it lacks.
    expect((await runCell(spec, { id: 'c0s1', config: 0, seed: 1 })).error).toMatch(
      /needs its environment, \.\.\/core\/rl\/envs\/coupon-test\.ts/,
    );
  });
});

describe('a sweep’s spec', () => {
  it('expands every list into a grid of race configurations, checked as races are', () => {
    const spec = parseSweepSpec(base);
    // 2 catalogs × 2 rewards × (3 UCB settings + random)
    expect(spec.configs).toHaveLength(16);
    expect(spec.seeds).toEqual([1, 2]);
    expect(spec.freshSeeds).toEqual([3, 4]);
    expect(spec.top).toBe(5);
    const first = spec.configs[0]!;
    expect(first.label).toBe('ucb ucbC=0.1 · fashion items=50 · clicks');
    expect(first.race.reward).toBe('clicked'); // the preset's expression
    expect(first.race.items).toBe(50);
    expect(first.race.agents[0]).toMatchObject({ kind: 'ucb', ucbC: 0.1 });
    expect(spec.configs[7]!.race.reward).toBe('purchased * price');
    expect(spec.configs.map((c) => c.index)).toEqual(spec.configs.map((_, i) => i));

    const sampled = parseSweepSpec({ ...base, sample: 5, sampleSeed: 9 });
    expect(sampled.configs).toHaveLength(5);
    expect(sampled.configs.map((c) => c.index)).toEqual([0, 1, 2, 3, 4]);
    const again = parseSweepSpec({ ...base, sample: 5, sampleSeed: 9 });
    expect(again.configs.map((c) => c.label)).toEqual(sampled.configs.map((c) => c.label));
    const labels = new Set(parseSweepSpec(base).configs.map((c) => c.label));
    for (const c of sampled.configs) expect(labels.has(c.label)).toBe(true);
  });

  it('refuses a bad spec, naming the field', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ ...base, steps: 0 }, /^steps: /],
      [{ ...base, outcome: 'profit' }, /^outcome: choose revenue, conversion, ctr, reward/],
      [{ ...base, shops: [{ shop: 'toys' }] }, /^shops\[0\]\.shop: /],
      [
        { ...base, shops: [{ shop: 'fashion', items: [50, 5] }] },
        /^shops\[0\]\.items: the catalog holds 10 to 2,000 items/,
      ],
      [{ ...base, shops: [{ shop: 'fashion', colour: 1 }] }, /^shops\[0\]\.colour: unknown field/],
      [
        { ...base, agents: [{ kind: 'ucb', ucbC: [1, 'x'] }] },
        /^agents\[0\]\.ucbC\[1\]: expected a number/,
      ],
      [{ ...base, agents: [{ kind: 'ucb', ucbC: -1 }] }, /^agents\[0\]: .*exploration bonus/],
      [{ ...base, agents: [{ kind: 'cf' }] }, /^agents\[0\]\.kind: .*need a log/],
      [{ ...base, rewards: ['clicked +'] }, /^rewards: /],
      [{ ...base, outcome: 'reward' }, /^outcome: the reward differs/],
      [{ ...base, top: 99 }, /^top: /],
      [{ ...base, freshSeeds: [2] }, /^freshSeeds: fresh seeds must not be the sweep’s own/],
      [{ ...base, seeds: [1, 1] }, /^seeds: a seed is listed twice/],
      [{ ...base, colour: 'red' }, /^colour: unknown field/],
      [{ ...base, batch: 0 }, /^batch: shoppers served between two lessons/],
      [{ ...base, environment: 'mine.py' }, /^environment: give the path of a module/],
      [{ ...base, environment: 'mine.ts' }, /^shops: an environment of your own stands in/],
      [
        { ...base, shops: undefined, rewards: undefined, environment: 'mine.ts' },
        /^outcome: an environment of your own pays a reward alone/,
      ],
      [
        {
          ...base,
          shops: undefined,
          rewards: undefined,
          outcome: 'reward',
          environment: 'mine.ts',
          batch: 4,
        },
        /^batch: an environment of your own runs one decision at a time/,
      ],
    ];
    for (const [spec, message] of bad) {
      expect(() => parseSweepSpec(spec), JSON.stringify(spec)).toThrow(SweepSpecError);
      expect(() => parseSweepSpec(spec), JSON.stringify(spec)).toThrow(message);
    }
  });
});

describe('a sweep’s cells', () => {
  it('split into shards that cover every cell once, within one cell of each other', () => {
    const cells = sweepCells([0, 1, 2, 3, 4, 5, 6], [1, 2, 3]);
    expect(cells).toHaveLength(21);
    for (const n of [1, 2, 3, 4, 5]) {
      const shards = Array.from({ length: n }, (_, i) => shardCells(cells, i, n));
      expect(
        shards
          .flat()
          .map((c) => c.id)
          .sort(),
      ).toEqual(cells.map((c) => c.id).sort());
      const sizes = shards.map((s) => s.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
    expect(parseShard('2/4')).toEqual({ shard: 1, shards: 4 });
    expect(() => parseShard('0/4')).toThrow(/i\/n with 1 ≤ i ≤ n/);
    expect(() => parseShard('5/4')).toThrow(RangeError);
  });

  it('runs a cell as a race of one agent, and records one that fails instead of stopping', async () => {
    const spec = parseSweepSpec({ ...base, rewards: ['clicked', 'log(clicked)'], outcome: 'ctr' });
    const [good, broken] = [
      spec.configs[0]!,
      spec.configs.find((c) => c.race.reward === 'log(clicked)')!,
    ];
    const ok = await runCell(spec, { id: 'c0s1', config: good.index, seed: 1 });
    expect(ok.error).toBeNull();
    expect(ok.metrics!.ctr).toBeGreaterThan(0);
    expect(ok.curve).toHaveLength(20);
    expect(ok.curve.at(-1)).toBe(ok.metrics!.reward);
    // The same cell again: the same numbers (seeded shoppers and agent).
    const twice = await runCell(spec, { id: 'c0s1', config: good.index, seed: 1 });
    expect(twice.metrics).toEqual(ok.metrics);
    const bad = await runCell(spec, { id: 'x', config: broken.index, seed: 1 });
    expect(bad.metrics).toBeNull();
    expect(bad.error).toMatch(/the reward is -Infinity when clicked/);
  });

  it('ranks by the outcome with intervals over seeds, the same whatever order the cells come in', async () => {
    const spec = parseSweepSpec({ ...base, shops: ['fashion'], rewards: ['clicked'], top: 2 });
    const cells: CellResult[] = [];
    for (const cell of sweepCells([0, 1, 2, 3], spec.seeds)) cells.push(await runCell(spec, cell));
    const ranking = rankConfigs(spec, cells);
    expect(ranking.map((r) => r.seeds)).toEqual([2, 2, 2, 2]);
    for (let i = 1; i < ranking.length; i++)
      expect(ranking[i - 1]!.outcome.mean).toBeGreaterThanOrEqual(ranking[i]!.outcome.mean);
    const best = ranking[0]!;
    const ctrs = cells.filter((c) => c.config === best.index).map((c) => c.metrics!.ctr);
    expect(best.outcome.mean).toBeCloseTo((ctrs[0]! + ctrs[1]!) / 2, 12);
    expect(best.outcome.low).toBeLessThan(best.outcome.high);
    const shuffled = [...cells].reverse();
    const report = sweepReport(spec, cells, []);
    expect(JSON.stringify(sweepReport(spec, shuffled, []))).toBe(JSON.stringify(report));
    expect(sweepTable(report)).toContain(`| 1 | ${best.label} |`);
    const svg = sweepSvg(report, 3);
    expect(svg.match(/<path /g)).toHaveLength(3);
    expect(svg).toContain(`1. ${best.label}`);
  });
});

describe('a sweep’s best as a race', () => {
  it('races the best and the next best of its shop and reward, through the lab’s schema', async () => {
    const spec = parseSweepSpec({
      ...base,
      steps: 200,
      shops: [{ shop: 'fashion', items: [50, 100] }],
      rewards: ['clicked'],
      agents: [{ kind: 'ucb', ucbC: [0.1, 1, 3] }, 'random', 'ts-beta'],
    });
    const cells: CellResult[] = [];
    for (const cell of sweepCells(
      spec.configs.map((c) => c.index),
      spec.seeds,
    ))
      cells.push(await runCell(spec, cell));
    const report = JSON.parse(JSON.stringify(sweepReport(spec, cells, []))) as unknown;
    const race = raceFromRanking(report);
    if (race.problem !== null) throw new Error(race.problem);
    const ranking = (report as { ranking: { label: string; race: { items: number } }[] }).ranking;
    const best = ranking[0]!;
    // Four of the five configurations in the best one's catalog race; the other catalog's are left out.
    const sameShop = ranking.filter((r) => r.race.items === best.race.items);
    expect(race.picked).toEqual(sameShop.slice(0, 4).map((r) => r.label.split(' · ')[0]));
    expect(race.shop).toBe(`fashion items=${best.race.items} · clicked`);
    expect(race.leftOut).toBe(ranking.length - 4);
    const read = readLabConfig('recsys', race.config);
    expect(read.problem).toBeNull();
    const config = read.config as unknown as RecsysConfig;
    expect(config.seed).toBe(1);
    expect(config.items).toBe(best.race.items);
    expect(config.agents).toHaveLength(4);

    expect(raceFromRanking({ cells: [] }).problem).toMatch(/not a sweep’s ranking\.json/);
    const tampered = structuredClone(report) as {
      ranking: { race: { agents: { ucbC: number }[] } }[];
    };
    for (const r of tampered.ranking) r.race.agents[0]!.ucbC = -1;
    const bad = raceFromRanking(tampered);
    expect(bad.problem === null && readLabConfig('recsys', bad.config).problem).toMatch(/bonus/);
  });
});
