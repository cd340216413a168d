/**
 * The plain state of a simulation's object graph, to checkpoint it and put
 * it back into a fresh copy built from the same settings. A recommender race
 * holds its state in many small objects (shoppers, agents, random streams,
 * counters); rather than a save and load method on each, their own fields are
 * walked: numbers, booleans, strings, arrays, plain objects and class
 * instances, typed arrays. Functions are behaviour, not state, and are left
 * alone; the caller names what else to leave out (tfjs tensors and models,
 * which it saves itself, and shared read-only data such as the catalog).
 *
 * Typed arrays travel as raw bytes in int32 tensors, so every bit comes back
 * (Float64 included); non-finite numbers are spelled out, as JSON has none.
 */
import { CheckpointError, type NamedTensor } from '../store/checkpoint';
import type { Json } from '../store/schema';

const TYPED = {
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array,
} as const;
type TypedName = keyof typeof TYPED;
type Typed = InstanceType<(typeof TYPED)[TypedName]>;

export interface ObjectState {
  tree: Json;
  arrays: NamedTensor[];
}

/** True for what the walk must not enter (by value, or by the field's name). */
export type Skip = (value: object, key: string) => boolean;

function typedName(v: unknown): TypedName | null {
  if (!ArrayBuffer.isView(v) || v instanceof DataView) return null;
  const name = v.constructor.name as TypedName;
  return name in TYPED ? name : null;
}

/** A typed array's bytes as int32s (zero-padded to a multiple of 4 bytes). */
function toInt32(v: Typed): Int32Array {
  const bytes = new Uint8Array(Math.ceil(v.byteLength / 4) * 4);
  bytes.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  return new Int32Array(bytes.buffer);
}

/** Objects whose contents are not in their own fields: a walk would lose them silently. */
const NOT_DATA = [Map, Set, WeakMap, WeakSet, Date, RegExp, Promise, ArrayBuffer];

/** Captures `root`'s state; throws on data it cannot carry (a Map, a Date…). */
export function captureObjectState(root: object, skip: Skip): ObjectState {
  const arrays: NamedTensor[] = [];
  const seen = new Set<object>();
  const walk = (v: unknown, path: string): Json => {
    if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? v : { $n: String(v) };
    if (typeof v !== 'object') return { $skip: true }; // functions, undefined
    if (seen.has(v)) return { $seen: true };
    seen.add(v);
    const typed = typedName(v);
    if (typed) {
      const data = toInt32(v as Typed);
      arrays.push({ name: `state/${arrays.length}`, shape: [data.length], dtype: 'int32', data });
      return { $ta: typed, n: (v as Typed).length, i: arrays.length - 1 };
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`));
    if (NOT_DATA.some((C) => v instanceof C))
      throw new CheckpointError(`cannot save ${path}: a ${v.constructor.name} is not plain data`);
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(v)) {
      const x = (v as Record<string, unknown>)[key];
      if (typeof x === 'function' || x === undefined) continue;
      if (typeof x === 'object' && x !== null && skip(x, key)) continue;
      out[key] = walk(x, `${path}.${key}`);
    }
    return out;
  };
  return { tree: walk(root, 'state'), arrays };
}

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

function fresh(shape: Json): object {
  return Array.isArray(shape) ? [] : {};
}

/**
 * Puts captured state back into `root`, an object graph built from the same
 * settings (so of the same shape). Typed arrays are refilled in place, or
 * replaced when their length changed; missing plain objects are made.
 */
export function restoreObjectState(root: object, state: ObjectState, skip: Skip): void {
  const seen = new Set<object>();
  const typed = (spec: { $ta: string; n: number; i: number }, path: string): Typed => {
    const Ctor = TYPED[spec.$ta as TypedName];
    const t = state.arrays[spec.i];
    if (!Ctor || !t) throw new CheckpointError(`${path}: the saved array is missing`);
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    const size = spec.n * Ctor.BYTES_PER_ELEMENT;
    if (size > bytes.length) throw new CheckpointError(`${path}: the saved array is too short`);
    return new Ctor(bytes.slice(0, size).buffer);
  };
  const value = (src: Json): unknown =>
    src !== null && typeof src === 'object' && !Array.isArray(src) && '$n' in src
      ? Number(src.$n)
      : src;
  /** Objects this restore made: they take any (safe) field; the job's own objects only their own. */
  const made = new Set<object>();
  const into = (target: Record<string, unknown>, src: Json, path: string): void => {
    if (seen.has(target)) return;
    seen.add(target);
    const open = made.has(target) || Array.isArray(target);
    const entries: [string, Json][] = Array.isArray(src)
      ? src.map((x, i) => [String(i), x])
      : Object.entries(src as Record<string, Json>);
    if (Array.isArray(target) && Array.isArray(src)) target.length = src.length;
    for (const [key, s] of entries) {
      const here = `${path}.${key}`;
      // A saved state may come from an imported file: it may not add fields or reach prototypes.
      if (FORBIDDEN.has(key) || (!open && !Object.hasOwn(target, key)))
        throw new CheckpointError(
          `${here} is not part of this job: the saved state does not fit it`,
        );
      const current = target[key];
      if (s !== null && typeof s === 'object' && !Array.isArray(s)) {
        if ('$skip' in s || '$seen' in s) continue;
        if ('$ta' in s) {
          const saved = typed(s as { $ta: string; n: number; i: number }, here);
          const old = current as Typed | undefined;
          if (old && typedName(old) === s.$ta && old.length === saved.length)
            (old as unknown as { set(x: ArrayLike<number>): void }).set(saved as ArrayLike<number>);
          else target[key] = saved;
          continue;
        }
        if (!('$n' in s)) {
          if (typeof current === 'object' && current !== null && skip(current, key)) continue;
          if (typeof current !== 'object' || current === null) made.add((target[key] = fresh(s)));
          into(target[key] as Record<string, unknown>, s, here);
          continue;
        }
      }
      if (Array.isArray(s)) {
        if (!Array.isArray(current)) made.add((target[key] = []));
        into(target[key] as Record<string, unknown>, s, here);
        continue;
      }
      target[key] = value(s);
    }
  };
  if (state.tree === null || typeof state.tree !== 'object')
    throw new CheckpointError('the saved state is not an object');
  into(root as Record<string, unknown>, state.tree, 'state');
}
