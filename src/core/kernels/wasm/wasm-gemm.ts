/**
 * The WASM backend's matrix products (BatchMatMul and _FusedMatMul) through
 * the app's own kernel (gemm/gemm-module.ts), which works in the backend's
 * heap: operands are read where tfjs keeps them and the result is written
 * into a tensor tfjs allocated. On the bench machine it multiplies about
 * twice as fast as the XNNPACK product tfjs-backend-wasm 4.22 ships, on one
 * thread (README, "Benchmarks").
 *
 * Every transpose flag is a pair of strides, not a copy. The operand walked
 * in panels is packed first (fast when its rows are contiguous); for A·Bᵀ,
 * backprop's input gradient, the product is computed as (B·Aᵀ)ᵀ instead when
 * that packs fewer elements, writing the result transposed.
 *
 * Cases the kernel does not cover (other dtypes, activations it lacks, batch
 * shapes that do not broadcast) go to the kernel it replaced. An empty sum
 * (K = 0) gives zeros here; the shipped kernel returns whatever the output's
 * memory held.
 */
import * as tf from '@tensorflow/tfjs';
import {
  ACTIVATION,
  instantiateGemm,
  packedBytes,
  type GemmActivation,
  type GemmExports,
  type GemmShape,
} from './gemm/gemm-module';
import {
  CONTROL_BYTES,
  runTask,
  type GemmArgs,
  type GemmShare,
  type PackFrom,
} from './gemm/gemm-control';
import { GemmHelper, HelperPool } from './gemm/gemm-helper';
import { markTakesMatrices, wrapOnce } from '../kernel-swap';
import { addressOf, HeapArea, wasmHeap, type WasmBackend } from './wasm-heap';

type KernelFunc = tf.KernelConfig['kernelFunc'];

/** Products below this many flops (about 80 µs on one core) are not worth waking the helper for. */
const SPLIT_FLOPS = 1 << 22;

/** A kernel instance bound to one backend's memory, with a scratch area in its heap. */
class HeapGemm {
  private readonly scratch: HeapArea;
  /** Products computed here (not fallen back). */
  products = 0;
  /** This thread's kernels and, on the threaded build (shared memory), its helper threads. */
  readonly pool: HelperPool;

  constructor(
    private readonly backend: WasmBackend,
    private readonly kernel: GemmExports,
    readonly shape: GemmShape,
  ) {
    this.pool = new HelperPool({ gemm: kernel, adam: null });
    this.scratch = new HeapArea(backend);
  }

  /** At least `bytes` of scratch in the heap, kept and grown between calls (never shrunk). */
  private area(bytes: number): number {
    return this.scratch.reserve(bytes);
  }

  /**
   * One product over panels packed from `pack` (null: already packed); a
   * large one is split by column panels between the helper threads and this
   * one, each packing its own panels and with its own 32 bytes of spare.
   */
  private gemm(args: GemmArgs, pack: PackFrom | null): void {
    const [a, ar, ak, bp, c, cr, cc, M, K, N, bias, act, alpha, spare] = args;
    const panels = Math.ceil(N / 8);
    const parts = Math.min(this.pool.threads, panels);
    if (parts < 2 || 2 * M * N * K < SPLIT_FLOPS) {
      runTask(this.pool.local, { kind: 'gemm', pack, gemm: args });
      return;
    }
    const share = (i: number): GemmShare => {
      const p0 = Math.floor((panels * i) / parts);
      const p1 = Math.floor((panels * (i + 1)) / parts);
      const n = Math.min(N, p1 * 8) - p0 * 8;
      const b = bias ? bias + p0 * 32 : 0;
      return {
        kind: 'gemm',
        pack: pack && { ...pack, src: pack.src + p0 * 8 * pack.sn * 4 },
        gemm: [
          a,
          ar,
          ak,
          bp + p0 * K * 32,
          c + p0 * 8 * cc,
          cr,
          cc,
          M,
          K,
          n,
          b,
          act,
          alpha,
          spare + 32 * i,
        ],
      };
    };
    this.pool.run(Array.from({ length: parts }, (_, i) => share(i)));
  }

  /**
   * C = A·B (+ bias, activation) on operands a kernel laid out in the heap
   * itself (wasm-conv-gemm.ts): A (M×K) read through byte strides, B (K×N)
   * packed from element strides (null: the B the last call packed, with the
   * same K and N), C written through byte strides, `bias` the address of N
   * floats or 0. Split between the threads like any product.
   */
  heapProduct(p: {
    a: number;
    ar: number;
    ak: number;
    b: PackFrom | null;
    c: number;
    cr: number;
    cc: number;
    M: number;
    K: number;
    N: number;
    bias: number;
    activation: GemmActivation;
    alpha: number;
  }): void {
    this.products++;
    if (p.M === 0 || p.N === 0) return;
    const scratch = this.area(packedBytes(p.K, p.N) + packedBytes(1, p.N) + 32 * this.pool.threads);
    const packedBias = scratch + packedBytes(p.K, p.N);
    const spare = packedBias + packedBytes(1, p.N);
    if (p.bias) this.kernel.pack(p.bias, 0, 1, 1, p.N, packedBias);
    this.gemm(
      [
        p.a,
        p.ar,
        p.ak,
        scratch,
        p.c,
        p.cr,
        p.cc,
        p.M,
        p.K,
        p.N,
        p.bias ? packedBias : 0,
        ACTIVATION[p.activation],
        p.alpha,
        spare,
      ],
      p.b,
    );
  }

