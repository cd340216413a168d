/**
 * Checkpoints as bytes: a job's tensors (weights, optimizer state) packed into
 * one ArrayBuffer with an index, and back. Packing is where a checkpoint is
 * checked: shapes must match the data, and a non-finite weight refuses the
 * whole checkpoint, so a diverged model never replaces a good one.
 */
import type { CheckpointRecord, Json, TensorIndex } from './schema';

export interface NamedTensor {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

export interface CheckpointInput {
  step: number;
  weights: NamedTensor[];
  optimizer: NamedTensor[];
  rng: number[];
  extra?: Json;
}

export interface Checkpoint extends Required<CheckpointInput> {
  id: string;
  sessionId: string;
  createdAt: number;
}

/** A checkpoint that must not be stored or loaded; the message says why. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

export function elementsOf(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

function checkTensor(t: NamedTensor): void {
  if (!t.shape.every((d) => Number.isInteger(d) && d >= 0))
    throw new CheckpointError(`${t.name} has a bad shape [${t.shape.join(', ')}]`);
  const n = elementsOf(t.shape);
  if (t.data.length !== n)
    throw new CheckpointError(
      `${t.name} has ${t.data.length} values for shape [${t.shape.join(', ')}] (${n})`,
    );
  if ((t.dtype === 'float32') !== t.data instanceof Float32Array)
    throw new CheckpointError(`${t.name} says ${t.dtype} but holds other data`);
  if (t.dtype === 'float32') {
    // A float is NaN or ±Infinity exactly when its exponent bits are all ones; reading the
    // bits as integers checks tens of millions of weights several times faster.
    const bits = new Int32Array(t.data.buffer, t.data.byteOffset, n);
    for (let i = 0; i < n; i++)
      if ((bits[i]! & 0x7f800000) === 0x7f800000)
        throw new CheckpointError(
          `${t.name} holds ${t.data[i]} at index ${i}: a model with non-finite weights is not saved`,
        );
  }
}

/**
 * The checkpoint with every tensor copied, in order (weights, then optimizer
 * state), into one ArrayBuffer: the training worker sends it so, and
 * packCheckpoint then takes that buffer as it is instead of copying tens of
 * megabytes on the page's main thread.
 */
export function inOneBuffer(input: CheckpointInput): CheckpointInput {
  const all = [...input.weights, ...input.optimizer];
  const buffer = new ArrayBuffer(all.reduce((n, t) => n + t.data.byteLength, 0));
  let offset = 0;
  const moved = (t: NamedTensor): NamedTensor => {
    const data =
      t.data instanceof Float32Array
        ? new Float32Array(buffer, offset, t.data.length)
        : new Int32Array(buffer, offset, t.data.length);
    data.set(t.data);
    offset += t.data.byteLength;
    return { ...t, shape: [...t.shape], data };
  };
  return { ...input, weights: input.weights.map(moved), optimizer: input.optimizer.map(moved) };
}

/** The buffer the tensors fill end to end, in order, if they do (see inOneBuffer); else null. */
function filledBuffer(all: NamedTensor[]): ArrayBuffer | null {
  const buffer = all[0]?.data.buffer;
  if (!(buffer instanceof ArrayBuffer)) return null;
  let offset = 0;
  for (const t of all) {
    if (t.data.buffer !== buffer || t.data.byteOffset !== offset) return null;
    offset += t.data.byteLength;
  }
  return offset === buffer.byteLength ? buffer : null;
}

/** Packs and checks a checkpoint; throws a CheckpointError on any problem. */
export function packCheckpoint(
  input: CheckpointInput,
  ids: { id: string; sessionId: string; createdAt: number },
): LoadedRecord {
  if (!(Number.isInteger(input.step) && input.step >= 0))
    throw new CheckpointError(`the step must be a whole number ≥ 0, got ${input.step}`);
  if (!input.rng.every((v) => Number.isFinite(v)))
    throw new CheckpointError('the random generator state must be finite numbers');
  const all = [...input.weights, ...input.optimizer];
  const names = new Set<string>();
  for (const t of all) {
    checkTensor(t);
    if (names.has(t.name)) throw new CheckpointError(`two tensors are named ${t.name}`);
    names.add(t.name);
  }
  // Tensors that already fill one buffer in order are stored as they lie.
  const filled = filledBuffer(all);
  const data = filled ?? new ArrayBuffer(all.reduce((n, t) => n + t.data.byteLength, 0));
  const view = new Uint8Array(data);
  let offset = 0;
  const index = (t: NamedTensor): TensorIndex => {
    const entry = { name: t.name, shape: [...t.shape], dtype: t.dtype, offset };
    if (!filled)
      view.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), offset);
    offset += t.data.byteLength;
    return entry;
  };
  return {
    ...ids,
    step: input.step,
    weights: input.weights.map(index),
    optimizer: input.optimizer.map(index),
    data,
    rng: [...input.rng],
    extra: input.extra ?? null,
  };
}

function view(data: ArrayBuffer, e: TensorIndex): NamedTensor {
  const n = elementsOf(e.shape);
  if (!(Number.isInteger(e.offset) && e.offset >= 0 && e.offset % 4 === 0))
    throw new CheckpointError(`${e.name} starts at a bad offset ${e.offset}`);
  if (e.offset + n * 4 > data.byteLength)
    throw new CheckpointError(
      `${e.name} needs ${n * 4} bytes at ${e.offset}, past the end of the data (${data.byteLength})`,
    );
  const copy = data.slice(e.offset, e.offset + n * 4);
  const t: NamedTensor = {
    name: e.name,
    shape: [...e.shape],
    dtype: e.dtype,
    data: e.dtype === 'float32' ? new Float32Array(copy) : new Int32Array(copy),
  };
  checkTensor(t);
  return t;
}

/** The tensors of a stored checkpoint, checked again on the way out. */
/** A record whose bytes are in memory (see loadCheckpoint for one stored as a Blob). */
export type LoadedRecord = CheckpointRecord & { data: ArrayBuffer };

/** The record as IndexedDB should keep it: its bytes in a Blob, which it stores without cloning. */
export function asStored(r: CheckpointRecord): CheckpointRecord {
  return r.data instanceof Blob ? r : { ...r, data: new Blob([r.data]) };
}

/** A stored record's bytes read into memory, then unpacked and checked. */
export async function loadCheckpoint(r: CheckpointRecord): Promise<Checkpoint> {
  return unpackCheckpoint(await loaded(r));
}

/** The record with its bytes in memory. */
export async function loaded(r: CheckpointRecord): Promise<LoadedRecord> {
  return r.data instanceof Blob ? { ...r, data: await r.data.arrayBuffer() } : (r as LoadedRecord);
}

export function unpackCheckpoint(r: LoadedRecord): Checkpoint {
  return {
    id: r.id,
    sessionId: r.sessionId,
    createdAt: r.createdAt,
    step: r.step,
    weights: r.weights.map((e) => view(r.data, e)),
    optimizer: r.optimizer.map((e) => view(r.data, e)),
    rng: [...r.rng],
    extra: r.extra,
  };
}
