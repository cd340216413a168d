/**
 * The experiment runner: races several agents on the same seeded shopper
 * stream (for each seed, every agent meets the same catalog and the same
 * shoppers in the same order) and returns the metrics with 95% intervals over
 * seeds, per segment too, and the cumulative reward and regret curves.
 * Async so DQN can read its weights back between chunks, and so a caller (the
 * worker, the CLI) can report progress.
 */
import { MAX_BATCH, runBatched } from './batch-run';
import type { Agent, ProblemShape } from './contract';
import { agentEntry, isAgentName, type AgentName } from './agents/registry';
import { decide } from './interact';
import {
  interval,
  METRICS,
  ShopCounter,
  type Interval,
  type MetricName,
  type RunOutcome,
} from './metrics';
import {
  isRewardName,
  REWARD_PRESETS,
  type RewardName,
  type RewardWeights,
} from './reward/presets';
import { BatchedShopEnv } from './sim/batched-env';
import { OracleAgent } from './sim/oracle-agent';
import { isShopName, shopPreset, type ShopConfig, type ShopName } from './sim/presets';
import { ShopEnv } from './sim/shop-env';

export type ExperimentAgent = AgentName | 'oracle';

export interface ExperimentConfig {
  /** A preset's name or a full shop config. */
  shop: ShopName | ShopConfig;
  agents: ExperimentAgent[];
  /** Decisions per agent and seed, 1 to 10,000,000. */
  steps: number;
  /** One run per seed (it seeds the shoppers and the agents); the interval is over these runs. */
  seeds: number[];
  /** Seeds the catalog, the same for every run so runs differ only in shoppers (default 1). */
  catalogSeed?: number;
  /** A preset's name or reward weights (default clicks). */
  reward?: RewardName | RewardWeights;
  /** Points per curve (default 200). */
  curvePoints?: number;
  /** Steps between awaits (agent sync, progress), default 500. */
  chunk?: number;
  /**
   * Shoppers served between two lessons on the fast path (batch-run.ts), 1
   * to 4,096; absent, the single environment's loop (the reference). The
   * oracle always runs on the single environment.
   */
  batch?: number;
}

export interface CurveBand {
  mean: number[];
  low: number[];
  high: number[];
}

export interface AgentResult {
  agent: ExperimentAgent;
  label: string;
  metrics: Record<MetricName, Interval>;
  segments: { name: string; metrics: Record<MetricName, Interval> }[];
  /** Cumulative reward and regret at `curveSteps`, mean and 95% band over seeds. */
  reward: CurveBand;
  regret: CurveBand;
  /** Wall time per seed, milliseconds (for the record, never asserted). */
  milliseconds: number[];
}

export interface ExperimentResult {
  shop: string;
  reward: string;
  steps: number;
  seeds: number[];
  curveSteps: number[];
  segmentNames: string[];
  agents: AgentResult[];
}

export interface Progress {
  agent: ExperimentAgent;
  seed: number;
  step: number;
  steps: number;
}

/** Throws a RangeError naming the first bad field. */
export function checkExperiment(c: ExperimentConfig): void {
  if (typeof c.shop === 'string' && !isShopName(c.shop))
    throw new RangeError(`unknown shop "${c.shop}"; choose fashion, electronics or grocery`);
  if (c.agents.length === 0) throw new RangeError('name at least one agent');
  for (const a of c.agents) {
    if (a === 'oracle') continue;
    if (!isAgentName(a)) throw new RangeError(`unknown agent "${a}"`);
    agentEntry(a);
  }
  if (!(Number.isInteger(c.steps) && c.steps >= 1 && c.steps <= 10_000_000))
    throw new RangeError(`steps must be 1 to 10,000,000, got ${c.steps}`);
  if (c.seeds.length === 0 || c.seeds.some((s) => !Number.isSafeInteger(s)))
    throw new RangeError('give at least one whole-number seed');
  if (c.batch !== undefined && !(Number.isInteger(c.batch) && c.batch >= 1 && c.batch <= MAX_BATCH))
    throw new RangeError(
      `batch must be 1 to ${MAX_BATCH.toLocaleString('en')} shoppers, got ${c.batch}`,
    );
  if (typeof c.reward === 'string' && !isRewardName(c.reward))
    throw new RangeError(
      `unknown reward "${c.reward}"; choose ${Object.keys(REWARD_PRESETS).join(', ')}`,
    );
}

/**
 * One agent on one shop for `steps` decisions: its counts overall and per
 * segment, and its cumulative reward and regret at `curveSteps`. Awaits the
 * agent's sync and calls `report` every `chunk` steps.
 */
export async function runOnShop(
  env: ShopEnv,
  agent: Agent,
  steps: number,
  curveSteps: number[],
  chunk: number,
  report: (step: number) => void,
): Promise<RunOutcome> {
  const segments = env.config.shoppers.segments.map(() => new ShopCounter());
  const total = new ShopCounter();
  const reward: number[] = [];
  const regret: number[] = [];
  let next = 0;
  let observation = env.reset();
  let length = 0;
  let converted = false;
  const t0 = performance.now();
  for (let step = 0; step < steps; step++) {
    if (step % chunk === 0) {
      await agent.sync?.();
      report(step);
    }
    const out = decide(env, agent, observation);
    const { events, segment, regret: r } = out.info;
    total.add(events, out.reward, r);
    segments[segment]!.add(events, out.reward, r);
    length++;
    converted ||= events.purchased;
    if (out.done) {
      total.endSession(length, converted);
      segments[segment]!.endSession(length, converted);
      length = 0;
      converted = false;
      observation = env.reset();
    } else observation = out.observation;
    while (next < curveSteps.length && curveSteps[next] === step + 1) {
      reward.push(total.reward);
      regret.push(total.regret);
      next++;
    }
  }
  return { total, segments, reward, regret, milliseconds: performance.now() - t0 };
}

