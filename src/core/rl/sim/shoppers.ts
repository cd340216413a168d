/**
 * Simulated shoppers and the funnel they walk through (the source articles' funnel; README, "Source material").
 *
 * Each step the recommender shows a slate of K items. For item i the shopper
 * feels an appeal
 *
 *   u_i = taste · cos(preference, embedding_i) + qualityWeight · (quality_i − 0.5)
 *         − priceSensitivity · ln(price_i / medianPrice) + novelty · [i not shown yet this session]
 *
 * and weight w_i = exp(u_i) · fatigue^(times i was shown in the last `memory` steps).
 * The funnel, with the article's chain browse → search → purchase read as
 * browse (sees the slate) → click → add to cart → purchase:
 *
 *   P(click i)            = w_i / (outsideWeight + Σ_slate w_j)     (multinomial logit; no click otherwise)
 *   P(cart | click i)     = σ(logit(cartGivenClick) + cartMatch · cos_i)
 *   P(purchase | cart i)  = σ(logit(purchaseGivenCart) − priceSensitivity / 2 · ln(price_i / medianPrice))
 *                           if price_i ≤ the budget left, else 0
 *   P(leave)              = 1 / patience after a step without a click,
 *                           leaveAfterClick after a click without a purchase,
 *                           leaveAfterPurchase after a purchase.
 *
 * With the defaults (cartGivenClick 0.4, purchaseGivenCart 0.5) a neutral
 * item converts 0.4 · 0.5 = 0.2 of its clicks, the article's P(purchase | search).
 *
 * A shopper is drawn at arrival: a segment by share; a preference = the
 * segment's direction + N(0, tasteSpread²) per coordinate, normalised; price
 * sensitivity and patience = the segment's mean times exp(N(0, personalSpread²));
 * a budget = the segment's budget times the median price times exp(N(0, personalSpread²)).
 * Preferences drift: each step every coordinate moves by `drift` times a
 * unit-variance uniform draw, then the vector is normalised again. Every
 * `seasonEvery` shopper-steps the segment directions are redrawn, so new
 * arrivals want different things (what the adaptive exploration reacts to).
 * The draws are chosen for speed, each with the resolution it needs: an
 * arrival's normals from the ziggurat, an outcome from one 32-bit word, a
 * drift step from 16 bits (tests/bench/NOTES.md measures what each saves).
 * A config may instead list the shoppers who arrive (`profiles`, built from
 * feature rows in profiles.ts): each arrival is one of them, as given.
 */
import { createRandom, type Random } from '../../random';
import { normalsInto, uniformWord } from '../distributions';
import { normalise, randomUnit, type Catalog } from './catalog';
import { F, type StepEvents } from './events';
import {
  check,
  checkShopperConfig,
  type ShopperConfig,
  type ShopperProfile,
} from './shopper-config';

const logit = (p: number): number => Math.log(p / (1 - p));
export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
/** sqrt(12): scales a uniform draw on [-0.5, 0.5) to unit variance. */
const UNIFORM_SCALE = Math.sqrt(12);
/** 2⁻¹⁶: half a word to a uniform. */
const HALF_WORD = 2 ** -16;

/** The last event of a shopper's session so far, as the observation reports it. */
export const LAST_EVENT = { none: 0, click: 1, cart: 2, purchase: 3 } as const;

/** The true funnel probabilities of one slate for one shopper. */
export class SlateProbabilities {
  /** P(no click). */
  none = 1;
  readonly click: Float64Array;
  /** P(cart | click) per slate position. */
  readonly cart: Float64Array;
  /** P(purchase | cart) per slate position. */
  readonly purchase: Float64Array;
  /** The taste match (cosine) of each position's item, which P(cart | click) is made from. */
  readonly match: Float64Array;
  constructor(k: number) {
    this.click = new Float64Array(k);
    this.cart = new Float64Array(k);
    this.purchase = new Float64Array(k);
    this.match = new Float64Array(k);
  }
}

/**
 * Shoppers as a struct of typed arrays, slot i for shopper i: the single
 * environment uses one slot, the batched one many. All the funnel arithmetic
 * lives here so both walk the same shoppers the same way.
 */
