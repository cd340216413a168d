/**
 * What a recommender can carry into a race from a log: the shop's
 * bestseller counts and a collaborative-filtering model's tables, both
 * turned from the log's item and shopper ids into the race's actions and
 * segments. Plain arrays, no backend: the worker builds agents from it, and
 * a race that starts from a log can be saved with it.
 *
 * Shoppers in a race are new: nobody in it is a user of the log. A shopper
 * gets the mean user vector (and bias) of the log's users in the same
 * segment, or of all of them when the log names no segments (collaborative
 * filtering's fold-in, started from the population's average).
 */
import type { InteractionLog } from '../../data/interaction-log';
import { EVENT_KINDS } from '../../data/log-events';
import { median } from '../../data/stats';
import type { CfTables } from '../models/cf-tables';
import { twoHeadedShapes, type NetWeight } from '../models/two-headed-shapes';

/** Plain number arrays, as a race's settings carry them (JSON in a saved session). */
export interface CfPrior {
  dim: number;
  /** Per action, its item vector (zeros for an item the log never showed), row-major. */
  item: number[];
  /** Per action, its item bias (the lowest learned bias for an item the log never showed). */
  itemBias: number[];
  /** Per segment of the race (one when it has none), the log's mean user vector there, row-major. */
  user: number[];
  userBias: number[];
}

/**
 * The two-headed network as trained on a log: its inputs (the log's
 * shopper columns, by name), its weights, and per output of its softmax
 * head the race's action for that item (-1 where the race does not sell it).
 */
export interface TwoHeadedPrior {
  features: string[];
  hidden: [number, number];
  /** Per softmax output (the log's items, in its order), the race's action or -1. */
  actions: number[];
  /** The network's weights (both towers) by name, each flattened row-major. */
  weights: NetWeight<number[]>[];
  /** The shop's longest session, to read a race's context back (observe.ts). */
  maxSessionLength: number;
  /** The race's segment names, in its order (empty for a race without segments). */
  segments: string[];
}

/**
 * A catalog made of a log's own items, for a log the simulator did not
 * write: per item (in the log's order, action i is the log's item i) its
 * category and its price as the log shows them; the rest of each item is
 * drawn (sim/catalog.ts's `KnownItems`).
 */
export interface LogCatalog {
  categories: string[];
  /** Per item, the index of its most frequent category in the log. */
  category: number[];
  /** Per item, the median of its prices in the log; 0 where the log gives none. */
  price: number[];
}

/** The categories a log's catalog may have. */
export const MAX_LOG_CATEGORIES = 200;

/** The log's items as a catalog. */
export function logCatalog(log: InteractionLog): LogCatalog {
  const I = log.itemIds.length;
  const C = Math.max(1, log.categoryNames.length);
  const counts = new Map<number, number>();
  const prices: number[][] = Array.from({ length: I }, () => []);
  for (let r = 0; r < log.item.length; r++) {
    const i = log.item[r]!;
    const key = i * C + Math.max(0, log.category[r]!);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    const p = log.price[r]!;
    if (Number.isFinite(p) && p > 0) prices[i]!.push(p);
  }
  const category = new Array<number>(I).fill(0);
  const best = new Array<number>(I).fill(0);
  for (const [key, n] of counts) {
    const i = Math.floor(key / C);
    const c = key % C;
    if (n > best[i]! || (n === best[i] && c < category[i]!)) {
      best[i] = n;
      category[i] = c;
    }
  }
  return {
    categories: log.categoryNames.length > 0 ? [...log.categoryNames] : ['all'],
    category,
    price: prices.map((xs) => (xs.length > 0 ? median(xs) : 0)),
  };
}

function logCatalogProblem(c: LogCatalog, items: number): string | null {
  const C = c.categories.length;
  if (!(C >= 1 && C <= Math.min(items, MAX_LOG_CATEGORIES)))
    return `its catalog has ${C} categories for ${items} items`;
  if (c.category.length !== items || c.price.length !== items)
    return 'its catalog does not list the race’s items';
  if (c.category.some((k) => !(Number.isInteger(k) && k >= 0 && k < C)))
    return 'its catalog names categories it does not have';
  if (c.price.some((p) => !(Number.isFinite(p) && p >= 0)))
    return 'its catalog’s prices are damaged';
  return null;
}

