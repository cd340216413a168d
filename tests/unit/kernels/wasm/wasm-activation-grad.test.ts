/**
 * ReLU's and leaky ReLU's gradients in one pass on WASM: the very numbers
 * tfjs's three-kernel gradients give, on WASM and on cpu (zeros, negative
 * zeros, NaN and infinities included), without the three kernels; other
 * backends keep tfjs's gradients.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ACTIVATION_GRAD,
  useFusedActivationGrad,
} from '../../../../src/core/kernels/wasm/wasm-activation-grad';
import { createRandom } from '../../../../src/core/random';
import { countCalls, useWasmInNode } from '../../helpers/kernel-checks';

const rng = createRandom(53);
const calls = { Select: 0, Step: 0 };

beforeAll(async () => {
  await useWasmInNode();
  countCalls('Select', () => calls.Select++);
  countCalls('Step', () => calls.Step++);
});

/** x with the awkward values first, then normals; dy likewise. */
function values(n: number): Float32Array {
  const special = [0, -0, NaN, Infinity, -Infinity, 1e-30, -1e-30];
  return Float32Array.from({ length: n }, (_, i) => special[i % 97] ?? rng.normal());
}

type Activation = (x: tf.Tensor) => tf.Tensor;

async function gradientOn(
  backend: string,
  f: Activation,
  x: Float32Array,
  dy: Float32Array,
  shape: number[],
) {
  await tf.setBackend(backend);
  const g = tf.tidy(() => {
    const probe = tf.tensor(dy, shape);
    return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), probe)))(tf.tensor(x, shape));
  });
  const out = (await g.data()) as Float32Array;
  g.dispose();
  return out;
}

/** Same bits, NaN included (toEqual treats NaN as equal, and -0 as unequal to 0). */
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('fused activation gradients on WASM', () => {
  // G's and D's activations, and odd sizes whose last values take the one-lane tail.
  const CASES: [string, Activation, number[]][] = [
    ['ReLU', (t) => tf.relu(t), [16, 7, 7, 32]],
    ['leaky ReLU, alpha 0.2 (D’s layers)', (t) => tf.leakyRelu(t, 0.2), [16, 7, 7, 32]],
    ['leaky ReLU, alpha 0.3', (t) => tf.leakyRelu(t, 0.3), [5, 61]],
    ['ReLU on 7 values', (t) => tf.relu(t), [7]],
  ];
  it.each(CASES)('%s: the bits tfjs’s own gradient gives, on WASM and cpu', async (_, f, shape) => {
    const n = tf.util.sizeFromShape(shape);
    const [x, dy] = [values(n), values(n).reverse()];
    expect(await useFusedActivationGrad('wasm')).toBe(true);
    calls.Select = 0;
    calls.Step = 0;
    const fused = await gradientOn('wasm', f, x, dy, shape);
    expect(calls).toEqual({ Select: 0, Step: 0 });
    const onCpu = await gradientOn('cpu', f, x, dy, shape);
    // Without the kernel, the registered gradient is tfjs's own, three kernels and all.
    const kernel = tf.getKernel(ACTIVATION_GRAD, 'wasm')!;
    tf.unregisterKernel(ACTIVATION_GRAD, 'wasm');
    try {
      const unfused = await gradientOn('wasm', f, x, dy, shape);
      expect(calls.Select + calls.Step).toBeGreaterThan(0);
      expect(bits(fused)).toEqual(bits(unfused));
    } finally {
      tf.registerKernel(kernel);
    }
    expect(bits(fused)).toEqual(bits(onCpu));
  });

  it('installs once: a second call keeps one gradient, and tensors are not left behind', async () => {
    expect(await useFusedActivationGrad('wasm')).toBe(true);
    const first = tf.getGradient('LeakyRelu')!.gradFunc;
    expect(await useFusedActivationGrad('wasm')).toBe(true);
    expect(tf.getGradient('LeakyRelu')!.gradFunc).toBe(first);
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const x = values(300);
    await gradientOn('wasm', (t) => tf.leakyRelu(t, 0.2), x, x, [300]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