export class ShopperPool {
  readonly size: number;
  readonly segment: Int32Array;
  /** Unit preference vectors, slot i at [i * d, (i + 1) * d). */
  readonly preference: Float64Array;
  readonly priceSensitivity: Float64Array;
  readonly patience: Float64Array;
  /** Session budget at arrival and what is left of it, currency units. */
  readonly budget: Float64Array;
  readonly budgetLeft: Float64Array;
  /** Steps taken in the current session. */
  readonly sessionStep: Int32Array;
  readonly lastEvent: Int8Array;
  /** The last clicked item this session, or -1. */
  readonly lastClick: Int32Array;
  /** Ring buffers of recently shown items (memory per slot, -1 = empty). */
  readonly recent: Int32Array;
  private readonly recentHead: Int32Array;
  /** Segment directions of the current season. */
  readonly segmentDirection: Float64Array;
  /** Shopper-steps taken in all, which sets the season. */
  totalSteps = 0;
  season = 0;

  private readonly d: number;
  private readonly memory: number;
  private readonly cumulativeShare: Float64Array;
  /** ln(price / median price) per item, computed once: the funnel needs it for every item it scores. */
  readonly logPrice: Float64Array;
  /** logit(cartGivenClick) and logit(purchaseGivenCart), the funnel's baselines. */
  readonly cartLogit: number;
  readonly purchaseLogit: number;
  private readonly arrivals: Random;
  /** The segments' appeal weights, by segment index: read every step, so kept flat. */
  private readonly taste: Float64Array;
  private readonly qualityWeight: Float64Array;
  private readonly novelty: Float64Array;
  private readonly seasons: Random;
  /** A new shopper's normals, drawn together. */
  private readonly normals: Float64Array;
  /** How many shoppers have arrived in each slot: names a session, for what is kept per session (item-values.ts). */
  readonly arrival: Float64Array;

  constructor(
    size: number,
    readonly config: ShopperConfig,
    readonly catalog: Catalog,
    seed: number,
    /** Draws for outcomes and drift; a separate stream from arrivals, so every agent meets the same shoppers. */
    readonly outcomes: Random = createRandom(seed + 1),
    /** Seeds what the segments want (and each season's change); by default the pool's own seed. */
    populationSeed: number = seed,
  ) {
    checkShopperConfig(config);
    check(Number.isInteger(size) && size >= 1, `a pool needs at least one shopper, got ${size}`);
    const d = catalog.embeddingSize;
    this.size = size;
    this.d = d;
    this.memory = config.memory;
    this.segment = new Int32Array(size);
    this.preference = new Float64Array(size * d);
    this.priceSensitivity = new Float64Array(size);
    this.patience = new Float64Array(size);
    this.budget = new Float64Array(size);
    this.budgetLeft = new Float64Array(size);
    this.sessionStep = new Int32Array(size);
    this.lastEvent = new Int8Array(size);
    this.lastClick = new Int32Array(size);
    this.recent = new Int32Array(size * config.memory);
    this.recentHead = new Int32Array(size);
    this.arrival = new Float64Array(size);
    const S = config.segments.length;
    this.segmentDirection = new Float64Array(S * d);
    this.cumulativeShare = new Float64Array(S);
    const total = config.segments.reduce((a, s) => a + s.share, 0);
    let acc = 0;
    config.segments.forEach((s, k) => (this.cumulativeShare[k] = acc += s.share / total));
    const logMedian = Math.log(catalog.config.priceMedian);
    this.logPrice = catalog.price.map((p) => Math.log(p) - logMedian);
    this.cartLogit = logit(config.funnel.cartGivenClick);
    this.purchaseLogit = logit(config.funnel.purchaseGivenCart);
    this.taste = Float64Array.from(config.segments, (s) => s.taste);
    this.qualityWeight = Float64Array.from(config.segments, (s) => s.qualityWeight);
    this.novelty = Float64Array.from(config.segments, (s) => s.novelty);
    this.normals = new Float64Array(d + 3);
    this.arrivals = createRandom(seed);
    this.seasons = createRandom(populationSeed + 2);
    this.newSeason();
  }

  private newSeason(): void {
    const S = this.config.segments.length;
    for (let k = 0; k < S; k++) randomUnit(this.segmentDirection, k * this.d, this.d, this.seasons);
  }

  /** Starts a new shopper's session in slot i. */
  spawn(i: number): void {
    const rng = this.arrivals;
    const { config } = this;
    if (config.profiles) this.place(i, config.profiles[rng.int(config.profiles.length)]!);
    else this.draw(i, rng);
    this.arrival[i]!++;
    this.budgetLeft[i] = this.budget[i]!;
    this.sessionStep[i] = 0;
    this.lastEvent[i] = LAST_EVENT.none;
    this.lastClick[i] = -1;
    // A loop, not fill(): the builtin's call costs more than the memory's few writes.
    const m = this.memory;
    for (let j = i * m; j < (i + 1) * m; j++) this.recent[j] = -1;
    this.recentHead[i] = 0;
  }

