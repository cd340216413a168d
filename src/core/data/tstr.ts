/**
 * Train on synthetic, test on real (TSTR): a logistic regression that
 * predicts a yes/no column from the others, fitted on synthetic rows and
 * scored by ROC AUC on held-out real rows, next to the same model fitted on
 * real rows.
 */
import type { Table } from './table';

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
