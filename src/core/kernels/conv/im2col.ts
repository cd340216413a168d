/**
 * 2D convolutions and their gradients built from a backend's own simpler
 * kernels (forward.ts, filter-gradient.ts, input-gradient.ts beside this one), for backends whose convolution kernels are slow or missing:
 *
 * - as matrix products over a patch matrix (im2col), for a backend whose
 *   products are fast: WebGPU on a software adapter (webgpu-conv.ts), where
 *   tfjs's convolution shaders crawl;
 * - as the backend's own Conv2D, for a backend whose convolution is fast
 *   but whose gradients are missing or slow: WASM (wasm-conv.ts), whose
 *   XNNPACK Conv2D then does the weight gradient (dilated by the stride)
 *   and the input gradient (by stride phase).
 *
 * The patch matrix: for each filter tap (kh, kw), the strided window of the
 * padded input that tap sees, [batch, outH, outW, inC], cut from the input's
 * stride phases with plain slices (WASM's StridedSlice is slow, about 80 ns
 * an element); the windows side by side along channels are the patches.
 */
import * as tf from '@tensorflow/tfjs';

/** The attributes tfjs gives 2D convolution kernels and both their gradients. */
export interface ConvAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | unknown;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export interface ForwardAttrs extends ConvAttrs {
  dilations?: [number, number] | number;
  activation?: unknown;
  leakyreluAlpha?: number;
}

export interface FilterGradAttrs extends ConvAttrs {
  filterShape: [number, number, number, number];
}

/** Conv2DBackpropInput's attributes. */
export interface InputGradAttrs extends ConvAttrs {
  inputShape: [number, number, number, number];
}

export type Kernel = NonNullable<ReturnType<typeof tf.getKernel>>['kernelFunc'];
export type Run = (
  name: string,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap,
) => tf.TensorInfo;

/** A backend kernel by name, looked up per call: BatchMatMul and Conv2D may be wrapped later. */
export const kernelOf = (backendName: string, name: string): Kernel =>
  tf.getKernel(name, backendName)!.kernelFunc;

/**
 * Runs backend kernels by name inside one of the app's kernels, keeping what
 * they make; `free` disposes all of it (the result is made outside `run`).
 */
export function scratch(backendName: string, backend: tf.KernelBackend) {
  const made: tf.TensorInfo[] = [];
  const run: Run = (name, inputs, attrs) => {
    const t = kernelOf(backendName, name)({ inputs, attrs, backend }) as tf.TensorInfo;
    made.push(t);
    return t;
  };
  return {
    run,
    free(): void {
      // Reshapes share data and count a reference, so every result is released once.
      for (const t of made) backend.disposeData(t.dataId);
    },
  };
}

/** The kernels the patch matrix is cut with. */
export const PATCH_KERNELS = ['PadV2', 'Slice', 'Concat', 'Reshape'];

/** True when `backendName` has every kernel in `names`. */
export function hasKernels(backendName: string, names: readonly string[]): boolean {
  return names.every((k) => tf.getKernel(k, backendName) !== undefined);
}

/**
 * A backend kernel that cuts the patch matrix in one pass, where a backend
 * registers one (webgpu/webgpu-im2col.ts); its attributes are `Im2colAttrs`.
 * Without it the patches are cut with slices, about 30 kernels for a 4×4
 * filter.
 */
export const IM2COL = 'DemandLabIm2col';

/** What the patch kernel needs of a convolution's geometry. */
export interface Im2colAttrs {
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

/** The patch matrix of `x` for a convolution: [batch, outH, outW, kh·kw·inC], taps in filter order. */
export function patches(
  run: Run,
  x: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  backendName: string,
): tf.TensorInfo {
  const { batchSize, outHeight, outWidth, strideHeight, strideWidth, padInfo } = info;
  const { filterHeight: kh, filterWidth: kw, inChannels: inC } = info;
  if (tf.getKernel(IM2COL, backendName)) {
    const attrs: Im2colAttrs = {
      outHeight,
      outWidth,
      filterHeight: kh,
      filterWidth: kw,
      strideHeight,
      strideWidth,
      padTop: padInfo.top,
      padLeft: padInfo.left,
    };
    return run(IM2COL, { x }, attrs as unknown as tf.NamedAttrMap);
  }
  // The padded input is split once into its stride phases (rows, then
  // columns, each a reshape and a slice), and tap (i, j) is a contiguous
  // window of phase (i mod s, j mod s).
  const up = (n: number, s: number) => Math.ceil(n / s) * s;
  const [, height, width] = x.shape as [number, number, number, number];
  const paddedH = up(
    Math.max(height + padInfo.top + padInfo.bottom, (outHeight - 1) * strideHeight + kh),
    strideHeight,
  );
  const paddedW = up(
    Math.max(width + padInfo.left + padInfo.right, (outWidth - 1) * strideWidth + kw),
    strideWidth,
  );
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
      const byCol = run('Reshape', { x: rows }, { shape: [batchSize * hs * ws, strideWidth, inC] });
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
  if (windows.length === 1) return windows[0]!;
  return run('Concat', windows as unknown as tf.NamedTensorInfoMap, { axis: 3 });
}
