/**
 * The expected reward of each item shown alone to one shopper now: what the
 * oracle maximises every step, so what a regret costs. `all` scores the
 * whole catalog, with the funnel's arithmetic of shoppers.ts written out
 * over a reward's outcome values. `best` finds the same numbers for the k
 * best items only, and rules the rest out by bounds, for the fast
 * experiment path. Both compute a scored item's value with the same
 * arithmetic, so the best items and their values are bit for bit `all`'s.
 *
 * An item not shown lately is worth v = nc + click · (B − nc + cart · X),
 * X = C − B + buy · (D − C), where nc is the shopper's value of a step
 * without a click, B, C, D the reward of a click that ends in a browse, a
 * cart or a purchase (mixed over leaving), click = w / (outside + w) with
 * w = exp(appeal), cart = σ(cartLogit + cartMatch · c) and c the taste
 * match. Two bounds follow:
 *
 * - with cart and buy anywhere in [0, 1], v lies between
 *   nc + click · (B − nc + min(0, X⁻)) and nc + click · (B − nc + max(0, X⁺)),
 *   X± = C − B + max/min(0, D − C): one exponential per item, where the
 *   value itself takes three;
 * - both logistic slopes are at most 1/4, so v and both bounds move at most
 *   L · |c − c₀| when the match moves from c₀, with
 *   L = taste/4 · (|B − nc| + Xmax) + cartMatch/4 · Xmax, Xmax = max |X±|;
 *   and as preferences and embeddings are unit vectors,
 *   |c − c₀| ≤ |preference − preference then|.
 *
 * A session starts with every item's bounds; only the items whose upper
 * bound reaches the k-th best lower bound are scored. Later steps widen
 * each item's bounds by how far the preference drifted since they were
 * taken (no per-item arithmetic beyond that) and score only the items that
 * still reach. The items shown lately (fatigue, no novelty) are always
 * scored, by way of `probabilities`.
 */
import type { SingleOutcomes } from '../reward/shop-reward';
import { sigmoid, SlateProbabilities, type ShopperPool } from './shoppers';

/** Relative room left in the bounds for rounding, so a near tie is always scored. */
const SLACK = 1e-9;
/** The share of the floor (over nc) an item's bounds may reach without its exponential. */
const WEAK = 0.5;
/** Steps of a session kept for the bounds; a longer session has its bounds taken again. */
const HISTORY = 64;

/** A reward table's outcome values mixed over leaving, per item and novelty, and the spans of X. */
interface Mixed {
  /** At (item * 2 + novel) * 3: B, C, D. */
  bcd: Float64Array;
  /** At item * 2, for a novel item: X⁻, X⁺. */
  spans: Float64Array;
  /** Per novel item, B + max(0, X⁺): the most a click on it can be worth; and its largest. */
  reach: Float64Array;
  maxReach: number;
}

export class ItemValues {
  private readonly n: number;
  private readonly d: number;
  /**
   * Per slot and item: bounds on v when taken, their slope L, and the step
   * of the epoch they were taken at. Made on the first `best`: the single
   * environment and the lab only ever call `all`.
   */
  private low = new Float64Array(0);
  private high = new Float64Array(0);
  private slope = new Float64Array(0);
  private takenAt = new Uint8Array(0);
  /** Per slot: the preference at each step since `epoch` (the step the bounds were last all taken). */
  private history = new Float64Array(0);
  private readonly epoch: Float64Array;
  /** What a slot's bounds were taken under: the session, its budget and the reward table. */
  private readonly arrival: Float64Array;
  private readonly budgetThen: Float64Array;
  private readonly outcomesThen: (SingleOutcomes | null)[];
  private readonly mixes = new WeakMap<SingleOutcomes, Mixed>();
  // Scratch.
  private readonly moved = new Float64Array(HISTORY);
  private readonly recent: Uint8Array;
  private readonly candidates: Int32Array;
  private readonly candidateHigh: Float64Array;
  private lows: Float64Array = new Float64Array(1);
  /** Per item this pass: its taste match and appeal; and the items of highest appeal. */
  private readonly matches: Float64Array;
  private readonly appeal: Float64Array;
  private bestAppeal: Int32Array = new Int32Array(1);
  private firstScores: Float64Array = new Float64Array(1);
  private readonly probs = new SlateProbabilities(1);
  private readonly one = new Int32Array(1);
  // The slot being scored, set by `prepare`.
  private taste = 0;
  private qualityWeight = 0;
  private novelty = 0;
  private ps = 0;
  private budget = 0;
  private noClick = 0;
  private base = 0;
  private mixed: Mixed = {
    bcd: new Float64Array(0),
    spans: new Float64Array(0),
    reach: new Float64Array(0),
    maxReach: 0,
  };

