/**
 * Runs a recommender-lab race in node, as the lab's worker would, and keeps
 * what the page draws (the curves) and counts (the funnel): what the tests
 * of the lab's claims read.
 */
import type { RecsysConfig } from '../../../src/core/rl/lab/config';
import { RecsysJob } from '../../../src/core/rl/lab/recsys-job';
import { FUNNEL, pointColumn } from '../../../src/core/rl/lab/snapshot';
import type { RacerCurves } from '../../../src/core/rl/lab/story';

export interface RaceResult {
  /** Per agent, in the config's order; labelled by kind. */
  curves: RacerCurves[];
  /** Per agent: the funnel counts at the end, in FUNNEL order. */
  funnels: number[][];
  decisions: number;
}

/**
 * Races `config` for `rounds` rounds, reading the curves every `every` rounds;
 * as the lab's runner does, it flushes every `chunk` rounds (at the lab's 40
 * rounds/s, 4), when agents with networks read their weights back.
 */
export async function runRace(
  config: RecsysConfig,
  rounds: number,
  every = 200,
  chunk = 4,
): Promise<RaceResult> {
  const job = await RecsysJob.create(config, 'cpu');
  const curves: RacerCurves[] = config.agents.map((a) => ({
    label: a.kind,
    baseline: a.kind === 'random',
    reward: [],
    regret: [],
    ctr: [],
  }));
  let funnels: number[][] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      job.trainStep();
      if (i % chunk === chunk - 1) await job.flush();
      if (i % every !== every - 1 && i !== rounds - 1) continue;
      const { snapshot } = await job.snapshot();
      snapshot.agents.forEach((a, k) => {
        const c = curves[k]!;
        c.reward = [...c.reward, ...pointColumn(a.points, 1)];
        c.regret = [...c.regret, ...pointColumn(a.points, 2)];
        c.ctr = [...c.ctr, ...pointColumn(a.points, 3)];
      });
      funnels = snapshot.agents.map((a) => a.funnel);
    }
  } finally {
    job.dispose();
  }
  return { curves, funnels, decisions: rounds * config.population };
}

const count = (f: readonly number[], what: (typeof FUNNEL)[number]) => f[FUNNEL.indexOf(what)]!;
/** Purchases per session, as the funnel counts them. */
export const conversion = (f: readonly number[]): number =>
  count(f, 'purchases') / Math.max(1, count(f, 'sessions'));
/** Clicks per slate shown. */
export const clickRate = (f: readonly number[]): number =>
  count(f, 'clicks') / Math.max(1, count(f, 'steps'));
