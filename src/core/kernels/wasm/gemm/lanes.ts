/**
 * The same float32 arithmetic written once for one lane (f32) and for four
 * (f32x4), so a kernel's main loop and its tail are one expression
 * (adam-module.ts, tanh-module.ts).
 */
import {
  bitselect,
  f32Load,
  f32Store,
  f32x4Splat,
  uleb,
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
