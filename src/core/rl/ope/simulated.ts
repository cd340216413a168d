/**
 * Logs with propensities from the shop simulator, and the truth to check
 * off-policy estimates against. Each shopper makes one decision (sessions
 * of one step, so what a policy shows cannot change who comes next; one
 * population, with no seasons, whatever seed draws a log's shoppers),
 * and the context a policy sees is the shopper's segment. The logging policy
 * is stochastic and known, so every row records the probability it gave
 * its item; the true value of any target is what it earns online on the
 * same shop's shoppers, read from the simulator's own expected rewards.
 */
import { csvText } from '../../data/csv';
import { createRandom } from '../../random';
import { generateCatalog } from '../sim/catalog';
import { shopPreset, type ShopName } from '../sim/presets';
import { emptyEvents, ShopperPool, SlateProbabilities } from '../sim/shoppers';
import type { LoggedDecisions, Policy } from './estimators';

/**
 * The shop a log is written in: a preset with its own catalog (seed 1), or
 * the catalog a race sells (its size and seed), so that the race's agents
 * can be judged on a log of their own items.
 */
export type OpeShop = ShopName | { shop: ShopName; items: number; catalogSeed: number };

/**
 * The shop's shoppers, one at a time: `seed` says which of them come, and
 * the catalog and what each segment wants are the shop's whatever `seed`
 * is, so every log and every truth is of one population. No seasons: that
 * population does not change as shoppers arrive.
 */
function arrivals(shop: OpeShop, seed: number) {
  const {
    shop: name,
    items,
    catalogSeed,
  } = typeof shop === 'string' ? { shop, items: 0, catalogSeed: 1 } : shop;
  const config = shopPreset(name);
  config.shoppers.seasonEvery = 0;
  if (items > 0) config.catalog.items = items;
  const catalog = generateCatalog(config.catalog, catalogSeed);
  const pool = new ShopperPool(1, config.shoppers, catalog, seed, undefined, 1);
  const slate = new Int32Array(1);
  const p = new SlateProbabilities(1);
  return {
    items: catalog.size,
    segments: config.shoppers.segments.length,
    /** The next shopper arrives; their segment. */
    next(): number {
      pool.spawn(0);
      return pool.segment[0]!;
    },
    /** The shopper's true P(click) of `item` shown alone. */
    click(item: number): number {
      slate[0] = item;
      return pool.probabilities(0, slate, p).click[0]!;
    },
    /** Shows `item`; 1 when the shopper clicks it. */
    show(item: number): number {
      slate[0] = item;
      return pool.sample(0, slate, pool.probabilities(0, slate, p), emptyEvents()).clicked >= 0
        ? 1
        : 0;
    },
  };
}

/** Draws an item from `p`. */
function draw(p: ArrayLike<number>, u: number): number {
  let a = 0;
  while (a < p.length - 1 && u >= p[a]!) u -= p[a++]!;
  return a;
}

/**
 * A policy over the shop's items per segment: softmax of `scores[segment]`
 * at `temperature`, mixed with ε of uniform (so every item keeps some chance).
 */
export function softmaxPolicy(scores: Float64Array[], temperature: number, epsilon = 0): Policy {
  if (!(temperature > 0)) throw new RangeError('the temperature must be above 0');
  if (!(epsilon >= 0 && epsilon <= 1)) throw new RangeError('ε must be in [0, 1]');
  const rows = scores.map((s) => {
    const top = Math.max(...s);
    const e = s.map((v) => Math.exp((v - top) / temperature));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => (1 - epsilon) * (v / sum) + epsilon / s.length);
  });
  return {
    numActions: scores[0]!.length,
    probabilities: (segment) => rows[segment]!,
  };
}

/**
 * What the shop's recommender knows before any log is drawn: each item's
 * mean expected reward per segment over `shoppers` pilot shoppers (its own
 * seed), which the logging and target policies are built on.
 */
