/**
 * Off-policy evaluation of single-item recommendations: how a new policy
 * would have done on the shoppers a log recorded, from the log alone.
 *
 * Each logged decision showed one item `a` to a shopper in context `x`,
 * drawn by the logging policy μ with probability μ(a|x) (its propensity),
 * and earned reward r. A target policy π is judged by
 *
 * - the direct method (DM): the mean over logged contexts of
 *   Σₐ π(a|x) r̂(x,a), a reward model's guess, biased as the model is;
 * - inverse propensity scoring (IPS): the mean of w·r with w = π(a|x)/μ(a|x),
 *   unbiased wherever μ covers π, with a variance that grows with w;
 * - self-normalised IPS (SNIPS): Σ w·r / Σ w, a little biased, steadier,
 *   and unchanged when every weight is scaled;
 * - doubly robust (DR): DM plus the IPS-weighted error of the reward model,
 *   unbiased if either the model or the propensities are right;
 * - DR with clipped weights: DR with w capped at M, trading a bias for a
 *   bounded variance when a few weights are huge (Su et al. 2020).
 *
 * Each estimate comes with a 95% percentile interval from a bootstrap over
 * shoppers (a shopper's rows are drawn together, since they are not
 * independent), the effective sample size (Σw)²/Σw² of the weights, and
 * the largest weight. Where the target shows items the logging policy never
 * could, no estimate is given: an OverlapError says which.
 */
import { quantile } from '../../data/stats';
import { createRandom } from '../../random';
import type { RewardModel } from './reward-model';

/** Logged single-item decisions, one per row. */
export interface LoggedDecisions {
  /** The context the logging policy saw (for a shop, the shopper's index). */
  context: Int32Array;
  /** The item shown. */
  action: Int32Array;
  reward: Float64Array;
  /** μ(a|x) of the row's item, as the logging system recorded it; in (0, 1]. */
  propensity: Float64Array;
  /** Whose row it is: rows of one group are resampled together by the bootstrap. */
  group: Int32Array;
}

/** A policy as a distribution over items for a context. */
export interface Policy {
  readonly numActions: number;
  /** π(·|x): `numActions` probabilities summing to 1. */
  probabilities(context: number): ArrayLike<number>;
}

export const ESTIMATORS = {
  dm: 'Direct method',
  ips: 'IPS',
  snips: 'Self-normalised IPS',
  dr: 'Doubly robust',
  'dr-clipped': 'DR, clipped weights',
} as const;
export type EstimatorName = keyof typeof ESTIMATORS;

export interface OpeOptions {
  /** The reward model DM and both DRs use (required for them). */
  model?: RewardModel;
  /** The logging policy in full, when known (the simulator's): overlap is then checked exactly. */
  logging?: Policy;
  /** DR's weight cap M. Default 10. */
  clip?: number;
  /** Bootstrap resamples. Default 500. */
  resamples?: number;
  /** Seed of the bootstrap. */
  seed?: number;
}

export interface Estimate {
  estimator: EstimatorName;
  value: number;
  /** The 95% bootstrap interval over groups. */
  low: number;
  high: number;
  rows: number;
  /** (Σw)²/Σw² of the importance weights: about how many rows the estimate rests on. */
  ess: number;
  maxWeight: number;
}

/** The target shows items the logging policy could not have: estimates would be guesses. */
export class OverlapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OverlapError';
  }
}

/** Rows that do not fit together, or settings that do not fit the log. */
export class OpeInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OpeInputError';
  }
}

function checkLog(log: LoggedDecisions, numActions: number): void {
  const n = log.context.length;
  for (const [k, a] of Object.entries(log))
    if ((a as ArrayLike<number>).length !== n)
      throw new OpeInputError(
        `the log's ${k} column has ${(a as ArrayLike<number>).length} rows, not ${n}`,
      );
  if (n === 0) throw new OpeInputError('the log has no decisions');
  for (let i = 0; i < n; i++) {
    const p = log.propensity[i]!;
    if (!(p > 0 && p <= 1))
      throw new OpeInputError(`row ${i + 1}'s propensity ${p} is not in (0, 1]`);
    if (!Number.isFinite(log.reward[i]!))
      throw new OpeInputError(`row ${i + 1}'s reward is not a number`);
    const a = log.action[i]!;
    if (a < 0 || a >= numActions)
      throw new OpeInputError(`row ${i + 1} shows item ${a}, outside the policy's ${numActions}`);
  }
}

/** Distinct values of `xs`, in first-seen order. */
function distinct(xs: Int32Array): number[] {
  return [...new Set(xs)];
}

/**
 * Refuses a target that puts weight where the logging policy could not
 * show: exactly, with the logging policy in full; otherwise on items the
 * log never shows at all, which no propensity can reach.
 */
