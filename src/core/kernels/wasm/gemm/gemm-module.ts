/**
 * The WebAssembly module behind wasm-gemm.ts: a single-precision matrix
 * product C = A·B that works in the WASM backend's own memory (imported), so
 * no tensor is copied in or out.
 *
 * Why a kernel of our own: the XNNPACK product that tfjs-backend-wasm 4.22
 * ships reaches about 20 GFLOP/s on one core of the bench machine (an AMD EPYC),
 * while this simple register-blocked loop reaches 50 to 55 with relaxed SIMD's
 * fused multiply-add, and about 44 without it (measured in Chromium 150 on a
 * 128×1024 by 1024×784 product).
 *
 * Layout. B is first packed into panels of 8 columns (`pack`): panel p holds
 * rows k = 0..K-1 of columns 8p..8p+7 side by side, zero beyond N. `gemm`
 * then walks the panels and, in each, blocks of `rows` rows of A: a block
 * keeps its rows × 8 sums in registers (two 4-lane vectors per row) while k
 * runs, each step one splat of A's element per row and two loads of B.
 * A is read through two byte strides (row, k) and C written through two
 * (row, column), so transposed operands and a transposed result need no copy.
 * Sums get the bias (already padded to the panels by `pack` with K = 1) and
 * an activation: 0 linear, 1 relu, 2 leaky relu (alpha), 3 relu6.
 */
import {
  add,
  and,
  bitselect,
  call,
  eq,
  f32,
  F32,
  f32Load,
  f32Store,
  f32x4Add,
  f32x4Const,
  f32x4Gt,
  f32x4LoadSplat,
  f32x4Max,
  f32x4Min,
  f32x4Mul,
  f32x4RelaxedMadd,
  f32x4Splat,
  geU,
  get,
  gtU,
  I32,
  i32,
  ifElse,
  ifThen,
  isShared,
  moduleBytes,
  mul,
  ne,
  set,
  sub,
  until,
  v128Load,
  v128Store,
  V128,
  type Code,
  type FuncDef,
  type ValueType,
} from './wasm-encoder';

export interface GemmShape {
  /** Rows of A per register block. */
  rows: number;
  /** Steps of k per loop pass. */
  unroll: number;
  /** Fused multiply-add (relaxed SIMD) instead of a multiply and an add. */
  fma: boolean;
  /** Whether the imported memory is shared (the threaded WASM build). */
  shared: boolean;
}

/** Activation codes of `gemm`. */
export const ACTIVATION = { linear: 0, relu: 1, leakyrelu: 2, relu6: 3 } as const;
export type GemmActivation = keyof typeof ACTIVATION;

/** Blocks of 6 rows with FMA, 4 without: 6×8 sums without FMA spill registers (28 against 44 GFLOP/s). */
export function gemmShape(fma: boolean, shared: boolean): GemmShape {
  return { rows: fma ? 6 : 4, unroll: fma ? 2 : 4, fma, shared };
}

/** Function indices: pack is 0, gemm 1, then the block of r rows (1 ≤ r ≤ rows) at 1 + r. */
const GEMM = 1;
const blockFunc = (r: number) => GEMM + r;

/** pack(src, sk, sn, K, N, dst): B[k][n] = src[k·sk + n·sn] (element strides) into panels at dst. */
function packFunc(): FuncDef {
  const [src, sk, sn, K, N, dst] = [0, 1, 2, 3, 4, 5];
  const [n0, k, j, s, d] = [6, 7, 8, 9, 10];
  const step = (x: number, by: Code) => set(x, add(get(x), by));
  return {
    export: 'pack',
    params: [I32, I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, I32, I32],
    body: [
      set(n0, i32(0)),
      set(d, get(dst)),
      until(
        geU(get(n0), get(N)),
        ifElse(
          // Whole panels of a row-contiguous B copy 8 floats per k as two vectors.
          and(eq(get(sn), i32(1)), geU(get(N), add(get(n0), i32(8)))),
          [
            set(s, add(get(src), mul(get(n0), i32(4)))),
            set(k, i32(0)),
            until(
              geU(get(k), get(K)),
              v128Store(get(d), v128Load(get(s))),
              v128Store(get(d), v128Load(get(s), 16), 16),
              step(s, mul(get(sk), i32(4))),
              step(d, i32(32)),
              step(k, i32(1)),
            ),
          ],
          [
            set(k, i32(0)),
            until(
              geU(get(k), get(K)),
              set(j, i32(0)),
              until(
                geU(get(j), i32(8)),
                ifElse(
                  gtU(get(N), add(get(n0), get(j))),
                  [
                    f32Store(
                      get(d),
                      f32Load(
                        add(
                          get(src),
                          mul(
                            add(mul(get(k), get(sk)), mul(add(get(n0), get(j)), get(sn))),
                            i32(4),
                          ),
                        ),
                      ),
                    ),
                  ],
                  [f32Store(get(d), f32(0))],
                ),
                step(d, i32(4)),
                step(j, i32(1)),
              ),
              step(k, i32(1)),
            ),
          ],
        ),
        step(n0, i32(8)),
      ),
    ],
  };
}

