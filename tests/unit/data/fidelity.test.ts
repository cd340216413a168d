import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  correlationMatrix,
  histogram,
  memorisation,
  pcaProjection,
  wasserstein1,
} from '../../../src/core/data/fidelity';
import { table, type Table } from '../../../src/core/data/table';
import { rocAuc, tstr } from '../../../src/core/data/tstr';
import { createRandom, type Random } from '../../../src/core/random';

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/** Rows of (x, y = x + noise, z independent), in [0, 1]. */
function correlated(rows: number, rng: Random, noise = 0.05): Table {
  const v = new Float32Array(rows * 3);
  for (let r = 0; r < rows; r++) {
    const x = rng.next();
    v[3 * r] = x;
    v[3 * r + 1] = clamp01(x + noise * rng.normal());
    v[3 * r + 2] = rng.next();
  }
  return table(v, 3);
}

describe('marginals', () => {
  it('Wasserstein-1 between a sample and itself shifted by c is c', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 0.5, noNaN: true }), { minLength: 1, maxLength: 50 }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        (xs, c) => {
          expect(wasserstein1(xs, xs)).toBe(0);
          expect(
            wasserstein1(
              xs,
              xs.map((x) => x + c),
            ),
          ).toBeCloseTo(c, 9);
        },
      ),
    );
    expect(wasserstein1([0, 0], [1])).toBe(1);
    expect(wasserstein1([0, 1], [0.5])).toBeCloseTo(0.5, 12);
  });

  it('histograms are shares over [0, 1] with the ends kept in the end bins', () => {
    expect(histogram([0, 0.05, 0.5, 1, 1.2, -0.1], 10)).toEqual([
      3 / 6,
      0,
      0,
      0,
      0,
      1 / 6,
      0,
      0,
      0,
      2 / 6,
    ]);
  });
});

describe('correlations and projection', () => {
  it('finds x and y correlated, z independent, and a constant column unrelated', () => {
    const t = correlated(4000, createRandom(3));
    const c = correlationMatrix(t);
    expect(c[0 * 3 + 1]).toBeGreaterThan(0.95);
    expect(Math.abs(c[0 * 3 + 2]!)).toBeLessThan(0.05);
    expect(c[4]).toBe(1);
    const flipped = table(
      Float32Array.from({ length: 200 }, (_, i) => (i % 2 ? 1 - (i - 1) / 200 : i / 200)),
      2,
    );
    expect(correlationMatrix(flipped)[1]).toBeCloseTo(-1, 6);
    const constant = table(
      Float32Array.from({ length: 20 }, (_, i) => (i % 2 ? 0.3 : i / 20)),
      2,
    );
    expect(Array.from(correlationMatrix(constant))).toEqual([1, 0, 0, 1]);
  });

  it('puts the first principal axis along the direction the rows spread', () => {
    const rng = createRandom(5);
    const v = new Float32Array(3 * 1000);
    for (let r = 0; r < 1000; r++) {
      const t = rng.next();
      v.set([t, t, 0.5 + 0.01 * rng.normal()], 3 * r);
    }
    const real = table(v, 3);
    const p = pcaProjection(real, real);
    expect(p.explained[0]).toBeGreaterThan(0.99);
    expect(Array.from(p.synthetic)).toEqual(Array.from(p.real));
    // Along the axis (1, 1, 0)/√2 the coordinate is (x + y - 2·mean)/√2.
    const mean = v.filter((_, i) => i % 3 === 0).reduce((a, b) => a + b, 0) / 1000;
    expect(p.real[0]).toBeCloseTo((v[0]! + v[1]! - 2 * mean) / Math.SQRT2, 2);
  });
});

describe('train on synthetic, test on real', () => {
  it('ROC AUC counts the pairs a score orders right, ties half', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.boolean()), {
          minLength: 2,
          maxLength: 40,
        }),
        (pairs) => {
          const scores = pairs.map((p) => p[0]);
          const labels = pairs.map((p) => p[1]);
          let good = 0;
          let total = 0;
          pairs.forEach(([si, yi]) =>
            pairs.forEach(([sj, yj]) => {
              if (!yi || yj) return;
              total++;
              good += si > sj ? 1 : si === sj ? 0.5 : 0;
            }),
          );
          const auc = rocAuc(scores, labels);
          if (total === 0) expect(auc).toBeNaN();
          else expect(auc).toBeCloseTo(good / total, 12);
        },
      ),
    );
  });

  /** Column 2 says yes when x + y > 1 (with some label noise), or when x + y < 1 if `backwards`. */
  function labelled(rows: number, rng: Random, backwards = false): Table {
    const v = new Float32Array(rows * 3);
    for (let r = 0; r < rows; r++) {
      const x = rng.next();
      const y = rng.next();
      const yes = x + y + 0.2 * rng.normal() > 1 !== backwards;
      v.set([x, y, yes ? 1 : 0], 3 * r);
    }
    return table(v, 3);
  }

  it('scores synthetic rows from the same law like real ones, and rows that get the relation backwards far below 0.5', () => {
    const rng = createRandom(11);
    const train = labelled(600, rng);
    const holdout = labelled(400, rng);
    const task = { target: 2, threshold: 0.5 };
    const good = tstr(train, labelled(600, rng), holdout, task);
    const bad = tstr(train, labelled(600, rng, true), holdout, task);
    if ('problem' in good || 'problem' in bad) throw new Error('expected scores');
    expect(good.real).toBeGreaterThan(0.85);
    expect(Math.abs(good.synthetic - good.real)).toBeLessThan(0.03);
    expect(bad.synthetic).toBeLessThan(1 - good.real + 0.03);
    expect(bad.real).toBe(good.real);
  });

  it('says why when a class is missing', () => {
    const rng = createRandom(2);
    const train = labelled(100, rng);
    const never = { target: 2, threshold: 2 };
    expect(tstr(train, train, train, never)).toEqual({
      problem: 'the held-out real shoppers are all of one class',
    });
  });
});

describe('memorisation', () => {
  it('flags synthetic rows that copy training rows, and passes fresh rows from the same law', () => {
    const rng = createRandom(7);
    const train = correlated(800, rng, 0.1);
    const holdout = correlated(200, rng, 0.1);
    const fresh = memorisation(train, correlated(500, rng, 0.1), holdout);
    expect(fresh.flagged).toBe(false);
    expect(fresh.copies).toBe(0);
    expect(fresh.syntheticMedian / fresh.holdoutMedian).toBeGreaterThan(0.8);
    expect(fresh.syntheticMedian / fresh.holdoutMedian).toBeLessThan(1.25);

    const copied = table(train.values.slice(0, 300 * 3), 3);
    const copies = memorisation(train, copied, holdout);
    expect(copies.flagged).toBe(true);
    expect(copies.copies).toBe(300);
    expect(copies.syntheticTooClose).toBe(1);
    expect(copies.bins.synthetic.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  });
});