function checkOverlap(log: LoggedDecisions, target: Policy, logging?: Policy): void {
  const A = target.numActions;
  if (logging) {
    for (const x of distinct(log.context)) {
      const pi = target.probabilities(x);
      const mu = logging.probabilities(x);
      for (let a = 0; a < A; a++)
        if (pi[a]! > 0 && !(mu[a]! > 0))
          throw new OverlapError(
            `the target shows item ${a} in context ${x}, which the logging policy never shows there: no estimate can see what it would earn`,
          );
    }
    return;
  }
  const shown = new Uint8Array(A);
  for (const a of log.action) shown[a] = 1;
  const missing: number[] = [];
  for (const x of distinct(log.context)) {
    const pi = target.probabilities(x);
    for (let a = 0; a < A; a++)
      if (pi[a]! > 0 && !shown[a] && !missing.includes(a)) missing.push(a);
  }
  if (missing.length > 0)
    throw new OverlapError(
      `the target shows ${missing.length === 1 ? 'item' : 'items'} ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? '…' : ''}, which the log never shows: no estimate can see what ${missing.length === 1 ? 'it' : 'they'} would earn`,
    );
}

/** Per row: the importance weight, and Σₐ π(a|x) r̂(x,a) and r̂(x, a_i) when a model is given. */
function perRow(log: LoggedDecisions, target: Policy, model?: RewardModel) {
  const n = log.context.length;
  const w = new Float64Array(n);
  const dm = new Float64Array(n);
  const own = new Float64Array(n);
  const cache = new Map<number, { pi: ArrayLike<number>; dm: number }>();
  for (let i = 0; i < n; i++) {
    const x = log.context[i]!;
    let c = cache.get(x);
    if (!c) {
      const pi = target.probabilities(x);
      let v = 0;
      if (model)
        for (let a = 0; a < pi.length; a++) if (pi[a]! > 0) v += pi[a]! * model.predict(x, a);
      c = { pi, dm: v };
      cache.set(x, c);
    }
    const a = log.action[i]!;
    w[i] = c.pi[a]! / log.propensity[i]!;
    dm[i] = c.dm;
    if (model) own[i] = model.predict(x, a);
  }
  return { w, dm, own };
}

/**
 * Estimates of the target's value per decision by each estimator asked for,
 * with intervals, ESS and the largest weight.
 */
export function offPolicyEstimates(
  log: LoggedDecisions,
  target: Policy,
  estimators: readonly EstimatorName[],
  o: OpeOptions = {},
): Estimate[] {
  checkLog(log, target.numActions);
  const needsModel = estimators.filter((e) => e === 'dm' || e.startsWith('dr'));
  if (needsModel.length > 0 && !o.model)
    throw new OpeInputError(
      `${needsModel.map((e) => ESTIMATORS[e]).join(' and ')} need a reward model`,
    );
  const clip = o.clip ?? 10;
  if (!(clip > 0)) throw new OpeInputError(`the weight cap must be above 0, not ${clip}`);
  checkOverlap(log, target, o.logging);
  const { w, dm, own } = perRow(log, target, o.model);
  const n = w.length;
  let sw = 0;
  let sw2 = 0;
  let maxWeight = 0;
  for (const x of w) {
    sw += x;
    sw2 += x * x;
    maxWeight = Math.max(maxWeight, x);
  }
  const ess = sw2 > 0 ? (sw * sw) / sw2 : 0;
  const r = log.reward;
  // Each estimator as a ratio of per-row sums: numerator terms over denominator terms.
  const terms = (e: EstimatorName): [(i: number) => number, (i: number) => number] => {
    const one = () => 1;
    switch (e) {
      case 'dm':
        return [(i) => dm[i]!, one];
      case 'ips':
        return [(i) => w[i]! * r[i]!, one];
      case 'snips':
        return [(i) => w[i]! * r[i]!, (i) => w[i]!];
      case 'dr':
        return [(i) => dm[i]! + w[i]! * (r[i]! - own[i]!), one];
      case 'dr-clipped':
        return [(i) => dm[i]! + Math.min(w[i]!, clip) * (r[i]! - own[i]!), one];
    }
  };
  const groups = groupRows(log.group);
  return estimators.map((estimator) => {
    const [num, den] = terms(estimator);
    const gNum = new Float64Array(groups.count);
    const gDen = new Float64Array(groups.count);
    let tNum = 0;
    let tDen = 0;
    for (let i = 0; i < n; i++) {
      const g = groups.of[i]!;
      const a = num(i);
      const b = den(i);
      gNum[g]! += a;
      gDen[g]! += b;
      tNum += a;
      tDen += b;
    }
    const value = tNum / tDen;
    const [low, high] = bootstrap(gNum, gDen, o.resamples ?? 500, o.seed ?? 1);
    return { estimator, value, low, high, rows: n, ess, maxWeight };
  });
}

/** Each row's group as 0..count-1. */
function groupRows(group: Int32Array): { of: Int32Array; count: number } {
  const index = new Map<number, number>();
  const of = Int32Array.from(group, (g) => {
    let k = index.get(g);
    if (k === undefined) index.set(g, (k = index.size));
    return k;
  });
  return { of, count: index.size };
}

/** The 2.5% and 97.5% quantiles of Σnum/Σden over groups drawn with replacement. */
function bootstrap(
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
      const g = rng.int(G);
      a += num[g]!;
      d += den[g]!;
    }
    values[b] = a / d;
  }
  // A resample whose weights are all 0 (SNIPS) says nothing: it is left out.
  const drawn = values.filter(Number.isFinite).sort();
  return [quantile(drawn, 0.025), quantile(drawn, 0.975)];
}
