/**
 * The seeded split of shoppers into rows a model may learn from and rows kept
 * out as "new" people: the shopper GAN holds the same rows out of training as
 * the cold-start experiment serves as new arrivals, given the same seed.
 */
import { permutation, type Random } from '../random';

const HOLDOUT_SHARE = 0.2;
/** Enough held-out rows for steady measurements; a larger log trains on the rest. */
const MAX_HOLDOUT_ROWS = 2000;

export interface HoldoutSplit {
  train: Uint32Array;
  holdout: Uint32Array;
}

/** A fifth of the rows (at least 1, at most 2,000) held out, the rest to train on; draws from `rng`. */
export function holdoutSplit(rows: number, rng: Random): HoldoutSplit {
  const order = permutation(rows, rng);
  const held = Math.max(1, Math.round(rows * HOLDOUT_SHARE));
  return { holdout: order.slice(0, Math.min(held, MAX_HOLDOUT_ROWS)), train: order.slice(held) };
}
