/**
 * A trained collaborative-filtering model as plain numbers, and what they
 * predict: no tfjs, so an evaluation's reward model and an agent can read
 * CF's tables without loading the network's code (cf-model.ts trains them).
 */

/** A trained CF model's numbers, row-major. */
export interface CfTables {
  dim: number;
  users: number;
  items: number;
  user: Float32Array;
  item: Float32Array;
  userBias: Float32Array;
  itemBias: Float32Array;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** The model's P(engage) of user u with item i, from its tables. */
export function cfProbability(t: CfTables, u: number, i: number): number {
  let s = t.userBias[u]! + t.itemBias[i]!;
  for (let k = 0; k < t.dim; k++) s += t.user[u * t.dim + k]! * t.item[i * t.dim + k]!;
  return sigmoid(s);
}

/** Per item, the model's P(engage) averaged over `users` (all of them by default): its bestseller ranking. */
export function cfItemMeans(t: CfTables, users?: ArrayLike<number>): Float64Array {
  const out = new Float64Array(t.items);
  const n = users ? users.length : t.users;
  for (let j = 0; j < n; j++) {
    const u = users ? users[j]! : j;
    for (let i = 0; i < t.items; i++) out[i]! += cfProbability(t, u, i);
  }
  for (let i = 0; i < t.items; i++) out[i]! /= n;
  return out;
}
