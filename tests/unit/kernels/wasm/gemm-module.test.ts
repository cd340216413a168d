/**
 * The WASM matrix product module on its own, over a memory of the test's:
 * every block height, partial panels, strided and transposed operands, a
 * transposed result, bias and each activation, against a plain triple loop.
 */
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import {
  ACTIVATION,
  gemmModuleBytes,
  gemmShape,
  instantiateGemm,
  packedBytes,
  type GemmActivation,
  type GemmExports,
} from '../../../../src/core/kernels/wasm/gemm/gemm-module';
import { createRandom } from '../../../../src/core/random';
import { expectClose } from '../../helpers/kernel-checks';

// node 20's V8 (11.3) has relaxed SIMD behind a flag; Chromium has it on by default.
setFlagsFromString('--experimental-wasm-relaxed-simd');

const rng = createRandom(11);

interface Case {
  M: number;
  K: number;
  N: number;
  transposeA?: boolean;
  transposeB?: boolean;
  transposeC?: boolean;
  bias?: boolean;
  act?: GemmActivation;
}

/** Runs one product through the module; returns it and the plain loop's result. */
function run(g: GemmExports, memory: WebAssembly.Memory, c: Case) {
  const { M, K, N } = c;
  const A = Float32Array.from({ length: M * K }, () => rng.normal());
  const B = Float32Array.from({ length: K * N }, () => rng.normal());
  const bias = Float32Array.from({ length: N }, () => rng.normal());
  // Byte addresses, 16-aligned, with a guard gap between regions.
  let top = 64;
  const alloc = (bytes: number) => {
    const at = top;
    top += Math.ceil((bytes + 64) / 16) * 16;
    return at;
  };
  const [pa, pb, pbias, pc, packed, packedBias, scratch] = [
    alloc(A.length * 4),
    alloc(B.length * 4),
    alloc(N * 4),
    alloc(M * N * 4),
    alloc(packedBytes(K, N)),
    alloc(packedBytes(1, N)),
    alloc(32),
  ];
  const heap = new Float32Array(memory.buffer);
  heap.set(A, pa / 4);
  heap.set(B, pb / 4);
  heap.set(bias, pbias / 4);
  heap.fill(NaN, pc / 4, pc / 4 + M * N);
  // A is M×K row-major; stored transposed it is K×M.
  const [ar, ak] = c.transposeA ? [4, M * 4] : [K * 4, 4];
  const [sk, sn] = c.transposeB ? [1, K] : [N, 1];
  const [cr, cc] = c.transposeC ? [4, M * 4] : [N * 4, 4];
  g.pack(pb, sk, sn, K, N, packed);
  if (c.bias) g.pack(pbias, 0, 1, 1, N, packedBias);
  const alpha = 0.2;
  g.gemm(
    pa,
    ar,
    ak,
    packed,
    pc,
    cr,
    cc,
    M,
    K,
    N,
    c.bias ? packedBias : 0,
    ACTIVATION[c.act ?? 'linear'],
    alpha,
    scratch,
  );
  const got = new Float32Array(memory.buffer, pc, M * N).slice();
  const want = new Float32Array(M * N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const a = c.transposeA ? A[k * M + m]! : A[m * K + k]!;
        const b = c.transposeB ? B[n * K + k]! : B[k * N + n]!;
        s += a * b;
      }
      if (c.bias) s += bias[n]!;
      if (c.act === 'relu') s = Math.max(s, 0);
      if (c.act === 'relu6') s = Math.min(Math.max(s, 0), 6);
      if (c.act === 'leakyrelu') s = s > 0 ? s : alpha * s;
      want[c.transposeC ? n * M + m : m * N + n] = s;
    }
  return { got, want };
}

const CASES: Case[] = [
  { M: 1, K: 1, N: 1 },
  { M: 13, K: 7, N: 21 },
  { M: 12, K: 33, N: 16 },
  { M: 5, K: 64, N: 8 },
  { M: 17, K: 9, N: 3, transposeA: true },
  { M: 9, K: 19, N: 27, transposeB: true },
  { M: 11, K: 6, N: 12, transposeA: true, transposeB: true },
  { M: 14, K: 10, N: 19, transposeC: true },
  { M: 7, K: 30, N: 24, bias: true },
  { M: 8, K: 5, N: 13, bias: true, act: 'relu' },
  { M: 10, K: 12, N: 9, bias: true, act: 'leakyrelu' },
  { M: 6, K: 20, N: 17, act: 'relu6' },
];

describe('WASM GEMM module', () => {
  for (const fma of [false, true]) {
    const bytes = gemmModuleBytes(gemmShape(fma, false));
    it.each(CASES)(`${fma ? 'FMA' : 'mul+add'} form: %o`, async (c) => {
      const memory = new WebAssembly.Memory({ initial: 64 });
      const { instance } = await WebAssembly.instantiate(bytes, { env: { memory } });
      const { got, want } = run(instance.exports as unknown as GemmExports, memory, c);
      expectClose(got, want);
    });
  }

  it('instantiates over a memory with the best form the engine validates', async () => {
    const memory = new WebAssembly.Memory({ initial: 64 });
    const g = await instantiateGemm(memory);
    expect(g).not.toBeNull();
    expect(g!.shape.shared).toBe(false);
    expect(g!.shape.fma).toBe(true);
    const { got, want } = run(g!.exports, memory, { M: 37, K: 50, N: 29, bias: true, act: 'relu' });
    expectClose(got, want);
  });
});