  /** A given shopper arrives in slot i. */
  private place(i: number, p: ShopperProfile): void {
    this.segment[i] = p.segment;
    this.preference.set(p.preference, i * this.d);
    this.priceSensitivity[i] = p.priceSensitivity;
    this.patience[i] = p.patience;
    this.budget[i] = p.budget * this.catalog.config.priceMedian;
  }

  /** A random shopper of a random segment arrives in slot i. */
  private draw(i: number, rng: Random): void {
    const { config, d } = this;
    const u = uniformWord(rng);
    let k = 0;
    while (k < this.cumulativeShare.length - 1 && u >= this.cumulativeShare[k]!) k++;
    const seg = config.segments[k]!;
    this.segment[i] = k;
    // The preference's d normals, then one each for price sensitivity, patience and budget.
    const z = this.normals;
    normalsInto(rng, z, d + 3);
    let squared = 0;
    for (let j = 0; j < d; j++) {
      const v = this.segmentDirection[k * d + j]! + config.tasteSpread * z[j]!;
      this.preference[i * d + j] = v;
      squared += v * v;
    }
    normalise(this.preference, i * d, d, squared);
    const spread = config.personalSpread;
    this.priceSensitivity[i] = seg.priceSensitivity * Math.exp(spread * z[d]!);
    this.patience[i] = Math.max(1, seg.patience * Math.exp(spread * z[d + 1]!));
    this.budget[i] = seg.budget * this.catalog.config.priceMedian * Math.exp(spread * z[d + 2]!);
  }

  /** cos(preference of slot i, embedding of item). */
  match(i: number, item: number): number {
    const { d } = this;
    const p = this.preference;
    const e = this.catalog.embedding;
    const at = item * d - i * d;
    let s = 0;
    for (let j = i * d; j < (i + 1) * d; j++) s += p[j]! * e[at + j]!;
    return s;
  }

  /** How often `item` was shown to slot i in its last `memory` steps. */
  timesShown(i: number, item: number): number {
    let n = 0;
    const { memory, recent } = this;
    for (let j = i * memory; j < (i + 1) * memory; j++) if (recent[j] === item) n++;
    return n;
  }

  /** P(cart | click) of an item whose taste match is c. */
  cartOdds(c: number): number {
    return sigmoid(this.cartLogit + this.config.funnel.cartMatch * c);
  }

  /** P(purchase | cart) of `item` for slot i: none above the budget left. */
  purchaseOdds(i: number, item: number): number {
    return this.catalog.price[item]! <= this.budgetLeft[i]!
      ? sigmoid(this.purchaseLogit - 0.5 * this.priceSensitivity[i]! * this.logPrice[item]!)
      : 0;
  }

  /**
   * Fills the click side of `out` (click, none, match) for slot i and
   * `slate`: all that drawing a step's events needs, since the cart and
   * purchase odds are only wanted for the item clicked.
   */
  clickProbabilities(
    i: number,
    slate: ArrayLike<number>,
    out: SlateProbabilities,
  ): SlateProbabilities {
    const k = slate.length;
    const seg = this.segment[i]!;
    const { fatigue } = this.config;
    let total = this.config.funnel.outsideWeight;
    for (let s = 0; s < k; s++) {
      const item = slate[s]!;
      const c = this.match(i, item);
      out.match[s] = c;
      const shown = this.timesShown(i, item);
      const appeal =
        this.taste[seg]! * c +
        this.qualityWeight[seg]! * (this.catalog.quality[item]! - 0.5) -
        this.priceSensitivity[i]! * this.logPrice[item]! +
        (shown === 0 ? this.novelty[seg]! : 0);
      // The choice weight. x ** 0 is exactly 1; skipping the power for an item not shown lately is most of the time.
      const w = shown === 0 ? Math.exp(appeal) : Math.exp(appeal) * fatigue ** shown;
      out.click[s] = w;
      total += w;
    }
    for (let s = 0; s < k; s++) out.click[s]! /= total;
    out.none = this.config.funnel.outsideWeight / total;
    return out;
  }

  /** Fills `out` with slot i's true funnel probabilities for `slate`. */
  probabilities(i: number, slate: ArrayLike<number>, out: SlateProbabilities): SlateProbabilities {
    this.clickProbabilities(i, slate, out);
    for (let s = 0; s < slate.length; s++) {
      out.cart[s] = this.cartOdds(out.match[s]!);
      out.purchase[s] = this.purchaseOdds(i, slate[s]!);
    }
    return out;
  }

