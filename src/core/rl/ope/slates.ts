/**
 * Off-policy evaluation of slates: a recommender shows K items at once,
 * slot k holding item a_k, and each slot earns its own reward r_k (a click
 * on it). A target policy is judged by its marginals q(k, a | x), the
 * probability it puts item a in slot k, against the logging policy's
 * μ(k, a | x), recorded per shown item as its propensity. Two estimators,
 * each resting on an assumption about the rewards that it states:
 *
 * - per-position IPS ("independent IPS", Li et al. 2018): the mean over
 *   slates of Σ_k q(k, a_k)/μ(k, a_k) · r_k. Assumes a slot's reward
 *   depends only on the item in that slot (no interaction between slots:
 *   what sits above an item does not change its clicks). Under it, unbiased
 *   wherever μ(k, a) > 0 for every (k, a) the target uses, at the variance
 *   of single-item IPS, not of whole-slate weights.
 * - pseudo-inverse (PI, Swaminathan et al. 2017): the mean of the slate's
 *   total reward R = Σ_k r_k times qᵀ Γ⁺ 1_s, where 1_s marks the slate's
 *   (slot, item) pairs and Γ = E_μ[1_s 1_sᵀ] holds the logging policy's
 *   pairwise marginals. Assumes the slate's expected total reward is
 *   additive over its (slot, item) pairs (linearity), and needs only the
 *   total, not per-slot rewards. With Γ known in full it is unbiased under
 *   that assumption whatever the logging policy's dependence between
 *   slots; without Γ, the logging policy is taken to fill its slots
 *   independently (a product over slots), for which the weight is
 *   Σ_k q(k, a_k)/μ(k, a_k) − K + 1 (a fact the tests check against Γ⁺).
 *
 * Each estimate has a 95% bootstrap interval over shoppers, the ESS of its
 * weights and the largest weight (PI's weights can be negative: the
 * largest in size). Γ's pseudo-inverse, not its inverse: Γ is singular
 * (each slot's items sum to the same 1).
 */
import { symmetricPinv } from '../../data/stats';
import { bootstrap, groupRows, weightSummary } from './bootstrap';
import { OpeInputError, OverlapError } from './estimators';

/** Logged slates of `slots` items each; the per-item columns are slate-major (slate i, slot k at i·K + k). */
export interface LoggedSlates {
  slots: number;
  /** Per slate: the context the logging policy saw, and whose slate it is. */
  context: Int32Array;
  group: Int32Array;
  /** Per slate and slot: the item shown, its reward, and μ(k, a | x) of it. */
  action: Int32Array;
  reward: Float64Array;
  propensity: Float64Array;
}

/** A slate policy by its marginals. */
export interface SlatePolicy {
  readonly numActions: number;
  readonly slots: number;
  /** q(k, a | x): slots × numActions, row-major; each slot's row sums to 1. */
  marginals(context: number): ArrayLike<number>;
}

export const SLATE_ESTIMATORS = {
  'per-position-ips': 'Per-position IPS',
  'pseudo-inverse': 'Pseudo-inverse (PI)',
} as const;
export type SlateEstimatorName = keyof typeof SLATE_ESTIMATORS;

export interface SlateOptions {
  /**
   * Γ_x = E_μ[1_s 1_sᵀ | x], (K·A)² row-major: the logging policy's pairwise
   * (slot, item) marginals, when known in full. Without it PI takes the
   * logging policy's slots to be independent.
   */
  pairMarginals?: (context: number) => Float64Array;
  resamples?: number;
  seed?: number;
  /** How refusals name an item and a context (default: by index). */
  itemName?: (a: number) => string;
  contextName?: (x: number) => string;
}

export interface SlateEstimate {
  estimator: SlateEstimatorName;
  /** Value per slate: its expected total reward. */
  value: number;
  low: number;
  high: number;
  slates: number;
  ess: number;
  /** The largest weight in size. */
  maxWeight: number;
}

function checkSlates(log: LoggedSlates, target: SlatePolicy): void {
  const n = log.context.length;
  const K = log.slots;
  if (!(Number.isInteger(K) && K >= 1))
    throw new OpeInputError(`slots must be 1 or more, not ${K}`);
  if (K !== target.slots)
    throw new OpeInputError(`the log's slates have ${K} slots and the policy's ${target.slots}`);
  if (n === 0) throw new OpeInputError('the log has no slates');
  if (log.group.length !== n) throw new OpeInputError('every slate needs its group');
  for (const [name, col] of [
    ['action', log.action],
    ['reward', log.reward],
    ['propensity', log.propensity],
  ] as const)
    if (col.length !== n * K)
      throw new OpeInputError(`the log's ${name} column has ${col.length} entries, not ${n * K}`);
  for (let j = 0; j < n * K; j++) {
    const p = log.propensity[j]!;
    const slot = `slate ${Math.floor(j / K) + 1}, slot ${(j % K) + 1}`;
    if (!(p > 0 && p <= 1))
      throw new OpeInputError(`${slot}: the propensity ${p} is not in (0, 1]`);
    if (!Number.isFinite(log.reward[j]!))
      throw new OpeInputError(`${slot}: the reward is not a number`);
    const a = log.action[j]!;
    if (!(a >= 0 && a < target.numActions))
      throw new OpeInputError(`${slot} shows item ${a}, outside the policy's ${target.numActions}`);
  }
}

