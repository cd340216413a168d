/**
 * Adam in one kernel for a group of variables on the WASM backend (gemm/adam-module.ts),
 * registered under FUSED_ADAM, which the app's optimizer (../fused-adam.ts)
 * runs where a backend has it.
 */
import * as tf from '@tensorflow/tfjs';
import { adamConstants, adamSlots, FUSED_ADAM, type FusedAdamAttrs } from '../fused-adam';
import { adamModuleBytes, type AdamExports } from './gemm/adam-module';
import type { AdamArgs } from './gemm/gemm-control';
import { helperPool } from './wasm-gemm';
import { addressOf, instantiateOver, wasmHeap, type WasmBackend } from './wasm-heap';

/** Variables with fewer weights than this are not worth sharing out to helper threads. */
const SPLIT_ELEMENTS = 1 << 16;
type Tuple7 = [number, number, number, number, number, number, number];

/**
 * Compiles the Adam module over the WASM backend's memory and registers the
 * kernel (once). False where it cannot run there.
 */
export async function useWasmAdam(backendName = 'wasm'): Promise<boolean> {
  if (tf.getKernel(FUSED_ADAM, backendName)) return true;
  const heap = wasmHeap(backendName);
  if (!heap) return false;
  const module = await instantiateOver<AdamExports>(heap.memory, adamModuleBytes);
  if (!module) return false;
  tf.registerKernel({
    kernelName: FUSED_ADAM,
    backendName,
    kernelFunc: (args) => {
      const backend = args.backend as unknown as WasmBackend;
      const a = args.attrs as unknown as FusedAdamAttrs;
      const inputs = args.inputs as Record<string, tf.TensorInfo>;
      const { acc1, acc2 } = inputs;
      const at = (t: tf.TensorInfo) => addressOf(backend, t);
      const constants = adamConstants(a);
      const powersAt = [at(acc1!), at(acc2!)] as const;
      const pool = helperPool(backendName);
      if (pool) pool.local.adam ??= module;
      const updated = adamSlots(inputs, a.count).flatMap(({ w, g, m, v }) => {
        const outs = [w, m, v].map((t) => backend.makeOutput(t.shape, 'float32'));
        const arrays = [w, g, m, v, ...outs].map(at);
        const n = tf.util.sizeFromShape(w.shape);
        const share = (from: number, to: number): AdamArgs => [
          ...(arrays.map((address) => address + from * 4) as Tuple7),
          to - from,
          ...powersAt,
          ...constants,
        ];
        // The GEMM's helper threads take shares of large variables.
        const parts = pool && n >= SPLIT_ELEMENTS ? pool.threads : 1;
        if (parts < 2 || !pool) module.adam(...share(0, n));
        else {
          // Whole 4-lane groups per share, so each share runs the vector loop as one pass would.
          const edge = (i: number) => (i === parts ? n : Math.floor((n * i) / parts / 4) * 4);
          pool.run(
            Array.from({ length: parts }, (_, i) => ({
              kind: 'adam' as const,
              adam: share(edge(i), edge(i + 1)),
            })),
          );
        }
        return outs;
      });
      // β1ᵗ⁺¹ and β2ᵗ⁺¹ as tfjs's mul(acc, β) rounds them.
      const powers = powersAt.map(() => backend.makeOutput([], 'float32'));
      // A view made after the outputs: making one may grow the heap and detach an older view.
      const floats = new Float32Array(heap.memory.buffer);
      powers.forEach((out, i) => {
        floats[at(out) / 4] = Math.fround(floats[powersAt[i]! / 4]! * constants[2 * i]!);
      });
      return [...updated, ...powers];
    },
  });
  return true;
}
