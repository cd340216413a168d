/**
 * What off-policy evaluation reads and leans on: logged single-item
 * decisions with their propensities, a policy as a distribution over items
 * for a context, and a reward model r̂(x, a).
 */

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
  /**
   * For a policy given per logged decision instead of per context (a team's
   * own, as a file): row i's key, which `probabilities` then takes in place
   * of the context. Rows that share a key share a context.
   */
  readonly rowKey?: Int32Array;
}

/** r̂(x, a): what a model expects showing item a in context x to earn. */
export interface RewardModel {
  /** What the model is, for the estimates' table. */
  readonly name: string;
  /** The expected reward of showing `action` in logged context `context`. */
  predict(context: number, action: number): number;
}

/** The rows of `log` whose `keep` is true, as a log of their own. */
export function logRows(log: LoggedDecisions, keep: (i: number) => boolean): LoggedDecisions {
  const rows = Int32Array.from(log.context.keys()).filter(keep);
  return {
    context: rows.map((i) => log.context[i]!),
    action: rows.map((i) => log.action[i]!),
    reward: Float64Array.from(rows, (i) => log.reward[i]!),
    propensity: Float64Array.from(rows, (i) => log.propensity[i]!),
    group: rows.map((i) => log.group[i]!),
  };
}
