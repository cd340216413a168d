/** Shared by the kernel tests: running a computation on a backend, and comparing results. */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

/** Runs `fn` on a backend and returns its tensors' values. */
export async function valuesOn(backend: string, fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const out = tf.tidy(fn);
  const data = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
  out.forEach((t) => t.dispose());
  return data;
}

/** Equal lengths, and every |a − b| / (1 + |b|) below `tolerance`. */
export function expectClose(a: Float32Array, b: Float32Array, tolerance = 1e-5): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++)
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  expect(worst).toBeLessThan(tolerance);
}
