/**
 * Shared by the kernel tests: tfjs's WASM backend as node runs it, counting
 * the calls that reach a shipped kernel, running a computation on a backend,
 * and comparing results.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { expect } from 'vitest';
import { wrapKernel } from '../../../src/core/kernels/kernel-swap';
import { useAllWasmKernels } from '../../../src/core/kernels/wasm/all-kernels';

/** Starts tfjs's WASM backend in node: one thread, the build without shared memory. */
export async function useWasmInNode(): Promise<void> {
  tf.env().set('IS_NODE', false); // skips tfjs's advice to install tfjs-node
  setWasmPaths(`${process.cwd()}/node_modules/@tensorflow/tfjs-backend-wasm/dist/`);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  expect(await tf.setBackend('wasm')).toBe(true);
}

/**
 * The training worker's backend, as node runs it: tfjs's WASM backend with
 * the app's kernels. Here, not in setup-tf.ts: importing the WASM backend
 * makes it tfjs's first choice, which cpu-only tests must not get.
 */
export async function useWorkerWasm(): Promise<void> {
  await useWasmInNode();
  await useAllWasmKernels('wasm');
  await tf.setBackend('wasm');
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

/** What `fn` returns, and the names of the kernels tfjs ran meanwhile, in order. */
export function withKernelsRun<T>(fn: () => T): { result: T; kernels: string[] } {
  const kernels: string[] = [];
  const engine = tf.engine() as unknown as {
    runKernel: (name: string, ...a: unknown[]) => unknown;
  };
  const run = engine.runKernel;
  engine.runKernel = function (name, ...rest) {
    kernels.push(name);
    return run.call(this, name, ...rest);
  };
  try {
    return { result: fn(), kernels };
  } finally {
    engine.runKernel = run;
  }
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

/** Convolutions both convolution suites check (kernel, stride, padding): D's layers and awkward cases. */
export const CONV_CASES = [
  ["4×4, stride 2, 'same' (D's layers)", 4, 2, 'same'],
  ["3×3, stride 2, 'same' (odd kernel, uneven padding)", 3, 2, 'same'],
  ["2×2, stride 2, 'valid'", 2, 2, 'valid'],
  ["3×3, stride 1, 'valid'", 3, 1, 'valid'],
  ['5×5, stride 1, padding 2', 5, 1, 2],
] as const;

/**
 * A (37×53) times B (53×29) in every transpose form matMul takes (the four
 * 2D forms first, each the same product), then two with a batch axis of
 * `batch`: what every matrix kernel must get right. `a` and `b` hold
 * `batch` matrices each. Call inside valuesOn.
 */
export function transposeForms(a: Float32Array, b: Float32Array, batch: number): tf.Tensor[] {
  const a2 = tf.tensor2d(a.subarray(0, 37 * 53), [37, 53]);
  const b2 = tf.tensor2d(b.subarray(0, 53 * 29), [53, 29]);
  const a3 = tf.tensor3d(a, [batch, 37, 53]);
  const b3 = tf.tensor3d(b, [batch, 53, 29]);
  return [
    tf.matMul(a2, b2),
    tf.matMul(a2.transpose(), b2.transpose(), true, true), // (Aᵀ)ᵀ (Bᵀ)ᵀ = A B
    tf.matMul(a2.transpose(), b2, true, false),
    tf.matMul(a2, b2.transpose(), false, true),
    tf.matMul(a3, b3.transpose([0, 2, 1]), false, true),
    tf.matMul(a3.transpose([0, 2, 1]), b3, true, false),
  ];
}

/**
 * The gradients of sum(layer(x, w, b)²) for a 16×40 batch through a 40→24
 * dense layer, inputs drawn by `values`: what a product kernel's backward
 * pass must match. Call inside valuesOn.
 */
export function denseLayerGrads(
  values: (n: number) => Float32Array,
  layer: (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor) => tf.Tensor,
): () => tf.Tensor[] {
  const [x, w, bias] = [values(16 * 40), values(40 * 24), values(24)];
  const f = (xs: tf.Tensor, ws: tf.Tensor, bs: tf.Tensor) =>
    layer(xs as tf.Tensor2D, ws as tf.Tensor2D, bs)
      .square()
      .sum();
  return () => tf.grads(f)([tf.tensor2d(x, [16, 40]), tf.tensor2d(w, [40, 24]), tf.tensor1d(bias)]);
}

type Shape4 = readonly [number, number, number, number];

/** f(x, w) and the gradients of sum(f(x, w) * probe) with respect to x and w, on a backend. */
export async function convGrads(
  backend: string,
  f: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D,
  x: Float32Array,
  xShape: Shape4,
  w: Float32Array,
  wShape: Shape4,
  probe: Float32Array,
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const out = tf.tidy(() => {
    const loss = (a: tf.Tensor, b: tf.Tensor) => {
      const y = f(a as tf.Tensor4D, b as tf.Tensor4D);
      return tf.sum(tf.mul(y, tf.tensor(probe.subarray(0, y.size), y.shape)));
    };
    const [a, b] = [tf.tensor4d(x, [...xShape]), tf.tensor4d(w, [...wShape])];
    return [f(a, b), ...tf.grads(loss)([a, b])];
  });
  const data = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
  out.forEach((t) => t.dispose());
  return data;
}