  constructor(private readonly pool: ShopperPool) {
    const n = pool.catalog.size;
    this.n = n;
    this.d = pool.catalog.embeddingSize;
    this.epoch = new Float64Array(pool.size);
    this.arrival = new Float64Array(pool.size).fill(-1);
    this.budgetThen = new Float64Array(pool.size);
    this.outcomesThen = new Array<SingleOutcomes | null>(pool.size).fill(null);
    this.recent = new Uint8Array(n);
    this.candidates = new Int32Array(n);
    this.candidateHigh = new Float64Array(n);
    this.matches = new Float64Array(n);
    this.appeal = new Float64Array(n);
  }

  /** Every item's value for slot i, into `out` (one per item). */
  all(i: number, r: SingleOutcomes, out: Float64Array): Float64Array {
    this.prepare(i, r);
    for (let item = 0; item < this.n; item++) out[item] = this.value(item, this.match(item));
    this.scoreRecent(i, out);
    return out;
  }

  /**
   * The values of slot i's k best items (and any close to them) into `out`,
   * −Infinity for the rest: `all`'s numbers where they are filled, so the
   * k best and their order are `all`'s.
   */
  best(i: number, r: SingleOutcomes, k: number, out: Float64Array): Float64Array {
    this.prepare(i, r);
    const pool = this.pool;
    if (this.history.length === 0) {
      const cells = pool.size * this.n;
      this.low = new Float64Array(cells);
      this.high = new Float64Array(cells);
      this.slope = new Float64Array(cells);
      this.takenAt = new Uint8Array(cells);
      this.history = new Float64Array(pool.size * HISTORY * this.d);
    }
    const { n, d, history } = this;
    const step = pool.sessionStep[i]!;
    let h = step - this.epoch[i]!;
    const past = i * HISTORY * d;
    const fresh =
      this.arrival[i] !== pool.arrival[i] ||
      this.budgetThen[i] !== this.budget ||
      this.outcomesThen[i] !== r ||
      h < 0 ||
      h >= HISTORY;
    if (fresh) {
      this.epoch[i] = step;
      this.arrival[i] = pool.arrival[i]!;
      this.budgetThen[i] = this.budget;
      this.outcomesThen[i] = r;
      h = 0;
    }
    for (let j = 0; j < d; j++) history[past + h * d + j] = pool.preference[this.base + j]!;
    const moved = this.moved;
    if (!fresh) {
      for (let s = 0; s <= h; s++) {
        let squared = 0;
        for (let j = 0; j < d; j++) {
          const delta = history[past + h * d + j]! - history[past + s * d + j]!;
          squared += delta * delta;
        }
        moved[s] = Math.sqrt(squared);
      }
    }
    // The recent items are scored exactly; they also set the first floor.
    const lows = this.lowsOf(k);
    this.scoreRecent(i, out);
    this.markRecent(i, out, lows);
    const { recent, candidates, candidateHigh, low, high, slope, takenAt } = this;
    const at = i * n;
    let count = 0;
    // A recent item's bounds are taken too: they serve once it is no longer recent.
    if (fresh) this.takeAllBounds(i, lows, k, out);
    for (let item = 0; item < n; item++) {
      if (recent[item] !== 0) continue;
      let lo = low[at + item]!;
      let hi = high[at + item]!;
      if (!fresh) {
        const spread = slope[at + item]! * moved[takenAt[at + item]!]!;
        lo -= spread;
        hi += spread;
      }
      // The k-th best lower bound so far rules items out as the pass goes.
      const floor = lows[k - 1]!;
      if (lo > floor) keepTop(lows, lo);
      if (hi >= floor - SLACK * (1 + Math.abs(floor))) {
        candidates[count] = item;
        candidateHigh[count++] = hi;
      } else out[item] = -Infinity;
    }
    const floor = lows[k - 1]!;
    const threshold = floor - SLACK * (1 + Math.abs(floor));
    for (let j = 0; j < count; j++) {
      const item = candidates[j]!;
      if (candidateHigh[j]! < threshold) {
        out[item] = -Infinity;
        continue;
      }
      const v = this.value(item, this.match(item));
      out[item] = low[at + item] = high[at + item] = v;
      takenAt[at + item] = h;
    }
    this.markRecent(i, null, null);
    if (fresh) for (const item of this.bestAppeal) if (item >= 0) recent[item] = 0;
    return out;
  }

