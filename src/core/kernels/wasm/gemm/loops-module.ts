/**
 * Two plain loops over the WASM backend's heap, four lanes at a time, that
 * JavaScript runs at 2-9 ns an element (typed-array loads, and a branch
 * per element it cannot predict):
 *
 * - `activationGrad`: the gradient of ReLU (dy · step(x), NaN where x is
 *   NaN, as tfjs's Step gives) or of leaky ReLU (dy where x > 0, else
 *   dy · alpha), for wasm-activation-grad.ts;
 * - `accumulate`: adds a run of floats into another, for the input
 *   gradient's col2im (wasm-conv-gemm.ts);
 * - `copy` and `zero`: WASM's bulk memory.copy and memory.fill (the batch
 *   gather and Tile of wasm-copies.ts). On the threaded build the heap is a
 *   SharedArrayBuffer, where a typed array's copyWithin and fill go a byte
 *   at a time (the DCGAN's step took four times as long);
 * - `im2col` and `col2im`: a block of a convolution's patch matrix laid
 *   out, or added back into the input, in one call (wasm-conv-gemm.ts).
 *   From JavaScript, a call per run of taps, they were 75,000 calls a layer:
 *   3 ms of the DCGAN's step on one thread, 7.5 on two.
 */
import {
  add,
  call,
  eq,
  geS,
  geU,
  gtS,
  ifElse,
  ifThen,
  leS,
  ltS,
  or,
  remU,
  divU,
  select,
  sub,
  until,
  memoryCopy,
  memoryFill,
  F32,
  f32,
  get,
  I32,
  i32,
  moduleBytes,
  mul,
  set,
  V128,
  type Code,
  type FuncDef,
  type ValueType,
} from './wasm-encoder';
import { laneLoop, VECTOR, type Lanes } from './lanes';

/** A loop over n floats (local `n`), `at` the byte offset and `end` its limit. */
const lanes = (n: number, at: number, end: number, pass: (L: Lanes) => Code[]): Code[] => [
  set(end, mul(get(n), i32(4))),
  ...laneLoop(at, get(end), pass),
];

export function loopsModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  // activationGrad(dy, x, out, n, alpha, relu): byte addresses, alpha an f32, relu 0 or 1.
  const [dy, x, out, n, alpha, relu] = [0, 1, 2, 3, 4, 5];
  const [at, end, v] = [6, 7, 8];
  const vx = 9; // the scalar pass's x
  const grad = (L: Lanes): Code[] => {
    const xv = L === VECTOR ? v : vx;
    const g = L.load(add(get(dy), get(at)));
    const positive = L.lt(L.splat(f32(0)), get(xv));
    const reluStep = L.select(
      get(xv),
      L.select(L.splat(f32(1)), L.splat(f32(0)), positive),
      L.ne(get(xv), get(xv)),
    );
    return [
      set(xv, L.load(add(get(x), get(at)))),
      L.store(
        add(get(out), get(at)),
        // Both forms, one kept per call: two multiplies cost less than a branch in the loop.
        [
          ...L.mul(g, reluStep),
          ...L.select(g, L.mul(g, L.splat(get(alpha))), positive),
          ...get(relu),
          0x1b,
        ],
      ),
    ];
  };
  // accumulate(to, from, n): to[i] += from[i].
  const [to, from, count] = [0, 1, 2];
  const [at2, end2] = [3, 4];
  const sum = (L: Lanes): Code[] => [
    L.store(
      add(get(to), get(at2)),
      L.add(L.load(add(get(to), get(at2))), L.load(add(get(from), get(at2)))),
    ),
  ];
  // copy(to, from, n) and zero(to, n): n floats.
  const bytes = mul(get(2), i32(4));
  const functions: FuncDef[] = [
    {
      export: 'activationGrad',
      params: [I32, I32, I32, I32, F32, I32],
      locals: [I32, I32, V128, F32],
      body: lanes(n, at, end, grad),
    },
    {
      export: 'accumulate',
      params: [I32, I32, I32],
      locals: [I32, I32],
      body: lanes(count, at2, end2, sum),
    },
    {
      export: 'copy',
      params: [I32, I32, I32],
      locals: [],
      body: [memoryCopy(get(0), get(1), bytes)],
    },
    {
      export: 'zero',
      params: [I32, I32],
      locals: [],
      body: [memoryFill(get(0), i32(0), mul(get(1), i32(4)))],
    },
  ];
  // copyRun(to, from, n) and zeroRun(to, n), for im2col only: n floats, four lanes at a time
  // (runs of a few taps are common: a grey image's 4×4 filter row is 4 floats).
  const copyRun = (L: Lanes): Code[] => [
    L.store(add(get(to), get(at2)), L.load(add(get(from), get(at2)))),
  ];
  const zeroRun = (L: Lanes): Code[] => [L.store(add(get(0), get(2)), L.splat(f32(0)))];
  return moduleBytes({ shared }, [
    ...functions,
    {
      params: [I32, I32, I32],
      locals: [I32, I32],
      body: lanes(count, at2, end2, copyRun),
    },
    {
      params: [I32, I32],
      locals: [I32, I32],
      body: lanes(1, 2, 3, zeroRun),
    },
    patchesFunction('im2col'),
    patchesFunction('col2im'),
  ]);
}

