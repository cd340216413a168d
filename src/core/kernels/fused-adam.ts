/**
 * The app's Adam: `adam()` gives a tf.AdamOptimizer whose applyGradients
 * runs one fused kernel (FUSED_ADAM) per variable on a backend that has one
 * (WASM: wasm/wasm-adam.ts; WebGPU: webgpu/webgpu-adam.ts) and tfjs's own
 * code everywhere else. Its state (the moment slots, β1ᵗ, β2ᵗ, the
 * iteration count) is tfjs's, so saved optimizers, getWeights and
 * setWeights are unchanged.
 */
import * as tf from '@tensorflow/tfjs';

/** The kernel's name in tfjs's registry. */
export const FUSED_ADAM = 'DemandLabFusedAdam';

/** The kernel's attributes. Its inputs: w, g, m, v, acc1 (β1ᵗ), acc2 (β2ᵗ); its outputs: w, m, v. */
export interface FusedAdamAttrs {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/**
 * β1, 1 − β1, β2, 1 − β2, −rate and ε as tfjs's ops see them: JavaScript
 * numbers turned into float32 scalars.
 */
export function adamConstants(a: FusedAdamAttrs): [number, number, number, number, number, number] {
  const f32 = Math.fround;
  return [
    f32(a.beta1),
    f32(1 - a.beta1),
    f32(a.beta2),
    f32(1 - a.beta2),
    f32(-a.learningRate),
    f32(a.epsilon),
  ];
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