  /** Reads what slot i's values depend on. */
  private prepare(i: number, r: SingleOutcomes): void {
    const pool = this.pool;
    const seg = pool.config.segments[pool.segment[i]!]!;
    this.taste = seg.taste;
    this.qualityWeight = seg.qualityWeight;
    this.novelty = seg.novelty;
    this.ps = pool.priceSensitivity[i]!;
    this.budget = pool.budgetLeft[i]!;
    const q = 1 / pool.patience[i]!;
    this.noClick = q * r.noClick[1]! + (1 - q) * r.noClick[0]!;
    this.base = i * this.d;
    this.mixed = this.mixOf(r);
  }

  /** B, C, D and the spans of X for a reward table, worked out once per table. */
  private mixOf(r: SingleOutcomes): Mixed {
    let m = this.mixes.get(r);
    if (m) return m;
    const f = this.pool.config.funnel;
    const lc = f.leaveAfterClick;
    const lp = f.leaveAfterPurchase;
    const x = r.items;
    const bcd = new Float64Array(this.n * 6);
    const spans = new Float64Array(this.n * 2);
    const reach = new Float64Array(this.n);
    for (let row = 0; row < this.n * 2; row++) {
      const v = row * 6;
      const b = (1 - lc) * x[v]! + lc * x[v + 1]!;
      const c = (1 - lc) * x[v + 2]! + lc * x[v + 3]!;
      const dd = (1 - lp) * x[v + 4]! + lp * x[v + 5]!;
      bcd.set([b, c, dd], row * 3);
      // Row item * 2 + 1 is the novel item's.
      if (row % 2 === 1) {
        spans[row - 1] = c - b + Math.min(0, dd - c);
        spans[row] = c - b + Math.max(0, dd - c);
        reach[(row - 1) / 2] = b + Math.max(0, spans[row]!);
      }
    }
    m = { bcd, spans, reach, maxReach: Math.max(...reach) };
    this.mixes.set(r, m);
    return m;
  }

  /** cos(preference, embedding): the taste match, as ShopperPool.match sums it. */
  private match(item: number): number {
    const { d, base } = this;
    const p = this.pool.preference;
    const e = this.pool.catalog.embedding;
    let s = 0;
    for (let j = 0; j < d; j++) s += p[base + j]! * e[item * d + j]!;
    return s;
  }

  /** The appeal of an item not shown lately, at match c, as ShopperPool.clickProbabilities has it. */
  private appealOf(item: number, c: number): number {
    const pool = this.pool;
    return (
      this.taste * c +
      this.qualityWeight * (pool.catalog.quality[item]! - 0.5) -
      this.ps * pool.logPrice[item]! +
      this.novelty
    );
  }

  /** The value of an item not shown lately, at match c: `probabilities` and `expected` for a slate of one. */
  private value(item: number, c: number): number {
    const pool = this.pool;
    const f = pool.config.funnel;
    const w = Math.exp(this.appealOf(item, c));
    const total = f.outsideWeight + w;
    const cart = pool.cartOdds(c);
    const buy =
      pool.catalog.price[item]! <= this.budget
        ? sigmoid(pool.purchaseLogit - 0.5 * this.ps * pool.logPrice[item]!)
        : 0;
    return this.mix((item * 2 + 1) * 3, f.outsideWeight / total, w / total, cart, buy);
  }

  /** The expected reward from the funnel's probabilities, as ExpressionReward.expected sums it for a slate of one. */
  private mix(at: number, none: number, click: number, cart: number, buy: number): number {
    const x = this.mixed.bcd;
    const browse = x[at]!;
    const carted = x[at + 1]!;
    const bought = x[at + 2]!;
    return (
      none * this.noClick +
      click * ((1 - cart) * browse + cart * ((1 - buy) * carted + buy * bought))
    );
  }

