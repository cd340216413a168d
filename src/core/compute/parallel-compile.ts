/**
 * GPU programs compiled together before they first run. tfjs's WebGPU
 * backend compiles a program's pipeline when a kernel first needs it, one at
 * a time and blocking (createComputePipeline): a DCGAN's first step waits on
 * 77 of them. With WEBGPU_ENGINE_COMPILE_ONLY set, kernels only ask for
 * their pipelines, with createComputePipelineAsync, and nothing runs; the
 * driver compiles them side by side, and a real run afterwards finds every
 * one in the backend's cache (pipelines are keyed by program and shapes, not
 * by the tensors they ran on).
 *
 * Kernels in this mode leave their outputs unwritten, so `run` must work on
 * tensors nothing else will read: a twin of the model, thrown away after.
 *
 * Measured on SwiftShader (the DCGAN, 2 cores): its 77 pipelines took 6.2
 * s compiled as the first step went and 6.2-7.1 s compiled ahead, so a
 * software adapter builds them one at a time either way and the twin's
 * step is extra work. Jobs compile ahead only where activate.ts says the
 * adapter is hardware (`compileAheadPays`); not yet measured on one.
 */
import * as tf from '@tensorflow/tfjs';

const FLAG = 'WEBGPU_ENGINE_COMPILE_ONLY';

let pays = false;

/** Set when a backend starts: whether jobs should compile ahead (a hardware WebGPU adapter). */
export function setCompileAheadPays(value: boolean): void {
  pays = value;
}

/** Whether a job's warm-up should compile its programs ahead on the backend now running. */
export const compileAheadPays = (): boolean => pays && tf.getBackend() === 'webgpu';

interface CompilingBackend {
  checkCompileCompletionAsync(): Promise<void>;
}

/** The flag exists once tfjs-backend-webgpu is loaded; reading an unknown flag throws. */
function hasFlag(): boolean {
  try {
    tf.env().getBool(FLAG);
    return true;
  } catch {
    return false;
  }
}

function compilingBackend(): CompilingBackend | null {
  if (tf.getBackend() !== 'webgpu' || !hasFlag()) return null;
  const backend = tf.backend() as Partial<CompilingBackend>;
  return typeof backend.checkCompileCompletionAsync === 'function'
    ? (backend as CompilingBackend)
    : null;
}

/**
 * Runs `run` (in a tidy) compiling its GPU programs without running them,
 * and waits until every pipeline is built. False, and `run` not called,
 * where the backend compiles only as it goes (everything but WebGPU).
 */
export async function compileInParallel(run: () => void): Promise<boolean> {
  const backend = compilingBackend();
  if (!backend) return false;
  tf.env().set(FLAG, true);
  try {
    tf.tidy(run);
  } finally {
    tf.env().set(FLAG, false);
  }
  await backend.checkCompileCompletionAsync();
  return true;
}
