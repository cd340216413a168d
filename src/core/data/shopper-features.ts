/**
 * One feature vector per shopper from an interaction log: what a tabular GAN
 * learns to imitate. Every value lies in [0, 1]:
 *
 * - `share: <category>`: the share of the shopper's events in each of the
 *   log's most frequent categories, and `share: other` for the rest (they
 *   sum to 1);
 * - `price band`: the median price of what they engaged with (clicked,
 *   carted or bought; viewed when nothing else), on a log scale between the
 *   log's lowest and highest price; 0.5 when no price is known;
 * - `activity`: log(1 + events), over the most active shopper's;
 * - `click rate`: clicks per view; `cart rate` and `purchase rate`: carts
 *   and purchases per click (each capped at 1, and 0 without a base).
 */
import type { InteractionLog } from './interaction-log';
import { EVENT_KINDS } from './log-events';
import { median } from './stats';

export interface ShopperFeatures {
  names: string[];
  /** Row-major, `users × names.length`. */
  values: Float32Array;
  users: number;
  /** The first `shares` columns are category shares that sum to 1. */
  shares: number;
  scale: FeatureScale;
  /** Each shopper's segment (the one most of their rows name), when the log has 2 to 12. */
  segments: ShopperSegments | null;
}

export interface ShopperSegments {
  names: string[];
  /** Per shopper, an index into `names`. */
  labels: Int32Array;
}

/** Segments a GAN can be conditioned on: at least two, at most a dozen. */
export const SEGMENT_LIMITS = { min: 2, max: 12 } as const;

/** What undoes the [0, 1] scaling: the log's price range and its most active shopper. */
export interface FeatureScale {
  /** Lowest and highest price in the log, or null when it has no prices. */
  priceMin: number | null;
  priceMax: number | null;
  /** Events of the most active shopper (activity 1). */
  maxEvents: number;
}

/**
 * The yes/no question "train on synthetic, test on real" asks of shoppers:
 * is this a buyer, one who purchases after at least 1 in 20 clicks?
 */
export const BUYER_TASK = { column: 'purchase rate', threshold: 0.05 } as const;

/** The buyer question's column in a feature table, or -1 when the table lacks it. */
export function buyerColumn(names: readonly string[]): number {
  return names.indexOf(BUYER_TASK.column);
}

const VIEW = EVENT_KINDS.indexOf('view');
const CLICK = EVENT_KINDS.indexOf('click');
const CART = EVENT_KINDS.indexOf('cart');
const PURCHASE = EVENT_KINDS.indexOf('purchase');

/** Features of every shopper in the log, with `topCategories` category shares (default 8). */
export function shopperFeatures(log: InteractionLog, topCategories = 8): ShopperFeatures {
  const U = log.userIds.length;
  const n = log.user.length;
  const counts = new Float64Array(log.categoryNames.length);
  for (let r = 0; r < n; r++) counts[log.category[r]!]!++;
  const top = Array.from(counts.keys())
    .sort((a, b) => counts[b]! - counts[a]! || a - b)
    .slice(0, topCategories);
  const slot = new Int32Array(log.categoryNames.length).fill(top.length); // "other"
  top.forEach((c, i) => (slot[c] = i));
  const names = [
    ...top.map((c) => `share: ${log.categoryNames[c]}`),
    'share: other',
    'price band',
    'activity',
    'click rate',
    'cart rate',
    'purchase rate',
  ];
  const D = names.length;
  const S = top.length + 1;
  const values = new Float32Array(U * D);
  const byKind = new Float64Array(U * EVENT_KINDS.length);
  const total = new Float64Array(U);
  const engaged: number[][] = Array.from({ length: U }, () => []);
  const viewed: number[][] = Array.from({ length: U }, () => []);
  for (let r = 0; r < n; r++) {
    const u = log.user[r]!;
    const e = log.event[r]!;
    total[u]!++;
    byKind[u * EVENT_KINDS.length + e]!++;
    values[u * D + slot[log.category[r]!]!]!++;
    const p = log.price[r]!;
    if (Number.isFinite(p) && p > 0) (e === VIEW ? viewed : engaged)[u]!.push(Math.log(p));
  }
  const lo = log.summary.priceMin && log.summary.priceMin > 0 ? Math.log(log.summary.priceMin) : 0;
  const hi = log.summary.priceMax && log.summary.priceMax > 0 ? Math.log(log.summary.priceMax) : 0;
  const maxEvents = total.reduce((m, v) => Math.max(m, v), 0);
  const maxActivity = Math.log1p(maxEvents) || 1;
  const rate = (num: number, den: number) => (den > 0 ? Math.min(1, num / den) : 0);
  for (let u = 0; u < U; u++) {
    const row = u * D;
    for (let s = 0; s < S; s++) values[row + s]! /= total[u]! || 1;
    const prices = engaged[u]!.length > 0 ? engaged[u]! : viewed[u]!;
    // Clamped: the summary's price range is rounded, and a price a hair under it would dip below 0.
    values[row + S] =
      prices.length === 0
        ? 0.5
        : hi > lo
          ? Math.min(1, Math.max(0, (median(prices) - lo) / (hi - lo)))
          : 0.5;
    values[row + S + 1] = Math.log1p(total[u]!) / maxActivity;
    const k = (e: number) => byKind[u * EVENT_KINDS.length + e]!;
    const views = k(VIEW);
    const clicks = k(CLICK);
    values[row + S + 2] = views > 0 ? rate(clicks, views) : clicks > 0 ? 1 : 0;
    values[row + S + 3] = rate(k(CART), clicks);
    values[row + S + 4] = rate(k(PURCHASE), clicks);
  }
  const scale = {
    priceMin: log.summary.priceMin ?? null,
    priceMax: log.summary.priceMax ?? null,
    maxEvents,
  };
  return { names, values, users: U, shares: S, scale, segments: segmentsOf(log) };
}

/** Each shopper's most named segment (ties to the first seen), or null outside SEGMENT_LIMITS. */
function segmentsOf(log: InteractionLog): ShopperSegments | null {
  const S = log.segmentNames.length;
  if (S < SEGMENT_LIMITS.min || S > SEGMENT_LIMITS.max) return null;
  const U = log.userIds.length;
  const counts = new Int32Array(U * S);
  for (let r = 0; r < log.user.length; r++) {
    const s = log.segment[r]!;
    if (s >= 0) counts[log.user[r]! * S + s]!++;
  }
  const labels = new Int32Array(U);
  for (let u = 0; u < U; u++) {
    let best = 0;
    for (let s = 1; s < S; s++) if (counts[u * S + s]! > counts[u * S + best]!) best = s;
    labels[u] = best;
  }
  return { names: [...log.segmentNames], labels };
}
