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
 * - `copy` and `zero`: WASM's bulk memory.copy and memory.fill, for the
 *   patches of wasm-conv-gemm.ts. On the threaded build the heap is a
 *   SharedArrayBuffer, where a typed array's copyWithin and fill go a byte
 *   at a time (the DCGAN's step took four times as long).
 */
import {
  add,
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
  return moduleBytes({ shared }, [
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
  ]);
}

export interface LoopsExports {
  activationGrad(dy: number, x: number, out: number, n: number, alpha: number, relu: number): void;
  accumulate(to: number, from: number, n: number): void;
  /** Byte addresses, n floats. */
  copy(to: number, from: number, n: number): void;
  zero(to: number, n: number): void;
}
