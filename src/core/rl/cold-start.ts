/**
 * The cold-start experiment (the source articles' synthetic data for new users, README "Source material"): new shoppers arrive,
 * and a recommender serves each of them for their first N steps. Three
 * recommenders of the same kind compete:
 *
 * - cold: it has seen nobody;
 * - pre-trained on GAN shoppers: it first served a population built from the
 *   shopper GAN's synthetic rows;
 * - pre-trained on the real log: it first served a population built from
 *   the log's training rows (the rows the GAN learned from).
 *
 * The new shoppers are the log's held-out rows, which neither the GAN nor
 * the real-log recommender ever saw, turned into simulator shoppers the same
 * way (sim/profiles.ts), all in one catalog. Every recommender meets the same
 * new shoppers in the same order and keeps learning while it serves them, as
 * a live shop would; the cold one catches up as they come. CTR is clicks per
 * step shown, conversion the share of new shoppers who buy within N steps.
 */
import type { HoldoutSplit } from '../data/holdout';
import { AGENT_LABELS, isAgentName, type AgentName } from './agents/names';
import type { Agent } from './contract';
import { decide } from './interact';
import { buildAgent } from './agents/build';
import { agentSettings } from './agents/settings';
import { generateCatalog, type Catalog } from './sim/catalog';
import { isShopName, shopPreset, type ShopConfig, type ShopName } from './sim/presets';
import { MAX_PROFILES, profilesFromFeatures, type FeatureRows } from './sim/profiles';
import type { ShopperProfile } from './sim/shopper-config';
import { ShopEnv } from './sim/shop-env';

export const COLD_START_REWARDS = { clicked: 'Clicks', purchased: 'Purchases' } as const;
export type ColdStartReward = keyof typeof COLD_START_REWARDS;

/** Agents that learn in plain JavaScript, fast enough for thousands of sessions per arm. */
export const COLD_START_AGENTS = [
  'ts-beta',
  'ucb',
  'egreedy',
  'linucb',
  'qlearning',
  'popularity',
] as const satisfies readonly AgentName[];

export interface ColdStartConfig {
  shop: ShopName;
  agent: AgentName;
  /** What the recommenders are rewarded for. */
  reward: ColdStartReward;
  /** Shopper sessions each pre-trained recommender serves first, 10 to 20,000. */
  pretrainSessions: number;
  /** New shoppers served, 20 to 5,000. */
  newShoppers: number;
  /** Steps of each new shopper's session that count, 1 to 30. */
  firstSteps: number;
  seed: number;
}

export const COLD_START_PRESET: ColdStartConfig = {
  shop: 'fashion',
  agent: 'ts-beta',
  reward: 'clicked',
  pretrainSessions: 2000,
  newShoppers: 500,
  firstSteps: 5,
  seed: 1,
};

export type ColdStartArm = 'cold' | 'synthetic' | 'real';

export const ARM_LABELS: Record<ColdStartArm, string> = {
  cold: 'Cold start',
  synthetic: 'Pre-trained on GAN shoppers',
  real: 'Pre-trained on the real log',
};

export interface ArmResult {
  arm: ColdStartArm;
  label: string;
  /** Shoppers it learned from before the new ones (0 when cold). */
  pretrainShoppers: number;
  /** Steps shown to new shoppers, clicks and purchases in them. */
  steps: number;
  clicks: number;
  purchases: number;
  /** New shoppers who bought within their first N steps. */
  buyers: number;
  ctr: number;
  /** Half-width of the 95% interval (normal approximation). */
  ctrMargin: number;
  conversion: number;
  conversionMargin: number;
  /** Per session step t < N: new shoppers still there, their clicks and purchases. */
  byStep: { shown: number[]; clicks: number[]; purchases: number[] };
  /** CTR and conversion per block of consecutive new shoppers. */
  blocks: { shoppers: number; ctr: number; conversion: number }[];
}

export interface ColdStartResult {
  config: ColdStartConfig;
  newShoppers: number;
  arms: ArmResult[];
}

export interface ColdStartInput {
  config: ColdStartConfig;
  /** The log's shoppers as feature rows. */
  real: FeatureRows;
  /** Which real rows the real-log recommender learns from and which arrive as new shoppers. */
  split: HoldoutSplit;
  /** The GAN's synthetic rows (same columns), or null to leave that arm out. */
  synthetic: Float32Array | null;
}

