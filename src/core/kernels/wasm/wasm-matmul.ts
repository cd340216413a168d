/**
 * Faster backpropagation on the WASM backend. Its BatchMatMul is fast for
 * A·B but several times slower when asked for Aᵀ·B or A·Bᵀ, the products
 * every dense layer's backward pass uses (measured on a 128×1024 by
 * 1024×784 product: ~17 GFLOP/s plain, ~1.4 transposed). This wraps the
 * kernel: a transposed operand is first transposed explicitly (a copy, exact)
 * and the product runs in the fast form. The maths is unchanged, so layers,
 * gradients, saved models and exported models all stay as they are.
 */
import * as tf from '@tensorflow/tfjs';
import { shippedBehind, wrapKernel } from '../kernel-swap';

type KernelFunc = tf.KernelConfig['kernelFunc'];

/** Installs the wrapper for a backend's BatchMatMul (once); false when the backend lacks the kernels. */
export function useExplicitTranspose(backendName: string): boolean {
  if (shippedBehind('BatchMatMul', backendName)) return true;
  const original = tf.getKernel('BatchMatMul', backendName);
  const transpose = tf.getKernel('Transpose', backendName);
  if (!original || !transpose) return false;
  const matMul: KernelFunc = original.kernelFunc;
  const flip = transpose.kernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const attrs = args.attrs as { transposeA: boolean; transposeB: boolean };
    if (!attrs.transposeA && !attrs.transposeB) return matMul(args);
    // Swaps the last two axes, whatever the batch rank.
    const swapped = (t: tf.TensorInfo) => {
      const perm = t.shape.map((_, i) => i);
      const r = perm.length;
      [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
      return flip({ inputs: { x: t }, attrs: { perm }, backend: args.backend }) as tf.TensorInfo;
    };
    const backend = args.backend as tf.KernelBackend;
    const at = attrs.transposeA ? swapped(a) : a;
    const bt = attrs.transposeB ? swapped(b) : b;
    try {
      return matMul({
        ...args,
        inputs: { a: at, b: bt },
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      });
    } finally {
      if (at !== a) backend.disposeData(at.dataId);
      if (bt !== b) backend.disposeData(bt.dataId);
    }
  };
  wrapKernel(original, kernelFunc);
  return true;
}