  private address(t: tf.TensorInfo): number {
    return addressOf(this.backend, t);
  }

  /**
   * op(A)·op(B) (+ bias, activation) over the last two axes, or null for a
   * case the kernel leaves to the replaced one.
   */
  product(
    a: tf.TensorInfo,
    b: tf.TensorInfo,
    transposeA: boolean,
    transposeB: boolean,
    bias: tf.TensorInfo | null,
    activation: GemmActivation,
    alpha: number,
  ): tf.TensorInfo | null {
    const [ra, rb] = [a.shape.length, b.shape.length];
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || ra < 2 || rb < 2) return null;
    const [ar0, ac0] = a.shape.slice(-2) as [number, number];
    const [br0, bc0] = b.shape.slice(-2) as [number, number];
    const [M, K] = transposeA ? [ac0, ar0] : [ar0, ac0];
    const [K2, N] = transposeB ? [bc0, br0] : [br0, bc0];
    // Leading axes are batch axes; one side's may broadcast as a whole (size 1), not axis by axis.
    const [outerA, outerB] = [a.shape.slice(0, -2), b.shape.slice(0, -2)];
    const [ba, bb] = [tf.util.sizeFromShape(outerA), tf.util.sizeFromShape(outerB)];
    if (K !== K2 || (ba !== bb && ba !== 1 && bb !== 1)) return null;
    if (ba === bb && ra === rb && !tf.util.arraysEqual(outerA, outerB)) return null;
    if (bias && (bias.dtype !== 'float32' || tf.util.sizeFromShape(bias.shape) !== N)) return null;
    const outer = tf.backend_util.assertAndGetBroadcastShape(outerA, outerB);
    const batch = Math.max(ba, bb);
    if (tf.util.sizeFromShape(outer) !== batch) return null;
    const out = this.backend.makeOutput([...outer, M, N], 'float32');
    this.products++;
    if (M === 0 || N === 0) return out;

    // Computed as (op(B)ᵀ·op(A)ᵀ)ᵀ when packing op(A)ᵀ and storing transposed moves fewer
    // elements than gathering a transposed B (no bias or activation there: they are per column).
    const swap =
      !bias && activation === 'linear' && transposeB && (transposeA ? 0 : K * M) + M * N < K * N;
    const packedCols = swap ? M : N;
    // Packed operand, packed bias, then 32 bytes of spare per thread.
    const scratch = this.area(
      packedBytes(K, packedCols) + packedBytes(1, N) + 32 * this.pool.threads,
    );
    const packedBias = scratch + packedBytes(K, packedCols);
    const spare = packedBias + packedBytes(1, N);
    const g = this.kernel;
    if (bias) g.pack(this.address(bias), 0, 1, 1, N, packedBias);
    const [pa, pb, pc] = [this.address(a), this.address(b), this.address(out)];
    for (let i = 0; i < batch; i++) {
      const aAt = pa + (ba === 1 ? 0 : i * M * K * 4);
      const bAt = pb + (bb === 1 ? 0 : i * K * N * 4);
      const cAt = pc + i * M * N * 4;
      if (!swap) {
        // A[m][k] through strides; B[k][n] packed.
        const packB = i === 0 || bb !== 1;
        const [ar, ak] = transposeA ? [4, M * 4] : [K * 4, 4];
        const act = ACTIVATION[activation];
        this.gemm(
          [aAt, ar, ak, scratch, cAt, N * 4, 4, M, K, N, bias ? packedBias : 0, act, alpha, spare],
          packB ? { src: bAt, sk: transposeB ? 1 : N, sn: transposeB ? K : 1 } : null,
        );
      } else {
        // Cᵀ[n][m] = Σk B[n][k]·Aᵀ[k][m]: B (stored N×K) through strides, Aᵀ packed, C written transposed.
        const packA = i === 0 || ba !== 1;
        this.gemm(
          [bAt, K * 4, 4, scratch, cAt, 4, N * 4, N, K, M, 0, 0, 0, spare],
          packA ? { src: aAt, sk: transposeA ? M : 1, sn: transposeA ? 1 : K } : null,
        );
      }
    }
    return out;
  }
}