  /**
   * Every item's bounds and slope at slot i's preference now (step 0 of a
   * new epoch). The appeal is cheap (a dot product); its exponential is
   * not. So the k items of highest appeal are scored first, and with that
   * floor (and the recent items' scores in `lows`) every item whose appeal
   * cannot lift it over the floor, whatever its outcome values, gets bounds
   * that need no exponential: click < τ there, so v < nc + τ · max(0, T⁺).
   */
  private takeAllBounds(i: number, lows: Float64Array, k: number, out: Float64Array): void {
    const pool = this.pool;
    const f = pool.config.funnel;
    const { n, taste, noClick, low, high, slope } = this;
    const { bcd, spans, reach } = this.mixed;
    const { appeal, matches, recent } = this;
    const outside = f.outsideWeight;
    const cartSlope = f.cartMatch / 4;
    const tasteSlope = taste / 4;
    const at = i * n;
    this.takenAt.fill(0, at, at + n);
    const best = this.bestAppeal.fill(-1);
    for (let item = 0; item < n; item++) {
      const c = this.match(item);
      matches[item] = c;
      appeal[item] = this.appealOf(item, c);
      if (recent[item] === 0) keepBest(best, appeal, item);
    }
    const first = this.firstScores;
    for (const [j, item] of best.entries()) {
      if (item < 0) continue;
      first[j] = this.value(item, matches[item]!);
      keepTop(lows, first[j]!);
    }
    const floor = lows[k - 1]!;
    // The most any item's click can add over nc. Below the appeal that makes click τ, no item reaches
    // the floor: τ is where it reaches half of it, so such items stay ruled out as the preference drifts.
    const most = this.mixed.maxReach - noClick;
    const tau = most > 0 && floor > noClick ? (WEAK * (floor - noClick)) / most : 0;
    const cut = tau <= 0 ? -Infinity : tau >= 1 ? Infinity : Math.log((outside * tau) / (1 - tau));
    const lowest = cut - SLACK * (1 + Math.abs(cut));
    const tauHigh = tau * (1 + SLACK);
    for (let item = 0; item < n; item++) {
      const b = bcd[(item * 2 + 1) * 3]! - noClick;
      const below = spans[item * 2]!;
      const above = spans[item * 2 + 1]!;
      const spread = Math.max(-below, above, 0);
      slope[at + item] = tasteSlope * (Math.abs(b) + spread) + cartSlope * spread;
      if (appeal[item]! < lowest) {
        low[at + item] = noClick + Math.min(0, b + Math.min(0, below));
        high[at + item] = noClick + tauHigh * Math.max(0, reach[item]! - noClick);
        continue;
      }
      const w = Math.exp(appeal[item]!);
      const click = w / (outside + w);
      low[at + item] = noClick + click * (b + Math.min(0, below));
      high[at + item] = noClick + click * (b + Math.max(0, above));
    }
    // The first scored are exact (their scores are in `lows` and `out` already; `recent` 2 keeps the pass off them).
    for (const [j, item] of best.entries()) {
      if (item < 0) continue;
      low[at + item] = high[at + item] = out[item] = first[j]!;
      recent[item] = 2;
    }
  }

  /** The items slot i saw lately, scored by way of `probabilities` (fatigue, no novelty). */
  private scoreRecent(i: number, out: Float64Array): void {
    const pool = this.pool;
    const m = pool.config.memory;
    for (let j = 0; j < m; j++) {
      const item = pool.recent[i * m + j]!;
      if (item < 0) continue;
      this.one[0] = item;
      const p = pool.probabilities(i, this.one, this.probs);
      const at = (item * 2 + +(pool.timesShown(i, item) === 0)) * 3;
      out[item] = this.mix(at, p.none, p.click[0]!, p.cart[0]!, p.purchase[0]!);
    }
  }

  /** Flags slot i's recent items (their scores `out` go into `lows`), or with `out` null clears the flags. */
  private markRecent(i: number, out: Float64Array | null, lows: Float64Array | null): void {
    const pool = this.pool;
    const m = pool.config.memory;
    for (let j = 0; j < m; j++) {
      const item = pool.recent[i * m + j]!;
      if (item < 0) continue;
      if (!out) this.recent[item] = 0;
      else if (this.recent[item] === 0) {
        this.recent[item] = 1;
        keepTop(lows!, out[item]!);
      }
    }
  }

  /** The scratch list of the k largest lower bounds, all −Infinity (and the k of highest appeal). */
  private lowsOf(k: number): Float64Array {
    if (this.lows.length !== k) {
      this.lows = new Float64Array(k);
      this.bestAppeal = new Int32Array(k);
      this.firstScores = new Float64Array(k);
    }
    return this.lows.fill(-Infinity);
  }
}

/** Keeps in `top` the indices of the `top.length` largest `values` seen (−1 for none yet), largest first. */
function keepBest(top: Int32Array, values: Float64Array, item: number): void {
  const k = top.length;
  const v = values[item]!;
  if (top[k - 1]! >= 0 && !(v > values[top[k - 1]!]!)) return;
  let j = k - 1;
  while (j > 0 && (top[j - 1]! < 0 || v > values[top[j - 1]!]!)) {
    top[j] = top[j - 1]!;
    j--;
  }
  top[j] = item;
}

/** Keeps the `top.length` largest values seen, largest first. */
function keepTop(top: Float64Array, v: number): void {
  const k = top.length;
  if (!(v > top[k - 1]!)) return;
  let j = k - 1;
  while (j > 0 && v > top[j - 1]!) {
    top[j] = top[j - 1]!;
    j--;
  }
  top[j] = v;
}
