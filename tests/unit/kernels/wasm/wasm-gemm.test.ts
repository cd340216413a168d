/**
 * The WASM backend's products through the app's GEMM kernel: the same
 * numbers as tfjs's cpu backend for every transpose flag, batch broadcasts,
 * fused bias and activations, the transposed-result path and the cases it
 * leaves to the replaced kernel; a dense layer's gradients; no memory left
 * behind; and undone by restoreShipped as the bench does between rows.
 */
import * as tf from '@tensorflow/tfjs';
import { setFlagsFromString } from 'node:v8';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  restoreShipped,
  shippedBehind,
  takesMatrices,
} from '../../../../src/core/kernels/kernel-swap';
import { useWasmGemm } from '../../../../src/core/kernels/wasm/wasm-gemm';
import { useExplicitTranspose } from '../../../../src/core/kernels/wasm/wasm-matmul';
import { createRandom } from '../../../../src/core/random';
import {
  countCalls,
  denseLayerGrads,
  expectClose,
  transposeForms,
  useWasmInNode,
  valuesOn,
} from '../../helpers/kernel-checks';

// Relaxed SIMD (the kernel's FMA form) is behind a flag in node 20's V8, on by default in Chromium.
setFlagsFromString('--experimental-wasm-relaxed-simd');

const rng = createRandom(5);
const values = (n: number) => Float32Array.from({ length: n }, () => rng.normal());

let kernelShape: Awaited<ReturnType<typeof useWasmGemm>> = null;
/** Calls that reached the kernels the GEMM wrappers fall back to. */
const fallbacks = { BatchMatMul: 0, _FusedMatMul: 0 };

beforeAll(async () => {
  await useWasmInNode();
  countCalls('BatchMatMul', () => fallbacks.BatchMatMul++);
  countCalls('_FusedMatMul', () => fallbacks._FusedMatMul++);
  kernelShape = await useWasmGemm('wasm');
});

beforeEach(() => {
  fallbacks.BatchMatMul = 0;
  fallbacks._FusedMatMul = 0;
});

