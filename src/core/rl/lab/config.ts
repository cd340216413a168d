/**
 * The recommender lab's one settings object: the shop and its main knobs,
 * the seed, the reward expression and the agents racing with their
 * hyperparameters. It is what the page sends the worker, and what a saved
 * session or the URL will carry. Every field is checked by `recsysConfigError`.
 * No agent code here: the page imports this module, and DQN would bring tfjs
 * with it (agents/build.ts makes the agents, in the worker).
 */
import { AGENT_LABELS } from '../agents/names';
import {
  agentSettings,
  agentSettingsProblem,
  inRange,
  type AgentSettings,
} from '../agents/settings';
import { logPriorProblem, type LogPrior } from '../agents/log-prior';
import { isLogAgent, logAgentProblem } from '../agents/needs-log';
import { compileReward, RewardError } from '../reward/expression';
import type { FeatureScale } from '../../data/shopper-features';
import { generateCatalog, type Catalog } from '../sim/catalog';
import { isShopName, shopPreset, type ShopConfig, type ShopName } from '../sim/presets';
import { MAX_PROFILES, profilesFromFeatures, PROFILE_COLUMNS } from '../sim/profiles';

export interface RecsysConfig {
  shop: ShopName;
  /** Catalog size, 10 to 2,000 items. */
  items: number;
  /** Items shown per step (K), 1 to 10. */
  slateSize: number;
  /** Shoppers in the shop at once, 1 to 64; every agent serves the same ones. */
  population: number;
  /** How far a shopper's taste wanders per step, 0 to 0.2. */
  drift: number;
  /** Appeal kept per recent showing of the same item, 0.05 to 1 (1 = no fatigue). */
  fatigue: number;
  /** Multiplies every segment's price sensitivity, 0 to 5. */
  priceSensitivity: number;
  /** Seeds the catalog, the shoppers and the agents: the same seed replays the same run. */
  seed: number;
  /** The reward expression (see reward/expression.ts for the language). */
  reward: string;
  /** One to four agents, raced on the same shoppers. */
  agents: AgentSettings[];
  /** Shoppers to serve instead of the shop's own segments (absent or null: the shop's own). */
  synthetic?: SyntheticPopulation | null;
  /**
   * What the agents learned from a log before the race (absent or null:
   * nothing): CF's tables and the log's sales, for the log's own shop, whose
   * catalog the race then sells (the log's catalog seed, not `seed`).
   */
  fromLog?: LogPrior | null;
}

/**
 * Shoppers sent from the synthetic-shoppers page as feature rows; the shop
 * turns each into one of its arrivals (sim/profiles.ts), in any shop.
 */
export interface SyntheticPopulation {
  /** Where the rows came from, as the setup panel says it. */
  source: string;
  names: string[];
  /** The first `shares` columns are category shares. */
  shares: number;
  scale: FeatureScale;
  /** Row-major rows, every value in [0, 1]. */
  values: number[];
}

/** The lab's default: UCB1 against DQN on the fashion shop, rewarding clicks. */
export function defaultRecsysConfig(shop: ShopName = 'fashion'): RecsysConfig {
  const preset = shopPreset(shop);
  return {
    shop,
    items: preset.catalog.items,
    slateSize: preset.slateSize,
    population: 8,
    drift: preset.shoppers.drift,
    fatigue: preset.shoppers.fatigue,
    priceSensitivity: 1,
    seed: 1,
    reward: 'clicked',
    agents: [agentSettings('ucb'), agentSettings('dqn')],
  };
}

/**
 * The race the lab opens with and the home page's demo starts: a steady
 * fashion shop (no drift, no fatigue) of 100 items; a random baseline beside
 * UCB1 (one best item for everyone), LinUCB, and ε-greedy per segment, which
 * explores at random for 4,000 decisions and then shows each segment what it
 * clicked most. Measured (tests/unit/rl/race-story.test.ts, the bench's
 * race-story row): at `DEMO_RACE_PACE` the leader clicks about 3× as often as
 * random within 30 s, and its regret grows at most half as fast in the last
 * third as in the first. DQN needs minutes to show anything on a laptop, so
 * it is one click away, not here.
 */
