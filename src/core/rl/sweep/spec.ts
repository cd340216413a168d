/**
 * A reward sweep's spec (`npm run sweep -- --spec sweep.json`): which
 * configurations to try and how to rank them. A configuration is one agent
 * with its settings, in one shop with its knobs, scored by one reward
 * expression: exactly what a race of one agent is (lab/config.ts), so a
 * sweep's winners open in the lab as a race, and every configuration is
 * checked by the race's own check. Any list among the knobs or settings
 * is a grid axis; `sample` draws that many configurations from the grid
 * instead of trying them all.
 *
 * {
 *   "name": "bandits",
 *   "steps": 20000,
 *   "seeds": 5,
 *   "outcome": "ctr",
 *   "shops": [{ "shop": "fashion", "items": [100, 400] }],
 *   "rewards": ["clicked"],
 *   "agents": [{ "kind": "ucb", "ucbC": [0.1, 0.5, 2] }, { "kind": "ts-beta" }],
 *   "top": 3,
 *   "batch": 1
 * }
 *
 * With `"environment": "my-problem.ts"` instead of shops and rewards, the
 * agents run on a problem of one's own (src/cli/sweep-coupons.json).
 */
import { createRandom } from '../../random';
import { isAgentName, STANDALONE_AGENTS } from '../agents/names';
import { agentSettings, type AgentParam, type AgentSettings } from '../agents/settings';
import { defaultRecsysConfig, recsysConfigError, type RecsysConfig } from '../lab/config';
import { MAX_BATCH } from '../batch-run';
import type { MetricName } from '../metrics';
import { REWARD_EXPRESSIONS } from '../reward/expression';
import { isShopName, type ShopName } from '../sim/presets';

/** The shop knobs a sweep may set (a race's). */
export const SHOP_KNOBS = ['items', 'slateSize', 'drift', 'fatigue', 'priceSensitivity'] as const;
export type ShopKnob = (typeof SHOP_KNOBS)[number];

/** What configurations are ranked by, and the metric that measures it. */
export const OUTCOMES = {
  revenue: 'revenuePerSession',
  conversion: 'conversion',
  ctr: 'ctr',
  reward: 'rewardPerStep',
} as const satisfies Record<string, MetricName>;
export type Outcome = keyof typeof OUTCOMES;

export interface SweepSpec {
  name: string;
  /** Decisions per cell (one configuration on one seed). */
  steps: number;
  seeds: number[];
  outcome: Outcome;
  configs: SweepConfig[];
  /** Configurations run again on fresh seeds, the best first by the sweep's ranking. */
  top: number;
  freshSeeds: number[];
  /**
   * Shoppers each agent serves between two lessons (batch-run.ts). 1, the
   * default, learns after every decision as the lab does, and gives the
   * single environment's numbers; more is a little faster and changes what
   * a deterministic agent such as UCB1 does (README, "Batches").
   */
  batch: number;
  /**
   * A module of one's own problem instead of the shops: its path (from the
   * spec's folder), which exports `createEnvironment(seed)` returning an
   * Environment (contract.ts). Its cells rank by the reward alone.
   */
  environment: string | null;
}

/** One configuration: a race of one agent, less its seed. */
export interface SweepConfig {
  /** Its place in the spec's expansion, which names its cells. */
  index: number;
  label: string;
  /** The agent and the settings the spec varies, in words (the label's first part). */
  agentLabel: string;
  race: Omit<RecsysConfig, 'seed'>;
}

/** A spec that cannot run; `field` says where, as a path into the JSON. */
export class SweepSpecError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'SweepSpecError';
  }
}

/** Most configurations a spec may expand to, and most cells. */
export const MAX_CONFIGS = 10_000;
export const MAX_CELLS = 200_000;

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The values of an axis: a list, or one value as a list of one; each checked by `ok`. */
function axis<T>(v: Json, field: string, ok: (x: Json) => x is T, what: string): T[] {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0) throw new SweepSpecError(field, 'an empty list tries nothing');
  list.forEach((x, i) => {
    if (!ok(x))
      throw new SweepSpecError(Array.isArray(v) ? `${field}[${i}]` : field, `expected ${what}`);
  });
  return list as T[];
}

const isNumber = (x: Json): x is number => typeof x === 'number' && Number.isFinite(x);
const isBoolean = (x: Json): x is boolean => typeof x === 'boolean';
const isString = (x: Json): x is string => typeof x === 'string' && x.trim() !== '';

/** Every combination of the axes, the first varying slowest. */
function grid<T extends Record<string, unknown>>(axes: [string, unknown[]][]): T[] {
  let out: Record<string, unknown>[] = [{}];
  for (const [key, values] of axes)
    out = out.flatMap((partial) => values.map((v) => ({ ...partial, [key]: v })));
  return out as T[];
}

function unknownKeys(o: Record<string, Json>, allowed: readonly string[], field: string): void {
  for (const key of Object.keys(o))
    if (!allowed.includes(key))
      throw new SweepSpecError(
        field ? `${field}.${key}` : key,
        `unknown field; expected one of ${allowed.join(', ')}`,
      );
}

