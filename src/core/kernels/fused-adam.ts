/**
 * The app's Adam: `adam()` gives a tf.AdamOptimizer whose applyGradients
 * runs one fused kernel (FUSED_ADAM) for all its variables on a backend that has one
 * (WASM: wasm/wasm-adam.ts; WebGPU: webgpu/webgpu-adam.ts) and tfjs's own
 * code everywhere else. Its state (the moment slots, β1ᵗ, β2ᵗ, the
 * iteration count) is tfjs's, so saved optimizers, getWeights and
 * setWeights are unchanged.
 */
import * as tf from '@tensorflow/tfjs';

/** The kernel's name in tfjs's registry. */
export const FUSED_ADAM = 'DemandLabFusedAdam';

/**
 * The kernel's attributes. Its inputs: acc1 (β1ᵗ), acc2 (β2ᵗ), then w{i},
 * g{i}, m{i}, v{i} for each of `count` variables; its outputs: w, m, v of
 * each in turn, then β1ᵗ⁺¹ and β2ᵗ⁺¹. One call for a model's variables and
 * its step's powers of β, instead of one each and two products: on a small
 * model the engine's work per kernel call is most of a step.
 */
export interface FusedAdamAttrs {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  count: number;
}

/** One variable's tensors in a FUSED_ADAM call. */
export interface AdamSlot<T> {
  w: T;
  g: T;
  m: T;
  v: T;
}

/** A FUSED_ADAM call's variables, read from its inputs. */
export function adamSlots<T>(inputs: Record<string, T | undefined>, count: number): AdamSlot<T>[] {
  return Array.from({ length: count }, (_, i) => {
    const [w, g, m, v] = ['w', 'g', 'm', 'v'].map((k) => inputs[`${k}${i}`]);
    if (!w || !g || !m || !v) throw new Error(`Adam: variable ${i} of ${count} is missing`);
    return { w, g, m, v };
  });
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
    const constants = {
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
    };
    tf.tidy(() => {
      const slots: { w: tf.Variable; g: tf.Tensor; m: tf.Variable; v: tf.Variable }[] = [];
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
        if (
          value.dtype !== 'float32' ||
          gradient.dtype !== 'float32' ||
          gradient.size !== value.size
        )
          throw new Error(`Adam: the gradient of ${name} does not match the variable`);
        const m = self.accumulatedFirstMoment[i]!.variable;
        const v = self.accumulatedSecondMoment[i]!.variable;
        slots.push({ w: value, g: gradient, m, v });
      });
      if (slots.length > 0) {
        const inputs: tf.NamedTensorMap = { acc1: self.accBeta1, acc2: self.accBeta2 };
        slots.forEach((s, i) =>
          Object.assign(inputs, { [`w${i}`]: s.w, [`g${i}`]: s.g, [`m${i}`]: s.m, [`v${i}`]: s.v }),
        );
        const attrs: FusedAdamAttrs = { ...constants, count: slots.length };
        const out = tf
          .engine()
          .runKernel<tf.Tensor[]>(FUSED_ADAM, inputs, attrs as unknown as tf.NamedAttrMap);
        slots.forEach((s, i) => {
          s.m.assign(out[3 * i + 1]!);
          s.v.assign(out[3 * i + 2]!);
          s.w.assign(out[3 * i]!);
        });
        self.accBeta1.assign(out[3 * slots.length]!);
        self.accBeta2.assign(out[3 * slots.length + 1]!);
      } else {
        self.accBeta1.assign(tf.mul(self.accBeta1, this.beta1));
        self.accBeta2.assign(tf.mul(self.accBeta2, this.beta2));
      }
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
