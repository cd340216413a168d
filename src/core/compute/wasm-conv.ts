/**
 * Convolutional training on the WASM backend. tfjs-backend-wasm 4.22 has no
 * Conv2DBackpropFilter, the weight gradient of every 2D convolution (and of
 * every transposed one), so the DCGAN and the conditional GAN could not train
 * there. (Its Conv3DBackpropFilterV2 looks like a way in, with depth 1, but it
 * gives wrong sums for strides above 1: a hand-computed 2×2 case tells.)
 *
 * This registers the kernel from ones WASM has, as im2col: for each filter
 * tap (kh, kw), the strided window of the padded input that tap sees
 * (cut from the input's stride phases with plain slices),
 * [batch·outH·outW, inC]; the windows side by side make the patch matrix,
 * and dyᵀ times it, summed over the rows, is the whole filter gradient in one
 * product. A unit test compares the result with tfjs's cpu backend.
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
  const needed = ['PadV2', 'Slice', 'Concat', 'Reshape', 'BatchMatMul', 'Transpose'];
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
        // WASM's StridedSlice is slow (about 80 ns an element), so the strided
        // windows come from plain slices: the padded input is split once into
        // its stride phases (rows, then columns, each a reshape and a slice),
        // and tap (i, j) is a contiguous window of phase (i mod s, j mod s).
        const up = (n: number, s: number) => Math.ceil(n / s) * s;
        const [, height, width] = x.shape as [number, number, number, number];
        const paddedH = up(height + padInfo.top + padInfo.bottom, strideHeight);
        const paddedW = up(width + padInfo.left + padInfo.right, strideWidth);
        const padded = run(
          'PadV2',
          { x },
          {
            paddings: [
              [0, 0],
              [padInfo.top, paddedH - height - padInfo.top],
              [padInfo.left, paddedW - width - padInfo.left],
              [0, 0],
            ],
            constantValue: 0,
          },
        );
        const hs = paddedH / strideHeight;
        const ws = paddedW / strideWidth;
        const slice = (t: tf.TensorInfo, begin: number[], size: number[]) =>
          run('Slice', { x: t }, { begin, size });
        const phases = new Map<string, tf.TensorInfo>();
        const phase = (pi: number, pj: number): tf.TensorInfo => {
          const key = `${pi},${pj}`;
          let p = phases.get(key);
          if (!p) {
            const byRow = run(
              'Reshape',
              { x: padded },
              { shape: [batchSize * hs, strideHeight, paddedW * inC] },
            );
            const rows = slice(byRow, [0, pi, 0], [batchSize * hs, 1, paddedW * inC]);
            const byCol = run(
              'Reshape',
              { x: rows },
              { shape: [batchSize * hs * ws, strideWidth, inC] },
            );
            const cols = slice(byCol, [0, pj, 0], [batchSize * hs * ws, 1, inC]);
            p = run('Reshape', { x: cols }, { shape: [batchSize, hs, ws, inC] });
            phases.set(key, p);
          }
          return p;
        };
        const windows: tf.TensorInfo[] = [];
        for (let i = 0; i < kh; i++) {
          for (let j = 0; j < kw; j++) {
            windows.push(
              slice(
                phase(i % strideHeight, j % strideWidth),
                [0, Math.floor(i / strideHeight), Math.floor(j / strideWidth), 0],
                [batchSize, outHeight, outWidth, inC],
              ),
            );
          }
        }
        // im2col: the taps side by side, [rows, kh·kw·inC], then one product
        // dyᵀ·patches = [outC, kh·kw·inC], turned to the filter's layout.
        const patches = run(
          'Reshape',
          { x: run('Concat', windows as unknown as tf.NamedTensorInfoMap, { axis: 3 }) },
          { shape: [1, rows, kh * kw * inC] },
        );
        const grads = run('Reshape', { x: dy }, { shape: [1, rows, outC] });
        const product = run(
          'BatchMatMul',
          { a: grads, b: patches },
          { transposeA: true, transposeB: false },
        );
        const flat = run('Reshape', { x: product }, { shape: [outC, kh * kw * inC] });
        const swapped = run('Transpose', { x: flat }, { perm: [1, 0] });
        // The result must outlive the intermediates: it is the one not disposed below.
        return kernel('Reshape')({
          inputs: { x: swapped },
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