/** The block of r rows × 8 columns: sums over k, bias, activation, store. */
function blockFunc_(r: number, shape: GemmShape): FuncDef {
  const [pa, ar, ak, pb, K, pc, cr, cc, cols, bias, act, alpha, scratch] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
  ];
  const [k, a, b0, b1, pci, j] = [13, 14, 15, 16, 17, 18];
  const acc = (i: number, h: number) => 19 + 2 * i + h;
  const rowOffset = (i: number) => 19 + 2 * r + (i - 1);
  const accs: number[] = [];
  for (let i = 0; i < r; i++) accs.push(acc(i, 0), acc(i, 1));
  const madd = (x: Code, y: Code, z: Code) =>
    shape.fma ? f32x4RelaxedMadd(x, y, z) : f32x4Add(f32x4Mul(x, y), z);
  const kStep = (u: number): Code[] => {
    const out: Code[] = [
      set(b0, v128Load(get(pb), u * 32)),
      set(b1, v128Load(get(pb), u * 32 + 16)),
    ];
    for (let i = 0; i < r; i++) {
      out.push(set(a, f32x4LoadSplat(i === 0 ? get(pa) : add(get(pa), get(rowOffset(i))))));
      out.push(set(acc(i, 0), madd(get(a), get(b0), get(acc(i, 0)))));
      out.push(set(acc(i, 1), madd(get(a), get(b1), get(acc(i, 1)))));
    }
    out.push(set(pa, add(get(pa), get(ak))));
    return out;
  };
  const sumLoop = (u: number): Code =>
    until(
      gtU(add(get(k), i32(u)), get(K)),
      ...Array.from({ length: u }, (_, i) => kStep(i)).flat(),
      set(pb, add(get(pb), i32(u * 32))),
      set(k, add(get(k), i32(u))),
    );
  const each = (f: (x: number, h: number) => Code): Code[] => accs.map((x) => f(x, (x - 19) % 2));
  const zero = f32x4Const(0);
  const stores: Code[] = [set(pci, get(pc))];
  for (let i = 0; i < r; i++) {
    stores.push(
      ifElse(
        and(eq(get(cols), i32(8)), eq(get(cc), i32(4))),
        [v128Store(get(pci), get(acc(i, 0))), v128Store(get(pci), get(acc(i, 1)), 16)],
        [
          // A partial panel or a transposed C: through scratch, one float at a time.
          v128Store(get(scratch), get(acc(i, 0))),
          v128Store(get(scratch), get(acc(i, 1)), 16),
          set(j, i32(0)),
          until(
            geU(get(j), get(cols)),
            f32Store(
              add(get(pci), mul(get(j), get(cc))),
              f32Load(add(get(scratch), mul(get(j), i32(4)))),
            ),
            set(j, add(get(j), i32(1))),
          ),
        ],
      ),
      set(pci, add(get(pci), get(cr))),
    );
  }
  return {
    params: [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, F32, I32],
    locals: [
      I32,
      V128,
      V128,
      V128,
      I32,
      I32,
      ...accs.map((): ValueType => V128),
      ...Array<ValueType>(r - 1).fill(I32),
    ],
    body: [
      ...Array.from({ length: r - 1 }, (_, i) => set(rowOffset(i + 1), mul(get(ar), i32(i + 1)))),
      set(k, i32(0)),
      sumLoop(shape.unroll),
      sumLoop(1),
      ifThen(
        ne(get(bias), i32(0)),
        set(b0, v128Load(get(bias))),
        set(b1, v128Load(get(bias), 16)),
        ...each((x, h) => set(x, f32x4Add(get(x), get(h === 0 ? b0 : b1)))),
      ),
      ifThen(eq(get(act), i32(ACTIVATION.relu)), ...each((x) => set(x, f32x4Max(get(x), zero)))),
      ifThen(
        eq(get(act), i32(ACTIVATION.leakyrelu)),
        set(a, f32x4Splat(get(alpha))),
        ...each((x) => set(x, bitselect(get(x), f32x4Mul(get(x), get(a)), f32x4Gt(get(x), zero)))),
      ),
      ifThen(
        eq(get(act), i32(ACTIVATION.relu6)),
        ...each((x) => set(x, f32x4Min(f32x4Max(get(x), zero), f32x4Const(6)))),
      ),
      ...stores,
    ],
  };
}