/** What one run of one agent on one seed needs. */
export interface RunSpec {
  shop: ShopConfig;
  seed: number;
  reward: RewardWeights | string;
  catalogSeed: number;
  steps: number;
  curveSteps: number[];
  chunk: number;
  report: (step: number) => void;
}

/** The agent `name` (or the oracle) on the single environment: the reference loop. */
async function runAgentSingle(
  name: ExperimentAgent,
  agentSeed: number,
  r: RunSpec,
): Promise<RunOutcome> {
  const env = new ShopEnv(r.shop, { seed: r.seed, reward: r.reward, catalogSeed: r.catalogSeed });
  const agent: Agent =
    name === 'oracle' ? new OracleAgent(env) : agentEntry(name).make(env, agentSeed);
  try {
    return await runOnShop(env, agent, r.steps, r.curveSteps, r.chunk, r.report);
  } finally {
    agent.dispose?.();
  }
}

/** The agent `name` on the fast path, `batch` shoppers at a time. */
export async function runAgentBatched(
  name: AgentName,
  agentSeed: number,
  r: RunSpec & { batch: number },
): Promise<RunOutcome> {
  return runBuiltBatched((shape) => agentEntry(name).make(shape, agentSeed), r);
}

/** An agent built for the batched shop by `build`, on the fast path. */
export async function runBuiltBatched(
  build: (shape: ProblemShape) => Agent,
  r: RunSpec & { batch: number },
): Promise<RunOutcome> {
  const env = new BatchedShopEnv(r.shop, {
    count: r.batch,
    seed: r.seed,
    reward: r.reward,
    catalogSeed: r.catalogSeed,
    oracle: true,
  });
  const agent = build(env);
  try {
    return await runBatched(env, agent, r.steps, r.curveSteps, r.chunk, r.report);
  } finally {
    agent.dispose?.();
  }
}

function summarise(counters: ShopCounter[]): Record<MetricName, Interval> {
  const values = counters.map((c) => c.values());
  return Object.fromEntries(METRICS.map((m) => [m, interval(values.map((v) => v[m]))])) as Record<
    MetricName,
    Interval
  >;
}

function band(curves: number[][]): CurveBand {
  const points = curves[0]?.length ?? 0;
  const out: CurveBand = { mean: [], low: [], high: [] };
  for (let p = 0; p < points; p++) {
    const i = interval(curves.map((c) => c[p]!));
    out.mean.push(i.mean);
    out.low.push(i.low);
    out.high.push(i.high);
  }
  return out;
}

export async function runExperiment(
  config: ExperimentConfig,
  onProgress?: (p: Progress) => void,
): Promise<ExperimentResult> {
  checkExperiment(config);
  const shop = typeof config.shop === 'string' ? shopPreset(config.shop) : config.shop;
  const reward =
    config.reward === undefined
      ? REWARD_PRESETS.clicks.weights
      : typeof config.reward === 'string'
        ? REWARD_PRESETS[config.reward].weights
        : config.reward;
  const points = Math.min(config.steps, config.curvePoints ?? 200);
  const curveSteps = Array.from({ length: points }, (_, i) =>
    Math.round(((i + 1) * config.steps) / points),
  );
  const chunk = config.chunk ?? 500;
  const segmentNames = shop.shoppers.segments.map((s) => s.name);
  const agents: AgentResult[] = [];
  for (const [index, name] of config.agents.entries()) {
    const runs: RunOutcome[] = [];
    let label: string = name;
    for (const seed of config.seeds) {
      const report = (step: number): void =>
        onProgress?.({ agent: name, seed, step, steps: config.steps });
      const agentSeed = seed * 7919 + 104_729 * (index + 1);
      label = name === 'oracle' ? 'oracle (knows the truth)' : agentEntry(name).label;
      runs.push(
        name !== 'oracle' && config.batch !== undefined
          ? await runAgentBatched(name, agentSeed, {
              shop,
              seed,
              reward,
              catalogSeed: config.catalogSeed ?? 1,
              batch: config.batch,
              steps: config.steps,
              curveSteps,
              chunk,
              report,
            })
          : await runAgentSingle(name, agentSeed, {
              shop,
              seed,
              reward,
              catalogSeed: config.catalogSeed ?? 1,
              steps: config.steps,
              curveSteps,
              chunk,
              report,
            }),
      );
    }
    agents.push({
      agent: name,
      label,
      metrics: summarise(runs.map((r) => r.total)),
      segments: segmentNames.map((n, k) => ({
        name: n,
        metrics: summarise(runs.map((r) => r.segments[k]!)),
      })),
      reward: band(runs.map((r) => r.reward)),
      regret: band(runs.map((r) => r.regret)),
      milliseconds: runs.map((r) => Math.round(r.milliseconds)),
    });
  }
  return {
    shop: typeof config.shop === 'string' ? config.shop : 'custom',
    reward: typeof config.reward === 'string' ? config.reward : config.reward ? 'custom' : 'clicks',
    steps: config.steps,
    seeds: config.seeds,
    curveSteps,
    segmentNames,
    agents,
  };
}
