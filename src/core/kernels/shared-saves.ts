/**
 * The tensors a gradient will need, kept without running a kernel. tfjs's
 * engine keeps each tensor a recorded kernel saves for its gradient by
 * cloning it (Engine.clone): an Identity kernel and a tape node of its own
 * per saved tensor, a third of the toy GAN's kernels (47 of 159 a step).
 * Every Identity the app trains with is a second reference to the same data
 * (tfjs's on cpu and WebGPU, the app's on WASM: wasm-copies.ts), and the
 * clone's tape node lies on no path from a variable to a loss, since nothing
 * forward reads the clone. So the reference is made directly: the data
 * counted once more, the tensor tracked in the current scope and kept, as
 * the clone was. String tensors (never saved by the models here) go the
 * shipped way.
 */
import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs's Engine this reaches into (not in its public types). */
interface EngineInternals {
  state: { tensorInfo: Map<object, { backend: tf.KernelBackend }> };
  makeTensorFromTensorInfo(info: tf.TensorInfo, backend: tf.KernelBackend): tf.Tensor;
  keep<T extends tf.Tensor>(t: T): T;
  saveTensorsForBackwardMode(tensors: tf.Tensor[]): tf.Tensor[];
}

type Save = EngineInternals['saveTensorsForBackwardMode'];
/** Where the shipped method is kept once replaced (global: the bench loads modules twice). */
const SHIPPED = Symbol.for('demandlab.shippedSaves');
type EngineProto = EngineInternals & { [SHIPPED]?: Save };

function engineProto(): EngineProto {
  return Object.getPrototypeOf(tf.engine()) as EngineProto;
}

/**
 * Replaces the engine's way of saving tensors for gradients (once); false
 * when this tfjs lacks the methods it builds on (then nothing changes).
 */
export function useSharedSaves(): boolean {
  const proto = engineProto();
  if (proto[SHIPPED]) return true;
  const shipped = proto.saveTensorsForBackwardMode;
  if (typeof shipped !== 'function' || typeof proto.makeTensorFromTensorInfo !== 'function')
    return false;
  proto[SHIPPED] = shipped;
  proto.saveTensorsForBackwardMode = function (this: EngineInternals, tensors) {
    return tensors.map((t) => {
      const info = this.state.tensorInfo.get(t.dataId);
      if (!info || t.dtype === 'string') return shipped.call(this, [t])[0]!;
      const y = this.makeTensorFromTensorInfo(t, info.backend);
      info.backend.incRef(t.dataId);
      return this.keep(y);
    });
  };
  return true;
}

/** Puts tfjs's own method back (tests compare the two). */
export function restoreSharedSaves(): void {
  const proto = engineProto();
  const shipped = proto[SHIPPED];
  if (!shipped) return;
  proto.saveTensorsForBackwardMode = shipped;
  delete proto[SHIPPED];
}
