/**
 * 2D convolutions and their gradients built from a backend's own simpler
 * kernels, for backends whose convolution kernels are slow or missing:
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

interface ForwardAttrs extends ConvAttrs {
  dilations?: [number, number] | number;
  activation?: unknown;
  leakyreluAlpha?: number;
}

interface FilterGradAttrs extends ConvAttrs {
  filterShape: [number, number, number, number];
}

/** Conv2DBackpropInput's attributes. */
export interface InputGradAttrs extends ConvAttrs {
  inputShape: [number, number, number, number];
}

export type Kernel = NonNullable<ReturnType<typeof tf.getKernel>>['kernelFunc'];
type Run = (name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap) => tf.TensorInfo;

/** A backend kernel by name, looked up per call: BatchMatMul and Conv2D may be wrapped later. */
const kernelOf = (backendName: string, name: string): Kernel =>
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
const PATCH_KERNELS = ['PadV2', 'Slice', 'Concat', 'Reshape'];

/** True when `backendName` has every kernel in `names`. */
export function hasKernels(backendName: string, names: readonly string[]): boolean {
  return names.every((k) => tf.getKernel(k, backendName) !== undefined);
}

/** The patch matrix of `x` for a convolution: [batch, outH, outW, kh·kw·inC], taps in filter order. */
function patches(run: Run, x: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { batchSize, outHeight, outWidth, strideHeight, strideWidth, padInfo } = info;
  const { filterHeight: kh, filterWidth: kw, inChannels: inC } = info;
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
        { x: patches(run, x, info) },
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
        { x: patches(run, inputs.x, info) },
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

/** The kernels the input gradient is built from. */
export const INPUT_GRADIENT_KERNELS = [...PATCH_KERNELS, 'Reverse', 'Transpose', 'Conv2D'];

/**
 * Conv2DBackpropInput as the backend's Conv2D. When the stride divides the
 * filter (the DCGANs' 4×4, stride 2), by stride phase ("sub-pixel"): the
 * rows and columns of dx with one remainder mod the stride see only every
 * s-th filter tap, so each phase is a stride-1 correlation of dy with that
 * sub-filter, turned 180° and its channels swapped; the phases interleave
 * into dx. Otherwise dy is spread out by the stride with zeros between and
 * correlated with the whole turned filter, which multiplies those zeros too
 * (three quarters of the work at stride 2). Channels first, a rounding mode
 * or padding wider than the filter go to `shipped`.
 */
export function inputGradientKernel(backendName: string, shipped: Kernel): Kernel {
  return (args) => {
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
    const byPhase =
      (strideHeight > 1 || strideWidth > 1) && kh % strideHeight === 0 && kw % strideWidth === 0;
    try {
      if (byPhase) return subPixelInputGradient(run, dy, filter, info, backendName, backend);
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
      return kernelOf(
        backendName,
        'Conv2D',
      )({
        inputs: { x: cut, filter: swapped },
        attrs: { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] },
        backend,
      }) as tf.TensorInfo;
    } finally {
      free();
    }
  };
}

/**
 * The input gradient by stride phase (see inputGradientKernel). With
 * Y = y + padTop = s·u + r, dx[b, y, ·, c] = Σ over t of
 * dy[b, u − t, ·, o] · W[r + s·t, ·, c, o], t < kh / s: a stride-1
 * correlation of dy, padded by kh/s − 1 in front, with the taps r, r + s, …
 * in reverse order. The phases' outputs [b, U, V, c] interleave into
 * [b, U·s, V·s, c], from which dx is cut at (padTop, padLeft).
 */
function subPixelInputGradient(
  run: Run,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  backendName: string,
  backend: tf.KernelBackend,
): tf.TensorInfo {
  const {
    batchSize,
    inHeight,
    inWidth,
    outHeight,
    outWidth,
    strideHeight: sh,
    strideWidth: sw,
  } = info;
  const { top, left } = info.padInfo;
  const [kh, kw, inC, outC] = filter.shape as [number, number, number, number];
  const th = kh / sh;
  const tw = kw / sw;
  // Phase rows u cover Y = top … top + inHeight − 1.
  const u = Math.ceil((top + inHeight) / sh);
  const v = Math.ceil((left + inWidth) / sw);
  let framed = run(
    'PadV2',
    { x: dy },
    {
      paddings: [
        [0, 0],
        [th - 1, Math.max(0, u - outHeight)],
        [tw - 1, Math.max(0, v - outWidth)],
        [0, 0],
      ],
      constantValue: 0,
    },
  );
  if (framed.shape[1] !== u + th - 1 || framed.shape[2] !== v + tw - 1) {
    framed = run(
      'Slice',
      { x: framed },
      { begin: [0, 0, 0, 0], size: [batchSize, u + th - 1, v + tw - 1, outC] },
    );
  }
  // Turned 180°, tap i' = t·s + q of the turned filter is tap s·(T − 1 − t) + (s − 1 − q).
  const turned = run('Reverse', { x: filter }, { dims: [0, 1] });
  const byRowPhase = run('Reshape', { x: turned }, { shape: [th, sh, kw * inC * outC] });
  const rowPhases: tf.TensorInfo[] = [];
  for (let r = 0; r < sh; r++) {
    const rows = run(
      'Slice',
      { x: byRowPhase },
      { begin: [0, sh - 1 - r, 0], size: [th, 1, kw * inC * outC] },
    );
    const byColPhase = run('Reshape', { x: rows }, { shape: [th, tw, sw, inC * outC] });
    const phases: tf.TensorInfo[] = [];
    for (let c = 0; c < sw; c++) {
      const taps = run(
        'Slice',
        { x: byColPhase },
        { begin: [0, 0, sw - 1 - c, 0], size: [th, tw, 1, inC * outC] },
      );
      const sub = run('Reshape', { x: taps }, { shape: [th, tw, inC, outC] });
      const swapped = run('Transpose', { x: sub }, { perm: [0, 1, 3, 2] });
      phases.push(
        run(
          'Conv2D',
          { x: framed, filter: swapped },
          { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] },
        ),
      );
    }
    // [b, u, v, s·c] holds the column phases in order; one row phase of [b, u, s, v·s·c].
    const cols =
      phases.length === 1
        ? phases[0]!
        : run('Concat', phases as unknown as tf.NamedTensorInfoMap, { axis: 3 });
    rowPhases.push(run('Reshape', { x: cols }, { shape: [batchSize, u, 1, v * sw * inC] }));
  }
  const woven =
    rowPhases.length === 1
      ? rowPhases[0]!
      : run('Concat', rowPhases as unknown as tf.NamedTensorInfoMap, { axis: 2 });
  const full = run('Reshape', { x: woven }, { shape: [batchSize, u * sh, v * sw, inC] });
  // Made outside `run`, so it outlives the caller's free().
  return kernelOf(
    backendName,
    'Slice',
  )({
    inputs: { x: full },
    attrs: { begin: [0, top, left, 0], size: [batchSize, inHeight, inWidth, inC] },
    backend,
  }) as tf.TensorInfo;
}
