/**
 * A log as the collaborative-filtering recommender learns from it: one row
 * per (shopper, item) pair the log knows about, labelled 1 when the shopper
 * engaged with the item (clicked, or bought, as asked) and 0 when they saw it
 * and passed. The source article's version fed `fit` a pivot table of
 * ratings with no labels, its gaps NaN; these pairs are the labels it lacked.
 *
 * A log that records views has its own negatives: what was shown and not
 * taken. A log of purchases or clicks alone has none, so negatives are
 * sampled from the items the shopper never touched (the usual implicit-
 * feedback recipe, He et al. 2017), `sampledNegatives` per positive.
 */
import type { InteractionLog } from '../../data/interaction-log';
import { EVENT_KINDS } from '../../data/log-events';
import { permutation, type Random } from '../../random';

/** What counts as a positive: engaging at all (click, cart or purchase), or buying. */
export type PositiveEvent = 'click' | 'purchase';

export interface LabelledPairs {
  user: Int32Array;
  item: Int32Array;
  /** 1 engaged, 0 passed over. */
  label: Float32Array;
  readonly size: number;
}

export interface PairOptions {
  positive: PositiveEvent;
  /** Negatives drawn per positive when the log records no views (default 4). */
  sampledNegatives?: number;
}

const VIEW = EVENT_KINDS.indexOf('view');
const CLICK = EVENT_KINDS.indexOf('click');
const PURCHASE = EVENT_KINDS.indexOf('purchase');

/** Tries to find an item a shopper never touched before giving up on that draw. */
const SAMPLE_TRIES = 20;

function pairs(user: number[], item: number[], label: number[]): LabelledPairs {
  return {
    user: Int32Array.from(user),
    item: Int32Array.from(item),
    label: Float32Array.from(label),
    size: user.length,
  };
}

/** The log's labelled pairs, each (shopper, item) once; sampled negatives draw from `rng`. */
export function labelledPairs(log: InteractionLog, o: PairOptions, rng: Random): LabelledPairs {
  const I = log.itemIds.length;
  const first = o.positive === 'purchase' ? PURCHASE : CLICK;
  // Pair key → label: 0 seen, 1 engaged. Keys are user · I + item (safe below 2^53).
  const seen = new Map<number, number>();
  let views = 0;
  for (let r = 0; r < log.user.length; r++) {
    const key = log.user[r]! * I + log.item[r]!;
    const e = log.event[r]!;
    if (e === VIEW) views++;
    if (e >= first) seen.set(key, 1);
    else if (!seen.has(key)) seen.set(key, 0);
  }
  const user: number[] = [];
  const item: number[] = [];
  const label: number[] = [];
  for (const [key, l] of seen) {
    user.push(Math.floor(key / I));
    item.push(key % I);
    label.push(l);
  }
  if (views > 0) return pairs(user, item, label);
  const per = o.sampledNegatives ?? 4;
  const positives = user.length;
  for (let p = 0; p < positives; p++) {
    const u = user[p]!;
    for (let n = 0; n < per; n++)
      for (let t = 0; t < SAMPLE_TRIES; t++) {
        const i = rng.int(I);
        if (seen.has(u * I + i)) continue;
        seen.set(u * I + i, 0);
        user.push(u);
        item.push(i);
        label.push(0);
        break;
      }
  }
  return pairs(user, item, label);
}

/** The rows of `p` at `rows`. */
export function pickPairs(p: LabelledPairs, rows: ArrayLike<number>): LabelledPairs {
  const n = rows.length;
  const out = {
    user: new Int32Array(n),
    item: new Int32Array(n),
    label: new Float32Array(n),
    size: n,
  };
  for (let j = 0; j < n; j++) {
    const r = rows[j]!;
    out.user[j] = p.user[r]!;
    out.item[j] = p.item[r]!;
    out.label[j] = p.label[r]!;
  }
  return out;
}

export interface PairSplit {
  train: LabelledPairs;
  test: LabelledPairs;
}

/** A seeded share of the pairs (default a fifth) held out for testing. */
export function splitPairs(p: LabelledPairs, rng: Random, testShare = 0.2): PairSplit {
  const order = permutation(p.size, rng);
  const held = Math.round(p.size * testShare);
  return { test: pickPairs(p, order.subarray(0, held)), train: pickPairs(p, order.subarray(held)) };
}

/** Each user's positive items in `p`, to keep them out of sampled candidates. */
export function positivesByUser(p: LabelledPairs): Map<number, Set<number>> {
  const out = new Map<number, Set<number>>();
  for (let r = 0; r < p.size; r++) {
    if (p.label[r]! < 0.5) continue;
    const u = p.user[r]!;
    let set = out.get(u);
    if (!set) out.set(u, (set = new Set()));
    set.add(p.item[r]!);
  }
  return out;
}

/**
 * For each held-out positive whose shopper the model trained on, `count`
 * items drawn from those the shopper has no positive with, in either split:
 * the candidates it is ranked against for hit rate and NDCG (the leave-one-
 * out protocol of He et al. 2017, with 99 candidates). Rows: positive, then
 * its candidates; `count + 1` per judged positive.
 */
export function rankingCandidates(
  split: PairSplit,
  items: number,
  count: number,
  rng: Random,
): { user: Int32Array; item: Int32Array; judged: number } {
  const known = new Set(split.train.user);
  const positives = positivesByUser(split.train);
  for (const [u, set] of positivesByUser(split.test)) {
    const all = positives.get(u);
    if (all) for (const i of set) all.add(i);
    else positives.set(u, set);
  }
  const user: number[] = [];
  const item: number[] = [];
  const t = split.test;
  for (let r = 0; r < t.size; r++) {
    const u = t.user[r]!;
    if (t.label[r]! < 0.5 || !known.has(u)) continue;
    const own = positives.get(u)!;
    if (items - own.size < count) continue;
    user.push(u);
    item.push(t.item[r]!);
    for (let c = 0; c < count;) {
      const i = rng.int(items);
      if (own.has(i)) continue;
      user.push(u);
      item.push(i);
      c++;
    }
  }
  return {
    user: Int32Array.from(user),
    item: Int32Array.from(item),
    judged: user.length / (count + 1),
  };
}