/**
 * tfjs's WASM _FusedMatMul reads its operands as batches (rank 3). Matrices
 * go to it with a batch axis of one, and the product comes back without it:
 * only the shapes change, as in the backend's own Reshape.
 */
function fallbackOnBatches(fallback: KernelFunc, args: Parameters<KernelFunc>[0]) {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  if (a.shape.length !== 2 || b.shape.length !== 2) return fallback(args);
  const batch = (t: tf.TensorInfo) => ({ ...t, shape: [1, ...t.shape] });
  const y = fallback({ ...args, inputs: { ...args.inputs, a: batch(a), b: batch(b) } });
  return { ...(y as tf.TensorInfo), shape: (y as tf.TensorInfo).shape.slice(1) };
}

/** Where a backend keeps its kernel instance: on the backend, so every copy of this module finds it. */
const HEAP_GEMM = Symbol.for('demandlab.heapGemm');
/** Marks the installed wrappers. */
const GEMM_WRAPPER = Symbol.for('demandlab.gemmWrapper');

const gemmOf = (backend: unknown): HeapGemm | undefined =>
  (backend as { [HEAP_GEMM]?: HeapGemm })[HEAP_GEMM];

/** A WASM backend's product kernel, for kernels built on it (wasm-conv-gemm.ts); null without one. */
export function heapGemm(backend: unknown): HeapGemm | null {
  return gemmOf(backend) ?? null;
}
export type { HeapGemm };

/** A WASM backend's threads for the app's kernels (wasm-adam.ts shares Adam steps out); null without the GEMM. */
export function helperPool(backendName = 'wasm'): HelperPool | null {
  return gemmOf(tf.findBackend(backendName))?.pool ?? null;
}

/** The kernel running for a backend: its shape, threads and how many products it computed; null without one. */
export function wasmGemmInfo(backendName = 'wasm'): {
  shape: GemmShape;
  threads: number;
  products: number;
  /** Products and Adam steps split with helper threads. */
  splits: number;
  adamSplits: number;
} | null {
  const g = gemmOf(tf.findBackend(backendName));
  return g
    ? {
        shape: g.shape,
        threads: g.pool.threads,
        products: g.products,
        splits: g.pool.splits.gemm,
        adamSplits: g.pool.splits.adam,
      }
    : null;
}

/**
 * Compiles the kernel over the running WASM backend's memory and routes its
 * BatchMatMul and _FusedMatMul through it (falling back to the kernels they
 * replace). On shared memory, `threads` − 1 helper threads take shares of
 * large products. Returns the kernel's shape, or null where it cannot run (no
 * SIMD, or a backend without the expected heap).
 */
export async function useWasmGemm(backendName = 'wasm', threads = 1): Promise<GemmShape | null> {
  const heap = wasmHeap(backendName);
  if (!heap) return null;
  const { backend, memory } = heap;
  let heapGemm = gemmOf(backend);
  if (!heapGemm) {
    const compiled = await instantiateGemm(memory);
    if (!compiled) return null;
    heapGemm = new HeapGemm(backend, compiled.exports, compiled.shape);
    // The threaded build's memory is shared: helper threads can take shares of large products.
    if (compiled.shape.shared) {
      for (let i = 1; i < threads; i++) {
        const control = backend.wasm._malloc(CONTROL_BYTES) >>> 0;
        const helper = await GemmHelper.start(compiled.module, memory, control);
        if (!helper) {
          backend.wasm._free(control);
          break;
        }
        heapGemm.pool.helpers.push(helper);
      }
    }
    (backend as unknown as { [HEAP_GEMM]: HeapGemm })[HEAP_GEMM] = heapGemm;
  }
  const matMul = wrapOnce('BatchMatMul', backendName, GEMM_WRAPPER, (fallback) => (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const out = gemmOf(args.backend)?.product(a, b, transposeA, transposeB, null, 'linear', 0);
    return out ?? fallback(args);
  });
  const fused = wrapOnce('_FusedMatMul', backendName, GEMM_WRAPPER, (fallback) => (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<
      string,
      tf.TensorInfo | undefined
    >;
    const attrs = args.attrs as {
      transposeA: boolean;
      transposeB: boolean;
      activation: string;
      leakyreluAlpha?: number;
    };
    const activation = attrs.activation in ACTIVATION ? (attrs.activation as GemmActivation) : null;
    const out =
      activation && !preluActivationWeights && a && b
        ? gemmOf(args.backend)?.product(
            a,
            b,
            attrs.transposeA,
            attrs.transposeB,
            bias ?? null,
            activation,
            attrs.leakyreluAlpha ?? 0.2,
          )
        : null;
    return out ?? fallbackOnBatches(fallback, args);
  });
  if (fused) markTakesMatrices('_FusedMatMul', backendName);
  return matMul && fused ? heapGemm.shape : null;
}
