/**
 * Conv2DBackpropFilter, the weight gradient of a 2D convolution, in two
 * forms: an im2col product (for fast products) and the backend's own Conv2D
 * dilated by the stride (for a fast convolution).
 */
import * as tf from '@tensorflow/tfjs';
import {
  PATCH_KERNELS,
  kernelOf,
  patches,
  scratch,
  type FilterGradAttrs,
  type Kernel,
} from './im2col';

/** What both weight-gradient forms work from. */
interface FilterGradientCall {
  x: tf.TensorInfo;
  dy: tf.TensorInfo;
  attrs: FilterGradAttrs;
  backend: tf.KernelBackend;
  info: tf.backend_util.Conv2DInfo;
}

/**
 * A Conv2DBackpropFilter kernel that hands channels-last calls, with their
 * geometry, to `form`. Channels first goes to `shipped`, where the backend
 * has one.
 */
function filterGradientForm(
  backendName: string,
  shipped: Kernel | undefined,
  form: (call: FilterGradientCall) => tf.TensorInfo,
): Kernel {
  return (args) => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const attrs = args.attrs as unknown as FilterGradAttrs;
    if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') {
      if (shipped) return shipped(args);
      throw new Error(`Conv2DBackpropFilter on ${backendName} supports channels last only`);
    }
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      attrs.filterShape,
      attrs.strides,
      1,
      attrs.pad as 'same' | 'valid' | number,
      attrs.dimRoundingMode,
    );
    return form({ x, dy, attrs, backend: args.backend as tf.KernelBackend, info });
  };
}

/** The kernels the filter gradient is built from. */
export const FILTER_GRADIENT_KERNELS = [...PATCH_KERNELS, 'BatchMatMul', 'Transpose'];

/**
 * Conv2DBackpropFilter as one product: dyᵀ · patches = [outC, kh·kw·inC],
 * turned to the filter's layout. Channels first goes to `shipped`, where
 * the backend has one.
 */
export function filterGradientKernel(backendName: string, shipped?: Kernel): Kernel {
  return filterGradientForm(backendName, shipped, ({ x, dy, attrs, backend, info }) => {
    const [kh, kw, inC, outC] = attrs.filterShape;
    const rows = info.batchSize * info.outHeight * info.outWidth;
    const { run, free } = scratch(backendName, backend);
    try {
      const cols = run(
        'Reshape',
        { x: patches(run, x, info, backendName) },
        { shape: [1, rows, kh * kw * inC] },
      );
      const grads = run('Reshape', { x: dy }, { shape: [1, rows, outC] });
      const product = run(
        'BatchMatMul',
        { a: grads, b: cols },
        { transposeA: true, transposeB: false },
      );
      const flat = run('Reshape', { x: product }, { shape: [outC, kh * kw * inC] });
      const swapped = run('Transpose', { x: flat }, { perm: [1, 0] });
      // The result must outlive the intermediates: it is the one not freed below.
      return kernelOf(
        backendName,
        'Reshape',
      )({
        inputs: { x: swapped },
        attrs: { shape: attrs.filterShape },
        backend,
      }) as tf.TensorInfo;
    } finally {
      free();
    }
  });
}

/** The kernels the weight gradient as a dilated convolution is built from. */
export const FILTER_GRADIENT_BY_CONV_KERNELS = ['PadV2', 'Slice', 'Transpose', 'Conv2D'];

/**
 * Conv2DBackpropFilter as the backend's own Conv2D, for a backend whose
 * convolution is fast (WASM's XNNPACK): the weight gradient is itself a
 * convolution of the input, channels moved to the batch axis, with dy as
 * the filter, dilated by the stride:
 * dW[i, j, c, o] = Σ over b, p, q of x[b, p·s + i, q·s + j, c] · dy[b, p, q, o].
 * No patch matrix is cut, which on WASM costs more than the product (its
 * Slice and Concat took 200 of a 675 ms DCGAN step). Channels first goes to
 * `shipped`, where the backend has one.
 */
export function filterGradientByConvKernel(backendName: string, shipped?: Kernel): Kernel {
  return filterGradientForm(backendName, shipped, ({ x, dy, attrs, backend, info }) => {
    const { batchSize, inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth } = info;
    const { top, left } = info.padInfo;
    const [kh, kw, inC] = attrs.filterShape;
    // Exactly the rows and columns the taps reach: (out − 1)·s + k.
    const needH = (outHeight - 1) * strideHeight + kh;
    const needW = (outWidth - 1) * strideWidth + kw;
    const { run, free } = scratch(backendName, backend);
    try {
      let framed = run(
        'PadV2',
        { x },
        {
          paddings: [
            [0, 0],
            [top, Math.max(0, needH - inHeight - top)],
            [left, Math.max(0, needW - inWidth - left)],
            [0, 0],
          ],
          constantValue: 0,
        },
      );
      if (framed.shape[1] !== needH || framed.shape[2] !== needW) {
        framed = run(
          'Slice',
          { x: framed },
          { begin: [0, 0, 0, 0], size: [batchSize, needH, needW, inC] },
        );
      }
      const channelsAsBatch = run('Transpose', { x: framed }, { perm: [3, 1, 2, 0] });
      const dyAsFilter = run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
      const product = run(
        'Conv2D',
        { x: channelsAsBatch, filter: dyAsFilter },
        {
          strides: [1, 1],
          pad: 'valid',
          dataFormat: 'NHWC',
          dilations: [strideHeight, strideWidth],
        },
      );
      // [inC, kh, kw, outC] to the filter's [kh, kw, inC, outC]; made outside `run`, so it outlives free().
      return kernelOf(
        backendName,
        'Transpose',
      )({
        inputs: { x: product },
        attrs: { perm: [1, 2, 0, 3] },
        backend,
      }) as tf.TensorInfo;
    } finally {
      free();
    }
  });
}
