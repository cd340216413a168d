/**
 * What the app's JavaScript kernels use of the cpu and WASM backends, whose
 * tensors are typed arrays in the CPU's memory: both read a copy out, cpu
 * makes an output from values, WASM writes them into its heap.
 */
import type * as tf from '@tensorflow/tfjs';

interface HostBackend {
  readSync(dataId: tf.DataId): Float32Array;
  makeTensorInfo?(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
  makeOutput?(
    shape: number[],
    dtype: tf.DataType,
    at: undefined,
    values: Float32Array,
  ): tf.TensorInfo;
}

/** A float32 tensor's values. */
export const readValues = (backend: unknown, t: tf.TensorInfo): Float32Array =>
  (backend as HostBackend).readSync(t.dataId);

/** An output tensor holding `values`. */
export function outputOf(backend: unknown, shape: number[], values: Float32Array): tf.TensorInfo {
  const b = backend as HostBackend;
  if (b.makeTensorInfo) return b.makeTensorInfo(shape, 'float32', values);
  if (b.makeOutput) return b.makeOutput(shape, 'float32', undefined, values);
  throw new Error('this backend cannot take values from JavaScript');
}
