/**
 * How well a model trained on a log does on rows it never saw: the metrics
 * recommenders and purchase predictors are judged by. Pure functions over
 * arrays, so node tests, the worker and the command line share one
 * definition.
 */

/** Ranks 1..n of `values`, ties sharing the mean of the ranks they span. */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const ranks = new Float64Array(n);
  for (let start = 0; start < n;) {
    let end = start + 1;
    while (end < n && values[order[end]!] === values[order[start]!]) end++;
    const rank = (start + 1 + end) / 2;
    for (let j = start; j < end; j++) ranks[order[j]!] = rank;
    start = end;
  }
  return ranks;
}

/**
 * Area under the ROC curve: the chance a random positive scores above a
 * random negative (ties count half), by the Mann-Whitney rank sum. NaN when
 * either class is missing.
 */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (scores.length !== labels.length) throw new RangeError('scores and labels differ in length');
  const ranks = averageRanks(scores);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < labels.length; i++)
    if (labels[i]! > 0.5) {
      positives++;
      rankSum += ranks[i]!;
    }
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Spearman's rank correlation (Pearson's on average ranks). */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError('the two series differ in length');
  return pearson(averageRanks(a), averageRanks(b));
}

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** Probabilities kept this far from 0 and 1, so one confident miss costs a large but finite loss. */
const CLIP = 1e-7;

/** Mean binary cross-entropy of probabilities `p` against outcomes or true probabilities `y`. */
export function logLoss(p: ArrayLike<number>, y: ArrayLike<number>): number {
  if (p.length !== y.length) throw new RangeError('predictions and targets differ in length');
  let sum = 0;
  for (let i = 0; i < p.length; i++) {
    const q = Math.min(1 - CLIP, Math.max(CLIP, p[i]!));
    sum -= y[i]! * Math.log(q) + (1 - y[i]!) * Math.log(1 - q);
  }
  return sum / p.length;
}

export interface CalibrationBin {
  /** Rows whose prediction fell in the bin. */
  count: number;
  meanPredicted: number;
  /** Mean outcome (or mean true probability) of those rows. */
  meanTarget: number;
}

export interface Calibration {
  /** Expected calibration error: Σ (count / n) · |meanPredicted − meanTarget|. */
  ece: number;
  bins: CalibrationBin[];
}

/**
 * Calibration by equal-mass bins of the predictions (each bin holds about n /
 * `bins` rows, so a rare event's few high predictions are not lumped with
 * the bulk near 0). The target is the outcome (0 or 1) on a real log, or the
 * true probability where a simulator knows it.
 */
export function calibration(p: ArrayLike<number>, y: ArrayLike<number>, bins = 10): Calibration {
  const n = p.length;
  if (n !== y.length) throw new RangeError('predictions and targets differ in length');
  if (!(Number.isInteger(bins) && bins >= 1))
    throw new RangeError('bins must be a whole number ≥ 1');
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[a]! - p[b]!);
  const out: CalibrationBin[] = [];
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const from = Math.floor((b * n) / bins);
    const to = Math.floor(((b + 1) * n) / bins);
    if (to === from) continue;
    let sp = 0;
    let sy = 0;
    for (let j = from; j < to; j++) {
      sp += p[order[j]!]!;
      sy += y[order[j]!]!;
    }
    const count = to - from;
    const bin = { count, meanPredicted: sp / count, meanTarget: sy / count };
    out.push(bin);
    ece += (count / n) * Math.abs(bin.meanPredicted - bin.meanTarget);
  }
  return { ece, bins: out };
}

/**
 * Where a held-out positive lands among sampled candidates: 0 when it scores
 * above all of them. Ties count against it (a model that scores everything
 * alike must not look perfect).
 */
export function rankAmong(positive: number, candidates: ArrayLike<number>): number {
  let above = 0;
  for (let i = 0; i < candidates.length; i++) if (candidates[i]! >= positive) above++;
  return above;
}

export interface TopK {
  k: number;
  /** Share of held-out positives ranked in the top k. */
  hitRate: number;
  /** Mean of 1 / log2(rank + 2) over positives ranked in the top k (one relevant item each). */
  ndcg: number;
  /** Positives judged. */
  n: number;
}

/** Hit rate and NDCG at k from each positive's rank (0-based) among its candidates. */
export function topK(ranks: ArrayLike<number>, k: number): TopK {
  let hits = 0;
  let gain = 0;
  for (let i = 0; i < ranks.length; i++) {
    const r = ranks[i]!;
    if (r < k) {
      hits++;
      gain += 1 / Math.log2(r + 2);
    }
  }
  const n = ranks.length;
  return { k, hitRate: n ? hits / n : NaN, ndcg: n ? gain / n : NaN, n };
}
