/**
 * What the estimators share: the bootstrap, where rows of one group (a
 * shopper) are drawn together, since a shopper's rows are not independent,
 * and each resample's estimate is a ratio of the drawn groups' sums; and the
 * summary of a set of importance weights.
 */
import { quantile } from '../../data/stats';
import { createRandom } from '../../random';

/** Each row's group as 0..count-1. */
export function groupRows(group: Int32Array): { of: Int32Array; count: number } {
  const index = new Map<number, number>();
  const of = Int32Array.from(group, (g) => {
    let k = index.get(g);
    if (k === undefined) index.set(g, (k = index.size));
    return k;
  });
  return { of, count: index.size };
}

/** The 2.5% and 97.5% quantiles of Σnum/Σden over groups drawn with replacement. */
export function bootstrap(
  num: Float64Array,
  den: Float64Array,
  resamples: number,
  seed: number,
): [number, number] {
  const G = num.length;
  const rng = createRandom(seed);
  const values = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let a = 0;
    let d = 0;
    for (let j = 0; j < G; j++) {
      const g = Math.floor(rng.next() * G);
      a += num[g]!;
      d += den[g]!;
    }
    values[b] = a / d;
  }
  // A resample whose weights are all 0 (SNIPS) says nothing: it is left out.
  const drawn = values.filter(Number.isFinite).sort();
  return [quantile(drawn, 0.025), quantile(drawn, 0.975)];
}

/** (Σw)²/Σw², about how many rows weights `w` leave an estimate, and the largest weight in size (its sign kept). */
export function weightSummary(w: ArrayLike<number>): { ess: number; maxWeight: number } {
  let sw = 0;
  let sw2 = 0;
  let maxWeight = 0;
  for (let i = 0; i < w.length; i++) {
    const x = w[i]!;
    sw += x;
    sw2 += x * x;
    if (Math.abs(x) > Math.abs(maxWeight)) maxWeight = x;
  }
  return { ess: sw2 > 0 ? (sw * sw) / sw2 : 0, maxWeight };
}
