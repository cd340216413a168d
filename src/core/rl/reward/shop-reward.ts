/**
 * How a shop turns a step into a reward, both for a step that happened and in
 * expectation (which the oracle and the regret need). Two kinds: weights on
 * the event features (the presets; the expectation is a weighted sum of
 * expected features) and a user's reward expression (the expectation sums the
 * expression over every outcome the funnel can produce, each with its true
 * probability: 2 without a click, 6 per slate position with one).
 */
import { F, FEATURE_COUNT, type StepEvents } from '../sim/events';
import type { ShopperPool, SlateProbabilities } from '../sim/shoppers';
import {
  compileReward,
  V,
  VARIABLE_COUNT,
  REWARD_VARIABLES,
  type RewardProgram,
} from './expression';
import { dot, rewardVector, type RewardWeights } from './presets';

export interface ShopReward {
  /** The reward of a step that happened to slot i; call it before the pool advances. */
  observed(pool: ShopperPool, i: number, slate: ArrayLike<number>, e: StepEvents): number;
  /** The expected reward of showing `slate` (probabilities `p`) to slot i now. */
  expected(pool: ShopperPool, i: number, slate: ArrayLike<number>, p: SlateProbabilities): number;
  /**
   * The reward of every outcome of one item shown alone on session step
   * `step`, for the whole catalog: what lets the oracle score every item in
   * one pass (ShopperPool.singleValues). Rewards without it are scored item
   * by item through `expected`.
   */
  singleOutcomes?(pool: ShopperPool, step: number): SingleOutcomes;
}

/** A reward's value for each outcome of showing one item alone (at the slate's first position). */
export interface SingleOutcomes {
  /** Without a click: [stay, leave]. */
  noClick: Float64Array;
  /**
   * With a click on the item, at (item * 2 + novel) * 6:
   * [browse, browse+leave, cart, cart+leave, buy, buy+leave].
   */
  items: Float64Array;
}

/** Seconds a shopper spends on a step, by how far down the funnel it went (the `dwell` variable). */
export const DWELL_SECONDS = { browse: 5, product: 25, cart: 10, checkout: 40 } as const;

export class LinearReward implements ShopReward {
  readonly weights: Float64Array;
  private readonly features = new Float64Array(FEATURE_COUNT);
  /** The outcome values of the last catalog asked about (they do not vary with the step). */
  private single: { catalog: ShopperPool['catalog']; outcomes: SingleOutcomes } | null = null;
  constructor(weights: RewardWeights) {
    this.weights = rewardVector(weights);
  }
  singleOutcomes(pool: ShopperPool): SingleOutcomes {
    if (this.single?.catalog === pool.catalog) return this.single.outcomes;
    const w = this.weights;
    const { catalog } = pool;
    const unit = catalog.config.priceMedian;
    const leave = w[F.leave]! + w[F.leaveWithoutPurchase]!;
    const items = new Float64Array(catalog.size * 12);
    for (let item = 0; item < catalog.size; item++) {
      const revenue = catalog.price[item]! / unit;
      const browse = w[F.click]!;
      const cart = browse + w[F.cart]!;
      const buy =
        cart +
        w[F.purchase]! +
        w[F.revenue]! * revenue +
        w[F.margin]! * revenue * catalog.margin[item]!;
      const row = [browse, browse + leave, cart, cart + leave, buy, buy + w[F.leave]!];
      items.set(row, item * 12);
      items.set(row, item * 12 + 6);
    }
    const outcomes = { noClick: Float64Array.of(0, leave), items };
    this.single = { catalog, outcomes };
    return outcomes;
  }
  /**
   * The outcome's entry in `singleOutcomes`, a lookup rather than a weighted
   * sum: the simulator asks this every step. (A purchase pays the item's
   * catalog price, so the table holds every reward a step can get.)
   */
  observed(pool: ShopperPool, _i: number, _slate: ArrayLike<number>, e: StepEvents): number {
    const o = this.singleOutcomes(pool);
    const left = e.left ? 1 : 0;
    if (e.clicked < 0) return o.noClick[left]!;
    return o.items[e.clicked * 12 + (e.purchased ? 4 : e.carted ? 2 : 0) + left]!;
  }
  expected(pool: ShopperPool, i: number, slate: ArrayLike<number>, p: SlateProbabilities): number {
    return dot(this.weights, pool.expectedFeatures(i, slate, p, this.features));
  }
}