export function demoRaceConfig(): RecsysConfig {
  return {
    ...defaultRecsysConfig('fashion'),
    items: 100,
    drift: 0,
    fatigue: 1,
    agents: (['random', 'ucb', 'linucb', 'egreedy-segment'] as const).map((k) => agentSettings(k)),
  };
}

/**
 * The race a log's prior starts: new shoppers (a seed after the one that
 * wrote the log) in the log's shop and catalog, one item a slate, rewarding
 * clicks; the model trained on the log (CF or the two-headed network) and
 * the log's bestseller list against Q-learning, which starts from nothing,
 * and random.
 */
export function logRaceConfig(prior: LogPrior): RecsysConfig {
  const learned = prior.cf ? (['cf'] as const) : prior.twoHeaded ? (['two-headed'] as const) : [];
  return {
    ...defaultRecsysConfig(prior.shop as ShopName),
    items: prior.items,
    slateSize: 1,
    reward: 'clicked',
    seed: prior.catalogSeed + 1,
    fromLog: prior,
    agents: ([...learned, 'popularity', 'qlearning', 'random'] as const).map((k) =>
      agentSettings(k),
    ),
  };
}

/**
 * Rounds per second the demo race runs at: 30 s make 9,600 decisions per
 * agent, enough to learn, few enough that the learning fills the charts
 * (at full speed it is over in the first pixels of the x axis).
 */
export const DEMO_RACE_PACE = 40;

/**
 * Each racer's name, as the race's curves and tables say it: the agent's
 * label, numbered when two race, and popularity's marked when it starts from
 * a log's sales.
 */
export function racerLabels(c: RecsysConfig): string[] {
  return c.agents.map((a, i) => {
    const name =
      a.kind === 'popularity' && c.fromLog ? 'popularity (the log’s sales)' : AGENT_LABELS[a.kind];
    return c.agents.filter((b) => b.kind === a.kind).length > 1 ? `${name} #${i + 1}` : name;
  });
}

/** The shop the config describes: the preset with the lab's knobs applied. */
export function shopFor(c: RecsysConfig): ShopConfig {
  const shop = shopPreset(c.shop);
  shop.catalog.items = c.items;
  shop.slateSize = c.slateSize;
  shop.shoppers.drift = c.drift;
  shop.shoppers.fatigue = c.fatigue;
  for (const s of shop.shoppers.segments) s.priceSensitivity *= c.priceSensitivity;
  return shop;
}

/** The shop with its catalog, serving the synthetic population when the config has one. */
export function labShop(c: RecsysConfig): { shop: ShopConfig; catalog: Catalog } {
  const shop = shopFor(c);
  const own = c.fromLog?.catalog;
  if (own) {
    // A log's own items: its categories, and prices at its level (shoppers' budgets follow it).
    shop.catalog.categories = own.categories.length;
    const known = own.price.filter((p) => p > 0).sort((a, b) => a - b);
    if (known.length > 0) shop.catalog.priceMedian = known[known.length >> 1]!;
  }
  const catalog = generateCatalog(
    shop.catalog,
    c.fromLog?.catalogSeed ?? c.seed,
    own ? { category: own.category, price: own.price } : undefined,
  );
  const p = c.synthetic;
  if (p)
    shop.shoppers.profiles = profilesFromFeatures(
      { names: p.names, shares: p.shares, scale: p.scale, values: Float32Array.from(p.values) },
      shop,
      catalog,
    );
  return { shop, catalog };
}

/** Columns a synthetic population may have: the shopper features make about 15 (8 category shares). */
export const MAX_SYNTHETIC_COLUMNS = 64;