function seedsOf(v: Json, field: string, after = 0): number[] {
  if (isNumber(v)) {
    if (!(Number.isInteger(v) && v >= 1 && v <= 1000))
      throw new SweepSpecError(field, 'give 1 to 1,000 seeds, or a list of them');
    return Array.from({ length: v }, (_, i) => after + i + 1);
  }
  const list = axis(
    v,
    field,
    (x): x is number => isNumber(x) && Number.isSafeInteger(x),
    'a whole-number seed',
  );
  if (new Set(list).size !== list.length) throw new SweepSpecError(field, 'a seed is listed twice');
  return list;
}

/** A reward as the spec gives it: a preset's name (REWARD_EXPRESSIONS) or an expression. */
function rewardSource(name: string): string {
  return REWARD_EXPRESSIONS.find((r) => r.name === name)?.source ?? name;
}

/** Reads a spec from its JSON; throws SweepSpecError naming the first bad field. */
export function parseSweepSpec(json: Json): SweepSpec {
  if (!isObject(json)) throw new SweepSpecError('spec', 'expected a JSON object');
  unknownKeys(
    json,
    [
      'name',
      'steps',
      'seeds',
      'outcome',
      'shops',
      'rewards',
      'agents',
      'sample',
      'sampleSeed',
      'top',
      'freshSeeds',
      'batch',
      'environment',
    ],
    '',
  );
  const name = json.name ?? 'sweep';
  if (!(isString(name) && /^[\w.-]{1,64}$/.test(name)))
    throw new SweepSpecError('name', 'use 1 to 64 letters, digits, dots, dashes or underscores');
  const steps = json.steps;
  if (!(isNumber(steps) && Number.isInteger(steps) && steps >= 1 && steps <= 10_000_000))
    throw new SweepSpecError(
      'steps',
      'decisions per cell must be a whole number from 1 to 10,000,000',
    );
  const seeds = seedsOf(json.seeds ?? 3, 'seeds');
  const batch = json.batch ?? 1;
  if (!(isNumber(batch) && Number.isInteger(batch) && batch >= 1 && batch <= MAX_BATCH))
    throw new SweepSpecError(
      'batch',
      `shoppers served between two lessons must be a whole number from 1 to ${MAX_BATCH.toLocaleString('en')}`,
    );
  const outcome = json.outcome ?? 'reward';
  if (!(typeof outcome === 'string' && outcome in OUTCOMES))
    throw new SweepSpecError('outcome', `choose ${Object.keys(OUTCOMES).join(', ')}`);
  const environment = environmentOf(json, outcome, batch);
  // An environment of one's own stands in for the shops; the race's check still reads the agents in one.
  const shopList = environment ? [{ shop: 'fashion' }] : json.shops;

  if (!Array.isArray(shopList) || shopList.length === 0)
    throw new SweepSpecError('shops', 'list at least one shop, e.g. [{ "shop": "fashion" }]');
  const shops = shopList.flatMap((entry, i) => {
    const field = `shops[${i}]`;
    const s = isString(entry) ? { shop: entry } : entry;
    if (!isObject(s)) throw new SweepSpecError(field, 'expected a shop name or { "shop": … }');
    unknownKeys(s, ['shop', ...SHOP_KNOBS], field);
    if (!(typeof s.shop === 'string' && isShopName(s.shop)))
      throw new SweepSpecError(`${field}.shop`, 'choose fashion, electronics or grocery');
    const axes: [string, unknown[]][] = SHOP_KNOBS.filter((k) => s[k] !== undefined).map((k) => [
      k,
      axis(s[k], `${field}.${k}`, isNumber, 'a number'),
    ]);
    return grid<Partial<Record<ShopKnob, number>>>(axes).map((knobs) => ({
      field,
      shop: s.shop as ShopName,
      knobs,
    }));
  });

  const rewards = axis(
    json.rewards ?? ['clicked'],
    'rewards',
    isString,
    'a reward expression or preset name',
  );

  if (!Array.isArray(json.agents) || json.agents.length === 0)
    throw new SweepSpecError('agents', 'list at least one agent, e.g. [{ "kind": "ucb" }]');
  const agents = json.agents.flatMap((entry, i) => {
    const field = `agents[${i}]`;
    const a = isString(entry) ? { kind: entry } : entry;
    if (!isObject(a)) throw new SweepSpecError(field, 'expected an agent name or { "kind": … }');
    const kind = a.kind;
    if (!(typeof kind === 'string' && isAgentName(kind) && STANDALONE_AGENTS.includes(kind)))
      throw new SweepSpecError(
        `${field}.kind`,
        `choose ${STANDALONE_AGENTS.join(', ')} (agents that need a log cannot be swept yet)`,
      );
    const defaults = agentSettings(kind);
    const params = Object.keys(defaults).filter((k) => k !== 'kind') as AgentParam[];
    unknownKeys(a, ['kind', ...params], field);
    const axes: [string, unknown[]][] = params
      .filter((p) => a[p] !== undefined)
      .map((p) => [
        p,
        p === 'adaptive'
          ? axis(a[p], `${field}.${p}`, isBoolean, 'true or false')
          : axis(a[p], `${field}.${p}`, isNumber, 'a number'),
      ]);
    return grid<Partial<AgentSettings>>(axes).map((set) => ({
      field,
      settings: { ...defaults, ...set, kind } as AgentSettings,
      varied: set,
    }));
  });

  let configs: SweepConfig[] = [];
  for (const shop of shops)
    for (const reward of rewards)
      for (const agent of agents) {
        if (configs.length >= MAX_CONFIGS)
          throw new SweepSpecError(
            'spec',
            `it expands to more than ${MAX_CONFIGS.toLocaleString('en')} configurations`,
          );
        const race = {
          ...defaultRecsysConfig(shop.shop),
          ...shop.knobs,
          population: 1,
          reward: rewardSource(reward),
          agents: [agent.settings],
        };
        const problem = recsysConfigError({ ...race, seed: 1 });
        if (problem) {
          const field =
            problem.field === 'reward'
              ? 'rewards'
              : problem.field.startsWith('agents')
                ? agent.field
                : `${shop.field}.${problem.field}`;
          throw new SweepSpecError(field, problem.message);
        }
        const agentLabel = `${agent.settings.kind}${pairs(agent.varied)}`;
        configs.push({
          index: configs.length,
          label: environment
            ? `${agentLabel} · ${moduleName(environment)}`
            : `${agentLabel} · ${shop.shop}${pairs(shop.knobs)} · ${reward}`,
          agentLabel,
          race,
        });
      }

  const sample = json.sample;
  if (sample !== undefined) {
    if (!(isNumber(sample) && Number.isInteger(sample) && sample >= 1))
      throw new SweepSpecError(
        'sample',
        'the number of configurations to draw must be a whole number from 1',
      );
    const sampleSeed = json.sampleSeed ?? 1;
    if (!(isNumber(sampleSeed) && Number.isSafeInteger(sampleSeed)))
      throw new SweepSpecError('sampleSeed', 'expected a whole number');
    configs = drawWithoutReplacement(configs, sample, sampleSeed).map((c, index) => ({
      ...c,
      index,
    }));
  }
  if (configs.length * seeds.length > MAX_CELLS)
    throw new SweepSpecError(
      'spec',
      `${(configs.length * seeds.length).toLocaleString('en')} cells; at most ${MAX_CELLS.toLocaleString('en')}`,
    );
  const top = json.top ?? Math.min(5, configs.length);
  if (!(isNumber(top) && Number.isInteger(top) && top >= 0 && top <= configs.length))
    throw new SweepSpecError('top', `run again 0 to ${configs.length} of the best configurations`);
  const freshSeeds = seedsOf(json.freshSeeds ?? seeds.length, 'freshSeeds', Math.max(...seeds));
  if (freshSeeds.some((s) => seeds.includes(s)))
    throw new SweepSpecError('freshSeeds', 'fresh seeds must not be the sweep’s own');
  if (outcome === 'reward' && new Set(configs.map((c) => c.race.reward)).size > 1)
    throw new SweepSpecError(
      'outcome',
      'the reward differs between configurations: rank by revenue, conversion or ctr',
    );
  return {
    name,
    steps,
    seeds,
    outcome: outcome as Outcome,
    configs,
    top,
    freshSeeds,
    batch,
    environment,
  };
}

