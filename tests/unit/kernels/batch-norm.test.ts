/**
 * Batch norm in training as three kernels (kernels/batch-norm.ts): the
 * lazy layer, with and without the ReLU after it, gives tfjs-layers' output,
 * moving statistics and gradients on cpu and on WASM, to float32 rounding;
 * the gradient through the mean and variance outputs is the one tfjs's ops
 * give through tf.moments; cpu and WASM give the same bits; inference and
 * backends without the kernels run tfjs's own call.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BATCH_NORM,
  BATCH_NORM_INPUT_GRAD,
  BATCH_NORM_SUMS,
  batchNormInTraining,
  useBatchNorm,
} from '../../../src/core/kernels/batch-norm';
import { useAllWasmKernels } from '../../../src/core/kernels/wasm/all-kernels';
import { model, normal, SHAPES, trainingPass } from '../helpers/batch-norm-nets';
import { expectClose, useWasmInNode, withKernelsRun } from '../helpers/kernel-checks';

beforeAll(async () => {
  await useWasmInNode();
  await useAllWasmKernels('wasm');
  useBatchNorm('cpu');
});

const values = (ts: tf.Tensor[]) => ts.map((t) => t.dataSync() as Float32Array);
const bits = (ts: tf.Tensor[]) => values(ts).map((v) => Array.from(new Uint32Array(v.buffer)));

describe.each(['cpu', 'wasm'])('on %s', (backend) => {
  describe.each(SHAPES)('%s', (_, shape) => {
    it.each([
      ['with the ReLU after it fused', true],
      ['alone', false],
    ])('gives tfjs-layers’ output, gradients and moving statistics, %s', async (_, relu) => {
      await tf.setBackend(backend);
      const [stock, lazy] = [false, true].map((l) => model(l, relu, shape));
      const expected = values(trainingPass(stock!, shape));
      const { result, kernels } = withKernelsRun(() => values(trainingPass(lazy!, shape)));
      // Output, dx, dgamma, dbeta, moving mean, moving variance (the last after three passes).
      result.forEach((a, i) => expectClose(a, expected[i]!, 2e-6));
      expect(kernels.filter((k) => k === BATCH_NORM)).toHaveLength(3);
      expect(kernels).not.toContain('FusedBatchNorm');
      // A ReLU after it is the kernel's last pass, not a kernel of its own.
      expect(kernels).not.toContain('Relu');
      [stock, lazy].forEach((m) => m!.dispose());
    });
  });

  it('takes gradients through the mean and variance it returns, as tf.moments gives them', async () => {
    await tf.setBackend(backend);
    const shape = [7, 2, 3, 6];
    const x = tf.tensor(normal(11, 7 * 2 * 3 * 6, 2, -0.5), shape);
    const gamma = tf.tensor1d(normal(12, 6, 0.7, 1));
    const beta = tf.tensor1d(normal(13, 6));
    const [p, q, r] = [14, 15, 16].map((s, i) => tf.tensor(normal(s, i === 0 ? x.size : 6)));
    const loss = (y: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor) =>
      tf.addN([
        tf.sum(tf.mul(tf.reshape(y, [-1]), p!)),
        tf.sum(tf.mul(mean, q!)),
        tf.sum(tf.mul(variance, r!)),
      ]);
    const kernel = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const out = batchNormInTraining(a, g, b, { epsilon: 1e-3, relu: true })!;
      return loss(...out);
    };
    const ops = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(a, [0, 1, 2]);
      const y = tf.relu(tf.batchNorm(a, mean, variance, b, g, 1e-3));
      return loss(y, mean, variance);
    };
    const [expected, actual] = [ops, kernel].map((fn) =>
      values(tf.tidy(() => tf.grads(fn)([x, gamma, beta]))),
    );
    actual!.forEach((a, i) => expectClose(a, expected![i]!, 2e-6));
    tf.dispose([x, gamma, beta, p!, q!, r!]);
  });
});

describe('both backends', () => {
  it('give the same bits forward and backward', async () => {
    const shape = [4, 5, 5, 7];
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const m = model(true, true, shape);
      const out = bits(trainingPass(m, shape));
      m.dispose();
      return out;
    };
    expect(await run('wasm')).toEqual(await run('cpu'));
  });

  it('run the three kernels once each for a step, the input gradient only where asked', async () => {
    await tf.setBackend('wasm');
    const m = model(true, true, [4, 3, 3, 8]);
    const x = tf.variable(tf.randomNormal([4, 3, 3, 8], 0, 1, 'float32', 3));
    const weights = m.trainableWeights.map((w) => w.read() as tf.Variable);
    const step = (vars: tf.Variable[]) =>
      withKernelsRun(() =>
        tf.tidy(() => {
          const loss = () => tf.sum(tf.square(m.apply(x, { training: true }) as tf.Tensor));
          tf.variableGrads(loss as () => tf.Scalar, vars);
        }),
      ).kernels;
    const count = (kernels: string[], name: string) => kernels.filter((k) => k === name).length;
    const all = step([x, ...weights]);
    for (const k of [BATCH_NORM, BATCH_NORM_SUMS, BATCH_NORM_INPUT_GRAD])
      expect(count(all, k)).toBe(1);
    // No moments, broadcasts or tiles: the square, the sum, their gradients and the moving averages.
    expect(
      all.filter((k) => ['Mean', 'Tile', 'Rsqrt', 'SquaredDifference', 'Relu'].includes(k)),
    ).toEqual([]);
    const own = step(weights);
    expect([BATCH_NORM, BATCH_NORM_SUMS, BATCH_NORM_INPUT_GRAD].map((k) => count(own, k))).toEqual([
      1, 1, 0,
    ]);
    x.dispose();
    m.dispose();
  });
});

describe('tfjs’s own call', () => {
  it('runs for inference, the ReLU applied by the layer before it', async () => {
    await tf.setBackend('wasm');
    const shape = [3, 2, 2, 6];
    const [stock, lazy] = [false, true].map((l) => model(l, true, shape));
    const x = tf.tensor(normal(21, 3 * 2 * 2 * 6, 2), shape);
    const { result, kernels } = withKernelsRun(() => bits([lazy!.predict(x) as tf.Tensor]));
    expect(result).toEqual(bits([stock!.predict(x) as tf.Tensor]));
    expect(kernels).not.toContain(BATCH_NORM);
    tf.dispose(x);
    [stock, lazy].forEach((m) => m!.dispose());
  });

  it('runs in training on a backend without the kernels', async () => {
    await tf.setBackend('cpu');
    for (const name of [BATCH_NORM, BATCH_NORM_SUMS, BATCH_NORM_INPUT_GRAD])
      tf.unregisterKernel(name, 'cpu');
    try {
      const shape = [5, 3, 4, 6];
      const [stock, lazy] = [false, true].map((l) => model(l, true, shape));
      expect(bits(trainingPass(lazy!, shape))).toEqual(bits(trainingPass(stock!, shape)));
      [stock, lazy].forEach((m) => m!.dispose());
    } finally {
      useBatchNorm('cpu');
    }
  });
});
