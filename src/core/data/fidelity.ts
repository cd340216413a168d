/**
 * How faithful, useful and private synthetic rows are, measured against the
 * real rows they imitate. Pure functions on row-major tables whose values
 * lie in [0, 1] (shopper features):
 *
 * - marginals: each column's histogram, real and synthetic, and the
 *   Wasserstein-1 distance between the two empirical distributions;
 * - correlations: both Pearson matrices and their mean absolute difference;
 * - a 2D projection of both on the real rows' first two principal components;
 * - train on synthetic, test on real (TSTR): a logistic regression that
 *   predicts a yes/no column from the others, scored by ROC AUC on held-out
 *   real rows, next to the same model trained on real rows;
 * - memorisation: each synthetic row's distance to its nearest training row,
 *   against held-out real rows' distances to the same training rows.
 */
import { featureStats, quantile, symmetricEigen } from './stats';
import { column, type Table } from './table';
import { tstr, type TstrScore, type TstrTask } from './tstr';

/** Shares of values in `bins` equal bins over [0, 1] (values outside go to the end bins). */
export function histogram(values: ArrayLike<number>, bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const b = Math.floor(values[i]! * bins);
    counts[Math.max(0, Math.min(bins - 1, b))]!++;
  }
  return counts.map((c) => c / Math.max(1, values.length));
}

/** Wasserstein-1 distance between two samples: the area between their empirical CDFs. */
export function wasserstein1(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  if (x.length === 0 || y.length === 0) throw new RangeError('both samples need values');
  let i = 0;
  let j = 0;
  let prev = Math.min(x[0]!, y[0]!);
  let area = 0;
  while (i < x.length || j < y.length) {
    const next = j >= y.length || (i < x.length && x[i]! <= y[j]!) ? x[i]! : y[j]!;
    area += Math.abs(i / x.length - j / y.length) * (next - prev);
    prev = next;
    while (i < x.length && x[i] === next) i++;
    while (j < y.length && y[j] === next) j++;
  }
  return area;
}

export interface Marginal {
  real: number[];
  synthetic: number[];
  /** Wasserstein-1 between the columns (0: same distribution; at most 1 on [0, 1]). */
  distance: number;
}

export function marginals(real: Table, synthetic: Table, bins = 10): Marginal[] {
  return Array.from({ length: real.cols }, (_, c) => {
    const r = column(real, c);
    const s = column(synthetic, c);
    return {
      real: histogram(r, bins),
      synthetic: histogram(s, bins),
      distance: wasserstein1(r, s),
    };
  });
}

/** Pearson correlations, cols × cols row-major; a constant column correlates 0 with the others. */
export function correlationMatrix(t: Table): Float64Array {
  const { cov } = featureStats(t.values, t.rows, t.cols);
  const D = t.cols;
  const out = new Float64Array(D * D);
  for (let a = 0; a < D; a++)
    for (let b = 0; b < D; b++) {
      const den = Math.sqrt(cov[a * D + a]! * cov[b * D + b]!);
      out[a * D + b] = a === b ? 1 : den > 1e-12 ? cov[a * D + b]! / den : 0;
    }
  return out;
}

/** Mean absolute difference of two correlation matrices over the pairs of distinct columns. */
export function correlationGap(a: Float64Array, b: Float64Array, cols: number): number {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < cols; i++)
    for (let j = i + 1; j < cols; j++) {
      sum += Math.abs(a[i * cols + j]! - b[i * cols + j]!);
      pairs++;
    }
  return pairs === 0 ? 0 : sum / pairs;
}

export interface Projection {
  /** (x, y) per row, flat. */
  real: Float32Array;
  synthetic: Float32Array;
  /** Share of the real rows' variance along each of the two axes. */
  explained: [number, number];
}

/** Both tables on the first two principal components of the real rows. */
export function pcaProjection(real: Table, synthetic: Table): Projection {
  const D = real.cols;
  const { mean, cov } = featureStats(real.values, real.rows, D);
  const { values, vectors } = symmetricEigen(cov, D);
  const order = Array.from(values.keys()).sort((a, b) => values[b]! - values[a]!);
  const total = values.reduce((s, v) => s + Math.max(0, v), 0) || 1;
  const axes = order.slice(0, 2).map((k) => {
    const v = Float64Array.from({ length: D }, (_, i) => vectors[i * D + k]!);
    // An eigenvector's sign is arbitrary: fix it so the same data draws the same way.
    let big = 0;
    for (let i = 1; i < D; i++) if (Math.abs(v[i]!) > Math.abs(v[big]!)) big = i;
    if (v[big]! < 0) v.forEach((x, i) => (v[i] = -x));
    return v;
  });
  while (axes.length < 2) axes.push(new Float64Array(D));
  const project = (t: Table) => {
    const out = new Float32Array(2 * t.rows);
    for (let r = 0; r < t.rows; r++)
      for (let a = 0; a < 2; a++) {
        let s = 0;
        for (let i = 0; i < D; i++) s += (t.values[r * D + i]! - mean[i]!) * axes[a]![i]!;
        out[2 * r + a] = s;
      }
    return out;
  };
  const share = (k: number | undefined) => (k === undefined ? 0 : Math.max(0, values[k]!) / total);
  return {
    real: project(real),
    synthetic: project(synthetic),
    explained: [share(order[0]), share(order[1])],
  };
}

