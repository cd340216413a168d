/**
 * WASM's Sum and Mean over leading axes (the bias gradient of a dense layer: a sum
 * over the batch) through gemm/column-sum-module.ts, without the transposed
 * copy the shipped kernel makes first; the same sums, added in the same
 * order. An empty sum gives zeros (the shipped kernel leaves the output as
 * it found it). Mean over leading axes is the same sum, divided. Other
 * reductions go to the shipped kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { columnSumModuleBytes, type ColumnSumExports } from './gemm/column-sum-module';
import { wrapOnce } from '../kernel-swap';
import { addressOf, instantiateOver, wasmHeap, type WasmBackend } from './wasm-heap';

/** Marks the installed wrapper. */
const SUM_WRAPPER = Symbol.for('demandlab.columnSumWrapper');

/**
 * Puts the column sum in front of the registered Sum and Mean on a WASM
 * backend (once); false where it cannot run. Mean over leading axes is
 * batch norm's moments in the DCGAN, 5% of its step through the shipped
 * kernel's transposed copy.
 */
export async function useWasmColumnSum(backendName = 'wasm'): Promise<boolean> {
  const heap = wasmHeap(backendName);
  if (!heap) return false;
  const module = await instantiateOver<ColumnSumExports>(heap.memory, columnSumModuleBytes);
  if (!module) return false;
  const { columnSum } = module;
  const reduce =
    (mean: boolean) => (fallback: tf.KernelFunc) => (args: Parameters<tf.KernelFunc>[0]) => {
      const backend = args.backend as unknown as WasmBackend;
      const { x } = args.inputs as { x: tf.TensorInfo };
      const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
      // Axes listed out of order ([1, 0]) are added in that order by the shipped kernel.
      const axes = tf.util.parseAxisParam(axis, x.shape);
      const leading = axes.length > 0 && axes.every((a, i) => a === i);
      if (x.dtype !== 'float32' || !leading || axes.length === x.shape.length)
        return fallback(args);
      const rows = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
      const kept = x.shape.slice(axes.length);
      const columns = tf.util.sizeFromShape(kept);
      const out = backend.makeOutput(keepDims ? [...axes.map(() => 1), ...kept] : kept, 'float32');
      const at = addressOf(backend, out);
      columnSum(addressOf(backend, x), rows, columns, at);
      if (mean) {
        const sums = new Float32Array(heap.memory.buffer, at, columns);
        for (let i = 0; i < columns; i++) sums[i] = sums[i]! / rows;
      }
      return out;
    };
  const sum = wrapOnce('Sum', backendName, SUM_WRAPPER, reduce(false));
  const mean = wrapOnce('Mean', backendName, SUM_WRAPPER, reduce(true));
  return sum && mean;
}
