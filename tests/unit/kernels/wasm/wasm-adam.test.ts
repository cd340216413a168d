/**
 * The fused Adam step on WASM, one kernel call for all variables: the same weights, moments and state as
 * tfjs's AdamOptimizer over several steps (on WASM and on cpu), the same
 * saved slots, no tensors left behind, and tfjs's own code where the kernel
 * is not registered.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { adam, FUSED_ADAM } from '../../../../src/core/kernels/fused-adam';
import { useWasmAdam } from '../../../../src/core/kernels/wasm/wasm-adam';
import { createRandom } from '../../../../src/core/random';
import { useWasmInNode } from '../../helpers/kernel-checks';

const rng = createRandom(23);
const values = (n: number) => Float32Array.from({ length: n }, () => rng.normal());

/** Shapes with a tail the 4-lane loop does not cover (7, 3) and one it does. */
const SHAPES: number[][] = [[7, 9], [3], [16, 4]];

const INIT = SHAPES.map((s) => values(tf.util.sizeFromShape(s)));
const TARGET = SHAPES.map((s) => values(tf.util.sizeFromShape(s)));

/** Trains SHAPES' variables `steps` Adam steps on a fixed quadratic; returns weights and optimizer state. */
async function train(
  backend: string,
  make: () => tf.Optimizer,
  steps: number,
): Promise<{
  weights: Float32Array[];
  slots: { name: string; values: Float32Array }[];
  kernels: string[];
  adamCalls: number;
}> {
  await tf.setBackend(backend);
  const vars = SHAPES.map((s, i) => tf.variable(tf.tensor(INIT[i]!, s), true, `w${i}_${backend}`));
  const targets = SHAPES.map((s, i) => tf.tensor(TARGET[i]!, s));
  const opt = make();
  const step = () =>
    void opt.minimize(
      () => tf.addN(vars.map((v, j) => tf.sum(tf.square(tf.sub(v, targets[j]!))))) as tf.Scalar,
    );
  for (let i = 1; i < steps; i++) step();
  // The last step profiled: which kernels ran.
  const profile = await tf.profile(step);
  const kernels = profile.kernelNames;
  const adamCalls = profile.kernels.filter((k) => k.name === FUSED_ADAM).length;
  const weights = await Promise.all(vars.map((v) => v.data() as Promise<Float32Array>));
  const named = await opt.getWeights();
  const slots = await Promise.all(
    named.map(async (n) => ({
      name: n.name.replace(`_${backend}`, ''),
      values: (await n.tensor.data()) as Float32Array,
    })),
  );
  opt.dispose();
  tf.dispose([...vars, ...targets]);
  return { weights, slots, kernels, adamCalls };
}

beforeAll(async () => {
  await useWasmInNode();
  expect(await useWasmAdam('wasm')).toBe(true);
  expect(await useWasmAdam('wasm')).toBe(true); // once
});

describe('fused Adam on WASM', () => {
  it('gives tfjs’s weights, moments and step count', async () => {
    const mine = await train('wasm', () => adam(0.05, 0.5, 0.99), 12);
    const theirs = await train('wasm', () => tf.train.adam(0.05, 0.5, 0.99), 12);
    const cpu = await train('cpu', () => tf.train.adam(0.05, 0.5, 0.99), 12);
    // One call for the three variables.
    expect(mine.adamCalls).toBe(1);
    expect(mine.kernels).not.toContain('Sqrt');
    expect(theirs.kernels).toContain('Sqrt');
    mine.weights.forEach((w, i) => {
      // Each operation rounds as tfjs's kernels do: the same float32 numbers.
      expect(Array.from(w)).toEqual(Array.from(theirs.weights[i]!));
      for (let j = 0; j < w.length; j++)
        expect(Math.abs(w[j]! - cpu.weights[i]![j]!)).toBeLessThan(1e-5);
    });
    // The weights moved: twelve steps of 0.05 towards the targets.
    expect(mine.weights[0]!.some((x, j) => Math.abs(x - INIT[0]![j]!) > 0.1)).toBe(true);
    expect(mine.slots.map((s) => s.name)).toEqual(theirs.slots.map((s) => s.name));
    mine.slots.forEach((s, i) =>
      expect(Array.from(s.values)).toEqual(Array.from(theirs.slots[i]!.values)),
    );
    expect(mine.slots[0]!.name).toBe('iter');
    expect(Array.from(mine.slots[0]!.values)).toEqual([12]);
  });

  it('continues from saved optimizer weights as tfjs’s does', async () => {
    await tf.setBackend('wasm');
    const w = tf.variable(tf.tensor1d(TARGET[0]!.slice(0, 10)), true, 'resume');
    const loss = () => tf.sum(tf.square(w)) as tf.Scalar;
    const first = adam(0.1);
    for (let i = 0; i < 3; i++) first.minimize(loss);
    const saved = await first.getWeights();
    const copies = saved.map((s) => ({ name: s.name, tensor: tf.clone(s.tensor) }));
    const start = tf.clone(w);
    const [a, b] = [adam(0.1), tf.train.adam(0.1)];
    const results: number[][] = [];
    for (const opt of [a, b]) {
      w.assign(start);
      await opt.setWeights(copies.map((c) => ({ name: c.name, tensor: tf.clone(c.tensor) })));
      for (let i = 0; i < 4; i++) opt.minimize(loss);
      results.push(Array.from(await w.data()));
      opt.dispose();
    }
    expect(results[0]).toEqual(results[1]);
    tf.dispose([w, start, ...copies.map((c) => c.tensor)]);
    first.dispose();
  });

  it('leaves no tensor behind after the slots exist', async () => {
    await tf.setBackend('wasm');
    const w = tf.variable(tf.randomNormal([33]));
    const opt = adam();
    opt.minimize(() => tf.sum(tf.square(w)) as tf.Scalar);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) opt.minimize(() => tf.sum(tf.square(w)) as tf.Scalar);
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    w.dispose();
  });

  it('is tfjs’s Adam on a backend without the kernel', async () => {
    const mine = await train('cpu', () => adam(0.05), 5);
    const theirs = await train('cpu', () => tf.train.adam(0.05), 5);
    expect(mine.kernels).not.toContain(FUSED_ADAM);
    expect(mine.kernels).toContain('Sqrt');
    mine.weights.forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(theirs.weights[i]!)));
  });
});