/** Each row of `from`'s Euclidean distance to its nearest row of `to`. */
export function nearestDistances(from: Table, to: Table): Float64Array {
  const D = from.cols;
  const out = new Float64Array(from.rows);
  for (let r = 0; r < from.rows; r++) {
    let best = Infinity;
    for (let s = 0; s < to.rows; s++) {
      let d = 0;
      for (let i = 0; i < D && d < best; i++) {
        const diff = from.values[r * D + i]! - to.values[s * D + i]!;
        d += diff * diff;
      }
      if (d < best) best = d;
    }
    out[r] = Math.sqrt(best);
  }
  return out;
}

export interface Memorisation {
  /** Median distance of a synthetic row to its nearest training row, and of a held-out real row. */
  syntheticMedian: number;
  holdoutMedian: number;
  /** The 5th percentile of held-out distances: closer than this counts as "too close". */
  threshold: number;
  /** Share of synthetic rows, and of held-out rows, at or under the threshold. */
  syntheticTooClose: number;
  holdoutTooClose: number;
  /** Synthetic rows that repeat a training row (distance under 1e-3). */
  copies: number;
  /** Synthetic rows sit much closer to the training rows than unseen real rows do. */
  flagged: boolean;
  /** Both distance samples binned for a histogram up to `maxDistance`. */
  bins: { synthetic: number[]; holdout: number[]; maxDistance: number };
}

/**
 * A distance-to-closest-record check. A generator that learned the
 * distribution puts its rows about as close to the training rows as fresh
 * real rows are; one that copies puts them much closer.
 */
export function memorisation(train: Table, synthetic: Table, holdout: Table): Memorisation {
  const s = nearestDistances(synthetic, train).sort();
  const h = nearestDistances(holdout, train).sort();
  const threshold = quantile(h, 0.05);
  const under = (d: Float64Array) => d.filter((v) => v <= threshold).length / Math.max(1, d.length);
  const syntheticTooClose = under(s);
  const holdoutTooClose = under(h);
  const maxDistance = Math.max(1e-6, quantile(h, 0.99), quantile(s, 0.99));
  const bin = (d: Float64Array) =>
    histogram(
      Array.from(d, (v) => v / maxDistance),
      10,
    );
  return {
    syntheticMedian: quantile(s, 0.5),
    holdoutMedian: quantile(h, 0.5),
    threshold,
    syntheticTooClose,
    holdoutTooClose,
    copies: s.filter((v) => v < 1e-3).length,
    // Twice the held-out share, plus a margin for small samples.
    flagged: syntheticTooClose > 2 * holdoutTooClose + 0.02,
    bins: { synthetic: bin(s), holdout: bin(h), maxDistance },
  };
}

/** Everything the fidelity views draw, measured at one training step. */
export interface FidelityReport {
  step: number;
  marginals: Marginal[];
  correlation: { real: Float64Array; synthetic: Float64Array; gap: number };
  projection: Projection;
  tstr: TstrScore | { problem: string };
  memorisation: Memorisation;
  /** The synthetic rows measured, row-major: what "Download" saves. */
  synthetic: Float32Array;
}

/** All the measures at once; `train` is what the generator learned from, `holdout` it never saw. */
export function fidelityReport(
  step: number,
  train: Table,
  synthetic: Table,
  holdout: Table,
  task: TstrTask | null,
): FidelityReport {
  const real = correlationMatrix(train);
  const fake = correlationMatrix(synthetic);
  return {
    step,
    marginals: marginals(train, synthetic),
    correlation: { real, synthetic: fake, gap: correlationGap(real, fake, train.cols) },
    projection: pcaProjection(train, synthetic),
    tstr: task
      ? tstr(train, synthetic, holdout, task)
      : { problem: 'the table has no purchase rate to predict' },
    memorisation: memorisation(train, synthetic, holdout),
    synthetic: synthetic.values,
  };
}

/** The mean Wasserstein-1 distance over the features: the report's one-number spread score. */
export function meanMarginalDistance(report: FidelityReport): number {
  return (
    report.marginals.reduce((s, m) => s + m.distance, 0) / Math.max(1, report.marginals.length)
  );
}
