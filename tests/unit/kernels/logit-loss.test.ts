/**
 * The GAN losses' two kernels give the loss and the gradient that tfjs's
 * ops give for the same sum, on cpu and WASM, in two kernel calls instead of
 * about twenty; without the kernels the ops run.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  LOGIT_LOSS,
  LOGIT_LOSS_GRAD,
  logitLoss,
  useLogitLoss,
  type LogitTerm,
} from '../../../src/core/kernels/logit-loss';
import { useWasmInNode, withKernelsRun } from '../helpers/kernel-checks';

beforeAll(async () => {
  await useWasmInNode();
});

/** Logits across softplus's three regions (its thresholds are near ±13.9). */
const LOGITS = [-40, -14, -13.5, -6, -1.25, -0.3, 0, 0.2, 1, 2.5, 7, 13.5, 14, 40, 0.75, -2];

/** The losses the GANs use, on 16 logits: D's with 10 real rows (plain and smoothed), G's two. */
const CASES: [string, LogitTerm[]][] = [
  [
    "D's cross-entropy",
    [
      { from: 0, count: 10, sign: -1, weight: 1 },
      { from: 10, count: 6, sign: 1, weight: 1 },
    ],
  ],
  [
    "D's cross-entropy, real labels smoothed to 0.9",
    [
      { from: 0, count: 10, sign: -1, weight: 0.9 },
      { from: 0, count: 10, sign: 1, weight: 1 - 0.9 },
      { from: 10, count: 6, sign: 1, weight: 1 },
    ],
  ],
  ["G's non-saturating loss", [{ from: 0, count: 16, sign: -1, weight: 1 }]],
  ["G's minimax loss", [{ from: 0, count: 16, sign: 1, weight: -1 }]],
];

/** Loss and gradient for an upstream gradient of 0.7 (not 1, so dy's scaling shows). */
function lossAndGradient(terms: LogitTerm[]): {
  loss: tf.Tensor;
  grad: tf.Tensor;
  kernels: string[];
} {
  const l = tf.tensor1d(LOGITS);
  const { result, kernels } = withKernelsRun(() =>
    tf.valueAndGrads((x: tf.Tensor) => tf.mul(logitLoss(x as tf.Tensor1D, terms), 0.7))([l]),
  );
  l.dispose();
  return { loss: result.value, grad: result.grads[0]!, kernels };
}

const bits = (t: tf.Tensor) => Array.from(new Uint32Array(t.dataSync().buffer));

describe.each(['cpu', 'wasm'] as const)('on %s', (backend) => {
  it.each(CASES)('%s: the ops’ loss and gradient, in two kernels', async (_, terms) => {
    await tf.setBackend(backend);
    if (tf.getKernel(LOGIT_LOSS, backend)) tf.unregisterKernel(LOGIT_LOSS, backend);
    const ops = lossAndGradient(terms);
    useLogitLoss(backend);
    const fused = lossAndGradient(terms);
    expect(ops.kernels).toContain('Softplus');
    expect(ops.kernels.length).toBeGreaterThan(8);
    // Besides the test's own product by 0.7, and the tape's copies of saved inputs and dy.
    const bookkeeping = ['Multiply', 'Identity', 'Cast'];
    expect(fused.kernels.filter((k) => !bookkeeping.includes(k))).toEqual([
      LOGIT_LOSS,
      LOGIT_LOSS_GRAD,
    ]);
    expect(fused.grad.shape).toEqual([LOGITS.length]);
    if (backend === 'cpu') {
      // The same float32 operations in the same order as tfjs's cpu kernels.
      expect(bits(fused.loss)).toEqual(bits(ops.loss));
      expect(bits(fused.grad)).toEqual(bits(ops.grad));
    } else {
      // WASM's softplus is its C library's float32 exp and log, its sigmoid XNNPACK's
      // approximation: within a few ulps (4 ulps is 2.4e-7 of a value at most).
      const [a, b] = [fused.loss.dataSync()[0]!, ops.loss.dataSync()[0]!];
      expect(Math.abs(a - b)).toBeLessThanOrEqual(2.4e-7 * Math.abs(b));
      const [ga, gb] = [fused.grad.dataSync(), ops.grad.dataSync()];
      ga.forEach((g, i) =>
        expect(Math.abs(g - gb[i]!)).toBeLessThanOrEqual(2.4e-7 * Math.abs(gb[i]!) + 1e-12),
      );
    }
    tf.dispose([ops.loss, ops.grad, fused.loss, fused.grad]);
  });
});

it('matches the cross-entropy written out by hand', async () => {
  await tf.setBackend('cpu');
  useLogitLoss('cpu');
  const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
  const real = LOGITS.slice(0, 10);
  const fake = LOGITS.slice(10);
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  // -log σ(l) = log(1 + e^-l) and -log(1 - σ(l)) = log(1 + e^l), written to stay finite at ±40.
  const logOnePlusExp = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
  const expected = mean(real.map((l) => logOnePlusExp(-l))) + mean(fake.map(logOnePlusExp));
  const { loss, grad } = lossAndGradient(CASES[0]![1]);
  expect(loss.dataSync()[0]! / 0.7).toBeCloseTo(expected, 5);
  // d/dl of -log σ(l) is σ(l) - 1; of -log(1 - σ(l)) is σ(l); each over its batch, times dy.
  const g = grad.dataSync();
  real.forEach((l, i) => expect(g[i]!).toBeCloseTo((0.7 * (sigmoid(l) - 1)) / 10, 6));
  fake.forEach((l, i) => expect(g[10 + i]!).toBeCloseTo((0.7 * sigmoid(l)) / 6, 6));
  tf.dispose([loss, grad]);
});

it('refuses terms outside the logits, and an empty sum', async () => {
  await tf.setBackend('cpu');
  const l = tf.zeros([4]) as tf.Tensor1D;
  expect(() => logitLoss(l, [{ from: 2, count: 3, sign: 1, weight: 1 }])).toThrow(
    /not within 4 logits/,
  );
  expect(() => logitLoss(l, [{ from: 0, count: 0, sign: 1, weight: 1 }])).toThrow(/not within/);
  expect(() => logitLoss(l, [])).toThrow(/no terms/);
  l.dispose();
});

it.each(['cpu', 'wasm'] as const)(
  'takes D’s [rows, 1] column as it comes, on %s: the same loss, a gradient of its shape',
  async (backend) => {
    await tf.setBackend(backend);
    useLogitLoss(backend);
    const terms = CASES[0]![1];
    const flat = tf.tensor1d(LOGITS);
    const column = tf.reshape(flat, [LOGITS.length, 1]);
    const f = (x: tf.Tensor) => logitLoss(x, terms);
    const [a, b] = [tf.valueAndGrad(f)(flat), tf.valueAndGrad(f)(column)];
    expect(b.grad.shape).toEqual([LOGITS.length, 1]);
    expect(bits(b.value)).toEqual(bits(a.value));
    expect(bits(b.grad)).toEqual(bits(a.grad));
    tf.dispose([flat, column, a.value, a.grad, b.value, b.grad]);
  },
);
