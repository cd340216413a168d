/**
 * Gradients whose saved tensors are kept without an Identity kernel train
 * exactly as tfjs's clones do, on cpu and on WASM (shipped and with the
 * app's kernels), with no tensor left behind and no Identity run.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { restoreSharedSaves, useSharedSaves } from '../../../src/core/kernels/shared-saves';
import { useAllWasmKernels } from '../../../src/core/kernels/wasm/all-kernels';
import { useWasmInNode } from '../helpers/kernel-checks';

afterAll(() => {
  useSharedSaves(); // as the app leaves it
});

interface Run {
  losses: number[];
  weights: Float32Array[];
  /** Identity kernels per training step, as tf.profile sees them. */
  identities: number;
  /** Live tensors after each step, beyond those before training. */
  live: number[];
}

/** Five Adam steps of a small two-layer regression with batch statistics, from fixed seeds. */
async function train(): Promise<Run> {
  const before = tf.memory().numTensors;
  const x = tf.randomNormal([16, 6], 0, 1, 'float32', 1);
  const y = tf.randomNormal([16, 2], 0, 1, 'float32', 2);
  const w1 = tf.variable(tf.randomNormal([6, 8], 0, 0.5, 'float32', 3));
  const w2 = tf.variable(tf.randomNormal([8, 2], 0, 0.5, 'float32', 4));
  const adam = tf.train.adam(0.01);
  const loss = () =>
    tf.tidy(() => {
      const h = tf.leakyRelu(tf.matMul(x, w1), 0.2);
      const { mean, variance } = tf.moments(h, 0);
      const normed = tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-3)));
      return tf.mean(tf.square(tf.sub(tf.tanh(tf.matMul(normed, w2)), y))) as tf.Scalar;
    });
  const run: Run = { losses: [], weights: [], identities: 0, live: [] };
  for (let step = 0; step < 5; step++) {
    const info = await tf.profile(() => {
      const cost = adam.minimize(loss, true, [w1, w2])!;
      run.losses.push(cost.dataSync()[0]!);
      cost.dispose();
    });
    if (step === 4) run.identities = info.kernels.filter((k) => k.name === 'Identity').length;
    run.live.push(tf.memory().numTensors - before);
  }
  run.weights = [w1.dataSync().slice(), w2.dataSync().slice()] as Float32Array[];
  tf.dispose([x, y, w1, w2]);
  adam.dispose();
  return run;
}

/** The same training with tfjs's saves and with the app's. */
async function both(): Promise<[Run, Run]> {
  expect(useSharedSaves()).toBe(true);
  const shared = await train();
  restoreSharedSaves();
  const shipped = await train();
  useSharedSaves();
  return [shipped, shared];
}

function expectSameTraining([shipped, shared]: [Run, Run]): void {
  // Identity still runs where a program asks for one (Adam's and tidy's); no longer per save.
  expect(shipped.identities - shared.identities).toBeGreaterThanOrEqual(10);
  expect(shared.losses).toEqual(shipped.losses);
  expect(shared.weights).toEqual(shipped.weights);
  expect(shared.live).toEqual(shipped.live);
  expect(new Set(shared.live).size).toBe(1); // flat: nothing kept past its gradient
}

describe('saved tensors without a kernel each', () => {
  it('train bit for bit as tfjs’s clones on cpu', async () => {
    await tf.setBackend('cpu');
    expectSameTraining(await both());
  });

  it('train bit for bit as tfjs’s clones on WASM, shipped and with the app’s kernels', async () => {
    await useWasmInNode();
    expectSameTraining(await both());
    await useAllWasmKernels('wasm');
    expectSameTraining(await both());
  });

  it('installs once, and puts tfjs’s own method back when asked', () => {
    const proto = Object.getPrototypeOf(tf.engine()) as { saveTensorsForBackwardMode: unknown };
    restoreSharedSaves();
    const shipped = proto.saveTensorsForBackwardMode;
    useSharedSaves();
    const shared = proto.saveTensorsForBackwardMode;
    expect(shared).not.toBe(shipped);
    useSharedSaves();
    expect(proto.saveTensorsForBackwardMode).toBe(shared);
    restoreSharedSaves();
    expect(proto.saveTensorsForBackwardMode).toBe(shipped);
  });
});
