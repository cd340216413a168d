/**
 * Adam on WebGPU in three dispatches per variable (and one for each power of β). tfjs's AdamOptimizer
 * runs each multiply, add, square, divide and square root of the update as
 * a kernel of its own: 14 dispatches per variable, so for the article GAN's
 * 16 variables about two thirds of its step's dispatches. On a GPU each
 * dispatch costs tens of microseconds whatever its size, so the optimizer,
 * not the products, set the step's floor for small models.
 *
 * Here the new first moment, the new second moment and the new weights are
 * one shader each (a shader writes one output in tfjs's WebGPU backend),
 * each element by the same float32 operations in the same order as tfjs's
 * ops. Registered under FUSED_ADAM, which the app's optimizer
 * (../fused-adam.ts) runs where a backend has it.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { adamConstants, adamSlots, FUSED_ADAM, type FusedAdamAttrs } from '../fused-adam';
import { ElementwiseProgram, elementwiseMain, isWebGpu } from './webgpu-backend';

type Part = 'm' | 'v' | 'w' | 'acc1' | 'acc2';

/** Each part's inputs and its element, as tfjs's ops compute it (adam_optimizer.ts). */
const PARTS: Record<Part, { inputs: string[]; code: string }> = {
  // add(mul(m, β1), mul(g, 1 − β1))
  m: {
    inputs: ['M', 'G'],
    code: `let a = M[index] * uniforms.beta1;
      let b = G[index] * uniforms.oneMinusBeta1;
      value = a + b;`,
  },
  // add(mul(v, β2), mul(square(g), 1 − β2))
  v: {
    inputs: ['V', 'G'],
    code: `let g = G[index];
      let a = V[index] * uniforms.beta2;
      let b = (g * g) * uniforms.oneMinusBeta2;
      value = a + b;`,
  },
  // add(mul(div(m / (1 − β1ᵗ), add(sqrt(v / (1 − β2ᵗ)), ε)), −rate), w), from the new m and v
  w: {
    inputs: ['W', 'M', 'V', 'Acc1', 'Acc2'],
    code: `let mHat = M[index] / (1.0 - Acc1[0]);
      let vHat = V[index] / (1.0 - Acc2[0]);
      let step = mHat / (sqrt(vHat) + uniforms.epsilon);
      let change = step * uniforms.minusRate;
      value = change + W[index];`,
  },
  // β1ᵗ⁺¹ = mul(β1ᵗ, β1) and β2ᵗ⁺¹ = mul(β2ᵗ, β2)
  acc1: { inputs: ['Acc'], code: 'value = Acc[index] * uniforms.beta1;' },
  acc2: { inputs: ['Acc'], code: 'value = Acc[index] * uniforms.beta2;' },
};

class AdamPartProgram extends ElementwiseProgram {
  readonly variableNames: string[];
  readonly uniforms =
    'beta1 : f32, oneMinusBeta1 : f32, beta2 : f32, oneMinusBeta2 : f32, minusRate : f32, epsilon : f32,';
  readonly shaderKey: string;

  // Element i of every input and of the result is element i of the variable.
  constructor(
    private readonly part: Part,
    shape: number[],
  ) {
    super(shape);
    this.variableNames = PARTS[part].inputs;
    this.shaderKey = `demandlabAdam_${part}`;
  }

  getUserCode(): string {
    return elementwiseMain(PARTS[this.part].code);
  }
}

/** Registers FUSED_ADAM for a WebGPU backend (once); false unless it is a started WebGPU backend. */
export function useWebGpuAdam(backendName = 'webgpu'): boolean {
  if (tf.getKernel(FUSED_ADAM, backendName)) return true;
  if (!isWebGpu(backendName)) return false;
  tf.registerKernel({
    kernelName: FUSED_ADAM,
    backendName,
    kernelFunc: (args) => {
      const backend = args.backend as unknown as WebGPUBackend;
      const a = args.attrs as unknown as FusedAdamAttrs;
      const inputs = args.inputs as Record<string, tf.TensorInfo>;
      const uniforms = adamConstants(a).map((c) => ({ type: 'float32', data: [c] }));
      const run = (part: Part, shape: number[], parts: tf.TensorInfo[]) =>
        backend.runWebGPUProgram(new AdamPartProgram(part, shape), parts, 'float32', uniforms);
      const [acc1, acc2] = [inputs['acc1']!, inputs['acc2']!];
      const updated = adamSlots(inputs, a.count).flatMap(({ w, g, m, v }) => {
        const m2 = run('m', w.shape, [m, g]);
        const v2 = run('v', w.shape, [v, g]);
        return [run('w', w.shape, [w, m2, v2, acc1, acc2]), m2, v2];
      });
      return [...updated, run('acc1', [], [acc1]), run('acc2', [], [acc2])];
    },
  });
  return true;
}