/** Blocks the learning curve is cut into. */
const BLOCKS = 20;

/** The first problem with a config, or null. */
export function coldStartConfigError(
  c: ColdStartConfig,
): { field: string; message: string } | null {
  const whole = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
  if (!isShopName(c.shop))
    return { field: 'shop', message: 'choose fashion, electronics or grocery' };
  if (!isAgentName(c.agent) || !(COLD_START_AGENTS as readonly string[]).includes(c.agent))
    return {
      field: 'agent',
      message: `choose ${COLD_START_AGENTS.map((a) => AGENT_LABELS[a]).join(', ')}`,
    };
  if (!Object.hasOwn(COLD_START_REWARDS, c.reward))
    return { field: 'reward', message: 'reward clicks or purchases' };
  if (!whole(c.pretrainSessions, 10, 20_000))
    return { field: 'pretrainSessions', message: 'pre-training serves 10 to 20,000 sessions' };
  if (!whole(c.newShoppers, 20, 5000))
    return { field: 'newShoppers', message: 'serve 20 to 5,000 new shoppers' };
  if (!whole(c.firstSteps, 1, 30))
    return { field: 'firstSteps', message: 'count 1 to 30 first steps' };
  if (!Number.isSafeInteger(c.seed))
    return { field: 'seed', message: 'the seed must be a whole number' };
  return null;
}

function rowsOf(rows: FeatureRows, values: Float32Array): FeatureRows {
  return { names: rows.names, shares: rows.shares, scale: rows.scale, values };
}

function pickRows(rows: FeatureRows, indices: ArrayLike<number>): FeatureRows {
  const D = rows.names.length;
  const out = new Float32Array(indices.length * D);
  for (let i = 0; i < indices.length; i++)
    out.set(rows.values.subarray(indices[i]! * D, (indices[i]! + 1) * D), i * D);
  return rowsOf(rows, out);
}

function withProfiles(shop: ShopConfig, profiles: ShopperProfile[]): ShopConfig {
  return { ...shop, shoppers: { ...shop.shoppers, profiles } };
}

/** 95% half-width of a proportion's normal-approximation interval. */
function margin(p: number, n: number): number {
  return n > 0 ? 1.96 * Math.sqrt((p * (1 - p)) / n) : 0;
}

interface Counts {
  steps: number;
  clicks: number;
  purchases: number;
  buyers: number;
}

class Arm {
  readonly byStep: ArmResult['byStep'];
  readonly blocks: ArmResult['blocks'] = [];
  readonly total: Counts = { steps: 0, clicks: 0, purchases: 0, buyers: 0 };
  private block: Counts & { shoppers: number } = {
    steps: 0,
    clicks: 0,
    purchases: 0,
    buyers: 0,
    shoppers: 0,
  };
  pretrainShoppers = 0;

  constructor(
    readonly arm: ColdStartArm,
    readonly agent: Agent,
    firstSteps: number,
  ) {
    this.byStep = {
      shown: new Array<number>(firstSteps).fill(0),
      clicks: new Array<number>(firstSteps).fill(0),
      purchases: new Array<number>(firstSteps).fill(0),
    };
  }

  /** Serves `sessions` whole sessions in `env`, learning as it goes. */
  pretrain(env: ShopEnv, sessions: number): void {
    for (let s = 0; s < sessions; s++) {
      let observation = env.reset();
      for (let done = false; !done;) {
        const out = decide(env, this.agent, observation);
        observation = out.observation;
        done = out.done;
      }
    }
  }

  /** Serves one new shopper's first N steps in `env`. */
  serve(env: ShopEnv, firstSteps: number, blockSize: number): void {
    let observation = env.reset();
    let bought = false;
    for (let t = 0; t < firstSteps; t++) {
      const out = decide(env, this.agent, observation);
      const e = out.info.events;
      const click = e.clicked >= 0 ? 1 : 0;
      const buy = e.purchased ? 1 : 0;
      bought ||= e.purchased;
      this.byStep.shown[t]!++;
      this.byStep.clicks[t]! += click;
      this.byStep.purchases[t]! += buy;
      for (const c of [this.total, this.block]) {
        c.steps++;
        c.clicks += click;
        c.purchases += buy;
      }
      if (out.done) break;
      observation = out.observation;
    }
    if (bought) {
      this.total.buyers++;
      this.block.buyers++;
    }
    if (++this.block.shoppers === blockSize) this.closeBlock();
  }