/**
 * What is wrong with a synthetic population, or null. Its shape (exact keys,
 * types) is the config schema's job where it enters (settings/lab-configs.ts);
 * this is the lab's own sense check.
 */
export function syntheticProblem(p: SyntheticPopulation): string | null {
  const { names, shares, scale, values } = p;
  if (names.length > MAX_SYNTHETIC_COLUMNS)
    return `at most ${MAX_SYNTHETIC_COLUMNS} columns, got ${names.length}`;
  const missing = PROFILE_COLUMNS.filter((c) => !names.includes(c));
  if (missing.length > 0) return `they lack the columns ${missing.join(', ')}`;
  if (!(Number.isInteger(shares) && shares >= 1 && shares < names.length))
    return 'their share columns are miscounted';
  if (!(scale.maxEvents >= 0)) return 'their scale is damaged';
  if (values.length === 0 || values.length % names.length !== 0)
    return 'their rows are not a whole number of rows';
  const rows = values.length / names.length;
  if (rows > MAX_PROFILES)
    return `at most ${MAX_PROFILES.toLocaleString('en')} shoppers, got ${rows}`;
  const bad = values.findIndex((v) => !(Number.isFinite(v) && v >= 0 && v <= 1));
  if (bad >= 0)
    return `shopper ${Math.floor(bad / names.length) + 1} has ${names[bad % names.length]} outside [0, 1]`;
  return null;
}

export interface ConfigProblem {
  /** The field at fault, or `agents.N` for agent N's settings. */
  field: string;
  message: string;
}

/** The first problem with a config, or null when it can run. */
export function recsysConfigError(c: RecsysConfig): ConfigProblem | null {
  const fail = (field: string, message: string) => ({ field, message });
  if (!isShopName(c.shop)) return fail('shop', 'choose fashion, electronics or grocery');
  if (!inRange(c.items, 10, 2000, true))
    return fail('items', 'the catalog holds 10 to 2,000 items');
  if (!inRange(c.slateSize, 1, Math.min(10, c.items), true))
    return fail('slateSize', 'the slate shows 1 to 10 items');
  if (!inRange(c.population, 1, 64, true))
    return fail('population', 'the shop holds 1 to 64 shoppers at once');
  if (!inRange(c.drift, 0, 0.2)) return fail('drift', 'drift must be 0 to 0.2');
  if (!inRange(c.fatigue, 0.05, 1)) return fail('fatigue', 'fatigue must be 0.05 to 1');
  if (!inRange(c.priceSensitivity, 0, 5))
    return fail('priceSensitivity', 'price sensitivity must be 0 to 5 times the preset');
  if (!Number.isSafeInteger(c.seed)) return fail('seed', 'the seed must be a whole number');
  try {
    compileReward(c.reward);
  } catch (e) {
    return fail('reward', e instanceof RewardError ? e.message : String(e));
  }
  if (c.synthetic) {
    const problem = syntheticProblem(c.synthetic);
    if (problem) return fail('synthetic', problem);
  }
  if (c.fromLog) {
    if (c.fromLog.shop !== c.shop)
      return fail('fromLog', `it was learned in the ${c.fromLog.shop} shop, not ${c.shop}`);
    const problem = logPriorProblem(
      c.fromLog,
      c.items,
      shopPreset(c.shop).shoppers.segments.length,
    );
    if (problem) return fail('fromLog', problem);
  }
  if (c.agents.length < 1 || c.agents.length > 4) return fail('agents', 'race one to four agents');
  for (const [i, a] of c.agents.entries()) {
    const problem = agentSettingsProblem(a);
    if (problem) return fail(`agents.${i}`, `${AGENT_LABELS[a.kind] ?? 'agent'}: ${problem}`);
    const needs = isLogAgent(a.kind) ? logAgentProblem(a.kind, c.fromLog) : null;
    if (needs) return fail(`agents.${i}`, needs);
  }
  return null;
}