export interface LogPrior {
  /** Where it came from, as the race says it ("simulated fashion log, 10,000 sessions"). */
  source: string;
  /** The catalog the actions index: the race's shop, its size, and the seed that drew it. */
  shop: string;
  items: number;
  catalogSeed: number;
  /** Per action, the log's purchases of that item: the shop's bestseller list. */
  purchases: number[];
  /** Null when no CF model was trained on the log. */
  cf: CfPrior | null;
  /** Null (or absent, in races saved before it existed) when no two-headed network was. */
  twoHeaded?: TwoHeadedPrior | null;
  /**
   * The log's own items, for a log the simulator did not write: the race's
   * catalog, in place of one drawn from `catalogSeed` (which then seeds the
   * parts of each item the log does not give). Null or absent for a
   * simulator's log.
   */
  catalog?: LogCatalog | null;
}

/** The most numbers in a user or item vector (the model's 10 by default). */
export const MAX_PRIOR_DIM = 64;

/** What is wrong with a prior for a race of `items` actions and `segments` segments (0: none), or null. */
export function logPriorProblem(p: LogPrior, items: number, segments: number): string | null {
  const finite = (xs: number[]) => xs.every((x) => Number.isFinite(x));
  if (p.items !== items || p.purchases.length !== items)
    return `it was learned for ${p.items} items; the race has ${items}`;
  if (!finite(p.purchases) || p.purchases.some((x) => x < 0)) return 'its sales are damaged';
  if (p.catalog) {
    const problem = logCatalogProblem(p.catalog, items);
    if (problem) return problem;
  }
  const th = p.twoHeaded;
  if (th) {
    if (th.segments.length !== segments)
      return `it was learned for other segments than the race's ${Math.max(1, segments)}`;
    const problem = twoHeadedProblem(th, items);
    if (problem) return problem;
  }
  const cf = p.cf;
  if (!cf) return null;
  const rows = Math.max(1, segments);
  if (!(Number.isInteger(cf.dim) && cf.dim >= 1 && cf.dim <= MAX_PRIOR_DIM))
    return `its vectors hold 1 to ${MAX_PRIOR_DIM} numbers`;
  if (cf.item.length !== items * cf.dim || cf.itemBias.length !== items)
    return 'its item tables do not match its items';
  if (cf.user.length !== rows * cf.dim || cf.userBias.length !== rows)
    return `it was learned for other segments than the race's ${rows}`;
  if (![cf.item, cf.itemBias, cf.user, cf.userBias].every(finite)) return 'its tables are damaged';
  return null;
}

/** The most inputs and outputs of the two-headed network a race takes, and its widest layer. */
export const MAX_TWO_HEADED = { features: 64, outputs: 2_000, hidden: 256 } as const;

function twoHeadedProblem(th: TwoHeadedPrior, items: number): string | null {
  const whole = (v: number, hi: number) => Number.isInteger(v) && v >= 1 && v <= hi;
  const [h1, h2] = th.hidden;
  if (
    !whole(th.features.length, MAX_TWO_HEADED.features) ||
    !whole(th.actions.length, MAX_TWO_HEADED.outputs) ||
    !whole(h1, MAX_TWO_HEADED.hidden) ||
    !whole(h2, MAX_TWO_HEADED.hidden) ||
    !whole(th.maxSessionLength, 1_000)
  )
    return 'its network’s sizes are out of range';
  // Every item the network scores must be one the race can show (its softmax is over them all).
  if (th.actions.some((a) => !Number.isInteger(a) || a < 0 || a >= items))
    return 'its network scores items the race does not sell';
  const shapes = twoHeadedShapes(th.features.length, th.hidden, th.actions.length);
  const fits = (w: NetWeight<number[]>) =>
    shapes.get(w.name)?.join() === w.shape.join() &&
    w.values.length === w.shape.reduce((a, b) => a * b, 1);
  if (
    th.weights.length !== shapes.size ||
    new Set(th.weights.map((w) => w.name)).size !== shapes.size ||
    !th.weights.every(fits)
  )
    return 'its network’s weights do not fit its sizes';
  if (!th.weights.every((w) => w.values.every((x) => Number.isFinite(x))))
    return 'its network’s weights are damaged';
  return null;
}

export interface RaceMapping {
  numActions: number;
  /** The race's segment names, in its order (empty for a race without segments). */
  segmentNames: readonly string[];
  /** The race's action for one of the log's item ids, or null for an item the race does not sell. */
  actionOf(itemId: string): number | null;
}

/** Per log item, its action in the race (-1 where the race has none). */
function itemActions(log: InteractionLog, m: RaceMapping): Int32Array {
  return Int32Array.from(log.itemIds, (id) => {
    const a = m.actionOf(id);
    return a !== null && Number.isInteger(a) && a >= 0 && a < m.numActions ? a : -1;
  });
}

