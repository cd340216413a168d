/**
 * WASM's convolutions through the app's GEMM (wasm-conv-gemm.ts): outputs
 * and both gradients equal tfjs's cpu backend for every convolution and
 * transposed convolution the image GANs use (at their batch sizes) and for
 * awkward geometries, with the bias and activations fused into the forward
 * product; none of these reach the kernels behind, channels first does, and
 * nothing is left behind.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useConvGemm } from '../../../../src/core/kernels/wasm/wasm-conv-gemm';
import { useWasmGemm, wasmGemmInfo } from '../../../../src/core/kernels/wasm/wasm-gemm';
import { createRandom } from '../../../../src/core/random';
import {
  CONV_CASES,
  convGrads,
  countCalls,
  expectClose,
  useWasmInNode,
} from '../../helpers/kernel-checks';

const rng = createRandom(71);
const values = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
const KERNELS = ['Conv2D', 'FusedConv2D', 'Conv2DBackpropInput'] as const;
/** Calls that reached the kernels behind the GEMM's. */
const behind: Record<string, number> = {};
const reset = () => Object.keys(behind).forEach((k) => (behind[k] = 0));

beforeAll(async () => {
  await useWasmInNode();
  for (const k of KERNELS) countCalls(k, () => (behind[k] = (behind[k] ?? 0) + 1));
  expect(await useWasmGemm('wasm')).not.toBeNull();
  // tfjs's WASM ships no weight gradient: the GEMM's is registered on its own.
  expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
  expect(await useConvGemm('wasm')).toBe(true);
  expect(await useConvGemm('wasm')).toBe(true); // a second call changes nothing
});