/**
 * gemm(a, ar, ak, bp, c, cr, cc, M, K, N, bias, act, alpha, scratch):
 * C[m][n] at c + m·cr + n·cc (bytes) = Σk A[m][k]·B[k][n] with A[m][k] at
 * a + m·ar + k·ak and B packed at bp; bias packed or 0; scratch 32 bytes.
 */
function gemmFunc(shape: GemmShape): FuncDef {
  const [a, ar, ak, bp, c, cr, cc, M, K, N, bias, act, alpha, scratch] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
  ];
  const [n0, i, pb, cols, pcp, pbias] = [14, 15, 16, 17, 18, 19];
  const R = shape.rows;
  const callBlock = (r: number) =>
    call(
      blockFunc(r),
      add(get(a), mul(get(i), get(ar))),
      get(ar),
      get(ak),
      get(pb),
      get(K),
      add(get(pcp), mul(get(i), get(cr))),
      get(cr),
      get(cc),
      get(cols),
      get(pbias),
      get(act),
      get(alpha),
      get(scratch),
    );
  return {
    export: 'gemm',
    params: [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, F32, I32],
    locals: [I32, I32, I32, I32, I32, I32],
    body: [
      set(n0, i32(0)),
      set(pb, get(bp)),
      set(pbias, get(bias)),
      until(
        geU(get(n0), get(N)),
        set(cols, sub(get(N), get(n0))),
        ifThen(gtU(get(cols), i32(8)), set(cols, i32(8))),
        set(pcp, add(get(c), mul(get(n0), get(cc)))),
        set(i, i32(0)),
        until(gtU(add(get(i), i32(R)), get(M)), callBlock(R), set(i, add(get(i), i32(R)))),
        ...Array.from({ length: R - 1 }, (_, r) =>
          ifThen(eq(sub(get(M), get(i)), i32(r + 1)), callBlock(r + 1)),
        ),
        set(pb, add(get(pb), mul(get(K), i32(32)))),
        ifThen(ne(get(bias), i32(0)), set(pbias, add(get(pbias), i32(32)))),
        set(n0, add(get(n0), i32(8))),
      ),
    ],
  };
}

/** The module's bytes for a shape. */
export function gemmModuleBytes(shape: GemmShape): Uint8Array<ArrayBuffer> {
  const blocks = Array.from({ length: shape.rows }, (_, r) => blockFunc_(r + 1, shape));
  return moduleBytes({ shared: shape.shared }, [packFunc(), gemmFunc(shape), ...blocks]);
}

/** The module's exports, with byte addresses into the imported memory. */
export interface GemmExports {
  pack(src: number, sk: number, sn: number, K: number, N: number, dst: number): void;
  gemm(
    a: number,
    ar: number,
    ak: number,
    bp: number,
    c: number,
    cr: number,
    cc: number,
    M: number,
    K: number,
    N: number,
    bias: number,
    act: number,
    alpha: number,
    scratch: number,
  ): void;
}

/** Bytes of a packed K×N operand. */
export const packedBytes = (K: number, N: number): number => Math.ceil(N / 8) * 8 * K * 4;

/**
 * Compiles the module over `memory`: with fused multiply-add where the engine
 * has relaxed SIMD, else without. Null where WebAssembly SIMD is missing.
 */
export async function instantiateGemm(
  memory: WebAssembly.Memory,
): Promise<{ exports: GemmExports; shape: GemmShape; module: WebAssembly.Module } | null> {
  const shared = isShared(memory);
  for (const fma of [true, false]) {
    const shape = gemmShape(fma, shared);
    const bytes = gemmModuleBytes(shape);
    if (!WebAssembly.validate(bytes)) continue;
    const { instance, module } = await WebAssembly.instantiate(bytes, { env: { memory } });
    return { exports: instance.exports as unknown as GemmExports, shape, module };
  }
  return null;
}
