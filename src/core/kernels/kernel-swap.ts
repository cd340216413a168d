/**
 * Swapping a backend's shipped kernel for the app's own, and back. tfjs's
 * kernel registry is global, so the shipped kernel is kept on the wrapper's
 * function under a global symbol: a second copy of the module that swapped it
 * (the bench imports them once per job) can still find and undo the swap.
 */
import * as tf from '@tensorflow/tfjs';

type KernelFunc = tf.KernelConfig['kernelFunc'];

/** Where a wrapper keeps the shipped kernel it replaced. */
export const SHIPPED = Symbol.for('demandlab.shippedKernel');
type Wrapped = KernelFunc & { [SHIPPED]?: tf.KernelConfig };

/** The shipped kernel behind an installed wrapper, or null when the kernel is the shipped one. */
export function shippedBehind(kernelName: string, backendName: string): tf.KernelConfig | null {
  const k = tf.getKernel(kernelName, backendName);
  return (k?.kernelFunc as Wrapped | undefined)?.[SHIPPED] ?? null;
}

/**
 * Registers `kernelFunc` in place of `original`, remembering the shipped
 * kernel for restoreShipped (the one behind `original` when that is itself a
 * wrapper: wrappers stack, restoring unstacks them all).
 */
export function wrapKernel(original: tf.KernelConfig, kernelFunc: KernelFunc): void {
  (kernelFunc as Wrapped)[SHIPPED] = (original.kernelFunc as Wrapped)[SHIPPED] ?? original;
  tf.unregisterKernel(original.kernelName, original.backendName);
  tf.registerKernel({ ...original, kernelFunc });
}

/**
 * Wraps the kernel registered for `kernelName` with `make(its function)`,
 * unless the registered one already carries `mark` (installed before, maybe
 * under other wrappers' counters). False when the backend lacks the kernel.
 */
export function wrapOnce(
  kernelName: string,
  backendName: string,
  mark: symbol,
  make: (fallback: KernelFunc) => KernelFunc,
): boolean {
  const current = tf.getKernel(kernelName, backendName);
  if (!current) return false;
  type Marked = KernelFunc & { [mark]?: true };
  if ((current.kernelFunc as Marked)[mark]) return true;
  const kernelFunc = make(current.kernelFunc) as Marked;
  kernelFunc[mark] = true;
  wrapKernel(current, kernelFunc);
  return true;
}

/**
 * Marks a matrix-product kernel that takes plain matrices (rank 2) as well as
 * batches of them: tfjs's WASM _FusedMatMul wants a batch axis, so a caller
 * that skips its reshapes asks `takesMatrices` first.
 */
export const TAKES_MATRICES = Symbol.for('demandlab.takesMatrices');

type TakesMatrices = KernelFunc & { [TAKES_MATRICES]?: true };
const registered = (kernelName: string, backendName: string) =>
  tf.getKernel(kernelName, backendName)?.kernelFunc as TakesMatrices | undefined;

/** True when the kernel registered for `kernelName` carries TAKES_MATRICES. */
export function takesMatrices(kernelName: string, backendName: string): boolean {
  return registered(kernelName, backendName)?.[TAKES_MATRICES] === true;
}

/** Marks the kernel registered for `kernelName` with TAKES_MATRICES (a wrapper over it drops the mark). */
export function markTakesMatrices(kernelName: string, backendName: string): void {
  const k = registered(kernelName, backendName);
  if (k) k[TAKES_MATRICES] = true;
}

/** Puts the shipped kernel back where a wrapper is installed (the bench times both). */
export function restoreShipped(kernelName: string, backendName: string): void {
  const original = shippedBehind(kernelName, backendName);
  if (!original) return;
  tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel(original);
}