describe('convolutions through the GEMM on WASM', () => {
  const probe = values(16 * 28 * 28 * 32);

  it.each([
    ...CONV_CASES,
    ['6×6, stride 3, padding 1', 6, 3, 1],
    ['1×1, stride 1, valid', 1, 1, 'valid'],
  ] as const)('conv %s: output and gradients equal the cpu backend', async (_, k, stride, pad) => {
    const x = values(3 * 14 * 14 * 5);
    const w = values(k * k * 5 * 7);
    const f = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.conv2d(a, b, stride, pad);
    const args = [x, [3, 14, 14, 5], w, [k, k, 5, 7], probe] as const;
    reset();
    const products = wasmGemmInfo()!.products;
    const onWasm = await convGrads('wasm', f, ...args);
    // The forward pass twice (the output, and inside the loss), then both gradients; the
    // forward pass and the weight gradient take a product per block of 256 KB of patches.
    expect(wasmGemmInfo()!.products - products).toBeGreaterThanOrEqual(4);
    expect(Object.values(behind).every((n) => n === 0)).toBe(true);
    const onCpu = await convGrads('cpu', f, ...args);
    onWasm.forEach((g, i) => expectClose(g, onCpu[i]!, 1e-4));
  });

  // The image GANs' layers (and the conditional and colour variants of D's first), at a
  // batch of 16 for D (real and fake) and 8 for G: the batch only adds rows (128 and 64 in
  // the app, where tfjs's cpu backend takes a minute to compare).
  const LAYERS = [
    ["D's first layer", [16, 28, 28, 1], [4, 4, 1, 32], false],
    ["the conditional D's first layer (10 label planes)", [16, 28, 28, 11], [4, 4, 11, 32], false],
    ["D's first layer on 32×32 colour images", [16, 32, 32, 3], [4, 4, 3, 32], false],
    ["D's second layer", [16, 14, 14, 32], [4, 4, 32, 64], false],
    ["G's first transposed layer", [8, 7, 7, 64], [4, 4, 32, 64], true],
    ["G's second transposed layer", [8, 14, 14, 32], [4, 4, 1, 32], true],
  ] as const;
  it.each(LAYERS)(
    '%s: output and gradients equal the cpu backend',
    async (_, xs, ws, up) => {
      const x = values(tf.util.sizeFromShape([...xs]));
      const w = values(tf.util.sizeFromShape([...ws]));
      const [b, h, wd] = xs;
      const f = up
        ? (a: tf.Tensor4D, k: tf.Tensor4D) =>
            tf.conv2dTranspose(a, k, [b, h * 2, wd * 2, ws[2]], 2, 'same')
        : (a: tf.Tensor4D, k: tf.Tensor4D) => tf.conv2d(a, k, 2, 'same');
      reset();
      const onWasm = await convGrads('wasm', f, x, xs, w, ws, probe);
      expect(Object.values(behind).every((n) => n === 0)).toBe(true);
      const onCpu = await convGrads('cpu', f, x, xs, w, ws, probe);
      onWasm.forEach((g, i) => expectClose(g, onCpu[i]!, 1e-4));
    },
    60_000,
  );

  it.each(['linear', 'relu', 'leakyrelu', 'relu6'] as const)(
    'a layer with bias and %s activation (fused into the product) equals the cpu backend',
    async (activation) => {
      const x = values(4 * 9 * 9 * 6);
      const w = values(3 * 3 * 6 * 11);
      const bias = values(11);
      const f = (a: tf.Tensor4D, k: tf.Tensor4D) =>
        tf.fused.conv2d({
          x: a,
          filter: k,
          strides: 2,
          pad: 'same',
          bias: tf.tensor1d(bias),
          activation,
          leakyreluAlpha: 0.1,
        });
      reset();
      const onWasm = await convGrads('wasm', f, x, [4, 9, 9, 6], w, [3, 3, 6, 11], probe);
      expect(behind.FusedConv2D ?? 0).toBe(0);
      const onCpu = await convGrads('cpu', f, x, [4, 9, 9, 6], w, [3, 3, 6, 11], probe);
      onWasm.forEach((g, i) => expectClose(g, onCpu[i]!, 1e-4));
    },
  );

  it('leaves dilations and sigmoid activations to the kernels behind', async () => {
    await tf.setBackend('wasm');
    reset();
    tf.tidy(() => {
      const x = tf.tensor4d(values(2 * 9 * 9 * 3), [2, 9, 9, 3]);
      const w = tf.tensor4d(values(3 * 3 * 3 * 4), [3, 3, 3, 4]);
      tf.conv2d(x, w, 1, 'same', 'NHWC', 2).dataSync();
      tf.fused.conv2d({ x, filter: w, strides: 1, pad: 'same', activation: 'sigmoid' }).dataSync();
    });
    expect(behind.Conv2D).toBe(1);
    expect(behind.FusedConv2D).toBe(1);
  });

  it('frees what it makes: one tensor out per kernel, the scratch kept in the heap', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(values(2 * 8 * 8 * 3), [2, 8, 8, 3]);
    const dy = tf.tensor4d(values(2 * 4 * 4 * 4), [2, 4, 4, 4]);
    const w = tf.tensor4d(values(4 * 4 * 3 * 4), [4, 4, 3, 4]);
    const dataIds = tf.engine().backend.numDataIds();
    const conv = { strides: [2, 2], pad: 'same', dataFormat: 'NHWC' };
    const out = [
      tf
        .engine()
        .runKernel('Conv2DBackpropFilter', { x, dy }, { ...conv, filterShape: [4, 4, 3, 4] }),
      tf
        .engine()
        .runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...conv, inputShape: [2, 8, 8, 3] }),
      tf.engine().runKernel('Conv2D', { x, filter: w }, { ...conv, dilations: [1, 1] }),
    ] as tf.Tensor[];
    expect(out.map((t) => t.shape)).toEqual([
      [4, 4, 3, 4],
      [2, 8, 8, 3],
      [2, 4, 4, 4],
    ]);
    expect(tf.engine().backend.numDataIds()).toBe(dataIds + 3);
    tf.dispose(out);
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
    tf.dispose([x, dy, w]);
  });
});
