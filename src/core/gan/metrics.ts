/**
 * Sample-quality numbers for generated digits, computed from an MNIST
 * classifier's outputs (the usual practice for MNIST, since Inception knows
 * nothing of handwriting):
 * - Inception Score: exp(E_x KL(p(y|x) || p(y))), from 1 (useless) to the
 *   number of classes (every sample confidently one class, classes balanced);
 * - FID, the Fréchet distance (data/stats.ts) between Gaussians fitted to the
 *   classifier's penultimate features of real and generated digits;
 * - a histogram of predicted classes, which exposes mode collapse.
 */

/** Inception Score of `n` probability rows of `classes` columns (row-major). */
export function inceptionScore(probs: ArrayLike<number>, n: number, classes: number): number {
  if (n <= 0 || probs.length !== n * classes) throw new RangeError('probs must be n x classes');
  const eps = 1e-12;
  const marginal = new Float64Array(classes);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < classes; c++) marginal[c]! += probs[i * classes + c]! / n;
  let kl = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < classes; c++) {
      const p = probs[i * classes + c]!;
      if (p > 0) kl += p * (Math.log(p + eps) - Math.log(marginal[c]! + eps));
    }
  }
  return Math.exp(kl / n);
}

/** How many rows pick each class (argmax), as counts. */
export function classHistogram(probs: ArrayLike<number>, n: number, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++)
      if (probs[i * classes + c]! > probs[i * classes + best]!) best = c;
    counts[best]!++;
  }
  return counts;
}

/**
 * "Digits appear", as the lab, its tests and the bench all judge it: the
 * classifier is confident (IS ≥ 7 of a real 9.6), at least 9 of the 10
 * digits each make ≥ 5% of the samples (no collapse), and the features'
 * spread is close to real digits' (FID ≤ 30).
 */
export const DIGITS_BAR = { inceptionScore: 7, classes: 9, classShare: 0.05, fid: 30 } as const;

/** Digits whose share of the samples reaches DIGITS_BAR.classShare. */
export function classesDrawn(histogram: readonly number[]): number {
  const n = histogram.reduce((a, b) => a + b, 0);
  return n === 0 ? 0 : histogram.filter((c) => c / n >= DIGITS_BAR.classShare).length;
}

/** Whether a measurement meets the digits bar. */
export function meetsDigitsBar(m: {
  inceptionScore: number;
  fid: number;
  histogram: readonly number[];
}): boolean {
  return (
    m.inceptionScore >= DIGITS_BAR.inceptionScore &&
    m.fid <= DIGITS_BAR.fid &&
    classesDrawn(m.histogram) >= DIGITS_BAR.classes
  );
}
