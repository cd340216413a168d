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
import { expectClose, valuesOn, useWasmInNode } from '../../helpers/kernel-checks';

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
    const cases = (): tf.Tensor[] => {
      const a2 = tf.tensor2d(a.subarray(0, 37 * 53), [37, 53]);
      const b2 = tf.tensor2d(b.subarray(0, 53 * 29), [53, 29]);
      const a3 = tf.tensor3d(a, [2, 37, 53]);
      const b3 = tf.tensor3d(b, [2, 53, 29]);
      return [
        tf.matMul(a2, b2),
        tf.matMul(a2.transpose(), b2.transpose(), true, true), // (Aᵀ)ᵀ (Bᵀ)ᵀ = A B
        tf.matMul(a2.transpose(), b2, true, false),
        tf.matMul(a2, b2.transpose(), false, true),
        tf.matMul(a3, b3.transpose([0, 2, 1]), false, true),
        tf.matMul(a3.transpose([0, 2, 1]), b3, true, false),
      ];
    };
    const wasm = await valuesOn('wasm', cases);
    const cpu = await valuesOn('cpu', cases);
    wasm.forEach((w, i) => expectClose(w, cpu[i]!));
    // Every form is the same product A·B.
    for (const w of wasm.slice(1, 4)) expectClose(w, wasm[0]!);
  });

  it('a dense layer’s gradients equal tf.grads on the plain kernel', async () => {
    const x = values(16 * 40);
    const w = values(40 * 24);
    const bias = values(24);
    const grads = (): tf.Tensor[] => {
      const f = (xs: tf.Tensor, ws: tf.Tensor, bs: tf.Tensor) =>
        tf
          .relu(tf.add(tf.matMul(xs as tf.Tensor2D, ws as tf.Tensor2D), bs))
          .square()
          .sum();
      return tf.grads(f)([tf.tensor2d(x, [16, 40]), tf.tensor2d(w, [40, 24]), tf.tensor1d(bias)]);
    };
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