/** A module's file name without its folder and extension, as labels show it. */
const moduleName = (path: string): string => path.replace(/^.*[\\/]/, '').replace(/\.[^.]+$/, '');

/** The spec's `environment`, checked against what it rules out (shops, rewards, other outcomes, batches). */
function environmentOf(json: Record<string, Json>, outcome: string, batch: number): string | null {
  const environment = json.environment;
  if (environment === undefined) return null;
  if (!(isString(environment) && /\.(ts|js|mjs)$/.test(environment)))
    throw new SweepSpecError(
      'environment',
      'give the path of a module (.ts, .js or .mjs) that exports createEnvironment(seed)',
    );
  for (const field of ['shops', 'rewards'])
    if (json[field] !== undefined)
      throw new SweepSpecError(
        field,
        'an environment of your own stands in for the shops and their rewards',
      );
  if (outcome !== 'reward')
    throw new SweepSpecError(
      'outcome',
      'an environment of your own pays a reward alone: rank by reward',
    );
  if (batch !== 1)
    throw new SweepSpecError(
      'batch',
      'an environment of your own runs one decision at a time: leave batch at 1',
    );
  return environment;
}

/** `k` of `list` (all of it when k ≥ its length), drawn by a seeded shuffle, in the list's order. */
function drawWithoutReplacement<T>(list: T[], k: number, seed: number): T[] {
  if (k >= list.length) return list;
  const rng = createRandom(seed);
  const order = list.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order
    .slice(0, k)
    .sort((a, b) => a - b)
    .map((i) => list[i]!);
}

/** A setting's name and value per pair, as labels show them: " ucbC=0.5". */
function pairs(o: Record<string, unknown>): string {
  return Object.entries(o)
    .map(([k, v]) => ` ${k}=${String(v)}`)
    .join('');
}
