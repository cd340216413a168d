/**
 * The gradients of ReLU and leaky ReLU in one pass on WASM. tfjs builds
 * them from three kernels each (leaky: Greater, Multiply, Select; ReLU:
 * Step, Cast, Multiply), three passes over the activations and two
 * temporaries: 9% of the DCGAN's step on one thread. The same products in
 * one SIMD loop here (gemm/loops-module.ts), so the gradients are the very
 * numbers tfjs computes.
 *
 * The gradients are registered for every backend (tfjs keeps one gradient
 * per kernel name); where the running backend lacks the fused kernel they
 * are tfjs's own.
 */
import * as tf from '@tensorflow/tfjs';
import type { LoopsExports } from './gemm/loops-module';
import { addressOf, heapLoops, wasmHeap, type WasmBackend } from './wasm-heap';

/** The fused kernel's name: inputs dy and x, attributes alpha and relu. */
export const ACTIVATION_GRAD = 'DemandLabActivationGrad';

interface GradAttrs {
  /** leaky ReLU's slope below zero. */
  alpha: number;
  /** ReLU: dy · step(x), where tfjs's step keeps NaN. */
  relu: boolean;
}

/** Marks the gradients installed here, so a second install does not stack them. */
const FUSED = Symbol.for('demandlab.fusedActivationGrad');
type GradFunc = tf.GradConfig['gradFunc'] & { [FUSED]?: true };

function activationGrad(loops: LoopsExports): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as unknown as WasmBackend;
    const { dy, x } = args.inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
    const { alpha, relu } = args.attrs as unknown as GradAttrs;
    const out = backend.makeOutput([...x.shape], 'float32');
    const at = (t: tf.TensorInfo) => addressOf(backend, t);
    loops.activationGrad(
      at(dy),
      at(x),
      at(out),
      tf.util.sizeFromShape(x.shape),
      alpha,
      relu ? 1 : 0,
    );
    return out;
  };
}

/** Replaces kernelName's gradient with one that runs the fused kernel where the backend has it. */
function fuseGradient(kernelName: 'Relu' | 'LeakyRelu'): void {
  const original = tf.getGradient(kernelName);
  if (!original || (original.gradFunc as GradFunc)[FUSED]) return;
  const gradFunc: GradFunc = (dy, saved, attrs) => {
    if (!tf.getKernel(ACTIVATION_GRAD, tf.getBackend()) || (dy as tf.Tensor).dtype !== 'float32')
      return original.gradFunc(dy, saved, attrs);
    const [x] = saved as tf.Tensor[];
    const alpha = kernelName === 'LeakyRelu' ? (attrs as { alpha: number }).alpha : 0;
    const fused: GradAttrs = { alpha, relu: kernelName === 'Relu' };
    return {
      x: () =>
        tf
          .engine()
          .runKernel(
            ACTIVATION_GRAD,
            { dy: dy as tf.Tensor, x: x! },
            fused as unknown as tf.NamedAttrMap,
          ) as tf.Tensor,
    };
  };
  gradFunc[FUSED] = true;
  tf.registerGradient({ ...original, gradFunc });
}

/** Registers the fused kernel on a WASM backend and the gradients that use it (once); false without the heap. */
export async function useFusedActivationGrad(backendName = 'wasm'): Promise<boolean> {
  const heap = wasmHeap(backendName);
  if (!heap) return false;
  if (!tf.getKernel(ACTIVATION_GRAD, backendName)) {
    const loops = await heapLoops(heap.memory);
    if (!loops) return false;
    tf.registerKernel({
      kernelName: ACTIVATION_GRAD,
      backendName,
      kernelFunc: activationGrad(loops),
    });
  }
  fuseGradient('Relu');
  fuseGradient('LeakyRelu');
  return true;
}
