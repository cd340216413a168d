/**
 * Minibatches for the models trained on a log: a fresh seeded shuffle per
 * epoch, cut into batches of row indices. The last batch may be short.
 */
import { permutation, type Random } from '../../random';

export function* epochBatches(rows: number, batchSize: number, rng: Random): Generator<Int32Array> {
  if (!(Number.isInteger(batchSize) && batchSize >= 1))
    throw new RangeError(`batchSize must be a whole number ≥ 1, got ${batchSize}`);
  const order = permutation(rows, rng);
  for (let from = 0; from < rows; from += batchSize)
    yield Int32Array.from(order.subarray(from, Math.min(rows, from + batchSize)));
}

/** The entries of `values` at `rows`, `width` numbers per row. */
export function gatherRows(
  values: Float32Array,
  width: number,
  rows: ArrayLike<number>,
): Float32Array {
  const out = new Float32Array(rows.length * width);
  for (let j = 0; j < rows.length; j++) {
    const r = rows[j]!;
    out.set(values.subarray(r * width, (r + 1) * width), j * width);
  }
  return out;
}
