/**
 * The shop's catalog: items with a category, a brand, a price, a quality and
 * a latent embedding (the "taste space" shoppers' preferences live in),
 * generated from a seed so a shop is the same on every machine.
 *
 * How an item is made:
 * - its category is drawn uniformly; each category has a random unit
 *   direction in taste space and a price level (median price times
 *   exp(N(0, categoryPriceSpread)));
 * - its embedding is the category direction plus N(0, itemSpread²) noise per
 *   coordinate, normalised to length 1, so items of a category are alike;
 * - its quality is Beta(2, 2) in [0, 1];
 * - its price is the category level times exp(N(0, priceSpread)) times
 *   (0.7 + 0.6 quality): better things cost more, so no item is best for all;
 * - its margin (the shop's share of the price) is uniform in [marginMin, marginMax].
 */
import { createRandom, type Random } from '../../random';
import { sampleBeta } from '../distributions';

export interface CatalogConfig {
  /** Number of items, 10 to 10,000. */
  items: number;
  /** Number of categories, 1 to items. */
  categories: number;
  /** Brands per category, ≥ 1 (brand ids are global: category * brandsPerCategory + k). */
  brandsPerCategory: number;
  /** Dimensions of the taste space, 2 to 32. */
  embeddingSize: number;
  /** Median price, in currency units, > 0. */
  priceMedian: number;
  /** Spread of log price between categories (standard deviation), ≥ 0. */
  categoryPriceSpread: number;
  /** Spread of log price within a category (standard deviation), ≥ 0. */
  priceSpread: number;
  /** How far items stray from their category's direction (noise per coordinate), ≥ 0. */
  itemSpread: number;
  /** Lowest margin as a fraction of price, in [0, 1]. */
  marginMin: number;
  /** Highest margin as a fraction of price, in [marginMin, 1]. */
  marginMax: number;
}

export interface Catalog {
  readonly config: CatalogConfig;
  readonly size: number;
  readonly embeddingSize: number;
  readonly category: Int32Array;
  readonly brand: Int32Array;
  /** Currency units, > 0. */
  readonly price: Float64Array;
  /** In [0, 1]. */
  readonly quality: Float64Array;
  /** Fraction of the price the shop keeps, in [0, 1]. */
  readonly margin: Float64Array;
  /** Unit vectors, item i at [i * embeddingSize, (i + 1) * embeddingSize). */
  readonly embedding: Float64Array;
}

export const CATALOG_LIMITS = { minItems: 10, maxItems: 10_000, maxEmbedding: 32 } as const;

function whole(name: string, v: number, min: number, max: number): void {
  if (!(Number.isInteger(v) && v >= min && v <= max))
    throw new RangeError(`${name} must be a whole number from ${min} to ${max}, got ${v}`);
}

function nonNegative(name: string, v: number): void {
  if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`${name} must be ≥ 0, got ${v}`);
}

/** Throws a RangeError naming the first bad field. */
export function checkCatalogConfig(c: CatalogConfig): void {
  if (c.items === 0) throw new RangeError('the catalog is empty: it needs at least 10 items');
  whole('items', c.items, CATALOG_LIMITS.minItems, CATALOG_LIMITS.maxItems);
  whole('categories', c.categories, 1, c.items);
  whole('brandsPerCategory', c.brandsPerCategory, 1, 1000);
  whole('embeddingSize', c.embeddingSize, 2, CATALOG_LIMITS.maxEmbedding);
  if (!(Number.isFinite(c.priceMedian) && c.priceMedian > 0))
    throw new RangeError(`prices must be positive: priceMedian is ${c.priceMedian}`);
  nonNegative('categoryPriceSpread', c.categoryPriceSpread);
  nonNegative('priceSpread', c.priceSpread);
  nonNegative('itemSpread', c.itemSpread);
  if (!(c.marginMin >= 0 && c.marginMin <= c.marginMax && c.marginMax <= 1))
    throw new RangeError(
      `margins must satisfy 0 ≤ marginMin ≤ marginMax ≤ 1, got ${c.marginMin} and ${c.marginMax}`,
    );
}

/** A random unit vector of length `n` written at `out[offset...]`. */
export function randomUnit(out: Float64Array, offset: number, n: number, rng: Random): void {
  let norm = 0;
  for (let k = 0; k < n; k++) {
    const v = rng.normal();
    out[offset + k] = v;
    norm += v * v;
  }
  normalise(out, offset, n, norm);
}

/** Scales out[offset, offset + n) to length 1, given its squared length. */
export function normalise(out: Float64Array, offset: number, n: number, squared: number): void {
  const inv = squared > 0 ? 1 / Math.sqrt(squared) : 0;
  for (let k = 0; k < n; k++) out[offset + k]! *= inv;
}

/**
 * Items whose category and price are known (a log's own items): each item
 * keeps its category (0 to categories − 1) and, where it is above 0, its
 * price; the rest is drawn as for any item.
 */
export interface KnownItems {
  category: ArrayLike<number>;
  /** 0 where unknown. */
  price: ArrayLike<number>;
}

export function generateCatalog(config: CatalogConfig, seed: number, known?: KnownItems): Catalog {
  checkCatalogConfig(config);
  if (known && (known.category.length !== config.items || known.price.length !== config.items))
    throw new RangeError(`the known items are not the catalog's ${config.items}`);
  const rng = createRandom(seed);
  const { items: n, categories: C, embeddingSize: d } = config;
  const directions = new Float64Array(C * d);
  const levels = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    randomUnit(directions, c * d, d, rng);
    levels[c] = config.priceMedian * Math.exp(config.categoryPriceSpread * rng.normal());
  }
  const category = new Int32Array(n);
  const brand = new Int32Array(n);
  const price = new Float64Array(n);
  const quality = new Float64Array(n);
  const margin = new Float64Array(n);
  const embedding = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    // The first C items cover every category once, so small catalogs have them all.
    const drawn = i < C ? i : rng.int(C);
    const c = known ? known.category[i]! : drawn;
    if (!(Number.isInteger(c) && c >= 0 && c < C))
      throw new RangeError(`item ${i}'s category ${c} is not one of the ${C}`);
    category[i] = c;
    brand[i] = c * config.brandsPerCategory + rng.int(config.brandsPerCategory);
    quality[i] = sampleBeta(2, 2, rng);
    const drawnPrice =
      levels[c]! * Math.exp(config.priceSpread * rng.normal()) * (0.7 + 0.6 * quality[i]!);
    const knownPrice = known?.price[i] ?? 0;
    price[i] = knownPrice > 0 ? knownPrice : drawnPrice;
    margin[i] = config.marginMin + (config.marginMax - config.marginMin) * rng.next();
    let squared = 0;
    for (let k = 0; k < d; k++) {
      const v = directions[c * d + k]! + config.itemSpread * rng.normal();
      embedding[i * d + k] = v;
      squared += v * v;
    }
    normalise(embedding, i * d, d, squared);
  }
  return { config, size: n, embeddingSize: d, category, brand, price, quality, margin, embedding };
}
