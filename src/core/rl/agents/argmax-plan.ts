/**
 * Picking the best of values that have not changed since the last pick, in
 * time independent of the catalog: argmaxRandomTie's scan is recorded once
 * (each index where it met a new best or a tie), and a pick replays that
 * record, drawing exactly where the scan would. So a cached pick is the
 * scan's pick, random draws included, and an agent that caches stays the
 * agent it was; what it saves is the scan, which on a catalog of hundreds
 * is most of a decision's cost (and on the fast path many decisions of a
 * batch share one record).
 */
import type { Random } from '../../random';

/** Where plans are recorded before they are cut to size (one scan at a time, so one buffer). */
let scratch = new Int32Array(0);

/**
 * argmaxRandomTie's scan of `values[from, to)`: ~i where it met a new best,
 * i where it met a tie (relative to `from`).
 */
export function argmaxPlan(values: ArrayLike<number>, from = 0, to = values.length): Int32Array {
  if (scratch.length < to - from) scratch = new Int32Array(to - from);
  let count = 0;
  let best = -Infinity;
  for (let i = from; i < to; i++) {
    const v = values[i]!;
    if (v > best) {
      best = v;
      scratch[count++] = ~(i - from);
    } else if (v === best) scratch[count++] = i - from;
  }
  return scratch.slice(0, count);
}

/** The index argmaxRandomTie would pick, drawing from `rng` as it would. */
export function replayPlan(plan: Int32Array, rng: Random): number {
  let pick = 0;
  let count = 0;
  for (let j = 0; j < plan.length; j++) {
    const e = plan[j]!;
    if (e < 0) {
      pick = ~e;
      count = 1;
    } else {
      count++;
      if (rng.next() * count < 1) pick = e;
    }
  }
  return pick;
}

/**
 * Plans by key (a state, a segment), each dropped when its values change.
 * Agents keep it in a field named `cache`, which saved races leave out: it
 * is rebuilt from the values it was made of.
 */
export class PlanCache {
  private readonly plans = new Map<number, Int32Array>();

  /** The plan of `values[from, to)` under `key`, recorded on first use. */
  plan(key: number, values: ArrayLike<number>, from = 0, to = values.length): Int32Array {
    let p = this.plans.get(key);
    if (!p) {
      p = argmaxPlan(values, from, to);
      this.plans.set(key, p);
    }
    return p;
  }

  drop(key: number): void {
    this.plans.delete(key);
  }

  clear(): void {
    this.plans.clear();
  }
}
