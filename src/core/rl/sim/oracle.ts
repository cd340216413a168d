/**
 * The oracle: a recommender that knows each shopper's true probabilities and
 * shows, this step, the slate of highest expected reward. For K = 1 that is
 * exact: it scores every item. For K > 1 it takes the K items with the highest
 * expected reward when shown alone, which is the usual greedy stand-in (the
 * exact best assortment under a multinomial logit is a harder problem).
 * It is myopic: it maximises this step's reward, not the session's, so a
 * far-sighted agent can, in principle, beat it on long-run reward.
 * Regret = oracle's expected reward − the chosen slate's expected reward.
 */
import type { ShopReward } from '../reward/shop-reward';
import { ItemValues } from './item-values';
import { SlateProbabilities, type ShopperPool } from './shoppers';

export class Oracle {
  private readonly single = new SlateProbabilities(1);
  private readonly probs: SlateProbabilities;
  private readonly one = new Int32Array(1);
  /** What the oracle keeps between steps, all of it rebuilt from the shoppers (a saved race leaves it out). */
  private readonly cache: ItemValues;
  /**
   * Expected reward of each item shown alone, from the last `best` call;
   * `scoresAll` false fills only the best items' and −Infinity elsewhere.
   */
  readonly scores: Float64Array;
  /** The oracle's slate from the last `best` call. */
  readonly slate: Int32Array;

  constructor(
    private readonly pool: ShopperPool,
    private readonly reward: ShopReward,
    private readonly k: number,
    /** Score every item each step (for `scores`), or only as many as finding the best needs. */
    private readonly scoresAll = true,
  ) {
    this.cache = new ItemValues(pool);
    this.probs = new SlateProbabilities(k);
    this.scores = new Float64Array(pool.catalog.size);
    this.slate = new Int32Array(k);
  }

  /** Expected reward of showing `slate` to slot i. */
  expected(i: number, slate: ArrayLike<number>, probs?: SlateProbabilities): number {
    const p = probs ?? this.pool.probabilities(i, slate, this.probs);
    return this.reward.expected(this.pool, i, slate, p);
  }

  /** Expected reward of the oracle's slate for slot i; the slate is left in `this.slate`. */
  best(i: number): number {
    const n = this.pool.catalog.size;
    const pool = this.pool;
    const outcomes = this.reward.singleOutcomes?.(pool, pool.sessionStep[i]! + 1);
    if (outcomes && this.scoresAll) this.cache.all(i, outcomes, this.scores);
    else if (outcomes) this.cache.best(i, outcomes, this.k, this.scores);
    else
      for (let item = 0; item < n; item++) {
        this.one[0] = item;
        this.scores[item] = this.expected(
          i,
          this.one,
          pool.probabilities(i, this.one, this.single),
        );
      }
    if (this.k === 1) {
      let best = 0;
      for (let item = 1; item < n; item++) if (this.scores[item]! > this.scores[best]!) best = item;
      this.slate[0] = best;
      return this.scores[best]!;
    }
    topK(this.scores, this.slate);
    return this.expected(i, this.slate);
  }
}

/** Writes the indices of the `out.length` largest scores into `out`, largest first. */
export function topK(scores: ArrayLike<number>, out: Int32Array): Int32Array {
  const k = out.length;
  let filled = 0;
  for (let i = 0; i < scores.length; i++) {
    const v = scores[i]!;
    if (filled < k) filled++;
    else if (!(v > scores[out[k - 1]!]!)) continue;
    // Insertion into the sorted top list: k is small (a slate).
    let j = filled - 1;
    while (j > 0 && v > scores[out[j - 1]!]!) {
      out[j] = out[j - 1]!;
      j--;
    }
    out[j] = i;
  }
  return out;
}