  closeBlock(): void {
    const b = this.block;
    if (b.shoppers === 0) return;
    const before = this.blocks.at(-1)?.shoppers ?? 0;
    this.blocks.push({
      shoppers: before + b.shoppers,
      ctr: b.clicks / b.steps,
      conversion: b.buyers / b.shoppers,
    });
    this.block = { steps: 0, clicks: 0, purchases: 0, buyers: 0, shoppers: 0 };
  }

  result(newShoppers: number): ArmResult {
    const t = this.total;
    const ctr = t.steps > 0 ? t.clicks / t.steps : 0;
    const conversion = t.buyers / newShoppers;
    return {
      arm: this.arm,
      label: ARM_LABELS[this.arm],
      pretrainShoppers: this.pretrainShoppers,
      ...t,
      ctr,
      ctrMargin: margin(ctr, t.steps),
      conversion,
      conversionMargin: margin(conversion, newShoppers),
      byStep: this.byStep,
      blocks: this.blocks,
    };
  }
}

/**
 * Runs the experiment. `onProgress(done, total)` is called every few dozen
 * sessions (the worker forwards it to the page).
 */
export function runColdStart(
  input: ColdStartInput,
  onProgress: (done: number, total: number) => void = () => {},
): ColdStartResult {
  const { config: c, real, split, synthetic } = input;
  const problem = coldStartConfigError(c);
  if (problem) throw new RangeError(`${problem.field}: ${problem.message}`);
  if (split.holdout.length < 1) throw new RangeError('no shoppers are held out to arrive as new');
  if (split.train.length < 1) throw new RangeError('no shoppers are left to pre-train on');
  const shop = shopPreset(c.shop);
  const catalog: Catalog = generateCatalog(shop.catalog, c.seed);
  const reward = c.reward;
  const profiles = (rows: FeatureRows) => profilesFromFeatures(rows, shop, catalog);
  const newcomers = withProfiles(shop, profiles(pickRows(real, split.holdout)));
  const sources: [ColdStartArm, ShopperProfile[] | null][] = [['cold', null]];
  if (synthetic) sources.push(['synthetic', profiles(rowsOf(real, synthetic))]);
  sources.push(['real', profiles(pickRows(real, split.train.subarray(0, MAX_PROFILES)))]);
  const shape = new ShopEnv(shop, { seed: 0, catalog });
  const perArm = c.pretrainSessions + c.newShoppers;
  const total = sources.reduce((a, [, p]) => a + (p ? perArm : c.newShoppers), 0);
  let done = 0;
  const tick = (n: number) => {
    done += n;
    onProgress(done, total);
  };
  const blockSize = Math.max(1, Math.ceil(c.newShoppers / BLOCKS));
  const arms = sources.map(([name, population]) => {
    // The same agent seed for every arm: they differ only in what they learned first.
    const arm = new Arm(
      name,
      buildAgent(agentSettings(c.agent), shape, c.seed * 7919 + 13),
      c.firstSteps,
    );
    if (population) {
      const env = new ShopEnv(withProfiles(shop, population), {
        seed: c.seed + 101,
        catalog,
        reward,
      });
      for (let s = 0; s < c.pretrainSessions; s += 50) {
        const n = Math.min(50, c.pretrainSessions - s);
        arm.pretrain(env, n);
        tick(n);
      }
      arm.pretrainShoppers = c.pretrainSessions;
    }
    // The same seed for every arm: the same new shoppers arrive in the same order.
    const env = new ShopEnv(newcomers, { seed: c.seed + 202, catalog, reward });
    for (let s = 0; s < c.newShoppers; s++) {
      arm.serve(env, c.firstSteps, blockSize);
      if ((s + 1) % 50 === 0) tick(50);
    }
    arm.closeBlock();
    tick(c.newShoppers % 50);
    arm.agent.dispose?.();
    return arm.result(c.newShoppers);
  });
  return { config: c, newShoppers: c.newShoppers, arms };
}

/** What the page asks the cold-start worker: the GAN's seed picks the held-out rows. */
export interface ColdStartRequest {
  config: ColdStartConfig;
  real: FeatureRows;
  synthetic: Float32Array | null;
  splitSeed: number;
}

export type ColdStartReply =
  | { type: 'progress'; done: number; total: number }
  | { type: 'done'; result: ColdStartResult }
  | { type: 'failed'; message: string };
