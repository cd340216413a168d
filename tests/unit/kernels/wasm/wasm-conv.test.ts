/**
 * The WASM backend's convolution gradients as the app installs them: its own
 * Conv2DBackpropFilter (tfjs ships none) and Conv2DBackpropInput through
 * XNNPACK's Conv2D. Outputs and gradients equal tfjs's cpu backend for
 * convolutions and transposed convolutions as the DCGANs use them, nothing is
 * left behind, and a DCGAN trains on WASM.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  useConvFilterGradient,
  useConvInputGradient,
} from '../../../../src/core/kernels/wasm/wasm-conv';
import { useExplicitTranspose } from '../../../../src/core/kernels/wasm/wasm-matmul';
import { splitTrainTest } from '../../../../src/core/data/mnist';
import { presetFor } from '../../../../src/core/gan/config';
import { GanJob } from '../../../../src/core/gan/gan-job';
import { MNIST_SHAPE, missingKernels } from '../../../../src/core/gan/models';
import { createRandom } from '../../../../src/core/random';
import { realMnist } from '../../helpers/mnist';
import {
  CONV_CASES,
  convGrads as grads,
  expectClose,
  useWasmInNode,
} from '../../helpers/kernel-checks';
import { tensorCounts } from '../../helpers/tensor-counts';

const rng = createRandom(11);
const values = (n: number) => Float32Array.from({ length: n }, () => rng.normal());

beforeAll(async () => {
  await useWasmInNode();
  expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined(); // what tfjs ships
  expect(useConvFilterGradient('wasm')).toBe(true);
  expect(useConvFilterGradient('wasm')).toBe(true); // a second call changes nothing
  useExplicitTranspose('wasm');
  expect(useConvInputGradient('wasm')).toBe(true);
});

describe('Conv2DBackpropFilter on WASM', () => {
  const probe = values(4 * 32 * 32 * 8);

  it.each([
    ...CONV_CASES,
    ["4×4, stride 2, 'valid' (input gradient by phase, a row past dy)", 4, 2, 'valid'],
    ['6×6, stride 3, padding 1 (input gradient by phase, three phases)', 6, 3, 1],
  ] as const)('conv %s: gradients equal the cpu backend', async (_, k, stride, pad) => {
    const x = values(3 * 14 * 14 * 5);
    const w = values(k * k * 5 * 7);
    const f = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.conv2d(a, b, stride, pad);
    const args = [x, [3, 14, 14, 5], w, [k, k, 5, 7], probe] as const;
    const onWasm = await grads('wasm', f, ...args);
    const onCpu = await grads('cpu', f, ...args);
    onWasm.forEach((g, i) => expectClose(g, onCpu[i]!, 1e-4));
  });

  it("transposed conv 4×4, stride 2, 'same' (G's layers): gradients equal the cpu backend", async () => {
    const x = values(2 * 7 * 7 * 6);
    const w = values(4 * 4 * 3 * 6); // [kh, kw, out channels, in channels]
    const f = (a: tf.Tensor4D, b: tf.Tensor4D) =>
      tf.conv2dTranspose(a, b, [2, 14, 14, 3], 2, 'same');
    const onWasm = await grads('wasm', f, x, [2, 7, 7, 6], w, [4, 4, 3, 6], probe);
    const onCpu = await grads('cpu', f, x, [2, 7, 7, 6], w, [4, 4, 3, 6], probe);
    onWasm.forEach((g, i) => expectClose(g, onCpu[i]!, 1e-4));
  });

  it('frees what it makes', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(values(2 * 8 * 8 * 3), [2, 8, 8, 3]);
    const dy = tf.tensor4d(values(2 * 4 * 4 * 4), [2, 4, 4, 4]);
    const dataIds = tf.engine().backend.numDataIds();
    const dw = tf
      .engine()
      .runKernel(
        'Conv2DBackpropFilter',
        { x, dy },
        { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', filterShape: [4, 4, 3, 4] },
      ) as tf.Tensor;
    expect(dw.shape).toEqual([4, 4, 3, 4]);
    expect(tf.engine().backend.numDataIds()).toBe(dataIds + 1);
    dw.dispose();
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
    tf.dispose([x, dy]);
  });

  it('the DCGAN trains on WASM now: finite losses, weights move, no tensor growth', async () => {
    await tf.setBackend('wasm');
    expect(missingKernels('dcgan', 'wasm')).toEqual([]);
    const data = await realMnist();
    const job = new GanJob(
      { ...presetFor('dcgan'), batchSize: 4, metricsEvery: 0 },
      { data, shape: MNIST_SHAPE, ...splitTrainTest(data.count), classifier: null },
    );
    const first = await job.snapshot();
    const counts = await tensorCounts(job, 20, 5, 'flush');
    const last = await job.snapshot();
    job.dispose();
    expect(last.snapshot.step).toBe(20);
    expect(Array.from(last.snapshot.stats).every(Number.isFinite)).toBe(true);
    expect(Math.max(...counts.slice(1))).toBeLessThanOrEqual(counts[0]!);
    expect(first.snapshot.samples?.pixels).not.toEqual(last.snapshot.samples?.pixels);
  }, 120_000);
});
