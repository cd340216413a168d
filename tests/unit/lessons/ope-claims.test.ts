/**
 * The lesson “Judging a recommender on an old log”, run as the page runs
 * it: the step's settings (the form's defaults) made into the request the
 * form sends, judged by the worker's code. What the page promises at its
 * defaults, and each number the lesson quotes, is checked on the report the
 * page shows: the online agents would lose to the log's recommender and the
 * pessimistic policy would beat it, as the truth and the estimates both say.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { JUDGE_ON_A_LOG, JUDGE_ON_LOG } from '../../../src/core/lessons/ope-lessons';
import { lessonConfig } from '../../../src/core/lessons/setup';
import { evaluateOnLog } from '../../../src/core/rl/ope/evaluate';
import { OPE_DEFAULTS, opeSettingsRequest, type OpeReport } from '../../../src/core/rl/ope/request';

let report: OpeReport;
beforeAll(() => {
  const request = opeSettingsRequest(lessonConfig(JUDGE_ON_LOG), null, null);
  if (typeof request === 'string') throw new Error(request);
  report = evaluateOnLog(request);
}, 60_000);

const AGENTS = ['ε-greedy per segment', 'UCB1', 'Thompson (Beta)'];
const PESSIMISTIC = 'best lower bound (pessimistic)';
const EXAMPLE = 'the example team policy';
const policy = (name: string) => report.policies.find((p) => p.name === name)!;
const est = (name: string, e: string) => policy(name).estimates.find((x) => x.estimator === e)!;
const inside = (v: number, e: { low: number; high: number }) => v >= e.low && v <= e.high;

describe(`the lesson “${JUDGE_ON_A_LOG.title}”`, () => {
  it('runs the page’s defaults on seed 5: 10,000 shoppers of the simulator, half teaching, five policies', () => {
    expect(lessonConfig(JUDGE_ON_LOG)).toEqual({ ...OPE_DEFAULTS, seed: 5 });
    expect([report.rows, report.trainRows, report.judgedRows]).toEqual([10_000, 5_000, 5_000]);
    expect(report.policies.map((p) => p.name)).toEqual([...AGENTS, PESSIMISTIC, EXAMPLE]);
    expect(report.policies.map((p) => p.error)).toEqual([null, null, null, null, null]);
  });

  it('step 1: the log’s average is about 0.46 and the old recommender’s truth about 0.45; the five truths run from about 0.1 to almost 0.6', () => {
    expect(Math.abs(report.logging.value - 0.46)).toBeLessThan(0.01);
    expect(Math.abs(report.logging.truth! - 0.45)).toBeLessThan(0.01);
    expect(inside(report.logging.truth!, report.logging)).toBe(true);
    const truths = report.policies.map((p) => p.truth!);
    expect(Math.abs(Math.min(...truths) - 0.1)).toBeLessThan(0.01);
    expect(Math.max(...truths)).toBeGreaterThan(0.55);
    expect(Math.max(...truths)).toBeLessThan(0.6);
  });

  it('step 2: IPS gives the example about 0.52 (truth 0.50) and the pessimistic policy about 0.60 (truth 0.59), each truth inside; the direct method puts all five at 0.4 to 0.6', () => {
    expect(Math.abs(est(EXAMPLE, 'ips').value - 0.52)).toBeLessThan(0.01);
    expect(Math.abs(policy(EXAMPLE).truth! - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(est(PESSIMISTIC, 'ips').value - 0.6)).toBeLessThan(0.01);
    expect(Math.abs(policy(PESSIMISTIC).truth! - 0.59)).toBeLessThan(0.01);
    for (const name of [EXAMPLE, PESSIMISTIC])
      expect(inside(policy(name).truth!, est(name, 'ips')), name).toBe(true);
    for (const p of report.policies) {
      expect(est(p.name, 'dm').value, p.name).toBeGreaterThan(0.4);
      expect(est(p.name, 'dm').value, p.name).toBeLessThan(0.6);
    }
  });

  it('step 3: the agents rest on an ESS of 50 to 90 with largest weights of 125 to 155, are warned of, and every estimator but DM, like the truth, puts them below the log', () => {
    for (const name of AGENTS) {
      const e = est(name, 'ips');
      expect(e.ess, name).toBeGreaterThanOrEqual(49.5);
      expect(e.ess, name).toBeLessThan(90.5);
      expect(e.maxWeight, name).toBeGreaterThanOrEqual(124.5);
      expect(e.maxWeight, name).toBeLessThan(155.5);
      expect(policy(name).warnings.join(' '), name).toMatch(/^Poor overlap/);
      for (const k of ['ips', 'snips', 'dr', 'dr-clipped'])
        expect(est(name, k).value, `${name} ${k}`).toBeLessThan(report.logging.value);
      expect(est(name, 'dr').high, name).toBeLessThan(report.logging.low); // the page's “worse”
      expect(policy(name).truth!, name).toBeLessThan(report.logging.truth!);
    }
  });

  it('step 4: the pessimistic policy is about 0.6 by DR, clear above the log, on an ESS near 1,000, with a truth a third above the old recommender’s', () => {
    const e = est(PESSIMISTIC, 'dr');
    expect(Math.abs(e.value - 0.6)).toBeLessThan(0.01);
    expect(e.low).toBeGreaterThan(report.logging.high);
    expect(inside(policy(PESSIMISTIC).truth!, e)).toBe(true);
    expect(e.ess).toBeGreaterThan(800);
    expect(e.ess).toBeLessThan(1200);
    expect(policy(PESSIMISTIC).warnings).toEqual([]);
    expect(policy(PESSIMISTIC).truth! / report.logging.truth!).toBeGreaterThan(1.25);
    expect(policy(PESSIMISTIC).truth! / report.logging.truth!).toBeLessThan(1.4);
  });

  it('other seeds move the numbers, not the story: on seeds 1 to 6 the pessimistic policy’s truth is 0.54 to 0.6, a fifth or more above the old recommender’s and far above every agent’s', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const request = opeSettingsRequest({ ...lessonConfig(JUDGE_ON_LOG), seed }, null, null);
      if (typeof request === 'string') throw new Error(request);
      const r = evaluateOnLog(request);
      const truth = (name: string) => r.policies.find((p) => p.name === name)!.truth!;
      expect(truth(PESSIMISTIC), `seed ${seed}`).toBeGreaterThan(0.535);
      expect(truth(PESSIMISTIC), `seed ${seed}`).toBeLessThan(0.6);
      expect(truth(PESSIMISTIC) / r.logging.truth!, `seed ${seed}`).toBeGreaterThan(1.2);
      for (const name of AGENTS) expect(truth(name), `seed ${seed} ${name}`).toBeLessThan(0.25);
    }
  }, 60_000);

  it('gives back the example policy’s file, the format a team copies', () => {
    expect(report.exampleCsv).toMatch(/^segment,item,probability\ntrend followers,sku-1,/);
    expect(est(EXAMPLE, 'dr').ess / est(EXAMPLE, 'dr').rows).toBeGreaterThan(0.5);
  });
});
