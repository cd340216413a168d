import * as tf from '@tensorflow/tfjs';

/** True when `backendName` is a started tfjs WebGPU backend: the app's shaders run only there. */
export function isWebGpu(backendName: string): boolean {
  const backend = tf.findBackend(backendName) as { runWebGPUProgram?: unknown } | null;
  return typeof backend?.runWebGPUProgram === 'function';
}
