/**
 * Conv2D and FusedConv2D as an im2col product, with the bias and the
 * activation fused into the product where the backend's _FusedMatMul can.
 */
import * as tf from '@tensorflow/tfjs';
import {
  PATCH_KERNELS,
  kernelOf,
  patches,
  scratch,
  type ForwardAttrs,
  type Kernel,
} from './im2col';

/** The kernels the forward convolution is built from. */
export const FORWARD_KERNELS = [...PATCH_KERNELS, 'BatchMatMul', '_FusedMatMul'];

/**
 * Conv2D, or FusedConv2D (`fused`), as patches · filter, with the bias and
 * activation fused into the product. Dilations, channels first and PReLU go
 * to `shipped`.
 */
export function forwardKernel(backendName: string, shipped: Kernel, fused: boolean): Kernel {
  return (args) => {
    const inputs = args.inputs as {
      x: tf.TensorInfo;
      filter: tf.TensorInfo;
      bias?: tf.TensorInfo;
      preluActivationWeights?: tf.TensorInfo;
    };
    const attrs = args.attrs as unknown as ForwardAttrs;
    const dilations = attrs.dilations ?? 1;
    const undilated = Array.isArray(dilations) ? dilations.every((d) => d === 1) : dilations === 1;
    if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC' || !undilated || inputs.preluActivationWeights)
      return shipped(args);
    const [kh, kw, inC, outC] = inputs.filter.shape as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(
      inputs.x.shape as [number, number, number, number],
      [kh, kw, inC, outC],
      attrs.strides,
      1,
      attrs.pad as 'same' | 'valid' | number,
      attrs.dimRoundingMode,
    );
    const backend = args.backend as tf.KernelBackend;
    const rows = info.batchSize * info.outHeight * info.outWidth;
    const { run, free } = scratch(backendName, backend);
    try {
      const cols = run(
        'Reshape',
        { x: patches(run, inputs.x, info, backendName) },
        { shape: [1, rows, kh * kw * inC] },
      );
      const weights = run('Reshape', { x: inputs.filter }, { shape: [1, kh * kw * inC, outC] });
      const activation = fused ? ((attrs.activation as string | undefined) ?? 'linear') : 'linear';
      const product =
        inputs.bias || activation !== 'linear'
          ? run(
              '_FusedMatMul',
              { a: cols, b: weights, ...(inputs.bias ? { bias: inputs.bias } : {}) },
              {
                transposeA: false,
                transposeB: false,
                activation,
                leakyreluAlpha: attrs.leakyreluAlpha ?? 0.2,
              },
            )
          : run('BatchMatMul', { a: cols, b: weights }, { transposeA: false, transposeB: false });
      return kernelOf(
        backendName,
        'Reshape',
      )({
        inputs: { x: product },
        attrs: { shape: [info.batchSize, info.outHeight, info.outWidth, outC] },
        backend,
      }) as tf.TensorInfo;
    } finally {
      free();
    }
  };
}
