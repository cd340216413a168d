/**
 * Convolutions as im2col products (kernels/conv/), installed the way
 * software WebGPU gets them (webgpu-conv.ts) but on tfjs's cpu backend, where
 * node can run them: outputs and gradients equal cpu's own kernels, cases
 * they do not cover go to those kernels, and nothing is left behind. The
 * WebGPU shaders themselves are checked in a browser (webgpu-kernels.spec.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreShipped, shippedBehind } from '../../../src/core/kernels/kernel-swap';
import { useIm2colConvolutions } from '../../../src/core/kernels/webgpu/webgpu-conv';
import { createRandom } from '../../../src/core/random';
import { CONV_CASES } from '../helpers/kernel-checks';

const rng = createRandom(23);
const values = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
const WRAPPED = ['Conv2D', 'FusedConv2D', 'Conv2DBackpropFilter'];

type Layer = (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D) => tf.Tensor4D;

/** A layer's output, and the gradients of sum(output · probe) for x, w and b unless `forwardOnly`. */
function run(
  f: Layer,
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  b: tf.Tensor1D,
  forwardOnly: boolean,
): Float32Array[] {
  return tf.tidy(() => {
    const y = f(x, w, b);
    if (forwardOnly) return [y.dataSync() as Float32Array];
    // The same weights on the output in every run.
    const probeRng = createRandom(7);
    const probe = tf.tensor(
      Float32Array.from({ length: y.size }, () => probeRng.normal()),
      y.shape,
    );
    const grads = tf.grads((a, c, d) =>
      tf.sum(tf.mul(f(a as tf.Tensor4D, c as tf.Tensor4D, d as tf.Tensor1D), probe)),
    )([x, w, b]);
    return [y, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

/** Runs `f` with cpu's shipped kernels and with the im2col forms; returns both. */
function both(
  f: Layer,
  xShape: number[],
  wShape: number[],
  { outChannels = wShape[3]!, forwardOnly = false } = {},
): [Float32Array[], Float32Array[]] {
  const x = tf.tensor4d(values(xShape.reduce((a, b) => a * b)), xShape as never);
  const w = tf.tensor4d(values(wShape.reduce((a, b) => a * b)), wShape as never);
  const b = tf.tensor1d(values(outChannels));
  for (const k of WRAPPED) restoreShipped(k, 'cpu');
  const shipped = run(f, x, w, b, forwardOnly);
  expect(useIm2colConvolutions('cpu')).toBe(true);
  const im2col = run(f, x, w, b, forwardOnly);
  tf.dispose([x, w, b]);
  return [shipped, im2col];
}

function expectClose(a: Float32Array[], b: Float32Array[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((t, i) => {
    expect(t.length).toBe(b[i]!.length);
    let worst = 0;
    for (let j = 0; j < t.length; j++)
      worst = Math.max(worst, Math.abs(t[j]! - b[i]![j]!) / (1 + Math.abs(b[i]![j]!)));
    expect(worst).toBeLessThan(1e-4);
  });
}

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

afterAll(() => {
  for (const k of WRAPPED) restoreShipped(k, 'cpu');
});

describe('im2col convolutions (on cpu)', () => {
  it.each([
    ...CONV_CASES,
    ['1×1, stride 1', 1, 1, 'valid'],
    ["4×4, stride 3, 'same' (stride not dividing the size)", 4, 3, 'same'],
  ] as const)('conv %s: output and gradients equal cpu', (_, k, stride, pad) => {
    const f: Layer = (x, w, b) => tf.add(tf.conv2d(x, w, stride, pad), b);
    expectClose(...both(f, [3, 14, 13, 5], [k, k, 5, 7]));
  });

  it.each(['linear', 'relu', 'relu6', 'elu', 'sigmoid'] as const)(
    'fused conv with bias and %s: output and gradients equal cpu',
    (activation) => {
      const f: Layer = (x, w, bias) =>
        tf.fused.conv2d({ x, filter: w, strides: 2, pad: 'same', bias, activation });
      expectClose(...both(f, [2, 9, 9, 3], [3, 3, 3, 4]));
    },
  );

  it('fused conv with bias and leaky ReLU (tfjs has no gradient for it): output equals cpu', () => {
    const f: Layer = (x, w, bias) =>
      tf.fused.conv2d({
        x,
        filter: w,
        strides: 2,
        pad: 'same',
        bias,
        activation: 'leakyrelu',
        leakyreluAlpha: 0.3,
      });
    expectClose(...both(f, [2, 9, 9, 3], [3, 3, 3, 4], { forwardOnly: true }));
  });

  it("transposed conv 4×4, stride 2, 'same' (G's layers): output and gradients equal cpu", () => {
    const f: Layer = (x, w, b) => tf.add(tf.conv2dTranspose(x, w, [2, 14, 14, 3], 2, 'same'), b);
    expectClose(...both(f, [2, 7, 7, 6], [4, 4, 3, 6], { outChannels: 3 }));
  });

  it('a dilated convolution (forward only in tfjs) goes to the shipped kernel and matches', () => {
    const f: Layer = (x, w) => tf.conv2d(x, w, 1, 'same', 'NHWC', 2);
    expectClose(...both(f, [2, 9, 9, 3], [3, 3, 3, 4], { forwardOnly: true }));
  });

  it('installs once, and each kernel frees what it makes', () => {
    expect(useIm2colConvolutions('cpu')).toBe(true);
    for (const k of WRAPPED) expect(shippedBehind(k, 'cpu')).not.toBeNull();
    const before = tf.engine().backend.numDataIds();
    const x = tf.tensor4d(values(2 * 8 * 8 * 3), [2, 8, 8, 3]);
    const w = tf.tensor4d(values(4 * 4 * 3 * 5), [4, 4, 3, 5]);
    const y = tf.conv2d(x, w, 2, 'same');
    const dw = tf
      .engine()
      .runKernel(
        'Conv2DBackpropFilter',
        { x, dy: y },
        { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', filterShape: [4, 4, 3, 5] },
      ) as tf.Tensor;
    expect(dw.shape).toEqual([4, 4, 3, 5]);
    expect(tf.engine().backend.numDataIds()).toBe(before + 4);
    tf.dispose([x, w, y, dw]);
    expect(tf.engine().backend.numDataIds()).toBe(before);
  });
});
