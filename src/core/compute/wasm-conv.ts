/**
 * Convolutional training on the WASM backend. tfjs-backend-wasm 4.22 has no
 * Conv2DBackpropFilter, the weight gradient of every 2D convolution (and of
 * every transposed one), so the DCGAN and the conditional GAN could not train
 * there. (Its Conv3DBackpropFilterV2 looks like a way in, with depth 1, but it
 * gives wrong sums for strides above 1: a hand-computed 2×2 case tells.)
 *
 * This registers the kernel from ones WASM has, as the definition reads: for
 * each filter tap (kh, kw), the strided window of the padded input that tap
 * sees, [batch·outH·outW, inC], times dy, [batch·outH·outW, outC], summed over
 * the rows: a [inC, outC] product. The taps are stacked into the filter's
 * shape. A unit test compares the result with tfjs's cpu backend.
 */
import * as tf from '@tensorflow/tfjs';

interface FilterGradAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | unknown;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

type Kernel = NonNullable<ReturnType<typeof tf.getKernel>>['kernelFunc'];

/**
 * Registers Conv2DBackpropFilter for `backendName` (once) when it lacks one
 * and has the kernels it is built from. Returns whether the backend has the
 * kernel afterwards.
 */
export function useConvFilterGradient(backendName: string): boolean {
  if (tf.getKernel('Conv2DBackpropFilter', backendName)) return true;
  const needed = ['PadV2', 'StridedSlice', 'Reshape', 'BatchMatMul', 'Pack'];
  if (needed.some((k) => !tf.getKernel(k, backendName))) return false;
  // Looked up per call: BatchMatMul may be wrapped later (wasm-matmul.ts).
  const kernel = (name: string): Kernel => tf.getKernel(name, backendName)!.kernelFunc;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName,
    kernelFunc: (args) => {
      const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const attrs = args.attrs as unknown as FilterGradAttrs;
      const backend = args.backend as tf.KernelBackend;
      if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC')
        throw new Error(`Conv2DBackpropFilter on ${backendName} supports channels last only`);
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        attrs.filterShape,
        attrs.strides,
        1,
        attrs.pad as 'same' | 'valid' | number,
        attrs.dimRoundingMode,
      );
      const { batchSize, outHeight, outWidth, strideHeight, strideWidth, padInfo } = info;
      const [kh, kw, inC, outC] = attrs.filterShape;
      const rows = batchSize * outHeight * outWidth;
      const made: tf.TensorInfo[] = [];
      const run = (name: string, inputs: tf.NamedTensorInfoMap, a: tf.NamedAttrMap) => {
        const t = kernel(name)({ inputs, attrs: a, backend }) as tf.TensorInfo;
        made.push(t);
        return t;
      };
      try {
        const padded = run(
          'PadV2',
          { x },
          {
            paddings: [
              [0, 0],
              [padInfo.top, padInfo.bottom],
              [padInfo.left, padInfo.right],
              [0, 0],
            ],
            constantValue: 0,
          },
        );
        const grads = run('Reshape', { x: dy }, { shape: [1, rows, outC] });
        const taps: tf.TensorInfo[] = [];
        for (let i = 0; i < kh; i++) {
          for (let j = 0; j < kw; j++) {
            const window = run(
              'StridedSlice',
              { x: padded },
              {
                begin: [0, i, j, 0],
                end: [
                  batchSize,
                  i + (outHeight - 1) * strideHeight + 1,
                  j + (outWidth - 1) * strideWidth + 1,
                  inC,
                ],
                strides: [1, strideHeight, strideWidth, 1],
                beginMask: 0,
                endMask: 0,
                ellipsisMask: 0,
                newAxisMask: 0,
                shrinkAxisMask: 0,
              },
            );
            const flat = run('Reshape', { x: window }, { shape: [1, rows, inC] });
            taps.push(
              run('BatchMatMul', { a: flat, b: grads }, { transposeA: true, transposeB: false }),
            );
          }
        }
        const stacked = run('Pack', taps as unknown as tf.NamedTensorInfoMap, { axis: 0 });
        // The result must outlive the intermediates: it is the one not disposed below.
        return kernel('Reshape')({
          inputs: { x: stacked },
          attrs: { shape: attrs.filterShape },
          backend,
        }) as tf.TensorInfo;
      } finally {
        // Reshapes share data and count a reference, so every result is released once.
        for (const t of made) backend.disposeData(t.dataId);
      }
    },
  });
  return true;
}