/** Per log user, the race segment of their first row (-1 when unknown to the race). */
function userSegments(log: InteractionLog, segmentNames: readonly string[]): Int32Array {
  const out = new Int32Array(log.userIds.length).fill(-1);
  const seen = new Uint8Array(log.userIds.length);
  const index = log.segmentNames.map((name) => segmentNames.indexOf(name));
  for (let r = 0; r < log.user.length; r++) {
    const u = log.user[r]!;
    if (seen[u]) continue;
    seen[u] = 1;
    const s = log.segment[r]!;
    out[u] = s >= 0 ? index[s]! : -1;
  }
  return out;
}

function cfPrior(
  log: InteractionLog,
  t: CfTables,
  actions: Int32Array,
  segmentNames: readonly string[],
  numActions: number,
): CfPrior {
  const d = t.dim;
  if (t.items !== log.itemIds.length || t.users !== log.userIds.length)
    throw new RangeError('the CF tables were not trained on this log');
  const item = new Array<number>(numActions * d).fill(0);
  // The lowest bias among the items the race sells: one it never saw starts at the bottom.
  let lowest = Infinity;
  for (let i = 0; i < t.items; i++) if (actions[i]! >= 0) lowest = Math.min(lowest, t.itemBias[i]!);
  const itemBias = new Array<number>(numActions).fill(Number.isFinite(lowest) ? lowest : 0);
  for (let i = 0; i < t.items; i++) {
    const a = actions[i]!;
    if (a < 0) continue;
    for (let k = 0; k < d; k++) item[a * d + k] = t.item[i * d + k]!;
    itemBias[a] = t.itemBias[i]!;
  }
  const segments = Math.max(1, segmentNames.length);
  const bySegment = userSegments(log, segmentNames);
  // A race segment no log user belongs to falls back on the mean of all users (the last row).
  const sums = new Float64Array((segments + 1) * (d + 1));
  const counts = new Float64Array(segments + 1);
  for (let u = 0; u < t.users; u++) {
    const s = bySegment[u]!;
    for (const row of s >= 0 ? [s, segments] : [segments]) {
      counts[row]!++;
      for (let k = 0; k < d; k++) sums[row * (d + 1) + k]! += t.user[u * d + k]!;
      sums[row * (d + 1) + d]! += t.userBias[u]!;
    }
  }
  const user = new Array<number>(segments * d).fill(0);
  const userBias = new Array<number>(segments).fill(0);
  for (let s = 0; s < segments; s++) {
    const row = counts[s]! > 0 ? s : segments;
    const n = Math.max(1, counts[row]!);
    for (let k = 0; k < d; k++) user[s * d + k] = sums[row * (d + 1) + k]! / n;
    userBias[s] = sums[row * (d + 1) + d]! / n;
  }
  return { dim: d, item, itemBias, user, userBias };
}

/** Where a prior comes from and which catalog its actions index. */
export interface PriorOrigin {
  source: string;
  shop: string;
  catalogSeed: number;
}

/** The two-headed network as `TwoHeadedNet` holds it, before it is mapped onto a race. */
export interface TwoHeadedWeights {
  features: string[];
  hidden: [number, number];
  weights: NetWeight[];
}

/** What a model trained on the log hands a race (one of them, or none). */
export interface LearnedModel {
  cf?: CfTables;
  twoHeaded?: TwoHeadedWeights;
}

/** The prior a race can start from: the log's purchases per action, and a trained model's state when given. */
export function logPrior(
  log: InteractionLog,
  mapping: RaceMapping,
  origin: PriorOrigin,
  model: LearnedModel = {},
  maxSessionLength = 0,
  catalog: LogCatalog | null = null,
): LogPrior {
  const actions = itemActions(log, mapping);
  const purchase = EVENT_KINDS.indexOf('purchase');
  const purchases = new Array<number>(mapping.numActions).fill(0);
  for (let r = 0; r < log.item.length; r++) {
    const a = actions[log.item[r]!]!;
    if (a >= 0 && log.event[r] === purchase) purchases[a]!++;
  }
  return {
    ...origin,
    items: mapping.numActions,
    purchases,
    cf: model.cf ? cfPrior(log, model.cf, actions, mapping.segmentNames, mapping.numActions) : null,
    twoHeaded: model.twoHeaded
      ? {
          features: model.twoHeaded.features,
          hidden: model.twoHeaded.hidden,
          actions: Array.from(actions),
          weights: model.twoHeaded.weights.map((w) => ({
            name: w.name,
            shape: w.shape,
            values: Array.from(w.values),
          })),
          maxSessionLength,
          segments: [...mapping.segmentNames],
        }
      : null,
    catalog,
  };
}
