/**
 * Just enough of the WebAssembly binary format to write the app's matrix
 * product kernel at run time (gemm-module.ts): numbers, a handful of
 * instructions and the five sections a module of plain functions over an
 * imported memory needs. Writing the bytes here rather than shipping a
 * compiled .wasm keeps the kernel's shape (rows per block, fused multiply-add
 * or not, shared memory or not) a parameter, with nothing to rebuild.
 * Instructions are number arrays in stack order, so `add(get(0), i32(4))`
 * reads like the expression it computes.
 */

export type Code = number[];

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export type ValueType = typeof I32 | typeof F32 | typeof V128;

/** Unsigned LEB128. */
export function uleb(n: number): Code {
  const out: Code = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (i32 range). */
export function sleb(n: number): Code {
  const out: Code = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

const utf8 = (s: string): Code => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const vec = (items: Code[]): Code => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: Code): Code => [id, ...uleb(body.length), ...body];

// Variables and constants.
export const get = (i: number): Code => [0x20, ...uleb(i)];
export const set = (i: number, value: Code): Code => [...value, 0x21, ...uleb(i)];
export const i32 = (v: number): Code => [0x41, ...sleb(v)];

// i32 arithmetic and comparisons, operands first.
const binary =
  (op: number) =>
  (x: Code, y: Code): Code => [...x, ...y, op];
export const eq = binary(0x46);
export const ne = binary(0x47);
export const ltU = binary(0x49);
export const geU = binary(0x4f);
export const gtU = binary(0x4b);
export const ltS = binary(0x48);
export const gtS = binary(0x4a);
export const leS = binary(0x4c);
export const geS = binary(0x4e);
export const add = binary(0x6a);
export const sub = binary(0x6b);
export const mul = binary(0x6c);
export const divU = binary(0x6e);
export const remU = binary(0x70);
export const and = binary(0x71);
export const or = binary(0x72);
/** a where cond holds, else b (i32 values and an i32 condition). */
export const select = (a: Code, b: Code, cond: Code): Code => [...a, ...b, ...cond, 0x1b];

// Memory: natural alignment hints, byte offsets.
const memarg = (align: number, offset: number): Code => [...uleb(align), ...uleb(offset)];
export const f32Load = (addr: Code, offset = 0): Code => [...addr, 0x2a, ...memarg(2, offset)];
/** memory.copy (bulk memory): n bytes from src to dst, overlapping or not. */
export const memoryCopy = (dst: Code, src: Code, n: Code): Code => [
  ...dst,
  ...src,
  ...n,
  0xfc,
  ...uleb(10),
  0x00,
  0x00,
];
/** memory.fill (bulk memory): n bytes at dst set to the low byte of value. */
export const memoryFill = (dst: Code, value: Code, n: Code): Code => [
  ...dst,
  ...value,
  ...n,
  0xfc,
  ...uleb(11),
  0x00,
];
/** f32.const */
export const f32 = (v: number): Code => [0x43, ...new Uint8Array(new Float32Array([v]).buffer)];
export const f32Store = (addr: Code, value: Code, offset = 0): Code => [
  ...addr,
  ...value,
  0x38,
  ...memarg(2, offset),
];

// 128-bit SIMD (prefix 0xfd, then the opcode as LEB128).
const simd = (op: number): Code => [0xfd, ...uleb(op)];
export const v128Load = (addr: Code, offset = 0): Code => [
  ...addr,
  ...simd(0x00),
  ...memarg(4, offset),
];
export const f32x4LoadSplat = (addr: Code, offset = 0): Code => [
  ...addr,
  ...simd(0x09),
  ...memarg(2, offset),
];
export const v128Store = (addr: Code, value: Code, offset = 0): Code => [
  ...addr,
  ...value,
  ...simd(0x0b),
  ...memarg(4, offset),
];
export const f32x4Splat = (x: Code): Code => [...x, ...simd(0x13)];
export const f32x4Const = (v: number): Code => f32x4Splat(f32(v));
export const f32x4Gt = (x: Code, y: Code): Code => [...x, ...y, ...simd(0x44)];
export const bitselect = (ifTrue: Code, ifFalse: Code, mask: Code): Code => [
  ...ifTrue,
  ...ifFalse,
  ...mask,
  ...simd(0x52),
];
export const f32x4Add = (x: Code, y: Code): Code => [...x, ...y, ...simd(0xe4)];
export const f32x4Mul = (x: Code, y: Code): Code => [...x, ...y, ...simd(0xe6)];
export const f32x4Min = (x: Code, y: Code): Code => [...x, ...y, ...simd(0xe8)];
export const f32x4Max = (x: Code, y: Code): Code => [...x, ...y, ...simd(0xe9)];
/** a·b + c in one rounding where the CPU has FMA (relaxed SIMD, so possibly two). */
export const f32x4RelaxedMadd = (a: Code, b: Code, c: Code): Code => [
  ...a,
  ...b,
  ...c,
  ...simd(0x105),
];

// Structured control. Branch depths count enclosing blocks from the inside, as in the format.
const EMPTY = 0x40;
export const block = (...body: Code[]): Code => [0x02, EMPTY, ...body.flat(), 0x0b];
export const loop = (...body: Code[]): Code => [0x03, EMPTY, ...body.flat(), 0x0b];
export const ifThen = (cond: Code, ...body: Code[]): Code => [
  ...cond,
  0x04,
  EMPTY,
  ...body.flat(),
  0x0b,
];
export const ifElse = (cond: Code, then: Code[], otherwise: Code[]): Code => [
  ...cond,
  0x04,
  EMPTY,
  ...then.flat(),
  0x05,
  ...otherwise.flat(),
  0x0b,
];
export const br = (depth: number): Code => [0x0c, ...uleb(depth)];
export const brIf = (depth: number, cond: Code): Code => [...cond, 0x0d, ...uleb(depth)];
/** Repeats `body` until `exit` holds, testing before each pass. */
export const until = (exit: Code, ...body: Code[]): Code =>
  block(loop(brIf(1, exit), ...body, br(0)));
export const call = (func: number, ...args: Code[]): Code => [...args.flat(), 0x10, ...uleb(func)];

/** Whether a memory is shared (WASM's threaded build): a module importing it must declare so. */
export const isShared = (memory: WebAssembly.Memory): boolean =>
  typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;

export interface FuncDef {
  params: ValueType[];
  /** Extra locals after the parameters, numbered from params.length. */
  locals: ValueType[];
  body: Code[];
  /** Exported under this name when set. */
  export?: string;
}

/**
 * A module that imports `env.memory` and defines `funcs` (no results; they
 * work through memory). A shared memory needs its maximum declared; 65536
 * pages (4 GiB) admits any 32-bit memory.
 */
export function moduleBytes(
  memory: { shared: boolean },
  funcs: FuncDef[],
): Uint8Array<ArrayBuffer> {
  const types = funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), 0]);
  const limits = memory.shared ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];
  const imports = vec([[...utf8('env'), ...utf8('memory'), 0x02, ...limits]]);
  const exported = funcs.flatMap((f, i) =>
    f.export ? [[...utf8(f.export), 0x00, ...uleb(i)]] : [],
  );
  const bodies = funcs.map((f) => {
    const locals = vec(f.locals.map((t) => [1, t]));
    const code = [...locals, ...f.body.flat(), 0x0b];
    return [...uleb(code.length), ...code];
  });
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...section(2, imports),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(7, vec(exported)),
    ...section(10, vec(bodies)),
  ]);
}