/** A reward expression gave NaN or ±Infinity for some step. */
export class NonFiniteRewardError extends RangeError {
  constructor(value: number, inputs: Float64Array) {
    const at = REWARD_VARIABLES.map((v, k) => `${v.name} = ${+inputs[k]!.toFixed(3)}`).join(', ');
    super(
      `the reward is ${value} when ${at}; guard it (e.g. log(price + 1), or if(clicked, …, 0))`,
    );
    this.name = 'NonFiniteRewardError';
  }
}

/** Fills a reward's inputs vector for one outcome. `position` is 0-based, -1 without a click. */
export function writeInputs(
  out: Float64Array,
  carted: boolean,
  purchased: boolean,
  left: boolean,
  position: number,
  price: number,
  margin: number,
  novel: boolean,
  step: number,
): Float64Array {
  const clicked = position >= 0;
  out[V.clicked] = +clicked;
  out[V.carted] = +carted;
  out[V.purchased] = +purchased;
  out[V.left] = +left;
  out[V.price] = clicked ? price : 0;
  out[V.margin] = clicked ? margin : 0;
  out[V.position] = position + 1;
  out[V.novelty] = +(clicked && novel);
  out[V.dwell] =
    DWELL_SECONDS.browse +
    (clicked ? DWELL_SECONDS.product : 0) +
    (carted ? DWELL_SECONDS.cart : 0) +
    (purchased ? DWELL_SECONDS.checkout : 0);
  out[V.step] = step;
  return out;
}

export class ExpressionReward implements ShopReward {
  readonly program: RewardProgram;
  private readonly inputs = new Float64Array(VARIABLE_COUNT);
  /** Outcome rewards per (step, position) key: see `outcomes`. */
  private readonly tables = new Map<number, Float64Array>();
  /** Table keys whose every outcome is known to be finite (see `checkOutcomes`). */
  private readonly checked = new Set<number>();
  /** Outcome values per session step (a key of `tableKey`'s at position 0), every item filled. */
  private readonly single = new Map<number, SingleOutcomes>();
  private catalogSize = 0;

  constructor(program: RewardProgram | string) {
    this.program = typeof program === 'string' ? compileReward(program) : program;
  }

  get source(): string {
    return this.program.source;
  }

  /** The reward of one outcome; throws NonFiniteRewardError rather than return NaN or ±∞. */
  value(
    carted: boolean,
    purchased: boolean,
    left: boolean,
    position: number,
    price: number,
    margin: number,
    novel: boolean,
    step: number,
  ): number {
    const x = writeInputs(
      this.inputs,
      carted,
      purchased,
      left,
      position,
      price,
      margin,
      novel,
      step,
    );
    const r = this.program.evaluate(x);
    if (!Number.isFinite(r)) throw new NonFiniteRewardError(r, x);
    return r;
  }

  observed(pool: ShopperPool, i: number, _slate: ArrayLike<number>, e: StepEvents): number {
    const item = e.clicked;
    const unit = pool.catalog.config.priceMedian;
    const price = item >= 0 ? pool.catalog.price[item]! / unit : 0;
    const margin = item >= 0 ? price * pool.catalog.margin[item]! : 0;
    const novel = item >= 0 && pool.timesShown(i, item) === 0;
    const step = pool.sessionStep[i]! + 1;
    return this.value(e.carted, e.purchased, e.left, e.position, price, margin, novel, step);
  }

  /**
   * The reward of each click outcome of showing `item` at slate position `s`:
   * [browse, browse+leave, cart, cart+leave, buy, buy+leave]. These depend on
   * the item, its novelty and, when the expression reads them, the position
   * and the session step, so they are computed once per combination and kept:
   * the oracle asks for every item every step.
   */
  private outcomes(
    pool: ShopperPool,
    item: number,
    s: number,
    novel: boolean,
    step: number,
  ): Float64Array {
    const key = this.tableKey(pool, step, s);
    let table = this.tables.get(key);
    if (!table) {
      table = new Float64Array(pool.catalog.size * 2 * 6).fill(NaN);
      this.tables.set(key, table);
    }
    const at = (item * 2 + +novel) * 6;
    const out = table.subarray(at, at + 6);
    if (Number.isNaN(out[0])) {
      const price = pool.catalog.price[item]! / pool.catalog.config.priceMedian;
      const margin = price * pool.catalog.margin[item]!;
      // Into a scratch row first: a throw half-way must not leave a row that looks filled.
      const row = new Float64Array(6);
      let k = 0;
      for (const [carted, bought] of [
        [false, false],
        [true, false],
        [true, true],
      ] as const)
        for (const left of [false, true])
          row[k++] = this.value(carted, bought, left, s, price, margin, novel, step);
      out.set(row);
    }
    return out;
  }

