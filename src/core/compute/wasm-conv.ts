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
import { shippedBehind, wrapKernel } from './kernel-swap';

/** The attributes tfjs gives both convolution gradient kernels. */
interface ConvGradAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | unknown;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

interface FilterGradAttrs extends ConvGradAttrs {
  filterShape: [number, number, number, number];
}

type Kernel = NonNullable<ReturnType<typeof tf.getKernel>>['kernelFunc'];

/**
 * Runs backend kernels by name inside one of the app's kernels, keeping what
 * they make; `free` disposes all of it (the result is made outside `run`).
 */
function scratch(backendName: string, backend: tf.KernelBackend) {
  const made: tf.TensorInfo[] = [];
  return {
    run(name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap): tf.TensorInfo {
      const t = tf
        .getKernel(name, backendName)!
        .kernelFunc({ inputs, attrs, backend }) as tf.TensorInfo;
      made.push(t);
      return t;
    },
    free(): void {
      for (const t of made) backend.disposeData(t.dataId);
    },
  };
}

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
      const { run, free } = scratch(backendName, backend);
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
        free();
      }
    },
  });
  return true;
}

interface InputGradAttrs extends ConvGradAttrs {
  inputShape: [number, number, number, number];
}

/**
 * Routes WASM's Conv2DBackpropInput (the input gradient of every convolution,
 * and the forward pass of every transposed one) through its XNNPACK Conv2D:
 * dy spread out by the stride with zeros between, padded so the window lines
 * up, correlated with the filter turned 180° and its channels swapped. The
 * shipped kernel is a plain C loop several times slower. Cases it does not
 * cover (channels first, a rounding mode) go to the shipped kernel.
 */
export function useConvInputGradient(backendName: string): boolean {
  if (shippedBehind('Conv2DBackpropInput', backendName)) return true;
  const original = tf.getKernel('Conv2DBackpropInput', backendName);
  const needed = ['PadV2', 'Slice', 'Reshape', 'Reverse', 'Transpose', 'Conv2D'];
  if (!original || needed.some((k) => !tf.getKernel(k, backendName))) return false;
  const kernel = (name: string): Kernel => tf.getKernel(name, backendName)!.kernelFunc;
  const shipped = original.kernelFunc;
  wrapKernel(original, (args) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as InputGradAttrs;
    const backend = args.backend as tf.KernelBackend;
    if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC' || attrs.dimRoundingMode != null)
      return shipped(args);
    const info = tf.backend_util.computeConv2DInfo(
      attrs.inputShape,
      filter.shape as [number, number, number, number],
      attrs.strides,
      1,
      attrs.pad as 'same' | 'valid' | number,
    );
    const { batchSize, inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth } = info;
    const [kh, kw, , outC] = filter.shape as [number, number, number, number];
    const top = kh - 1 - info.padInfo.top;
    const left = kw - 1 - info.padInfo.left;
    // Rows the correlation needs: inHeight + kh - 1, of which the spread dy fills oh·s.
    const needH = inHeight + kh - 1;
    const needW = inWidth + kw - 1;
    if (top < 0 || left < 0) return shipped(args);
    const { run, free } = scratch(backendName, backend);
    try {
      const split = run(
        'Reshape',
        { x: dy },
        { shape: [batchSize, outHeight, 1, outWidth, 1, outC] },
      );
      const spreadOut = run(
        'PadV2',
        { x: split },
        {
          paddings: [
            [0, 0],
            [0, 0],
            [0, strideHeight - 1],
            [0, 0],
            [0, strideWidth - 1],
            [0, 0],
          ],
          constantValue: 0,
        },
      );
      const spread = run(
        'Reshape',
        { x: spreadOut },
        { shape: [batchSize, outHeight * strideHeight, outWidth * strideWidth, outC] },
      );
      // Pad to at least the needed size, then cut exactly to it (the spread may run over).
      const framed = run(
        'PadV2',
        { x: spread },
        {
          paddings: [
            [0, 0],
            [top, Math.max(0, needH - top - outHeight * strideHeight)],
            [left, Math.max(0, needW - left - outWidth * strideWidth)],
            [0, 0],
          ],
          constantValue: 0,
        },
      );
      const cut = run(
        'Slice',
        { x: framed },
        { begin: [0, 0, 0, 0], size: [batchSize, needH, needW, outC] },
      );
      const turned = run('Reverse', { x: filter }, { dims: [0, 1] });
      const swapped = run('Transpose', { x: turned }, { perm: [0, 1, 3, 2] });
      return kernel('Conv2D')({
        inputs: { x: cut, filter: swapped },
        attrs: { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] },
        backend,
      }) as tf.TensorInfo;
    } finally {
      free();
    }
  });
  return true;
}
