/**
 * Shoppers given one by one instead of drawn from segments: a population
 * built from shopper feature rows (real ones from a log, or a GAN's synthetic
 * ones), so the simulator can serve the people a log describes.
 *
 * A feature row (shopper-features.ts) says what a shopper did, not the
 * hidden settings that made them do it, so this module inverts the funnel
 * (shoppers.ts) approximately. For a row and a shop's catalog:
 *
 * - preference: Σ_c (w_c − b_c) · m_c, normalised, where w_c is the row's
 *   share of events in catalog category c, b_c the catalog's share of items
 *   in c (what random slates would show) and m_c the category's mean item
 *   embedding. A log category named like "cat-3" is catalog category 3;
 *   other names go by frequency rank (the log's k-th most common category is
 *   catalog category k, wrapping round). "other" is spread over the catalog
 *   categories no named share maps to, in proportion to their size.
 * - price sensitivity: clicks tilt towards cheap items in proportion to the
 *   sensitivity s (for log prices of variance σ², E[ln price of a click] ≈
 *   −s σ²), so s = s̄ − r / σ², where r is the shopper's median engaged log
 *   price less the population's mean, σ² the catalog's log-price variance
 *   and s̄ the segments' mean sensitivity. Clamped to [0, 4 · the largest].
 * - budget: the segments' mean budget times e^r, in median prices.
 * - patience: the activity gives the events, the rates the events per step,
 *   hence the session length L; with per-step click chance c and leave chance
 *   q after a click, 1/L = (1 − c)/patience + c q, solved for patience
 *   (1 to 100 steps).
 * - segment (which the shop sees, and whose taste, quality and novelty
 *   weights apply): the one whose sensitivity and budget are nearest on a
 *   log scale.
 *
 * Cart and purchase rates are funnel-wide settings in the simulator, not
 * personal ones, so they enter only through the session length.
 */
import type { ShopperFeatures } from '../../data/shopper-features';
import type { Catalog } from './catalog';
import type { ShopperConfig, ShopperProfile } from './shopper-config';

/** What of a shop's settings (presets.ts's ShopConfig) the mapping reads. */
interface ProfileShop {
  catalog: { categories: number };
  shoppers: ShopperConfig;
  slateSize: number;
}

/** Shopper feature rows without the per-user count (synthetic rows have no users). */
export type FeatureRows = Pick<ShopperFeatures, 'names' | 'values' | 'shares' | 'scale'>;

export const MAX_PROFILES = 5000;

/** The columns besides the category shares that the mapping reads. */
export const PROFILE_COLUMNS = [
  'price band',
  'activity',
  'click rate',
  'cart rate',
  'purchase rate',
] as const;

/** Throws a RangeError naming the first bad profile. */
export function checkProfiles(
  profiles: readonly ShopperProfile[],
  segments: number,
  embeddingSize: number,
): void {
  if (profiles.length < 1 || profiles.length > MAX_PROFILES)
    throw new RangeError(
      `a population holds 1 to ${MAX_PROFILES} shoppers, got ${profiles.length}`,
    );
  profiles.forEach((p, i) => {
    const bad = (what: string) => new RangeError(`shopper ${i + 1} of the population: ${what}`);
    if (!(Number.isInteger(p.segment) && p.segment >= 0 && p.segment < segments))
      throw bad(`segment must be 0 to ${segments - 1}, got ${p.segment}`);
    if (p.preference.length !== embeddingSize || !p.preference.every(Number.isFinite))
      throw bad(`the preference needs ${embeddingSize} finite numbers`);
    if (!(p.priceSensitivity >= 0 && Number.isFinite(p.priceSensitivity)))
      throw bad(`price sensitivity must be ≥ 0, got ${p.priceSensitivity}`);
    if (!(p.patience >= 1 && Number.isFinite(p.patience)))
      throw bad(`patience must be ≥ 1, got ${p.patience}`);
    if (!(p.budget > 0 && Number.isFinite(p.budget)))
      throw bad(`budget must be > 0, got ${p.budget}`);
  });
}

/**
 * Which catalog category each share column stands for: by the number in a
 * "cat-N"-style name when every named share has one in range, else by rank.
 */
export function categoryMap(
  names: readonly string[],
  shares: number,
  categories: number,
): number[] {
  const named = names.slice(0, Math.max(0, shares - 1)).map((n) => n.replace(/^share: /, ''));
  const numbers = named.map((n) => Number(/(\d+)$/.exec(n)?.[1] ?? NaN));
  const byNumber = numbers.every((k) => Number.isInteger(k) && k >= 1 && k <= categories);
  return named.map((_, j) => (byNumber ? numbers[j]! - 1 : j % categories));
}

interface CatalogShape {
  d: number;
  C: number;
  /** Mean embedding per category, unit length, C × d. */
  centroid: Float64Array;
  /** Share of items per category. */
  size: Float64Array;
  /** Variance of ln price over items. */
  logPriceVariance: number;
}