  /** The outcome table's key for a session step and slate position (a new catalog drops the tables). */
  private tableKey(pool: ShopperPool, step: number, s: number): number {
    if (this.catalogSize !== pool.catalog.size) {
      this.tables.clear();
      this.checked.clear();
      this.single.clear();
      this.catalogSize = pool.catalog.size;
    }
    const uses = this.program.uses;
    return (uses.has('step') ? step : 0) * 64 + (uses.has('position') ? s : 0);
  }

  /**
   * Throws NonFiniteRewardError, before anything of the step happens, when
   * some outcome slot i could produce now (no click, or any item clicked at
   * any of `slateSize` positions) has no finite reward: a race can then stop
   * between two rounds, with nothing half done.
   */
  checkOutcomes(pool: ShopperPool, i: number, slateSize: number): void {
    const step = pool.sessionStep[i]! + 1;
    const positions = this.program.uses.has('position') ? slateSize : 1;
    for (let s = 0; s < positions; s++) {
      const key = this.tableKey(pool, step, s);
      if (this.checked.has(key)) continue;
      // The no-click outcomes vary with the step alone, which position 0's key holds.
      if (s === 0)
        for (const left of [false, true]) this.value(false, false, left, -1, 0, 0, false, step);
      for (let item = 0; item < pool.catalog.size; item++)
        for (const novel of [false, true]) this.outcomes(pool, item, s, novel, step);
      this.checked.add(key);
    }
  }

  singleOutcomes(pool: ShopperPool, step: number): SingleOutcomes {
    const key = this.tableKey(pool, step, 0);
    let out = this.single.get(key);
    if (!out) {
      for (let item = 0; item < pool.catalog.size; item++)
        for (const novel of [false, true]) this.outcomes(pool, item, 0, novel, step);
      out = {
        noClick: Float64Array.of(
          this.value(false, false, false, -1, 0, 0, false, step),
          this.value(false, false, true, -1, 0, 0, false, step),
        ),
        items: this.tables.get(key)!,
      };
      this.single.set(key, out);
    }
    return out;
  }

  expected(pool: ShopperPool, i: number, slate: ArrayLike<number>, p: SlateProbabilities): number {
    const f = pool.config.funnel;
    const step = pool.sessionStep[i]! + 1;
    const q = 1 / pool.patience[i]!;
    let e =
      p.none *
      (q * this.value(false, false, true, -1, 0, 0, false, step) +
        (1 - q) * this.value(false, false, false, -1, 0, 0, false, step));
    const lc = f.leaveAfterClick;
    const lp = f.leaveAfterPurchase;
    for (let s = 0; s < slate.length; s++) {
      const click = p.click[s]!;
      if (click === 0) continue;
      const item = slate[s]!;
      const v = this.outcomes(pool, item, s, pool.timesShown(i, item) === 0, step);
      const cart = p.cart[s]!;
      const buy = p.purchase[s]!;
      const browse = (1 - lc) * v[0]! + lc * v[1]!;
      const carted = (1 - lc) * v[2]! + lc * v[3]!;
      const bought = (1 - lp) * v[4]! + lp * v[5]!;
      e += click * ((1 - cart) * browse + cart * ((1 - buy) * carted + buy * bought));
    }
    return e;
  }
}

/** Weights, an expression's source, or a ready reward, as a ShopReward (default: 1 per click). */
export function toShopReward(r: RewardWeights | ShopReward | string | undefined): ShopReward {
  if (r === undefined) return new LinearReward({ click: 1 });
  if (typeof r === 'string') return new ExpressionReward(r);
  if (typeof (r as ShopReward).expected === 'function') return r as ShopReward;
  return new LinearReward(r as RewardWeights);
}
