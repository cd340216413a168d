/**
 * A race's agents as policies a log can judge ("Evaluate on a log"): what
 * each agent would put first for a new shopper of each segment, measured,
 * not assumed. The agent is asked for its slate on `samples` arriving
 * shoppers per segment (the race's shop, without seasons, as the
 * simulator's logs have none), and the share of each item in its first
 * slot is its policy for that segment. Asking moves an agent's exploration
 * schedule and random stream, so the job measures a copy of its race
 * (recsys-job.ts), never the race itself.
 *
 * Which races a log can judge is the page's question too, so it lives here
 * without agent code: a race's shop must be the shop the simulator writes
 * the log in, with the race's catalog.
 */
import type { Agent } from '../contract';
import type { OpeShop } from '../ope/simulated';
import type { Catalog } from '../sim/catalog';
import type { ShopConfig } from '../sim/presets';
import { ShopEnv } from '../sim/shop-env';
import type { RecsysConfig } from './config';

/** Arriving shoppers per segment each agent is asked about. */
export const RACE_POLICY_SAMPLES = 2_000;

/** One agent of a race, as one distribution over the catalog per segment. */
export interface RacePolicy {
  label: string;
  /** Per segment (the race's segment names), the share of each item in the agent's first slot. */
  probabilities: number[][];
}

/** What a race's agents are as policies, and the race they come from. */
export interface RacePolicies {
  /** Decisions each agent had made when it was measured. */
  decisions: number;
  segments: string[];
  /** The shop the simulator writes the log in to judge them. */
  shop: Exclude<OpeShop, string>;
  /** The race's reward expression: what the agents learned to earn. */
  reward: string;
  slateSize: number;
  agents: RacePolicy[];
}

/**
 * Why a log cannot judge this race's agents, or null. The simulator writes
 * the log in the race's shop and catalog; a race started from a log sells
 * that log's items, and synthetic shoppers are not the shop's segments.
 */
export function racePolicyProblem(config: RecsysConfig): string | null {
  if (config.fromLog)
    return 'this race sells a log’s catalog, which the simulator cannot write a log in';
  if (config.synthetic)
    return 'this race serves synthetic shoppers, not the shop’s segments a log records';
  return null;
}

/** The shop and catalog the simulator writes a log in to judge `config`'s agents. */
export function raceShop(config: RecsysConfig): Exclude<OpeShop, string> {
  return { shop: config.shop, items: config.items, catalogSeed: config.seed };
}

/**
 * `agent`'s first-slot choice for arriving shoppers of each of the shop's
 * segments, `samples` per segment (fewer for a segment so rare that twenty
 * times the draws do not find them). `seed` picks the shoppers.
 */
export function measureFirstSlot(
  agent: Agent,
  shop: ShopConfig,
  catalog: Catalog,
  seed: number,
  samples = RACE_POLICY_SAMPLES,
): number[][] {
  const config = structuredClone(shop);
  config.shoppers.seasonEvery = 0;
  const env = new ShopEnv(config, { seed, catalog });
  const segments = env.numSegments;
  const counts = Array.from({ length: segments }, () => new Float64Array(env.numActions));
  const asked = new Float64Array(segments);
  const k = env.slateSize;
  let left = segments;
  for (let draw = 0; draw < 20 * samples * segments && left > 0; draw++) {
    const observation = env.reset();
    const s = observation.segment ?? 0;
    if (asked[s]! >= samples) continue;
    const first = k > 1 && agent.rank ? agent.rank(observation, k)[0]! : agent.act(observation);
    counts[s]![first]!++;
    if (++asked[s]! === samples) left--;
  }
  return counts.map((row, s) =>
    Array.from(row, (c) => (asked[s]! > 0 ? c / asked[s]! : 1 / row.length)),
  );
}
