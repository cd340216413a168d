/**
 * The same float32 arithmetic written once for one lane (f32) and for four
 * (f32x4), so a kernel's main loop and its tail are one expression, and
 * the loop that runs them (the *-module.ts kernels).
 */
import {
  add,
  bitselect,
  f32Load,
  f32Store,
  f32x4Splat,
  geU,
  get,
  gtU,
  i32,
  set,
  uleb,
  until,
  v128Load,
  v128Store,
  type Code,
} from './wasm-encoder';

export interface Lanes {
  width: number;
  load(addr: Code): Code;
  store(addr: Code, value: Code): Code;
  splat(x: Code): Code;
  add(x: Code, y: Code): Code;
  sub(x: Code, y: Code): Code;
  mul(x: Code, y: Code): Code;
  div(x: Code, y: Code): Code;
  min(x: Code, y: Code): Code;
  max(x: Code, y: Code): Code;
  sqrt(x: Code): Code;
  abs(x: Code): Code;
  /** A condition per lane: an i32 for one lane, a mask for four. */
  lt(x: Code, y: Code): Code;
  /** x ≠ y per lane (true where x is NaN, compared with itself). */
  ne(x: Code, y: Code): Code;
  /** Per lane, `ifTrue` where `cond` (from lt) holds, else `ifFalse`. */
  select(ifTrue: Code, ifFalse: Code, cond: Code): Code;
}

const scalarOp =
  (op: number) =>
  (x: Code, y: Code): Code => [...x, ...y, op];
const vectorOp =
  (op: number) =>
  (x: Code, y: Code): Code => [...x, ...y, 0xfd, ...uleb(op)];

export const SCALAR: Lanes = {
  width: 1,
  load: (addr) => f32Load(addr),
  store: (addr, value) => f32Store(addr, value),
  splat: (x) => x,
  add: scalarOp(0x92),
  sub: scalarOp(0x93),
  mul: scalarOp(0x94),
  div: scalarOp(0x95),
  min: scalarOp(0x96),
  max: scalarOp(0x97),
  sqrt: (x) => [...x, 0x91],
  abs: (x) => [...x, 0x8b],
  lt: scalarOp(0x5d),
  ne: scalarOp(0x5c),
  select: (ifTrue, ifFalse, cond) => [...ifTrue, ...ifFalse, ...cond, 0x1b],
};

export const VECTOR: Lanes = {
  width: 4,
  load: (addr) => v128Load(addr),
  store: (addr, value) => v128Store(addr, value),
  splat: (x) => f32x4Splat(x),
  add: vectorOp(0xe4),
  sub: vectorOp(0xe5),
  mul: vectorOp(0xe6),
  div: vectorOp(0xe7),
  min: vectorOp(0xe8),
  max: vectorOp(0xe9),
  sqrt: (x) => [...x, 0xfd, ...uleb(0xe3)],
  abs: (x) => [...x, 0xfd, ...uleb(0xe0)],
  lt: vectorOp(0x43),
  ne: vectorOp(0x42),
  select: (ifTrue, ifFalse, cond) => bitselect(ifTrue, ifFalse, cond),
};

/**
 * A loop over floats four lanes at a time while four remain, then one:
 * local `at` walks byte offsets from 0 to `end` (an expression read each
 * round), and `pass` writes one step at `at` for the lanes it is given.
 */
export function laneLoop(at: number, end: Code, pass: (L: Lanes) => Code[]): Code[] {
  const step = (L: Lanes) => [...pass(L), set(at, add(get(at), i32(4 * L.width)))];
  return [
    set(at, i32(0)),
    until(gtU(add(get(at), i32(16)), end), ...step(VECTOR)),
    until(geU(get(at), end), ...step(SCALAR)),
  ];
}