/** The module's first functions, in call order: activationGrad 0, accumulate 1, copy 2, zero 3. */
const ACCUMULATE = 1;
const COPY_RUN = 4;
const ZERO_RUN = 5;

/**
 * im2col(x, cols, p0, p1, H, W, C, outH, outW, sh, sw, kh, kw, top, left):
 * rows [p0, p1) of the patch matrix of the channels-last input at x into
 * cols (the block's first row), one row per output pixel (batch, row,
 * column), kh·kw·C taps in the filter's order, zeros where a tap falls in
 * the padding. col2im, with the same parameters, adds the rows at cols back
 * where they came from in x (the input gradient, zeroed by the caller).
 * Byte addresses; sizes in elements.
 */
function patchesFunction(kind: 'im2col' | 'col2im'): FuncDef {
  const [x, cols, p0, p1, H, W, C, outH, outW, sh, sw, kh, kw, top, left] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
  ];
  const [p, ox, oy, image, x0, lo, hi, i, y, o, run, rowBytes, imageBytes] = [
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
  ];
  const bytes = (floats: Code) => mul(floats, i32(4));
  // The run's valid taps [lo, hi): where they sit in the input and in the patch row.
  const inInput = add(
    add(get(image), mul(get(y), get(rowBytes))),
    bytes(mul(add(get(x0), get(lo)), get(C))),
  );
  const inRow = add(get(o), bytes(mul(get(lo), get(C))));
  const valid = mul(sub(get(hi), get(lo)), get(C));
  const outside = or(or(ltS(get(y), i32(0)), geS(get(y), get(H))), leS(get(hi), get(lo)));
  const oneRun =
    kind === 'im2col'
      ? ifElse(
          outside,
          [call(ZERO_RUN, get(o), get(run))],
          [
            ifThen(
              or(gtS(get(lo), i32(0)), ltS(get(hi), get(kw))),
              call(ZERO_RUN, get(o), get(run)),
            ),
            call(COPY_RUN, inRow, inInput, valid),
          ],
        )
      : ifThen(eqz(outside), call(ACCUMULATE, inInput, inRow, valid));
  return {
    export: kind,
    params: Array<ValueType>(15).fill(I32),
    locals: Array<ValueType>(13).fill(I32),
    body: [
      set(run, mul(get(kw), get(C))),
      set(rowBytes, bytes(mul(get(W), get(C)))),
      set(imageBytes, mul(get(H), get(rowBytes))),
      set(o, get(cols)),
      set(ox, remU(get(p0), get(outW))),
      set(oy, remU(divU(get(p0), get(outW)), get(outH))),
      set(image, add(get(x), mul(divU(get(p0), mul(get(outW), get(outH))), get(imageBytes)))),
      set(p, get(p0)),
      until(
        geU(get(p), get(p1)),
        set(x0, sub(mul(get(ox), get(sw)), get(left))),
        set(lo, select(sub(i32(0), get(x0)), i32(0), ltS(get(x0), i32(0)))),
        set(hi, select(get(kw), sub(get(W), get(x0)), ltS(get(kw), sub(get(W), get(x0))))),
        set(i, i32(0)),
        until(
          geU(get(i), get(kh)),
          set(y, sub(add(mul(get(oy), get(sh)), get(i)), get(top))),
          oneRun,
          set(o, add(get(o), bytes(get(run)))),
          set(i, add(get(i), i32(1))),
        ),
        set(ox, add(get(ox), i32(1))),
        ifThen(
          eq(get(ox), get(outW)),
          set(ox, i32(0)),
          set(oy, add(get(oy), i32(1))),
          ifThen(
            eq(get(oy), get(outH)),
            set(oy, i32(0)),
            set(image, add(get(image), get(imageBytes))),
          ),
        ),
        set(p, add(get(p), i32(1))),
      ),
    ],
  };
}

/** i32.eqz */
const eqz = (x: Code): Code => [...x, 0x45];

export interface LoopsExports {
  activationGrad(dy: number, x: number, out: number, n: number, alpha: number, relu: number): void;
  accumulate(to: number, from: number, n: number): void;
  /** Byte addresses, n floats. */
  copy(to: number, from: number, n: number): void;
  zero(to: number, n: number): void;
  im2col(...geometry: PatchArgs): void;
  col2im(...geometry: PatchArgs): void;
}

/** x, cols, p0, p1, H, W, C, outH, outW, sh, sw, kh, kw, top, left (see patchesFunction). */
export type PatchArgs = [
  x: number,
  cols: number,
  p0: number,
  p1: number,
  H: number,
  W: number,
  C: number,
  outH: number,
  outW: number,
  sh: number,
  sw: number,
  kh: number,
  kw: number,
  top: number,
  left: number,
];
