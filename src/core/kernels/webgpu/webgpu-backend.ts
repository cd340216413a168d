/**
 * What the app's own WebGPU kernels share: knowing a WebGPU backend, and the
 * frame of an element-wise program (one invocation per output element).
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

/** True when `backendName` is a started tfjs WebGPU backend: the app's shaders run only there. */
export function isWebGpu(backendName: string): boolean {
  const backend = tf.findBackend(backendName) as { runWebGPUProgram?: unknown } | null;
  return typeof backend?.runWebGPUProgram === 'function';
}

/**
 * A program with one invocation per element of its output, by flat index
 * (`fn main(index : i32)`, bounded by `uniforms.size`); tfjs spreads a
 * dispatch too long for one dimension over more.
 */
export abstract class ElementwiseProgram implements WebGPUProgram {
  abstract readonly variableNames: string[];
  abstract readonly shaderKey: string;
  readonly workgroupSize: [number, number, number] = [64, 1, 1];
  readonly dispatchLayout: { x: number[] };
  readonly dispatch: [number, number, number];
  readonly size = true;

  constructor(readonly outputShape: number[]) {
    this.dispatchLayout = { x: outputShape.map((_, i) => i) };
    this.dispatch = [Math.ceil(tf.util.sizeFromShape(outputShape) / this.workgroupSize[0]), 1, 1];
  }

  abstract getUserCode(): string;
}

/** The body of an element-wise program: `code` sets `value` for element `index`. */
export const elementwiseMain = (code: string): string => `
    fn main(index : i32) {
      if (index < uniforms.size) {
        var value = 0.0;
        ${code}
        result[index] = value;
      }
    }`;