/**
 * The target's (slot, item) pairs that the logging policy cannot show, by Γ's
 * diagonal (μ(k, a | x)); without Γ, by the pairs the log ever shows in a
 * context: a target that puts more than 1% of a slot's choices where the
 * log has nothing is refused.
 */
function checkOverlap(log: LoggedSlates, target: SlatePolicy, o: SlateOptions): void {
  const item = o.itemName ?? ((a: number) => `item ${a}`);
  const context = o.contextName ?? ((x: number) => `context ${x}`);
  const K = log.slots;
  const A = target.numActions;
  const contexts = [...new Set(log.context)];
  if (o.pairMarginals) {
    for (const x of contexts) {
      const q = target.marginals(x);
      const g = o.pairMarginals(x);
      for (let j = 0; j < K * A; j++)
        if (q[j]! > 0 && !(g[j * K * A + j]! > 0))
          throw new OverlapError(
            `the target puts ${item(j % A)} at position ${Math.floor(j / A)} for ${context(x)}, where the logging policy never does`,
          );
    }
    return;
  }
  const seen = new Set<number>();
  for (let i = 0; i < log.context.length; i++)
    for (let k = 0; k < K; k++) seen.add((log.context[i]! * K + k) * A + log.action[i * K + k]!);
  for (const x of contexts) {
    const q = target.marginals(x);
    for (let k = 0; k < K; k++) {
      let mass = 0;
      for (let a = 0; a < A; a++) if (!seen.has((x * K + k) * A + a)) mass += q[k * A + a]!;
      if (mass > 0.01)
        throw new OverlapError(
          `for ${context(x)} the target gives ${(100 * mass).toFixed(1)}% of position ${k} to items the log never shows there`,
        );
    }
  }
}

/** Per context, Γ⁺q: PI's weight of a slate is the sum of its (slot, item) entries. */
function piVectors(log: LoggedSlates, target: SlatePolicy, gamma: (x: number) => Float64Array) {
  const n = target.slots * target.numActions;
  const out = new Map<number, Float64Array>();
  for (const x of new Set(log.context)) {
    const pinv = symmetricPinv(gamma(x), n);
    const q = target.marginals(x);
    const v = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let c = 0; c < n; c++) s += pinv[r * n + c]! * q[c]!;
      v[r] = s;
    }
    out.set(x, v);
  }
  return out;
}

/** Estimates of the target's expected total reward per slate. */
export function slateEstimates(
  log: LoggedSlates,
  target: SlatePolicy,
  estimators: readonly SlateEstimatorName[],
  o: SlateOptions = {},
): SlateEstimate[] {
  checkSlates(log, target);
  checkOverlap(log, target, o);
  const n = log.context.length;
  const K = log.slots;
  const A = target.numActions;
  const groups = groupRows(log.group);
  const qs = new Map<number, ArrayLike<number>>();
  const q = (x: number) => {
    let m = qs.get(x);
    if (!m) qs.set(x, (m = target.marginals(x)));
    return m;
  };
  const pi =
    estimators.includes('pseudo-inverse') && o.pairMarginals
      ? piVectors(log, target, o.pairMarginals)
      : null;
  return estimators.map((estimator) => {
    const num = new Float64Array(groups.count);
    const den = new Float64Array(groups.count);
    const weights: number[] = [];
    let total = 0;
    for (let i = 0; i < n; i++) {
      const x = log.context[i]!;
      const qx = q(x);
      let term = 0;
      if (estimator === 'per-position-ips') {
        for (let k = 0; k < K; k++) {
          const j = i * K + k;
          const w = qx[k * A + log.action[j]!]! / log.propensity[j]!;
          weights.push(w);
          term += w * log.reward[j]!;
        }
      } else {
        let w = 0;
        let slateReward = 0;
        const v = pi?.get(x);
        for (let k = 0; k < K; k++) {
          const j = i * K + k;
          const a = log.action[j]!;
          w += v ? v[k * A + a]! : qx[k * A + a]! / log.propensity[j]!;
          slateReward += log.reward[j]!;
        }
        if (!v) w -= K - 1;
        weights.push(w);
        term = w * slateReward;
      }
      num[groups.of[i]!]! += term;
      den[groups.of[i]!]!++;
      total += term;
    }
    const [low, high] = bootstrap(num, den, o.resamples ?? 500, o.seed ?? 1);
    return { estimator, value: total / n, low, high, slates: n, ...weightSummary(weights) };
  });
}