export function segmentItemValues(shop: OpeShop, shoppers: number, seed: number): Float64Array[] {
  const visit = arrivals(shop, seed);
  const sums = Array.from({ length: visit.segments }, () => new Float64Array(visit.items));
  const counts = new Float64Array(visit.segments);
  for (let k = 0; k < shoppers; k++) {
    const s = visit.next();
    for (let a = 0; a < visit.items; a++) sums[s]![a]! += visit.click(a);
    counts[s]!++;
  }
  return sums.map((row, s) => row.map((v) => v / Math.max(1, counts[s]!)));
}

/** A log of `rows` decisions (one per shopper) that `logging` made in `shop`; clicks are the reward. */
export function simulatedBanditLog(
  shop: OpeShop,
  logging: Policy,
  rows: number,
  seed: number,
): LoggedDecisions {
  const visit = arrivals(shop, seed);
  const rng = createRandom(seed + 101);
  const log: LoggedDecisions = {
    context: new Int32Array(rows),
    action: new Int32Array(rows),
    reward: new Float64Array(rows),
    propensity: new Float64Array(rows),
    group: Int32Array.from({ length: rows }, (_, i) => i),
  };
  for (let i = 0; i < rows; i++) {
    const s = visit.next();
    const mu = logging.probabilities(s);
    const a = draw(mu, rng.next());
    log.context[i] = s;
    log.action[i] = a;
    log.reward[i] = visit.show(a);
    log.propensity[i] = mu[a]!;
  }
  return log;
}

/**
 * `target`'s value per decision online: its expected clicks on each of
 * `shoppers` shoppers (over the items it would draw, each with the
 * shopper's true click probability), averaged.
 */
export function onlineValue(shop: OpeShop, target: Policy, shoppers: number, seed: number): number {
  const visit = arrivals(shop, seed);
  let total = 0;
  for (let k = 0; k < shoppers; k++) {
    const pi = target.probabilities(visit.next());
    for (let a = 0; a < visit.items; a++) if (pi[a]! > 0) total += pi[a]! * visit.click(a);
  }
  return total / shoppers;
}

/** A logging policy and two targets of it, all frozen before any log is drawn. */
export interface OpeScenario {
  logging: Policy;
  /** Near the logging policy: ESS/n about 0.8. */
  close: Policy;
  /** Far from it: a sharper softmax on the same values, ESS/n about 0.25. */
  distant: Policy;
}

/**
 * The scenario the tests and the bench check estimators on: a shop's
 * recommender ranks items by what 2,000 pilot shoppers (their own seed)
 * clicked, and logs a softmax of that ranking with a fifth of its choices
 * uniform; the targets are sharper softmaxes of the same ranking.
 */
export function opeScenario(shop: OpeShop): OpeScenario {
  const values = segmentItemValues(shop, 2_000, 999);
  return {
    logging: softmaxPolicy(values, 0.05, 0.2),
    close: softmaxPolicy(values, 0.035, 0.15),
    distant: softmaxPolicy(values, 0.005, 0),
  };
}

/**
 * A log of single-item decisions as the CSV a shop would export: per
 * decision a `view` row of the shown item (with its decision id, slot 0 and,
 * unless `propensities` is false, its propensity) and a `click` row when it
 * was clicked. Items are `sku-N` (item N − 1), shoppers `shopper-N`.
 */
export function banditLogCsv(
  log: LoggedDecisions,
  segments: readonly string[],
  o: { propensities?: boolean; start?: number } = {},
): string {
  const withP = o.propensities ?? true;
  const head = ['user_id', 'item_id', 'event', 'timestamp', 'segment', 'decision', 'position'];
  const rows: (string | number)[][] = [withP ? [...head, 'propensity'] : head];
  const start = o.start ?? Date.UTC(2026, 0, 5, 9);
  for (let i = 0; i < log.context.length; i++) {
    const base = [`shopper-${log.group[i]! + 1}`, `sku-${log.action[i]! + 1}`];
    const at = new Date(start + i * 60_000).toISOString();
    const clickAt = new Date(start + i * 60_000 + 20_000).toISOString();
    const tail = [segments[log.context[i]!]!, `d${i + 1}`, 0];
    rows.push([...base, 'view', at, ...tail, ...(withP ? [log.propensity[i]!] : [])]);
    if (log.reward[i]! > 0) rows.push([...base, 'click', clickAt, ...tail, ...(withP ? [''] : [])]);
  }
  return csvText(rows);
}
