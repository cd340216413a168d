/**
 * A sweep's best configurations as a race in the lab: the ranking file
 * (ranking.json, as `npm run sweep` writes it) gives each configuration as
 * a race of one agent; the best and up to three more of the best in the
 * same shop, knobs and reward race together (a race is one shop), from
 * seed 1, whose catalog is the one the sweep's cells all shared. The
 * config made here is untrusted until the lab's schema has read it
 * (settings/lab-configs.ts), as every config from a file is.
 */
import { defaultRecsysConfig } from '../lab/config';

/** Agents a race holds. */
const MAX_RACERS = 4;

export type SweepRace =
  | {
      problem: null;
      config: Record<string, unknown>;
      /** The racing configurations' agents, and the shop and reward they share, as labelled. */
      picked: string[];
      shop: string;
      leftOut: number;
    }
  | { problem: string };

const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** The race of the ranking's best, or what is wrong with the file. */
export function raceFromRanking(json: unknown): SweepRace {
  const notRanking = {
    problem: 'this is not a sweep’s ranking.json (npm run sweep writes it beside its cells)',
  };
  if (!isRecord(json) || !Array.isArray(json.ranking)) return notRanking;
  if (typeof json.environment === 'string' && json.environment)
    return {
      problem: `this sweep ran its agents on a problem of its own (${json.environment}), and the lab races them in its shops: run them on that problem instead`,
    };
  const ranked = json.ranking.filter(
    (r): r is { label: string; race: Record<string, unknown>; seeds: number } =>
      isRecord(r) && typeof r.label === 'string' && isRecord(r.race) && typeof r.seeds === 'number',
  );
  if (ranked.length !== json.ranking.length) return notRanking;
  const finished = ranked.filter((r) => r.seeds > 0);
  const best = finished[0];
  if (!best) return { problem: 'no configuration of this sweep finished a cell' };
  // What makes two configurations one shop: everything but the agent and the crowd size.
  const shopOf = (race: Record<string, unknown>) =>
    JSON.stringify(Object.entries(race).filter(([k]) => k !== 'agents' && k !== 'population'));
  const same = finished.filter((r) => shopOf(r.race) === shopOf(best.race));
  const picked = same.slice(0, MAX_RACERS);
  const agents = picked.map((r) => (Array.isArray(r.race.agents) ? r.race.agents[0] : undefined));
  const { population } = defaultRecsysConfig('fashion');
  return {
    problem: null,
    config: { ...best.race, population, seed: 1, agents },
    // Labels read "agent settings · shop knobs · reward" (spec.ts).
    picked: picked.map((r) => r.label.split(' · ')[0]!),
    shop: best.label.split(' · ').slice(1).join(' · '),
    leftOut: finished.length - picked.length,
  };
}
