/**
 * One simulated shop as a Gym-like environment: each episode is one shopper's
 * session; each step the agent shows a slate (an item id when K = 1) and the
 * shopper reacts through the funnel. `info` carries the events, the true
 * probabilities of the slate and the regret against the oracle.
 *
 * Two random streams: one draws who arrives (so every agent with the same
 * seed meets the same shoppers in the same order), one draws the outcomes.
 */
import type { Environment, Observation, StepResult } from '../contract';
import type { RewardWeights } from '../reward/presets';
import { toShopReward, type ShopReward } from '../reward/shop-reward';
import { generateCatalog, type Catalog } from './catalog';
import type { StepEvents } from './events';
import { contextSizeOf, numStatesOf, observe } from './observe';
import { Oracle } from './oracle';
import { checkShopConfig, type ShopConfig } from './presets';
import { emptyEvents, ShopperPool, SlateProbabilities } from './shoppers';

export interface ShopInfo {
  events: StepEvents;
  /** The shopper's segment index. */
  segment: number;
  /** True P(no click) and, per slate position, P(click), P(cart | click), P(purchase | cart). */
  probabilities: { none: number; click: number[]; cart: number[]; purchase: number[] };
  /** Expected reward of the shown slate. */
  expected: number;
  /** Expected reward of the oracle's slate. */
  oracle: number;
  /** oracle − expected. */
  regret: number;
}

export interface ShopEnvOptions {
  /** Seeds the shoppers and outcomes. */
  seed: number;
  /** The reward: weights on event features, an expression's source, or a ShopReward (default: 1 per click). */
  reward?: RewardWeights | ShopReward | string;
  /** Seeds the catalog; defaults to `seed`. */
  catalogSeed?: number;
  /** A catalog to reuse (e.g. one shared by several environments); must match the config. */
  catalog?: Catalog;
}

/** Checks a slate: K distinct whole item ids. */
export function checkSlate(slate: ArrayLike<number>, k: number, items: number): void {
  if (slate.length !== k)
    throw new RangeError(`the slate must have ${k} items, got ${slate.length}`);
  for (let s = 0; s < k; s++) {
    const a = slate[s]!;
    if (!(Number.isInteger(a) && a >= 0 && a < items))
      throw new RangeError(`item ids are 0-${items - 1}, got ${a}`);
    for (let t = 0; t < s; t++)
      if (slate[t] === a) throw new RangeError(`item ${a} is in the slate twice`);
  }
}

export class ShopEnv implements Environment<ShopInfo> {
  readonly numActions: number;
  readonly numStates: number;
  readonly contextSize: number;
  readonly slateSize: number;
  readonly numSegments: number;
  readonly catalog: Catalog;
  readonly reward: ShopReward;
  private pool!: ShopperPool;
  private oracle!: Oracle;
  private readonly probs: SlateProbabilities;
  private readonly slate: Int32Array;
  private started = false;

  constructor(
    readonly config: ShopConfig,
    options: ShopEnvOptions,
  ) {
    checkShopConfig(config);
    this.catalog =
      options.catalog ?? generateCatalog(config.catalog, options.catalogSeed ?? options.seed);
    if (this.catalog.size !== config.catalog.items)
      throw new RangeError('the catalog given does not match the shop config');
    this.reward = toShopReward(options.reward);
    this.numActions = this.catalog.size;
    this.numStates = numStatesOf(config);
    this.contextSize = contextSizeOf(config);
    this.slateSize = config.slateSize;
    this.numSegments = config.shoppers.segments.length;
    this.probs = new SlateProbabilities(config.slateSize);
    this.slate = new Int32Array(config.slateSize);
    this.reseed(options.seed);
  }

  private reseed(seed: number): void {
    this.pool = new ShopperPool(1, this.config.shoppers, this.catalog, seed);
    this.oracle = new Oracle(this.pool, this.reward, this.config.slateSize);
  }

  /** Starts the next shopper's session; with a seed, first restarts the shopper stream from it. */
  reset(seed?: number): Observation {
    if (seed !== undefined) this.reseed(seed);
    this.pool.spawn(0);
    this.started = true;
    return observe(this.pool, 0, this.contextSize);
  }

  /**
   * The expected reward of each item shown alone to the shopper served in the
   * last step, as the oracle scored them (the truth a bandit's estimates aim at).
   */
  get itemValues(): Float64Array {
    return this.oracle.scores;
  }

  /** The slate shown in the last step. */
  get lastSlate(): Int32Array {
    return this.slate;
  }

  /** The shopper now in the shop (for charts and tests). */
  get shoppers(): ShopperPool {
    return this.pool;
  }

  /**
   * Credit per slate position: the clicked item earns the step's reward and
   * the others 0; with no click every shown item shares the outcome (say, a
   * churn penalty), since none of them held the shopper.
   */
  private credit(position: number, reward: number): Float64Array {
    const out = new Float64Array(this.slateSize);
    if (position < 0) out.fill(reward);
    else out[position] = reward;
    return out;
  }

  step(action: number | ArrayLike<number>): StepResult<ShopInfo> {
    if (!this.started) throw new Error('call reset() before step()');
    const slate = typeof action === 'number' ? [action] : action;
    checkSlate(slate, this.slateSize, this.numActions);
    this.slate.set(slate);
    const pool = this.pool;
    const p = pool.probabilities(0, this.slate, this.probs);
    const expected = this.oracle.expected(0, this.slate, p);
    const best = this.oracle.best(0);
    const probabilities = {
      none: p.none,
      click: Array.from(p.click),
      cart: Array.from(p.cart),
      purchase: Array.from(p.purchase),
    };
    const events = pool.sample(0, this.slate, p, emptyEvents());
    const segment = pool.segment[0]!;
    // Before advancing: the reward reads the session step and what was shown before.
    const reward = this.reward.observed(pool, 0, this.slate, events);
    const done = pool.advance(0, this.slate, events);
    if (done) this.started = false;
    return {
      observation: observe(pool, 0, this.contextSize),
      reward,
      done,
      ...(this.slateSize > 1 && { slateRewards: this.credit(events.position, reward) }),
      info: { events, segment, probabilities, expected, oracle: best, regret: best - expected },
    };
  }
}
