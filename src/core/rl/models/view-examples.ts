/**
 * A log as the purchase predictors learn from it: one example per `view`
 * row, "this shopper was shown this item", with what a shop knows at that
 * moment as features and what followed as labels (did the shopper click it,
 * did they buy it before seeing it again). Features look only backwards in
 * the shopper's own rows, so a model cannot peek at the outcome.
 *
 * Features, each in [0, 1]:
 * - `segment: <name>`: the shopper's segment, one-hot (logs with 1 to 12 segments);
 * - `category: <name>`: the item's category, one-hot over the log's most
 *   frequent ones, and `category: other`;
 * - `price band`: the item's price on a log scale between the log's lowest
 *   and highest (0.5 when unknown);
 * - `views so far`: log(1 + the shopper's earlier views) / log(1 + 30), capped at 1;
 * - `clicked before`, `carted before`, `bought before`: 0 or 1.
 */
import type { InteractionLog } from '../../data/interaction-log';
import { EVENT_KINDS } from '../../data/log-events';

export interface ViewExamples {
  names: string[];
  /** The columns that describe the shopper, not the item shown: what a model choosing the item may see. */
  shopperColumns: number[];
  /** Row-major, `size × names.length`. */
  values: Float32Array;
  size: number;
  user: Int32Array;
  item: Int32Array;
  /** 1 when the shopper engaged with the item (click, cart or purchase) after this view, before viewing it again. */
  clicked: Float32Array;
  /** 1 when the shopper bought the item after this view (before viewing it again). */
  purchased: Float32Array;
  /** The example's place among the log's view rows in file order (for a simulator's truth). */
  viewIndex: Int32Array;
}

const VIEW = EVENT_KINDS.indexOf('view');
const CLICK = EVENT_KINDS.indexOf('click');
const CART = EVENT_KINDS.indexOf('cart');
const PURCHASE = EVENT_KINDS.indexOf('purchase');
const TOP_CATEGORIES = 8;
const MAX_SEGMENTS = 12;
const VIEWS_SCALE = Math.log1p(30);

/** The log's rows in shopper order, each shopper's by time (file order breaking ties). */
function rowsByShopper(log: InteractionLog): Int32Array {
  const n = log.user.length;
  const order = Int32Array.from({ length: n }, (_, r) => r);
  return order.sort((a, b) => log.user[a]! - log.user[b]! || log.time[a]! - log.time[b]! || a - b);
}

/** What the shopper columns say of a shopper at a view, whatever is shown them. */
export interface ShopperFacts {
  /** The shopper's segment by name (null when unknown). */
  segment: string | null;
  /** Items viewed earlier in the session. */
  views: number;
  clicked: boolean;
  carted: boolean;
  bought: boolean;
}

const viewsFeature = (views: number) => Math.min(1, Math.log1p(views) / VIEWS_SCALE);

/**
 * Shopper column `name` (a name `viewExamples` gives a shopper column) for
 * these facts, valued as `viewExamples` values it: how a model trained on
 * the examples sees a shopper met elsewhere (a race's new shoppers).
 */
export function shopperFeature(name: string, f: ShopperFacts): number {
  if (name.startsWith('segment: ')) return f.segment === name.slice('segment: '.length) ? 1 : 0;
  switch (name) {
    case 'views so far':
      return viewsFeature(f.views);
    case 'clicked before':
      return f.clicked ? 1 : 0;
    case 'carted before':
      return f.carted ? 1 : 0;
    case 'bought before':
      return f.bought ? 1 : 0;
  }
  throw new RangeError(`"${name}" is not a column that describes the shopper`);
}

