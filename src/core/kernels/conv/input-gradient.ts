/**
 * Conv2DBackpropInput (also the forward pass of every transposed
 * convolution) as the backend's own Conv2D.
 */
import * as tf from '@tensorflow/tfjs';
import {
  PATCH_KERNELS,
  kernelOf,
  scratch,
  type InputGradAttrs,
  type Kernel,
  type Run,
} from './im2col';

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
