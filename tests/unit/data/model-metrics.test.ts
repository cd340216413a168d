/**
 * The held-out metrics (data/model-metrics.ts): AUC against counting every
 * positive-negative pair, Spearman on ties and monotone maps, log-loss and
 * calibration on known values, hit rate and NDCG from ranks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  auc,
  averageRanks,
  calibration,
  logLoss,
  rankAmong,
  spearman,
  topK,
} from '../../../src/core/data/model-metrics';

/** AUC by brute force: each positive-negative pair, ties half. */
function pairwiseAuc(scores: number[], labels: number[]): number {
  let wins = 0;
  let pairs = 0;
  labels.forEach((l, i) => {
    if (l !== 1) return;
    labels.forEach((m, j) => {
      if (m !== 0) return;
      pairs++;
      wins += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

describe('model metrics', () => {
  it('AUC counts the pairs a positive wins, ties half', () => {
    expect(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    expect(auc([0.5, 0.5], [0, 1])).toBe(0.5);
    expect(auc([1, 2], [1, 1])).toBeNaN();
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.boolean()), { minLength: 2 }),
        (rows) => {
          const labels = rows.map(([, l]) => (l ? 1 : 0));
          fc.pre(labels.includes(0) && labels.includes(1));
          const scores = rows.map(([s]) => s);
          expect(auc(scores, labels)).toBeCloseTo(pairwiseAuc(scores, labels), 12);
        },
      ),
    );
  });

  it('ranks ties by their mean rank; Spearman sees only order', () => {
    expect(Array.from(averageRanks([10, 20, 10, 5]))).toEqual([2.5, 4, 2.5, 1]);
    const xs = [0.3, 0.1, 0.9, 0.5, 0.7];
    expect(
      spearman(
        xs,
        xs.map((x) => Math.exp(5 * x)),
      ),
    ).toBeCloseTo(1, 12);
    expect(
      spearman(
        xs,
        xs.map((x) => -x * x),
      ),
    ).toBeCloseTo(-1, 12);
    // One swap among five: 1 − 6·Σd²/(n(n²−1)) = 1 − 6·2/120.
    expect(spearman([1, 2, 3, 4, 5], [1, 2, 3, 5, 4])).toBeCloseTo(0.9, 12);
  });

  it('log-loss is the mean cross-entropy, clipped away from 0 and 1', () => {
    expect(logLoss([0.5, 0.5], [1, 0])).toBeCloseTo(Math.log(2), 12);
    expect(logLoss([0.9], [1])).toBeCloseTo(-Math.log(0.9), 12);
    expect(Number.isFinite(logLoss([0], [1]))).toBe(true);
  });

  it('calibration compares each equal-mass bin’s mean prediction with its mean target', () => {
    const p = Array.from({ length: 100 }, (_, i) => i / 100);
    expect(calibration(p, p).ece).toBe(0);
    const shifted = calibration(
      p,
      p.map((x) => x + 0.1),
    );
    expect(shifted.ece).toBeCloseTo(0.1, 12);
    expect(shifted.bins.map((b) => b.count)).toEqual(Array(10).fill(10));
    // Outcomes: the bin of predictions 0.9-0.99 holds 5 ones in 10.
    const y = p.map((x, i) => (x >= 0.9 ? i % 2 : 0));
    const top = calibration(p, y).bins.at(-1)!;
    expect(top.meanTarget).toBe(0.5);
    expect(top.meanPredicted).toBeCloseTo(0.945, 12);
  });

  it('hit rate and NDCG at k from ranks among candidates, ties against the positive', () => {
    expect(rankAmong(0.9, [0.1, 0.95, 0.9, 0.2])).toBe(2);
    const t = topK([0, 1, 5, 20], 10);
    expect(t.hitRate).toBe(0.75);
    expect(t.ndcg).toBeCloseTo((1 + 1 / Math.log2(3) + 1 / Math.log2(7)) / 4, 12);
    expect(topK([], 10).hitRate).toBeNaN();
  });
});