export function viewExamples(log: InteractionLog): ViewExamples {
  const counts = new Float64Array(log.categoryNames.length);
  for (let r = 0; r < log.category.length; r++) counts[log.category[r]!]!++;
  const top = Array.from(counts.keys())
    .sort((a, b) => counts[b]! - counts[a]! || a - b)
    .slice(0, TOP_CATEGORIES);
  const S = log.segmentNames.length <= MAX_SEGMENTS ? log.segmentNames.length : 0;
  const names = [
    ...log.segmentNames.slice(0, S).map((s) => `segment: ${s}`),
    ...top.map((c) => `category: ${log.categoryNames[c]}`),
    'category: other',
    'price band',
    'views so far',
    'clicked before',
    'carted before',
    'bought before',
  ];
  const D = names.length;
  const slot = new Int32Array(log.categoryNames.length).fill(S + top.length);
  top.forEach((c, i) => (slot[c] = S + i));
  const price0 = S + top.length + 1;
  const lo = log.summary.priceMin && log.summary.priceMin > 0 ? Math.log(log.summary.priceMin) : 0;
  const hi = log.summary.priceMax && log.summary.priceMax > 0 ? Math.log(log.summary.priceMax) : 0;
  const band = (p: number) =>
    Number.isFinite(p) && p > 0 && hi > lo
      ? Math.min(1, Math.max(0, (Math.log(p) - lo) / (hi - lo)))
      : 0.5;

  const n = log.user.length;
  const viewOrdinal = new Int32Array(n).fill(-1);
  let views = 0;
  for (let r = 0; r < n; r++) if (log.event[r] === VIEW) viewOrdinal[r] = views++;
  const values = new Float32Array(views * D);
  const user = new Int32Array(views);
  const item = new Int32Array(views);
  const clicked = new Float32Array(views);
  const purchased = new Float32Array(views);
  const viewIndex = new Int32Array(views);
  // The shopper's latest view of each item: the example a later click or purchase labels.
  const latest = new Map<number, number>();
  let k = 0;
  let current = -1;
  let seen = 0;
  const done = [false, false, false, false];
  for (const r of rowsByShopper(log)) {
    const u = log.user[r]!;
    if (u !== current) {
      current = u;
      seen = 0;
      done.fill(false);
      latest.clear();
    }
    const i = log.item[r]!;
    const e = log.event[r]!;
    if (e === VIEW) {
      const row = k * D;
      const s = log.segment[r]!;
      if (s >= 0 && s < S) values[row + s] = 1;
      values[row + slot[log.category[r]!]!] = 1;
      values[row + price0] = band(log.price[r]!);
      values[row + price0 + 1] = viewsFeature(seen);
      values[row + price0 + 2] = done[CLICK] ? 1 : 0;
      values[row + price0 + 3] = done[CART] ? 1 : 0;
      values[row + price0 + 4] = done[PURCHASE] ? 1 : 0;
      user[k] = u;
      item[k] = i;
      viewIndex[k] = viewOrdinal[r]!;
      latest.set(i, k++);
      seen++;
      continue;
    }
    done[e] = true;
    const shown = latest.get(i);
    if (shown === undefined) continue;
    if (e >= CLICK) clicked[shown] = 1;
    if (e === PURCHASE) purchased[shown] = 1;
  }
  const shopperColumns = names.flatMap((name, c) =>
    name.startsWith('category: ') || name === 'price band' ? [] : [c],
  );
  return { names, shopperColumns, values, size: views, user, item, clicked, purchased, viewIndex };
}

/** The examples of the shoppers in `users` (a held-out split of shoppers), in order. */
export function examplesOf(x: ViewExamples, users: ArrayLike<number>): Int32Array {
  const keep = new Set<number>(Array.from(users));
  const out: number[] = [];
  for (let k = 0; k < x.size; k++) if (keep.has(x.user[k]!)) out.push(k);
  return Int32Array.from(out);
}

/** The `columns` of every example, row-major. */
export function selectColumns(x: ViewExamples, columns: readonly number[]): Float32Array {
  const D = x.names.length;
  const C = columns.length;
  const out = new Float32Array(x.size * C);
  for (let k = 0; k < x.size; k++)
    for (let c = 0; c < C; c++) out[k * C + c] = x.values[k * D + columns[c]!]!;
  return out;
}

/** The log's funnel, the source article's chain of step probabilities (view → click → cart → purchase), from its counts. */
export interface Funnel {
  views: number;
  clickGivenView: number;
  cartGivenClick: number;
  purchaseGivenCart: number;
  /** The product of the three: P(purchase | view). */
  purchaseGivenView: number;
}

export function funnelOf(log: InteractionLog): Funnel {
  const n = [0, 0, 0, 0];
  for (let r = 0; r < log.event.length; r++) n[log.event[r]!]!++;
  const rate = (a: number, b: number) => (b > 0 ? a / b : NaN);
  const clickGivenView = rate(n[CLICK]!, n[VIEW]!);
  const cartGivenClick = rate(n[CART]!, n[CLICK]!);
  const purchaseGivenCart = rate(n[PURCHASE]!, n[CART]!);
  return {
    views: n[VIEW]!,
    clickGivenView,
    cartGivenClick,
    purchaseGivenCart,
    purchaseGivenView: clickGivenView * cartGivenClick * purchaseGivenCart,
  };
}
