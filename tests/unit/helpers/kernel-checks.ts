/**
 * Shared by the kernel tests: tfjs's WASM backend as node runs it, counting
 * the calls that reach a shipped kernel, running a computation on a backend,
 * and comparing results.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { expect } from 'vitest';
import { wrapKernel } from '../../../src/core/kernels/kernel-swap';

/** Starts tfjs's WASM backend in node: one thread, the build without shared memory. */
export async function useWasmInNode(): Promise<void> {
  tf.env().set('IS_NODE', false); // skips tfjs's advice to install tfjs-node
  setWasmPaths(`${process.cwd()}/node_modules/@tensorflow/tfjs-backend-wasm/dist/`);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  expect(await tf.setBackend('wasm')).toBe(true);
}

/**
 * Calls `counted` whenever the kernel now registered for WASM runs; the
 * app's kernel, installed after, wraps the counter and falls back to it.
 */
export function countCalls(kernelName: string, counted: () => void): void {
  const shipped = tf.getKernel(kernelName, 'wasm')!;
  wrapKernel(shipped, (args) => {
    counted();
    return shipped.kernelFunc(args);
  });
}

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
