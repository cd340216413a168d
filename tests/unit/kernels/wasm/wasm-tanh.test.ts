/**
 * WASM's vector tanh against Math.tanh in double precision: within 5
 * float32 ulps and 3e-7 (with a tail the 4-lane loop leaves), odd
 * to the bit, ±1 within float32 rounding far out, NaN kept, and tfjs's
 * gradient through it unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmTanh } from '../../../../src/core/kernels/wasm/wasm-tanh';
import { useWasmInNode } from '../../helpers/kernel-checks';

beforeAll(async () => {
  await useWasmInNode();
  expect(await useWasmTanh('wasm')).toBe(true);
});

/** The float32 spacing at |v|: one ulp. */
function ulp(v: number): number {
  const f = Math.fround(Math.abs(v));
  if (f === 0) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(f)) - 23);
}

async function tanhOnWasm(xs: number[]): Promise<Float32Array> {
  const x = tf.tensor1d(xs);
  const y = tf.tanh(x);
  const out = (await y.data()) as Float32Array;
  tf.dispose([x, y]);
  return out;
}

describe('vector tanh on WASM', () => {
  it('stays within 5 ulps and 3e-7 of tanh from -12 to 12 (10,001 points)', async () => {
    // An odd count, so the 4-lane loop leaves a tail.
    const xs = Array.from({ length: 10_001 }, (_, i) => Math.fround(-12 + (24 * i) / 10_000));
    const got = await tanhOnWasm(xs);
    let worstUlps = 0;
    let worst = 0;
    xs.forEach((x, i) => {
      const error = Math.abs(got[i]! - Math.tanh(x));
      worstUlps = Math.max(worstUlps, error / ulp(Math.tanh(x)));
      worst = Math.max(worst, error);
    });
    expect(worstUlps).toBeLessThanOrEqual(5);
    expect(worst).toBeLessThan(3e-7);
  });

  it('is exact near zero, odd to the bit, about ±1 far out and keeps NaN', async () => {
    const xs = [0, 1e-6, -3e-4, 0.25, 0.5, 1, 3, 7.9, 9, 100, Infinity];
    const pos = await tanhOnWasm(xs);
    const neg = await tanhOnWasm(xs.map((x) => -x));
    xs.forEach((_, i) => expect(neg[i]).toBe(-pos[i]!));
    expect(pos[1]).toBe(Math.fround(1e-6));
    expect(Math.abs(pos[9]! - 1)).toBeLessThan(3e-7);
    expect(Math.abs(pos[10]! - 1)).toBeLessThan(3e-7);
    expect(Number.isNaN((await tanhOnWasm([NaN]))[0])).toBe(true);
  });

  it('leaves the gradient dy·(1 − tanh²) as tfjs computes it on cpu', async () => {
    const xs = [-3, -0.7, 0, 0.2, 1.5, 4];
    const grad = async (backend: string) => {
      await tf.setBackend(backend);
      const x = tf.tensor1d(xs);
      const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.tanh(v), tf.range(1, 7))))(x);
      const out = Array.from(await g.data());
      tf.dispose([x, g]);
      return out;
    };
    const cpu = await grad('cpu');
    const wasm = await grad('wasm');
    wasm.forEach((v, i) => expect(v).toBeCloseTo(cpu[i]!, 5));
  });
});