describe('GEMM kernel on WASM', () => {
  it('compiles over the backend heap with fused multiply-add', () => {
    expect(kernelShape).toEqual({ rows: 6, unroll: 2, fma: true, shared: false });
  });

  it('gives cpu’s products for every transpose flag, batches and broadcasts', async () => {
    const a = values(3 * 37 * 53);
    const b = values(3 * 53 * 29);
    const cases = (): tf.Tensor[] => {
      const a3 = tf.tensor3d(a, [3, 37, 53]);
      const b3 = tf.tensor3d(b, [3, 53, 29]);
      const b1 = tf.tensor3d(b.subarray(0, 53 * 29), [1, 53, 29]);
      // A small batch against a wide transposed B: the transposed-result path.
      const x = tf.tensor2d(a.subarray(0, 4 * 53), [4, 53]);
      const w = tf.tensor2d(b.subarray(0, 61 * 53), [61, 53]);
      return [
        ...transposeForms(a, b, 3),
        tf.matMul(a3, b3),
        tf.matMul(a3, b1),
        tf.matMul(x, w, false, true),
        tf.matMul(x.transpose(), w, true, true),
      ];
    };
    const wasm = await valuesOn('wasm', cases);
    expect(fallbacks.BatchMatMul).toBe(0);
    const cpu = await valuesOn('cpu', cases);
    wasm.forEach((w, i) => expectClose(w, cpu[i]!));
  });

  it('fuses bias and linear, relu, relu6 and leaky relu; leaves elu to the shipped kernel', async () => {
    const x = values(19 * 45);
    const w = values(45 * 23);
    const bias = values(23);
    const cases = (): tf.Tensor[] => {
      const xs = tf.tensor2d(x, [19, 45]);
      const ws = tf.tensor2d(w, [45, 23]);
      const bs = tf.tensor1d(bias);
      const fused = (activation: tf.fused.Activation, withBias = true) =>
        tf.fused.matMul({
          a: xs,
          b: ws,
          bias: withBias ? bs : undefined,
          activation,
          leakyreluAlpha: 0.3,
        });
      return [
        fused('linear'),
        fused('relu'),
        fused('relu6'),
        fused('leakyrelu'),
        fused('relu', false),
        fused('elu'),
        tf.fused.matMul({
          a: xs.transpose(),
          b: ws,
          transposeA: true,
          bias: bs,
          activation: 'relu',
        }),
      ];
    };
    const wasm = await valuesOn('wasm', cases);
    expect(fallbacks._FusedMatMul).toBe(1); // elu
    const cpu = await valuesOn('cpu', cases);
    wasm.forEach((w, i) => expectClose(w, cpu[i]!));
    expect(wasm[3]!.some((v) => v < 0)).toBe(true); // leaky relu kept some negatives
  });

  it('takes matrices, also where it leaves the product to the shipped kernel (which wants batches)', async () => {
    expect(takesMatrices('_FusedMatMul', 'wasm')).toBe(true);
    const x = values(7 * 9);
    const w = values(9 * 5);
    const bias = values(5);
    const cases = (): tf.Tensor[] =>
      (['relu', 'elu'] as const).map(
        (activation) =>
          tf
            .engine()
            .runKernel(
              '_FusedMatMul',
              { a: tf.tensor2d(x, [7, 9]), b: tf.tensor2d(w, [9, 5]), bias: tf.tensor1d(bias) },
              { transposeA: false, transposeB: false, activation },
            ) as tf.Tensor,
      );
    const wasm = await valuesOn('wasm', cases);
    expect(fallbacks._FusedMatMul).toBe(1); // elu, given a batch axis there
    const cpu = await valuesOn('cpu', cases);
    wasm.forEach((v, i) => expectClose(v, cpu[i]!));
    await tf.setBackend('wasm');
    expect(tf.tidy(() => cases().map((t) => t.shape))).toEqual([
      [7, 5],
      [7, 5],
    ]);
  });

  it('a dense layer’s gradients equal cpu’s', async () => {
    const grads = denseLayerGrads(values, (a, b, bias) =>
      tf.fused.matMul({ a, b, bias, activation: 'leakyrelu' }),
    );
    const wasm = await valuesOn('wasm', grads);
    expect(fallbacks).toEqual({ BatchMatMul: 0, _FusedMatMul: 0 });
    const cpu = await valuesOn('cpu', grads);
    expect(wasm).toHaveLength(3);
    // Sums of squares of sums: FMA's single rounding and another summation order show at 1e-5.
    wasm.forEach((g, i) => expectClose(g, cpu[i]!, 5e-5));
  });

  it('gives a zero-row product, and zeros for empty sums (the shipped kernel leaves memory as it was)', async () => {
    const cases = (): tf.Tensor[] => [
      tf.matMul(tf.zeros([0, 5]), tf.ones([5, 3])),
      tf.matMul(tf.ones([4, 0]), tf.ones([0, 3])),
    ];
    const wasm = await valuesOn('wasm', cases);
    expect(fallbacks.BatchMatMul).toBe(0);
    expect(wasm[0]).toHaveLength(0);
    expect(Array.from(wasm[1]!)).toEqual(Array(12).fill(0));
  });

  it('leaves no tensor behind and reuses its scratch', async () => {
    await tf.setBackend('wasm');
    const a = tf.tensor2d(values(64 * 32), [64, 32]);
    const b = tf.tensor2d(values(48 * 32), [48, 32]);
    const backend = tf.backend() as unknown as {
      numDataIds(): number;
      wasm: { HEAPU8: Uint8Array };
    };
    tf.matMul(a, b, false, true).dispose();
    const before = backend.numDataIds();
    const heap = backend.wasm.HEAPU8.byteLength;
    for (let i = 0; i < 20; i++) tf.matMul(a, b, false, true).dispose();
    expect(backend.numDataIds()).toBe(before);
    expect(backend.wasm.HEAPU8.byteLength).toBe(heap);
    a.dispose();
    b.dispose();
  });

  it('is undone by restoreShipped and installed again over the same heap', async () => {
    const shipped = shippedBehind('BatchMatMul', 'wasm')!;
    // The counters and the GEMM stack on the shipped kernels; restoring unstacks both.
    restoreShipped('BatchMatMul', 'wasm');
    restoreShipped('_FusedMatMul', 'wasm');
    expect(tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc).toBe(shipped.kernelFunc);
    expect(shippedBehind('_FusedMatMul', 'wasm')).toBeNull();
    expect(useExplicitTranspose('wasm')).toBe(true);
    expect(await useWasmGemm('wasm')).toEqual(kernelShape);
    expect(shippedBehind('BatchMatMul', 'wasm')?.kernelFunc).toBe(shipped.kernelFunc);
    const a = values(9 * 11);
    const product = () => [tf.matMul(tf.tensor2d(a, [9, 11]), tf.tensor2d(a, [11, 9]))];
    expectClose((await valuesOn('wasm', product))[0]!, (await valuesOn('cpu', product))[0]!);
  });
});
