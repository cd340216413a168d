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
import { featureStats, symmetricEigen } from './stats';

/** Rows of `cols` values each, row-major. */
export interface Table {
  values: Float32Array;
  rows: number;
  cols: number;
}

export function table(values: Float32Array, cols: number): Table {
  if (cols <= 0 || values.length % cols !== 0)
    throw new RangeError(`${values.length} values do not make rows of ${cols}`);
  return { values, rows: values.length / cols, cols };
}

function column(t: Table, c: number): Float64Array {
  const out = new Float64Array(t.rows);
  for (let r = 0; r < t.rows; r++) out[r] = t.values[r * t.cols + c]!;
  return out;
}

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

/**
 * ROC AUC of scores against yes/no labels: the chance that a random yes
 * scores above a random no (ties count half). NaN when one class is missing.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<boolean>): number {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort(
    (a, b) => scores[a]! - scores[b]!,
  );
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]!] === scores[idx[i]!]) j++;
    const rank = (i + j) / 2 + 1; // average rank of the tie group
    for (let k = i; k <= j; k++)
      if (labels[idx[k]!]) {
        pos++;
        rankSum += rank;
      }
    i = j + 1;
  }
  const neg = idx.length - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Solves A x = b (n × n, row-major) by Gaussian elimination with partial pivoting. */
function solve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const m = Float64Array.from(a);
  const x = Float64Array.from(b);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]!) > Math.abs(m[p * n + c]!)) p = r;
    if (p !== c) {
      for (let k = 0; k < n; k++) [m[c * n + k], m[p * n + k]] = [m[p * n + k]!, m[c * n + k]!];
      [x[c], x[p]] = [x[p]!, x[c]!];
    }
    const d = m[c * n + c]!;
    for (let r = c + 1; r < n; r++) {
      const f = m[r * n + c]! / d;
      if (f === 0) continue;
      for (let k = c; k < n; k++) m[r * n + k]! -= f * m[c * n + k]!;
      x[r]! -= f * x[c]!;
    }
  }
  for (let c = n - 1; c >= 0; c--) {
    let s = x[c]!;
    for (let k = c + 1; k < n; k++) s -= m[c * n + k]! * x[k]!;
    x[c] = s / m[c * n + c]!;
  }
  return x;
}

/** A logistic-regression model: weights per input column, then the intercept. */
export type LogisticModel = Float64Array;

/**
 * Fits P(y) = sigmoid(w·x + b) by Newton's method with a small ridge penalty
 * (which keeps separable data finite). `inputs` are the columns used.
 */
export function fitLogistic(
  t: Table,
  inputs: readonly number[],
  labels: ArrayLike<boolean>,
  ridge = 1e-2,
): LogisticModel {
  const k = inputs.length + 1;
  const w = new Float64Array(k);
  const x = new Float64Array(k);
  for (let iter = 0; iter < 25; iter++) {
    const grad = new Float64Array(k);
    const hess = new Float64Array(k * k);
    for (let r = 0; r < t.rows; r++) {
      inputs.forEach((c, i) => (x[i] = t.values[r * t.cols + c]!));
      x[k - 1] = 1;
      let z = 0;
      for (let i = 0; i < k; i++) z += w[i]! * x[i]!;
      const p = 1 / (1 + Math.exp(-z));
      const g = p - (labels[r] ? 1 : 0);
      const h = Math.max(p * (1 - p), 1e-9);
      for (let i = 0; i < k; i++) {
        grad[i]! += g * x[i]!;
        for (let j = 0; j <= i; j++) hess[i * k + j]! += h * x[i]! * x[j]!;
      }
    }
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < i; j++) hess[j * k + i] = hess[i * k + j]!;
      if (i < k - 1) {
        grad[i]! += ridge * w[i]!;
        hess[i * k + i]! += ridge;
      } else hess[i * k + i]! += 1e-9;
    }
    const step = solve(hess, grad, k);
    let size = 0;
    for (let i = 0; i < k; i++) {
      w[i]! -= step[i]!;
      size = Math.max(size, Math.abs(step[i]!));
    }
    if (size < 1e-8) break;
  }
  return w;
}

/** The model's score (logit) for each row. */
export function logisticScores(
  model: LogisticModel,
  t: Table,
  inputs: readonly number[],
): Float64Array {
  const out = new Float64Array(t.rows);
  for (let r = 0; r < t.rows; r++) {
    let z = model[inputs.length]!;
    inputs.forEach((c, i) => (z += model[i]! * t.values[r * t.cols + c]!));
    out[r] = z;
  }
  return out;
}

/** What the TSTR model predicts: whether column `target` reaches `threshold`. */
export interface TstrTask {
  target: number;
  threshold: number;
}

export interface TstrScore {
  /** AUC on held-out real rows of a model trained on synthetic rows. */
  synthetic: number;
  /** The same model trained on the real training rows: what synthetic data should approach. */
  real: number;
  /** Share of yes among held-out real rows and among synthetic rows. */
  positiveReal: number;
  positiveSynthetic: number;
}

/**
 * Train on synthetic, test on real. Null with a reason when a score cannot
 * mean anything (a class missing from the training or test rows).
 */
export function tstr(
  train: Table,
  synthetic: Table,
  holdout: Table,
  task: TstrTask,
): TstrScore | { problem: string } {
  const inputs = Array.from({ length: train.cols }, (_, c) => c).filter((c) => c !== task.target);
  const labels = (t: Table) =>
    Array.from({ length: t.rows }, (_, r) => t.values[r * t.cols + task.target]! >= task.threshold);
  const [yTrain, ySynthetic, yHoldout] = [labels(train), labels(synthetic), labels(holdout)];
  const share = (y: boolean[]) => y.filter(Boolean).length / Math.max(1, y.length);
  const both = (y: boolean[]) => y.includes(true) && y.includes(false);
  if (!both(yHoldout)) return { problem: 'the held-out real shoppers are all of one class' };
  if (!both(yTrain)) return { problem: 'the real training shoppers are all of one class' };
  if (!both(ySynthetic)) return { problem: 'the synthetic shoppers are all of one class' };
  const score = (t: Table, y: boolean[]) =>
    rocAuc(logisticScores(fitLogistic(t, inputs, y), holdout, inputs), yHoldout);
  return {
    synthetic: score(synthetic, ySynthetic),
    real: score(train, yTrain),
    positiveReal: share(yHoldout),
    positiveSynthetic: share(ySynthetic),
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

function quantile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const at = p * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (at - lo) * (sorted[hi]! - sorted[lo]!);
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
