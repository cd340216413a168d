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

/** The spellings captureObjectState gives non-finite numbers. */
const NON_FINITE: Record<string, number> = { NaN, Infinity, '-Infinity': -Infinity };

type Spec = Record<string, Json>;
const isSpec = (s: Json): s is Spec => s !== null && typeof s === 'object' && !Array.isArray(s);

/** A whole number in [min, max], or a CheckpointError naming the path. */
function whole(v: Json | undefined, min: number, max: number, what: string, path: string): number {
  if (!(typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max))
    throw new CheckpointError(`${path}: ${what} must be a whole number ${min} to ${max}`);
  return v;
}

/**
 * Puts captured state back into `root`, an object graph built from the same
 * settings (so of the same shape). A saved state may come from an edited
 * file, so it only fills what the live graph has: the job's objects take
 * their own fields only, typed arrays are refilled in place and must be of
 * the live array's kind and length, numbers stay numbers and texts texts.
 * Plain objects and arrays the live graph lacks (a field that is null until
 * used) are made. Any misfit is a CheckpointError naming its path.
 */
export function restoreObjectState(root: object, state: ObjectState, skip: Skip): void {
  const seen = new Set<object>();
  const fill = (old: Typed, spec: Spec, path: string): void => {
    const kind = spec.$ta;
    if (typeof kind !== 'string' || !Object.hasOwn(TYPED, kind))
      throw new CheckpointError(`${path}: "${String(kind)}" is not a typed array kind`);
    if (typedName(old) !== kind)
      throw new CheckpointError(`${path}: the job holds a ${old.constructor.name}, not a ${kind}`);
    const n = whole(spec.n, 0, old.length, 'its length', path);
    if (n !== old.length)
      throw new CheckpointError(`${path}: ${n} values saved where the job has ${old.length}`);
    const t = state.arrays[whole(spec.i, 0, Number.MAX_SAFE_INTEGER, 'its array index', path)];
    if (!t) throw new CheckpointError(`${path}: the saved array is missing`);
    const size = n * TYPED[kind as TypedName].BYTES_PER_ELEMENT;
    if (t.data.byteLength !== Math.ceil(size / 4) * 4)
      throw new CheckpointError(
        `${path}: the saved array has ${t.data.byteLength} bytes, not ${size}`,
      );
    new Uint8Array(old.buffer, old.byteOffset, size).set(
      new Uint8Array(t.data.buffer, t.data.byteOffset, size),
    );
  };
  const number = (spec: Spec, path: string): number => {
    const text = spec.$n;
    if (
      typeof text !== 'string' ||
      !Object.hasOwn(NON_FINITE, text) ||
      Object.keys(spec).length !== 1
    )
      throw new CheckpointError(`${path}: not a number`);
    return NON_FINITE[text]!;
  };
  /** Objects this restore made: they take any (safe) field; the job's own objects only their own. */
  const made = new Set<object>();
  const into = (target: Record<string, unknown>, src: Json, path: string): void => {
    if (seen.has(target)) return;
    seen.add(target);
    if (Array.isArray(target) !== Array.isArray(src))
      throw new CheckpointError(
        `${path}: ${Array.isArray(target) ? 'a list' : 'an object'} was expected`,
      );
    const entries: [string, Json][] = Array.isArray(src)
      ? src.map((x, i) => [String(i), x])
      : Object.entries(src as Spec);
    if (Array.isArray(target)) target.length = entries.length;
    const open = made.has(target) || Array.isArray(target);
    for (const [key, s] of entries) {
      const here = `${path}.${key}`;
      // A saved state may come from an imported file: it may not add fields or reach prototypes.
      if (FORBIDDEN.has(key) || (!open && !Object.hasOwn(target, key)))
        throw new CheckpointError(
          `${here} is not part of this job: the saved state does not fit it`,
        );
      const current = Object.hasOwn(target, key) ? target[key] : undefined;
      if (isSpec(s) && ('$skip' in s || '$seen' in s)) continue;
      if (isSpec(s) && '$ta' in s) {
        if (!ArrayBuffer.isView(current))
          throw new CheckpointError(`${here}: the job has no typed array here`);
        fill(current as Typed, s, here);
        continue;
      }
      if (isSpec(s) && '$n' in s) {
        if (current !== null && current !== undefined && typeof current !== 'number')
          throw new CheckpointError(`${here}: a number where the job has a ${typeof current}`);
        target[key] = number(s, here);
        continue;
      }
      if (s !== null && typeof s === 'object') {
        if (typeof current === 'object' && current !== null) {
          if (ArrayBuffer.isView(current))
            throw new CheckpointError(`${here}: the job holds a typed array here`);
          if (skip(current, key)) continue;
        } else if (current === null || current === undefined) {
          made.add((target[key] = Array.isArray(s) ? [] : {}) as object);
        } else {
          throw new CheckpointError(`${here}: the job has a ${typeof current} here`);
        }
        into(target[key] as Record<string, unknown>, s, here);
        continue;
      }
      if (current !== null && current !== undefined && typeof current !== typeof s)
        throw new CheckpointError(
          `${here}: a ${s === null ? 'null' : typeof s} where the job has a ${typeof current}`,
        );
      target[key] = s;
    }
  };
  if (!isSpec(state.tree)) throw new CheckpointError('the saved state is not an object');
  into(root as Record<string, unknown>, state.tree, 'state');
}
