/**
 * The reward model the direct method and doubly robust estimators lean on:
 * r̂(x, a), what a model expects showing item a to shopper x to earn. Any
 * model that predicts a reward can serve; collaborative filtering trained on
 * the log is the one the source gives, its P(click) of a shopper and an item
 * read straight from its tables.
 */
import { cfItemMeans, cfProbability, type CfTables } from '../models/cf-tables';
import type { LoggedDecisions, RewardModel } from './logged';

export type { RewardModel };

/**
 * CF's tables as a reward model of clicks. Context `x` is the shopper CF
 * knows as `userOf(x)` (by default the same index: a log's shopper is its
 * row in CF's table); a shopper CF never saw (-1, or past its table) gets
 * the item's click probability averaged over the shoppers it knows.
 */
export function cfRewardModel(
  tables: CfTables,
  userOf: (context: number) => number = (x) => x,
): RewardModel {
  let unseen: Float64Array | null = null;
  return {
    name: 'collaborative filtering',
    predict(context, action) {
      if (!(Number.isInteger(action) && action >= 0 && action < tables.items))
        throw new RangeError(`item ${action} is not one of CF's ${tables.items}`);
      const u = userOf(context);
      if (Number.isInteger(u) && u >= 0 && u < tables.users)
        return cfProbability(tables, u, action);
      unseen ??= cfItemMeans(tables);
      return unseen[action]!;
    },
  };
}

/**
 * The plainest reward model fitted on a log: the mean reward of each item in
 * each context, shrunk towards the context's mean by `prior` pseudo-rows
 * (an item seen twice is not trusted as much as one seen two hundred times).
 */
export function tableRewardModel(
  log: LoggedDecisions,
  contexts: number,
  actions: number,
  prior = 5,
): RewardModel {
  const sum = new Float64Array(contexts * actions);
  const count = new Float64Array(contexts * actions);
  const ctxSum = new Float64Array(contexts);
  const ctxCount = new Float64Array(contexts);
  for (let i = 0; i < log.context.length; i++) {
    const x = log.context[i]!;
    const k = x * actions + log.action[i]!;
    sum[k]! += log.reward[i]!;
    count[k]!++;
    ctxSum[x]! += log.reward[i]!;
    ctxCount[x]!++;
  }
  return {
    name: 'mean reward per context and item',
    predict(x, a) {
      const k = x * actions + a;
      const m = ctxCount[x]! > 0 ? ctxSum[x]! / ctxCount[x]! : 0;
      return (sum[k]! + prior * m) / (count[k]! + prior);
    },
  };
}