  /** Expected event features of showing `slate` (with its probabilities `p`) to slot i. */
  expectedFeatures(
    i: number,
    slate: ArrayLike<number>,
    p: SlateProbabilities,
    out: Float64Array,
  ): Float64Array {
    const f = this.config.funnel;
    const unit = this.catalog.config.priceMedian;
    out.fill(0);
    const leaveNoClick = p.none / this.patience[i]!;
    out[F.leave] = leaveNoClick;
    out[F.leaveWithoutPurchase] = leaveNoClick;
    for (let s = 0; s < slate.length; s++) {
      const item = slate[s]!;
      const click = p.click[s]!;
      const cart = click * p.cart[s]!;
      const buy = cart * p.purchase[s]!;
      out[F.click]! += click;
      out[F.cart]! += cart;
      out[F.purchase]! += buy;
      const price = this.catalog.price[item]! / unit;
      out[F.revenue]! += buy * price;
      out[F.margin]! += buy * price * this.catalog.margin[item]!;
      const noBuy = (click - buy) * f.leaveAfterClick;
      out[F.leave]! += noBuy + buy * f.leaveAfterPurchase;
      out[F.leaveWithoutPurchase]! += noBuy;
    }
    return out;
  }

  /**
   * Draws the step's events for slot i from `p`, of which it reads the click
   * side only (`clickProbabilities` is enough).
   */
  sample(i: number, slate: ArrayLike<number>, p: SlateProbabilities, e: StepEvents): StepEvents {
    const rng = this.outcomes;
    const f = this.config.funnel;
    let u = uniformWord(rng);
    let position = -1;
    for (let s = 0; s < slate.length; s++) {
      u -= p.click[s]!;
      if (u < 0) {
        position = s;
        break;
      }
    }
    e.position = position;
    e.clicked = position >= 0 ? slate[position]! : -1;
    e.carted = position >= 0 && uniformWord(rng) < this.cartOdds(p.match[position]!);
    e.purchased = e.carted && uniformWord(rng) < this.purchaseOdds(i, e.clicked);
    const price = e.purchased ? this.catalog.price[e.clicked]! : 0;
    e.revenue = price;
    e.margin = e.purchased ? price * this.catalog.margin[e.clicked]! : 0;
    const leave =
      position < 0 ? 1 / this.patience[i]! : e.purchased ? f.leaveAfterPurchase : f.leaveAfterClick;
    e.left = uniformWord(rng) < leave;
    return e;
  }

  /**
   * Moves slot i past a step: remembers the slate, spends the budget, drifts
   * the preference. Returns true when the session is over (left or at the
   * length limit).
   */
  advance(i: number, slate: ArrayLike<number>, e: StepEvents): boolean {
    const m = this.memory;
    for (let s = 0; s < slate.length; s++) {
      this.recent[i * m + this.recentHead[i]!] = slate[s]!;
      this.recentHead[i] = (this.recentHead[i]! + 1) % m;
    }
    if (e.purchased) this.budgetLeft[i]! -= e.revenue;
    if (e.clicked >= 0) this.lastClick[i] = e.clicked;
    this.lastEvent[i] = e.purchased
      ? LAST_EVENT.purchase
      : e.carted
        ? LAST_EVENT.cart
        : e.clicked >= 0
          ? LAST_EVENT.click
          : LAST_EVENT.none;
    this.sessionStep[i]!++;
    const drift = this.config.drift;
    if (drift > 0) {
      const { d, outcomes, preference } = this;
      const step = drift * UNIFORM_SCALE;
      const base = i * d;
      let squared = 0;
      // Two coordinates a word, 16 bits each: the drift's steps need no finer grain.
      for (let j = base; j < base + d; j += 2) {
        const word = outcomes.word();
        const v = preference[j]! + step * (((word & 0xffff) + 0.5) * HALF_WORD - 0.5);
        preference[j] = v;
        squared += v * v;
        if (j + 1 === base + d) break;
        const w = preference[j + 1]! + step * (((word >>> 16) + 0.5) * HALF_WORD - 0.5);
        preference[j + 1] = w;
        squared += w * w;
      }
      normalise(preference, base, d, squared);
    }
    this.totalSteps++;
    const every = this.config.seasonEvery;
    // Past the next season's first step: floor(totalSteps / every) > season, without a division per step.
    if (every > 0 && this.totalSteps >= (this.season + 1) * every) {
      this.season++;
      this.newSeason();
    }
    return e.left || this.sessionStep[i]! >= this.config.maxSessionLength;
  }
}

export function emptyEvents(): StepEvents {
  return {
    clicked: -1,
    position: -1,
    carted: false,
    purchased: false,
    left: false,
    revenue: 0,
    margin: 0,
  };
}
