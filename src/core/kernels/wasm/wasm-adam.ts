/**
 * Adam in one kernel per variable on the WASM backend (gemm/adam-module.ts),
 * and the optimizer that uses it where it is registered: `adam()` gives a
 * tf.AdamOptimizer whose applyGradients runs the fused kernel on WASM and
 * tfjs's own code everywhere else. Its state (the moment slots, β1ᵗ, β2ᵗ,
 * the iteration count) is tfjs's, so saved optimizers, getWeights and
 * setWeights are unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import { adamModuleBytes, type AdamExports } from './gemm/adam-module';
import type { AdamArgs } from './gemm/gemm-control';
import { helperPool } from './wasm-gemm';
import { addressOf, instantiateOver, wasmHeap, type WasmBackend } from './wasm-heap';

/** Variables with fewer weights than this are not worth sharing out to helper threads. */
const SPLIT_ELEMENTS = 1 << 16;
type Tuple7 = [number, number, number, number, number, number, number];

/** The kernel's name in tfjs's registry. */
export const FUSED_ADAM = 'DemandLabFusedAdam';

interface FusedAdamAttrs {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

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
  const f32 = Math.fround;
  tf.registerKernel({
    kernelName: FUSED_ADAM,
    backendName,
    kernelFunc: (args) => {
      const backend = args.backend as unknown as WasmBackend;
      const { w, g, m, v, acc1, acc2 } = args.inputs as Record<string, tf.TensorInfo>;
      const a = args.attrs as unknown as FusedAdamAttrs;
      const outs = [w!, m!, v!].map((t) => backend.makeOutput(t.shape, 'float32'));
      const at = (t: tf.TensorInfo) => addressOf(backend, t);
      // The constants as tfjs's ops see them: JavaScript numbers turned into float32 scalars.
      const constants = [
        f32(a.beta1),
        f32(1 - a.beta1),
        f32(a.beta2),
        f32(1 - a.beta2),
        f32(-a.learningRate),
        f32(a.epsilon),
      ] as const;
      const arrays = [w!, g!, m!, v!, ...outs].map(at);
      const n = tf.util.sizeFromShape(w!.shape);
      const share = (from: number, to: number): AdamArgs => [
        ...(arrays.map((address) => address + from * 4) as Tuple7),
        to - from,
        at(acc1!),
        at(acc2!),
        ...constants,
      ];
      // The GEMM's helper threads take shares of large variables.
      const pool = helperPool(backendName);
      if (pool) pool.local.adam ??= module;
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
    },
  });
  return true;
}

/** AdamOptimizer's private state, which the fused step reads and updates as tfjs's would. */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
}

/** Named gradients, as a map or a list (tfjs does not export the list's element type). */
type Gradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Gradients): void {
    const backend = tf.getBackend();
    if (!tf.getKernel(FUSED_ADAM, backend)) {
      super.applyGradients(variableGradients);
      return;
    }
    const self = this as unknown as AdamState;
    const names = Array.isArray(variableGradients)
      ? variableGradients.map((v) => v.name)
      : Object.keys(variableGradients);
    const attrs = {
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
    };
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name]!;
        // The slots as tfjs creates them (same names, same order), so saved state carries over.
        self.accumulatedFirstMoment[i] ??= {
          originalName: `${name}/m`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        self.accumulatedSecondMoment[i] ??= {
          originalName: `${name}/v`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        const gradient = Array.isArray(variableGradients)
          ? variableGradients[i]!.tensor
          : variableGradients[name];
        if (gradient == null) return;
        const m = self.accumulatedFirstMoment[i]!.variable;
        const v = self.accumulatedSecondMoment[i]!.variable;
        if (
          value.dtype !== 'float32' ||
          gradient.dtype !== 'float32' ||
          gradient.size !== value.size
        )
          throw new Error(`Adam: the gradient of ${name} does not match the variable`);
        const [w2, m2, v2] = tf
          .engine()
          .runKernel<tf.Tensor[]>(
            FUSED_ADAM,
            { w: value, g: gradient, m, v, acc1: self.accBeta1, acc2: self.accBeta2 },
            attrs as unknown as tf.NamedAttrMap,
          );
        m.assign(m2!);
        v.assign(v2!);
        value.assign(w2!);
      });
      self.accBeta1.assign(tf.mul(self.accBeta1, this.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, this.beta2));
    });
    this.incrementIterations();
  }
}

/** tf.train.adam's signature; fused on a backend with the kernel. */
export function adam(
  learningRate = 0.001,
  beta1 = 0.9,
  beta2 = 0.999,
  epsilon: number | null = null,
): tf.AdamOptimizer {
  return new FusedAdamOptimizer(learningRate, beta1, beta2, epsilon ?? undefined);
}
