/**
 * Minibatches for the models trained on a log: a fresh seeded shuffle per
 * epoch, cut into batches of row indices. The last batch may be short. The
 * stream's place (the epoch's shuffle, how far into it, the generator's
 * state) saves and comes back exactly, so a resumed run draws the batches an
 * unbroken one would.
 */
import { CheckpointError } from '../../store/checkpoint';
import { permutation, restoreRandom, type Random } from '../../random';

/** Where a batch stream stands. */
export interface BatchStreamState {
  rng: number[];
  /** The epoch's shuffle, or null before the first batch. */
  order: Uint32Array | null;
  /** The first row of the next batch in `order`. */
  from: number;
}

export class BatchStream {
  private order: Uint32Array | null = null;
  private from = 0;

  constructor(
    readonly rows: number,
    readonly batchSize: number,
    private rng: Random,
  ) {
    if (!(Number.isInteger(batchSize) && batchSize >= 1))
      throw new RangeError(`batchSize must be a whole number ≥ 1, got ${batchSize}`);
  }

  /** The next batch of row indices; a new epoch is shuffled when the last one is used up. */
  next(): Int32Array {
    if (!this.order || this.from >= this.rows) {
      this.order = permutation(this.rows, this.rng);
      this.from = 0;
    }
    const to = Math.min(this.rows, this.from + this.batchSize);
    const batch = Int32Array.from(this.order.subarray(this.from, to));
    this.from = to;
    return batch;
  }

  state(): BatchStreamState {
    return { rng: this.rng.state(), order: this.order?.slice() ?? null, from: this.from };
  }

  /** Continues from `s`, a state read back from a checkpoint (and so checked first). */
  restore(s: BatchStreamState): void {
    if (!(s.rng.length === 4 && s.rng.every((x) => Number.isInteger(x) && (x | 0) === x)))
      throw new CheckpointError('the batch order’s random state is not four 32-bit integers');
    if (s.order !== null) {
      if (s.order.length !== this.rows)
        throw new CheckpointError(
          `the saved epoch shuffles ${s.order.length} rows, this run trains on ${this.rows}`,
        );
      const seen = new Uint8Array(this.rows);
      for (const r of s.order) {
        if (r >= this.rows || seen[r])
          throw new CheckpointError('the saved epoch shuffle is not a shuffle of the rows');
        seen[r] = 1;
      }
    }
    if (!(Number.isInteger(s.from) && s.from >= 0 && s.from <= this.rows))
      throw new CheckpointError(
        `the saved batch position ${s.from} is outside the ${this.rows} rows`,
      );
    this.rng = restoreRandom(s.rng);
    this.order = s.order?.slice() ?? null;
    this.from = s.from;
  }
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
