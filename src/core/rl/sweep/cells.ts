/**
 * A sweep's unit of work: one configuration on one seed (a cell), run as a
 * race of one agent on the fast experiment path (batch-run.ts), so its
 * metrics are the experiment command's. Cells are named by their
 * configuration and seed, which is what lets a rerun skip the finished and
 * shards split the work without talking to each other.
 */
import { buildAgent } from '../agents/build';
import { runBuiltBatched } from '../experiment';
import { shopFor, type RecsysConfig } from '../lab/config';
import { checkShape, type Agent, type Environment } from '../contract';
import { decide } from '../interact';
import { METRICS, type MetricName } from '../metrics';
import type { SweepSpec } from './spec';

/** Cumulative reward points kept per cell, for the curves of the best. */
export const CURVE_POINTS = 20;

export interface SweepCell {
  /** `c<config>s<seed>`, or `f…` for the fresh seeds the best are run again on. */
  id: string;
  config: number;
  seed: number;
}

export interface CellResult extends SweepCell {
  metrics: Record<MetricName, number> | null;
  /** Cumulative reward at CURVE_POINTS evenly spaced steps. */
  curve: number[];
  /** Why the cell failed, or null. */
  error: string | null;
  /** Wall time, for the record (never compared or asserted). */
  ms: number;
}

/** The cells of `configs` × `seeds`, configuration by configuration. */
export function sweepCells(
  configs: readonly number[],
  seeds: readonly number[],
  fresh = false,
): SweepCell[] {
  return configs.flatMap((config) =>
    seeds.map((seed) => ({ id: `${fresh ? 'f' : 'c'}${config}s${seed}`, config, seed })),
  );
}

/**
 * Shard `shard` of `shards` (0-based): every n-th cell from the shard's
 * own. A configuration's seeds cost the same and sit side by side, so
 * dealing them round the shards balances the work within a cell or so.
 */
export function shardCells<T>(cells: readonly T[], shard: number, shards: number): T[] {
  if (!(Number.isInteger(shards) && shards >= 1))
    throw new RangeError(`the shard count must be a whole number from 1, got ${shards}`);
  if (!(Number.isInteger(shard) && shard >= 0 && shard < shards))
    throw new RangeError(`the shard must be 0 to ${shards - 1}, got ${shard}`);
  return cells.filter((_, i) => i % shards === shard);
}

/** Reads `i/n` (1-based, as people count) into a 0-based shard; throws on anything else. */
export function parseShard(text: string): { shard: number; shards: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const shard = m ? Number(m[1]) - 1 : NaN;
  const shards = m ? Number(m[2]) : NaN;
  if (!(shards >= 1 && shard >= 0 && shard < shards))
    throw new RangeError(`--shard takes i/n with 1 ≤ i ≤ n, e.g. 2/4; got "${text}"`);
  return { shard, shards };
}

/** A problem of one's own, made for a cell's seed (what a spec's `environment` module exports). */
export type EnvironmentFactory = (seed: number) => Environment;

/**
 * Runs one cell; a cell that throws, or whose reward is not a number, is
 * recorded as failed. A spec with an `environment` needs its module's
 * `createEnvironment` as `environment`.
 */
export async function runCell(
  spec: SweepSpec,
  cell: SweepCell,
  environment?: EnvironmentFactory,
): Promise<CellResult> {
  const t0 = performance.now();
  const race: RecsysConfig = { ...spec.configs[cell.config]!.race, seed: cell.seed };
  const points = Math.min(CURVE_POINTS, spec.steps);
  const curveSteps = Array.from({ length: points }, (_, i) =>
    Math.round(((i + 1) * spec.steps) / points),
  );
  try {
    if (spec.environment) {
      if (!environment) throw new Error(`the sweep needs its environment, ${spec.environment}`);
      const env = environment(cell.seed);
      checkShape(env);
      const agent = buildAgent(race.agents[0]!, env, cell.seed * 7919 + 104_729);
      try {
        const run = await runOnEnvironment(env, agent, spec.steps, curveSteps);
        return { ...cell, ...run, error: null, ms: performance.now() - t0 };
      } finally {
        agent.dispose?.();
      }
    }
    // One catalog (seed 1) for every seed, as the experiment command has: runs differ in shoppers.
    const run = await runBuiltBatched(
      (shape) => buildAgent(race.agents[0]!, shape, cell.seed * 7919 + 104_729),
      {
        shop: shopFor(race),
        seed: cell.seed,
        reward: race.reward,
        catalogSeed: 1,
        steps: spec.steps,
        curveSteps,
        chunk: 1000,
        report: () => {},
        batch: spec.batch,
      },
    );
    const metrics = run.total.values();
    if (!Number.isFinite(metrics.reward))
      throw new Error(`the reward became ${metrics.reward}: check the expression`);
    return { ...cell, metrics, curve: run.reward, error: null, ms: performance.now() - t0 };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    return { ...cell, metrics: null, curve: [], error, ms: performance.now() - t0 };
  }
}

/**
 * `agent` on a problem of one's own for `steps` decisions: its reward (and
 * the regret its `info.regret` reports, else NaN) as a cell's metrics, the
 * shop's own metrics NaN (its steps have no clicks or sessions).
 */
async function runOnEnvironment(
  env: Environment,
  agent: Agent,
  steps: number,
  curveSteps: number[],
): Promise<Pick<CellResult, 'metrics' | 'curve'>> {
  const curve: number[] = [];
  let reward = 0;
  let regret = 0;
  let next = 0;
  let observation = env.reset();
  for (let step = 0; step < steps; step++) {
    if (step % 1000 === 0) await agent.sync?.();
    const out = decide(env, agent, observation);
    reward += out.reward;
    const r = (out.info as { regret?: unknown } | null)?.regret;
    regret += typeof r === 'number' ? r : NaN;
    observation = out.done ? env.reset() : out.observation;
    while (next < curveSteps.length && curveSteps[next] === step + 1) {
      curve.push(reward);
      next++;
    }
  }
  if (!Number.isFinite(reward)) throw new Error(`the reward became ${reward}`);
  const metrics = Object.fromEntries(METRICS.map((m) => [m, NaN])) as Record<MetricName, number>;
  Object.assign(metrics, { reward, rewardPerStep: reward / steps, regret });
  return { metrics, curve };
}
