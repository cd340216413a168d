/**
 * What an agent may see of a shopper: not their hidden preference, only what
 * a real shop knows. Two encodings of the same facts:
 *
 * Discrete state (tabular agents), segment × last event × stage, so
 * numStates = segments × 3 × 3:
 *   last event: 0 nothing yet or no click, 1 a click (no cart), 2 a cart or a purchase
 *   stage: 0 the first step, 1 steps 2 to 4, 2 step 5 on
 *   state = (segment * 3 + lastEvent) * 3 + stage
 *
 * Context vector (LinUCB, DQN), length 1 + segments + 4 + 2 + embeddingSize:
 *   [1 (bias), segment one-hot, last event one-hot (none, click, cart, purchase),
 *    session step / max length, budget left / budget at arrival,
 *    embedding of the last clicked item (zeros before the first click)]
 * The segment itself rides along as `segment`, for agents that learn per segment.
 * The last click's embedding is the strongest clue to a shopper's taste a
 * shop has, as with item-to-item recommendations.
 */
import type { Observation } from '../contract';
import type { ShopConfig } from './presets';
import { LAST_EVENT, type ShopperPool } from './shoppers';

export function numStatesOf(c: ShopConfig): number {
  return c.shoppers.segments.length * 9;
}

export function contextSizeOf(c: ShopConfig): number {
  return 1 + c.shoppers.segments.length + 4 + 2 + c.catalog.embeddingSize;
}

export function stateOf(pool: ShopperPool, i: number): number {
  const e = pool.lastEvent[i]!;
  const last = e === LAST_EVENT.none ? 0 : e === LAST_EVENT.click ? 1 : 2;
  const step = pool.sessionStep[i]!;
  const stage = step === 0 ? 0 : step < 4 ? 1 : 2;
  return (pool.segment[i]! * 3 + last) * 3 + stage;
}

/** Writes slot i's context at out[offset, offset + contextSize). */
export function writeContext(
  pool: ShopperPool,
  i: number,
  out: Float64Array,
  offset: number,
): void {
  const S = pool.config.segments.length;
  const d = pool.catalog.embeddingSize;
  const size = 1 + S + 4 + 2 + d;
  // A loop, not fill(): the builtin's call costs more than a context's few writes.
  for (let k = offset; k < offset + size; k++) out[k] = 0;
  out[offset] = 1;
  out[offset + 1 + pool.segment[i]!] = 1;
  out[offset + 1 + S + pool.lastEvent[i]!] = 1;
  out[offset + 1 + S + 4] = pool.sessionStep[i]! / pool.config.maxSessionLength;
  out[offset + 1 + S + 5] = pool.budgetLeft[i]! / pool.budget[i]!;
  const click = pool.lastClick[i]!;
  if (click >= 0) {
    const base = offset + 1 + S + 6;
    for (let j = 0; j < d; j++) out[base + j] = pool.catalog.embedding[click * d + j]!;
  }
}

export function observe(pool: ShopperPool, i: number, contextSize: number): Observation {
  const context = new Float64Array(contextSize);
  writeContext(pool, i, context, 0);
  return { state: stateOf(pool, i), context, segment: pool.segment[i]! };
}

/** What a shop knows of a shopper's session so far, read back from the context vector. */
export interface SessionFacts {
  /** Steps of the session before this one. */
  step: number;
  clickedBefore: boolean;
  /**
   * Carted in this session: known when the last step carted or anything was
   * bought (a purchase goes through the cart); a cart left in an earlier
   * step without a purchase is not in the context, so reads as false.
   */
  cartedBefore: boolean;
  boughtBefore: boolean;
}

/** The session facts in a context `writeContext` wrote for a shop of `segments` segments. */
export function sessionFacts(
  context: ArrayLike<number>,
  segments: number,
  maxSessionLength: number,
): SessionFacts {
  const events = 1 + segments;
  const last = [0, 1, 2, 3].find((e) => context[events + e] === 1) ?? LAST_EVENT.none;
  const boughtBefore = last === LAST_EVENT.purchase || context[events + 5]! < 1;
  let clickedBefore = last !== LAST_EVENT.none || boughtBefore;
  // The last click's embedding is zeros until the session's first click.
  for (let j = events + 6; j < context.length && !clickedBefore; j++)
    if (context[j] !== 0) clickedBefore = true;
  return {
    step: Math.round(context[events + 4]! * maxSessionLength),
    clickedBefore,
    cartedBefore: last >= LAST_EVENT.cart || boughtBefore,
    boughtBefore,
  };
}
