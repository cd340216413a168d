/**
 * The WASM backend's matrix product with explicit transposes: the same
 * numbers as the plain kernel (compared with tfjs's cpu backend), the same
 * gradients through a dense layer, and no memory left behind.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { restoreShipped, shippedBehind } from '../../../../src/core/kernels/kernel-swap';
import { useExplicitTranspose } from '../../../../src/core/kernels/wasm/wasm-matmul';
import { createRandom } from '../../../../src/core/random';
import {
  denseLayerGrads,
  expectClose,
  transposeForms,
  useWasmInNode,
  valuesOn,
} from '../../helpers/kernel-checks';

const rng = createRandom(7);
const values = (n: number) => Float32Array.from({ length: n }, () => rng.normal());

beforeAll(async () => {
  await useWasmInNode();
  expect(useExplicitTranspose('wasm')).toBe(true);
  expect(useExplicitTranspose('wasm')).toBe(true); // a second call changes nothing
});

describe('explicit-transpose matMul on WASM', () => {
  it('gives the plain products for every transpose flag and a batch axis', async () => {
    const a = values(2 * 37 * 53);
    const b = values(2 * 53 * 29);
    const cases = () => transposeForms(a, b, 2);
    const wasm = await valuesOn('wasm', cases);
    const cpu = await valuesOn('cpu', cases);
    wasm.forEach((w, i) => expectClose(w, cpu[i]!));
    // Every form is the same product A·B.
    for (const w of wasm.slice(1, 4)) expectClose(w, wasm[0]!);
  });

  it('a dense layer’s gradients equal tf.grads on the plain kernel', async () => {
    const grads = denseLayerGrads(values, (x, w, bias) => tf.relu(tf.add(tf.matMul(x, w), bias)));
    const wasm = await valuesOn('wasm', grads);
    const cpu = await valuesOn('cpu', grads);
    expect(wasm).toHaveLength(3);
    wasm.forEach((g, i) => expectClose(g, cpu[i]!));
    expect(wasm[1]!.some((v) => v !== 0)).toBe(true);
  });

  it('frees the transposed copies', async () => {
    await tf.setBackend('wasm');
    const a = tf.tensor2d(values(64 * 32), [64, 32]);
    const b = tf.tensor2d(values(64 * 16), [64, 16]);
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const before = backend.numDataIds();
    for (let i = 0; i < 20; i++) tf.matMul(a, b, true, false).dispose();
    expect(backend.numDataIds()).toBe(before);
    a.dispose();
    b.dispose();
  });

  it('can be undone and installed again, as the bench does between rows', () => {
    const installed = tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc;
    const shipped = shippedBehind('BatchMatMul', 'wasm');
    expect(shipped).not.toBeNull();
    restoreShipped('BatchMatMul', 'wasm');
    expect(tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc).toBe(shipped!.kernelFunc);
    expect(shippedBehind('BatchMatMul', 'wasm')).toBeNull();
    expect(useExplicitTranspose('wasm')).toBe(true);
    expect(tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc).not.toBe(shipped!.kernelFunc);
    expect(tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc).not.toBe(installed);
    expect(shippedBehind('BatchMatMul', 'wasm')?.kernelFunc).toBe(shipped!.kernelFunc);
  });
});
