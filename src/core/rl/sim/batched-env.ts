/**
 * Many shoppers at once over typed arrays: `step(slates)` advances every slot
 * by one step, writes rewards and events into flat arrays and starts a new
 * shopper in each slot whose session ended (like a vectorised Gym env with
 * auto-reset). No objects are made per step, which is what makes millions of
 * shopper-steps a second possible. The oracle is optional: it finds each
 * shopper's best item every step (item-values.ts rules most of the catalog
 * out by bounds), which still costs several times a step without it.
 */
import type { RewardWeights } from '../reward/presets';
import { toShopReward, type ShopReward } from '../reward/shop-reward';
import { generateCatalog, type Catalog } from './catalog';
import { contextSizeOf, numStatesOf, stateOf, writeContext } from './observe';
import { Oracle } from './oracle';
import { checkShopConfig, type ShopConfig } from './presets';
import { checkSlate } from './shop-env';
import { emptyEvents, ShopperPool, SlateProbabilities } from './shoppers';

/** Most shoppers × items the oracle option follows (about 32 bytes each). */
export const ORACLE_CELLS = 8_000_000;

export interface BatchedShopOptions {
  /** Number of shoppers advanced together, 1 to 1,000,000. */
  count: number;
  seed: number;
  reward?: RewardWeights | ShopReward | string;
  catalogSeed?: number;
  catalog?: Catalog;
  /** Fill `contexts` each step (costs contextSize writes per slot). Default true. */
  contexts?: boolean;
  /** Compute the oracle and `regrets` each step. Default false. */
  oracle?: boolean;
  /** Check every slate (ids in range, no repeats). Default true; the bench turns it off. */
  checkSlates?: boolean;
}

export class BatchedShopEnv {
  readonly count: number;
  readonly numActions: number;
  readonly numStates: number;
  readonly contextSize: number;
  readonly slateSize: number;
  readonly numSegments: number;
  readonly catalog: Catalog;
  readonly pool: ShopperPool;
  /** Observation of each slot (after auto-reset for slots whose session ended). */
  readonly states: Int32Array;
  readonly contexts: Float64Array;
  /** The last step's outcome per slot. */
  readonly rewards: Float64Array;
  readonly dones: Uint8Array;
  readonly clicked: Int32Array;
  /** The clicked item's slate position, or -1. */
  readonly positions: Int32Array;
  readonly carted: Uint8Array;
  readonly purchased: Uint8Array;
  readonly revenue: Float64Array;
  /** The segment of the shopper who took the last step. */
  readonly segments: Int32Array;
  /** Expected regret of the last step per slot (NaN without the oracle option). */
  readonly regrets: Float64Array;
  private readonly reward: ShopReward;
  private readonly oracle: Oracle | null;
  private readonly withContexts: boolean;
  private readonly checkSlates: boolean;
  private readonly probs: SlateProbabilities;
  private readonly events = emptyEvents();
  private readonly slate: Int32Array;

  constructor(
    readonly config: ShopConfig,
    options: BatchedShopOptions,
  ) {
    checkShopConfig(config);
    const n = options.count;
    if (!(Number.isInteger(n) && n >= 1 && n <= 1_000_000))
      throw new RangeError(`count must be 1 to 1,000,000 shoppers, got ${n}`);
    // The oracle keeps a few numbers per shopper and item (item-values.ts).
    if (options.oracle && n * config.catalog.items > ORACLE_CELLS)
      throw new RangeError(
        `the oracle follows at most ${ORACLE_CELLS.toLocaleString('en')} shopper-items; ${n} shoppers × ${config.catalog.items} items is more`,
      );
    this.count = n;
    this.catalog =
      options.catalog ?? generateCatalog(config.catalog, options.catalogSeed ?? options.seed);
    this.numActions = this.catalog.size;
    this.numStates = numStatesOf(config);
    this.contextSize = contextSizeOf(config);
    this.slateSize = config.slateSize;
    this.numSegments = config.shoppers.segments.length;
    this.reward = toShopReward(options.reward);
    this.pool = new ShopperPool(n, config.shoppers, this.catalog, options.seed);
    // Only the regret is read here, so the oracle scores only what finding the best needs.
    this.oracle = options.oracle
      ? new Oracle(this.pool, this.reward, config.slateSize, false)
      : null;
    this.withContexts = options.contexts ?? true;
    this.checkSlates = options.checkSlates ?? true;
    this.probs = new SlateProbabilities(config.slateSize);
    this.slate = new Int32Array(config.slateSize);
    this.states = new Int32Array(n);
    this.contexts = new Float64Array(this.withContexts ? n * this.contextSize : 0);
    this.rewards = new Float64Array(n);
    this.dones = new Uint8Array(n);
    this.clicked = new Int32Array(n);
    this.positions = new Int32Array(n);
    this.carted = new Uint8Array(n);
    this.purchased = new Uint8Array(n);
    this.revenue = new Float64Array(n);
    this.segments = new Int32Array(n);
    this.regrets = new Float64Array(n).fill(NaN);
    for (let i = 0; i < n; i++) {
      this.pool.spawn(i);
      this.observe(i);
    }
  }

  private observe(i: number): void {
    this.states[i] = stateOf(this.pool, i);
    if (this.withContexts) writeContext(this.pool, i, this.contexts, i * this.contextSize);
  }

  /** Advances every slot; `slates` holds slot i's K items at [i * K, (i + 1) * K). */
  step(slates: Int32Array): void {
    const K = this.slateSize;
    if (slates.length !== this.count * K)
      throw new RangeError(`expected ${this.count * K} item ids (count × K), got ${slates.length}`);
    const { pool, probs, events, reward } = this;
    for (let i = 0; i < this.count; i++) {
      // Into a scratch slate, not a view: a view per shopper per step is an allocation the step can do without.
      const slate = this.slate;
      for (let s = 0; s < K; s++) slate[s] = slates[i * K + s]!;
      if (this.checkSlates) checkSlate(slate, K, this.numActions);
      if (this.oracle) {
        pool.probabilities(i, slate, probs);
        this.regrets[i] = this.oracle.best(i) - this.oracle.expected(i, slate, probs);
      } else pool.clickProbabilities(i, slate, probs);
      pool.sample(i, slate, probs, events);
      this.segments[i] = pool.segment[i]!;
      this.rewards[i] = reward.observed(pool, i, slate, events);
      const done = pool.advance(i, slate, events);
      this.dones[i] = done ? 1 : 0;
      this.clicked[i] = events.clicked;
      this.positions[i] = events.position;
      this.carted[i] = events.carted ? 1 : 0;
      this.purchased[i] = events.purchased ? 1 : 0;
      this.revenue[i] = events.revenue;
      if (done) pool.spawn(i);
      this.observe(i);
    }
  }
}
