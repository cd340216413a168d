/**
 * WASM's Tanh four lanes at a time (gemm/tanh-module.ts) instead of the C
 * library's tanhf per element; float32 only, other dtypes go to the shipped
 * kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { tanhModuleBytes, type TanhExports } from './gemm/tanh-module';
import { wrapOnce } from '../kernel-swap';
import { addressOf, instantiateOver, wasmHeap, type WasmBackend } from './wasm-heap';

/** Marks the installed wrapper. */
const TANH_WRAPPER = Symbol.for('demandlab.tanhWrapper');

/** Puts the vector tanh in front of the registered Tanh on a WASM backend (once); false where it cannot run. */
export async function useWasmTanh(backendName = 'wasm'): Promise<boolean> {
  const heap = wasmHeap(backendName);
  if (!heap) return false;
  const module = await instantiateOver<TanhExports>(heap.memory, tanhModuleBytes);
  if (!module) return false;
  return wrapOnce('Tanh', backendName, TANH_WRAPPER, (fallback) => (args) => {
    const backend = args.backend as unknown as WasmBackend;
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype !== 'float32') return fallback(args);
    const out = backend.makeOutput(x.shape, 'float32');
    module.tanh(addressOf(backend, x), tf.util.sizeFromShape(x.shape), addressOf(backend, out));
    return out;
  });
}