function shapeOf(catalog: Catalog, categories: number): CatalogShape {
  const d = catalog.embeddingSize;
  const C = categories;
  const centroid = new Float64Array(C * d);
  const size = new Float64Array(C);
  let mean = 0;
  for (let i = 0; i < catalog.size; i++) {
    const c = catalog.category[i]!;
    size[c]!++;
    for (let j = 0; j < d; j++) centroid[c * d + j]! += catalog.embedding[i * d + j]!;
    mean += Math.log(catalog.price[i]!);
  }
  mean /= catalog.size;
  let variance = 0;
  for (let i = 0; i < catalog.size; i++) variance += (Math.log(catalog.price[i]!) - mean) ** 2;
  for (let c = 0; c < C; c++) {
    let norm = 0;
    for (let j = 0; j < d; j++) norm += centroid[c * d + j]! ** 2;
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let j = 0; j < d; j++) centroid[c * d + j]! *= inv;
    size[c]! /= catalog.size;
  }
  return { d, C, centroid, size, logPriceVariance: Math.max(1e-3, variance / catalog.size) };
}

function column(names: readonly string[], name: string): number {
  const k = names.indexOf(name);
  if (k < 0) throw new RangeError(`the shopper rows have no "${name}" column`);
  return k;
}

/** One profile per feature row, for `shop` with `catalog` (see the module notes for how). */
export function profilesFromFeatures(
  rows: FeatureRows,
  shop: ProfileShop,
  catalog: Catalog,
): ShopperProfile[] {
  const D = rows.names.length;
  const n = Math.floor(rows.values.length / D);
  if (n < 1 || n * D !== rows.values.length)
    throw new RangeError('the shopper rows must be a whole number of rows');
  if (n > MAX_PROFILES)
    throw new RangeError(`a population holds at most ${MAX_PROFILES} shoppers, got ${n}`);
  const cat = shapeOf(catalog, shop.catalog.categories);
  const { d, C } = cat;
  const map = categoryMap(rows.names, rows.shares, C);
  const hit = new Set(map);
  const otherSize = cat.size.reduce((a, s, c) => a + (hit.has(c) ? 0 : s), 0);
  const col = {
    band: column(rows.names, 'price band'),
    activity: column(rows.names, 'activity'),
    click: column(rows.names, 'click rate'),
    cart: column(rows.names, 'cart rate'),
    purchase: column(rows.names, 'purchase rate'),
  };
  const at = (r: number, k: number) => rows.values[r * D + k]!;

  const segments = shop.shoppers.segments;
  const total = segments.reduce((a, s) => a + s.share, 0);
  const meanOf = (f: (s: (typeof segments)[number]) => number) =>
    segments.reduce((a, s) => a + (s.share / total) * f(s), 0);
  const meanSensitivity = meanOf((s) => s.priceSensitivity);
  const maxSensitivity = Math.max(...segments.map((s) => s.priceSensitivity), 0.1);
  const meanBudget = meanOf((s) => s.budget);
  const { priceMin, priceMax, maxEvents } = rows.scale;
  const logRange =
    priceMin !== null && priceMax !== null && priceMin > 0 && priceMax > priceMin
      ? Math.log(priceMax / priceMin)
      : 0;
  let meanBand = 0;
  for (let r = 0; r < n; r++) meanBand += at(r, col.band) / n;

  const K = shop.slateSize;
  const f = shop.shoppers.funnel;
  const w = new Float64Array(C);
  return Array.from({ length: n }, (_, r) => {
    // Taste: what the shopper engaged with beyond what random slates show.
    w.fill(0);
    map.forEach((c, j) => (w[c]! += at(r, j)));
    const other = rows.shares > map.length ? at(r, rows.shares - 1) : 0;
    if (otherSize > 0)
      for (let c = 0; c < C; c++) if (!hit.has(c)) w[c]! += (other * cat.size[c]!) / otherSize;
    const preference = new Array<number>(d).fill(0);
    for (let c = 0; c < C; c++)
      for (let j = 0; j < d; j++)
        preference[j]! += (w[c]! - cat.size[c]!) * cat.centroid[c * d + j]!;
    let norm = Math.hypot(...preference);
    if (!(norm > 1e-9)) {
      const top = w.indexOf(Math.max(...w));
      for (let j = 0; j < d; j++) preference[j] = cat.centroid[top * d + j]!;
      norm = Math.hypot(...preference) || 1;
    }
    for (let j = 0; j < d; j++) preference[j]! /= norm;

    // Price: how far above the population's typical price this shopper buys.
    const relative = (at(r, col.band) - meanBand) * logRange;
    const priceSensitivity = Math.min(
      4 * maxSensitivity,
      Math.max(0, meanSensitivity - relative / cat.logPriceVariance),
    );
    const budget = Math.min(100, Math.max(0.1, meanBudget * Math.exp(relative)));

    // Patience: the session length the activity and rates imply.
    const events = Math.expm1(at(r, col.activity) * Math.log1p(maxEvents));
    const clickRate = at(r, col.click);
    const perStep = K * (1 + clickRate * (1 + at(r, col.cart) + at(r, col.purchase)));
    const length = Math.max(1, events / perStep);
    const c = Math.min(1, clickRate * K);
    const buys = Math.min(1, at(r, col.purchase));
    const q = buys * f.leaveAfterPurchase + (1 - buys) * f.leaveAfterClick;
    const rest = 1 / length - c * q;
    const patience =
      length >= shop.shoppers.maxSessionLength || rest <= (1 - c) / 100
        ? 100
        : Math.min(100, Math.max(1, (1 - c) / rest));

    let segment = 0;
    let best = Infinity;
    segments.forEach((s, k) => {
      const gap =
        Math.log((priceSensitivity + 0.05) / (s.priceSensitivity + 0.05)) ** 2 +
        Math.log(budget / s.budget) ** 2;
      if (gap < best) {
        best = gap;
        segment = k;
      }
    });
    return { segment, preference, priceSensitivity, patience, budget };
  });
}
