/**
 * The reward model the direct method and doubly robust estimators lean on:
 * r̂(x, a), what a model expects showing item a to shopper x to earn. Any
 * model that predicts a reward can serve; collaborative filtering trained on
 * the log is the one the source gives, its P(click) of a shopper and an item
 * read straight from its tables.
 */
import { cfItemMeans, cfProbability, type CfTables } from '../models/cf-model';

export interface RewardModel {
  /** What the model is, for the estimates' table. */
  readonly name: string;
  /** The expected reward of showing `action` in logged context `context`. */
  predict(context: number, action: number): number;
}

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
