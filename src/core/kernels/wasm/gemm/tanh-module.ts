/**
 * tanh over a float32 array in the WASM backend's heap, four lanes at a
 * time. tfjs-backend-wasm 4.22 calls the C library's tanhf once per
 * element, about 13 ns each here: 5% of the article GAN's step went to G's
 * output layer. This is Eigen's rational approximation for float
 * (generic_fast_tanh_float): an odd degree-13 polynomial over an even
 * degree-6 one on x clamped to ±7.905, and x itself below 0.0004. Without
 * fused multiply-adds it is within 5 float32 ulps and 2.6e-7 of tanh: about
 * 3 ulps for |x| < 3, most near the clamp, where it gives ±1
 * (tests/unit/kernels/wasm/wasm-tanh.test.ts). NaN stays NaN.
 */
import {
  add,
  F32,
  get,
  I32,
  i32,
  f32,
  moduleBytes,
  mul,
  set,
  V128,
  type Code,
} from './wasm-encoder';
import { laneLoop, VECTOR, type Lanes } from './lanes';

const CLAMP = 7.90531110763549805;
const TINY = 0.0004;
/** Numerator coefficients, x¹ to x¹³ (odd powers). */
const ALPHA = [
  4.89352455891786e-3, 6.37261928875436e-4, 1.48572235717979e-5, 5.12229709037114e-8,
  -8.60467152213735e-11, 2.00018790482477e-13, -2.76076847742355e-16,
];
/** Denominator coefficients, x⁰ to x⁶ (even powers). */
const BETA = [4.89352518554385e-3, 2.268434632439e-3, 1.18534705686654e-4, 1.19825839466702e-6];

/** Horner's rule in x² from the highest coefficient down. */
function horner(L: Lanes, x2: Code, coefficients: number[]): Code {
  const [top, ...rest] = [...coefficients].reverse();
  return rest.reduce((acc, c) => L.add(L.mul(acc, x2), L.splat(f32(c))), L.splat(f32(top!)));
}

/** tanh(x, n, out): out[i] = tanh(x[i]) for n floats, byte addresses (out may be x). */
export function tanhModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const [x, n, out] = [0, 1, 2];
  const [at, end] = [3, 4];
  // Each lane form keeps x, its clamped value and that squared in locals of its own type.
  const pass = (L: Lanes, [v, c, c2]: number[]): Code[] => {
    const ratio = L.div(L.mul(horner(L, get(c2), ALPHA), get(c)), horner(L, get(c2), BETA));
    return [
      set(v, L.load(add(get(x), get(at)))),
      set(c, L.min(L.max(get(v), L.splat(f32(-CLAMP))), L.splat(f32(CLAMP)))),
      set(c2, L.mul(get(c), get(c))),
      L.store(
        add(get(out), get(at)),
        L.select(get(v), ratio, L.lt(L.abs(get(v)), L.splat(f32(TINY)))),
      ),
    ];
  };
  return moduleBytes({ shared }, [
    {
      export: 'tanh',
      params: [I32, I32, I32],
      locals: [I32, I32, V128, V128, V128, F32, F32, F32],
      body: [
        set(end, mul(get(n), i32(4))),
        ...laneLoop(at, get(end), (L) => pass(L, L === VECTOR ? [5, 6, 7] : [8, 9, 10])),
      ],
    },
  ]);
}

export interface TanhExports {
  tanh(x: number, n: number, out: number): void;
}
