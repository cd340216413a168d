/**
 * The WASM backend's 2D convolutions and both their gradients as products
 * through the app's GEMM kernel (wasm-gemm.ts), with its helper threads:
 *
 * - Conv2D and FusedConv2D: patches · filter, the bias and activation fused
 *   into the product (im2col);
 * - Conv2DBackpropFilter, the weight gradient: patchesᵀ · dy, the patches
 *   read transposed through the product's strides;
 * - Conv2DBackpropInput, the input gradient and every transposed
 *   convolution's forward pass: dy · filterᵀ, each row's taps added back
 *   where they came from (col2im).
 *
 * XNNPACK's convolution, which these replace (wasm-conv.ts builds the
 * gradients from it), runs the DCGAN's layers at about 10 GFLOP/s on one
 * thread; the GEMM multiplies at four times that. The patches and columns
 * are laid out in a scratch area of the heap, a block per call of the loops
 * module (gemm/loops-module.ts's im2col and col2im). Channels first, dilations, other dtypes and
 * activations the product lacks go to the kernel each replaces.
 */
import * as tf from '@tensorflow/tfjs';
import { ACTIVATION, type GemmActivation } from './gemm/gemm-module';
import { wrapOnce } from '../kernel-swap';
import type { ConvAttrs, FilterGradAttrs, ForwardAttrs, InputGradAttrs } from '../conv/im2col';
import { heapGemm, type HeapGemm } from './wasm-gemm';
import type { LoopsExports } from './gemm/loops-module';
import { addressOf, HeapArea, heapLoops, wasmHeap, type WasmBackend } from './wasm-heap';

type Shape4 = [number, number, number, number];
type Info = tf.backend_util.Conv2DInfo;

/** The geometry a block's im2col or col2im takes after its addresses and pixel range. */
const patchGeometry = (info: Info) =>
  [
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.strideHeight,
    info.strideWidth,
    info.filterHeight,
    info.filterWidth,
    info.padInfo.top,
    info.padInfo.left,
  ] as const;

/**
 * Output pixels per block of patch rows: about 256 KB of patches, which stay
 * in the core's cache while the product walks them once per panel of
 * columns (the whole patch matrix of D's second layer is 12.8 MB).
 */
export const blockPixels = (taps: number): number => Math.max(8, Math.floor(65536 / taps));

/** What every kernel here needs: the backend, its product kernel, a scratch area. */
interface Heap {
  backend: WasmBackend;
  gemm: HeapGemm;
  area: HeapArea;
}

/** What the kernels share: the backend's loops module (im2col and col2im). */
interface Shared {
  loops: LoopsExports;
}

/** Where a backend keeps the scratch area for patches and columns. */
const CONV_AREA = Symbol.for('demandlab.convArea');

function heapOf(backendName: string, backend: unknown): Heap | null {
  const gemm = heapGemm(backend);
  const heap = wasmHeap(backendName);
  if (!gemm || !heap) return null;
  const keep = backend as { [CONV_AREA]?: HeapArea };
  keep[CONV_AREA] ??= new HeapArea(heap.backend);
  return { backend: heap.backend, gemm, area: keep[CONV_AREA] };
}

/**
 * The geometry of a channels-last, undilated, float32 convolution; null for
 * any other, or when a gradient's `dy` is not the shape of its output.
 */
function geometry(
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: ConvAttrs & { dilations?: [number, number] | number },
  tensors: readonly tf.TensorInfo[],
  dy?: tf.TensorInfo,
): Info | null {
  const dilations = attrs.dilations ?? 1;
  const undilated = Array.isArray(dilations) ? dilations.every((d) => d === 1) : dilations === 1;
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC' || !undilated) return null;
  if (tensors.some((t) => t.dtype !== 'float32')) return null;
  if (xShape.length !== 4 || filterShape.length !== 4) return null;
  const info = tf.backend_util.computeConv2DInfo(
    xShape as Shape4,
    filterShape as Shape4,
    attrs.strides,
    1,
    attrs.pad as 'same' | 'valid' | number,
    attrs.dimRoundingMode,
  );
  return !dy || tf.util.arraysEqual(dy.shape, info.outShape) ? info : null;
}

/** Conv2D, or FusedConv2D (`fused`), as patches · filter (+ bias, activation). */
function forward(
  backendName: string,
  shared: Shared,
  fused: boolean,
  fallback: tf.KernelFunc,
): tf.KernelFunc {
  return (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<
      string,
      tf.TensorInfo | undefined
    >;
    const attrs = args.attrs as unknown as ForwardAttrs;
    const activation = fused ? ((attrs.activation as string | undefined) ?? 'linear') : 'linear';
    const heap = heapOf(backendName, args.backend);
    const info =
      heap && x && filter && !preluActivationWeights && activation in ACTIVATION
        ? geometry(x.shape, filter.shape, attrs, bias ? [x, filter, bias] : [x, filter])
        : null;
    if (!heap || !info || !x || !filter) return fallback(args);
    const { batchSize, outHeight, outWidth, outChannels: N } = info;
    if (bias && tf.util.sizeFromShape(bias.shape) !== N) return fallback(args);
    const M = batchSize * outHeight * outWidth;
    const K = info.filterHeight * info.filterWidth * info.inChannels;
    const out = heap.backend.makeOutput([batchSize, outHeight, outWidth, N], 'float32');
    const rows = Math.min(M, blockPixels(K));
    const cols = heap.area.reserve(rows * K * 4);
    const [xAt, outAt] = [addressOf(heap.backend, x), addressOf(heap.backend, out)];
    const biasAt = bias ? addressOf(heap.backend, bias) : 0;
    // Block by block: patches for `rows` output pixels, then their rows of the output.
    for (let p0 = 0; p0 < M; p0 += rows) {
      const n = Math.min(rows, M - p0);
      shared.loops.im2col(xAt, cols, p0, p0 + n, ...patchGeometry(info));
      heap.gemm.heapProduct({
        a: cols,
        ar: K * 4,
        ak: 4,
        // The filter is packed once, for the first block.
        b: p0 === 0 ? { src: addressOf(heap.backend, filter), sk: N, sn: 1 } : null,
        c: outAt + p0 * N * 4,
        cr: N * 4,
        cc: 4,
        M: n,
        K,
        N,
        bias: biasAt,
        activation: activation as GemmActivation,
        alpha: attrs.leakyreluAlpha ?? 0.2,
      });
    }
    return out;
  };
}

/** Conv2DBackpropFilter as patchesᵀ · dy: [kh·kw·inC, outC], the filter's layout. */
function filterGradient(
  backendName: string,
  shared: Shared,
  fallback: tf.KernelFunc | null,
): tf.KernelFunc {
  return (args) => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const attrs = args.attrs as unknown as FilterGradAttrs;
    const heap = heapOf(backendName, args.backend);
    const info = heap ? geometry(x.shape, attrs.filterShape, attrs, [x, dy], dy) : null;
    if (!heap || !info) {
      if (fallback) return fallback(args);
      throw new Error(`Conv2DBackpropFilter on ${backendName}: this case is not supported`);
    }
    const pixels = info.batchSize * info.outHeight * info.outWidth;
    const K = info.filterHeight * info.filterWidth * info.inChannels;
    const N = info.outChannels;
    const out = heap.backend.makeOutput([...attrs.filterShape], 'float32');
    const rows = Math.min(pixels, blockPixels(K));
    // Patches for a block of pixels, then the block's partial sums (after the first, which
    // goes straight to the output) to add in.
    const cols = heap.area.reserve((rows * K + K * N) * 4);
    const partial = cols + rows * K * 4;
    const [xAt, dyAt, outAt] = [x, dy, out].map((t) => addressOf(heap.backend, t)) as [
      number,
      number,
      number,
    ];
    for (let p0 = 0; p0 < pixels; p0 += rows) {
      const n = Math.min(rows, pixels - p0);
      shared.loops.im2col(xAt, cols, p0, p0 + n, ...patchGeometry(info));
      // A = the block's patchesᵀ: its rows are the patch matrix's columns (adjacent floats).
      heap.gemm.heapProduct({
        a: cols,
        ar: 4,
        ak: K * 4,
        b: { src: dyAt + p0 * N * 4, sk: N, sn: 1 },
        c: p0 === 0 ? outAt : partial,
        cr: N * 4,
        cc: 4,
        M: K,
        K: n,
        N,
        bias: 0,
        activation: 'linear',
        alpha: 0,
      });
      if (p0 > 0) shared.loops.accumulate(outAt, partial, K * N);
    }
    return out;
  };
}

/** Conv2DBackpropInput as dy · filterᵀ, the columns added back into dx (col2im). */
function inputGradient(
  backendName: string,
  shared: Shared,
  fallback: tf.KernelFunc,
): tf.KernelFunc {
  return (args) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as InputGradAttrs;
    const heap = heapOf(backendName, args.backend);
    const info = heap ? geometry(attrs.inputShape, filter.shape, attrs, [dy, filter], dy) : null;
    if (!heap || !info) return fallback(args);
    const pixels = info.batchSize * info.outHeight * info.outWidth;
    const taps = info.filterHeight * info.filterWidth * info.inChannels;
    const outC = info.outChannels;
    const dx = heap.backend.makeOutput([...attrs.inputShape], 'float32');
    const rows = Math.min(pixels, blockPixels(taps));
    const cols = heap.area.reserve(rows * taps * 4);
    const [dyAt, dxAt] = [addressOf(heap.backend, dy), addressOf(heap.backend, dx)];
    shared.loops.zero(dxAt, tf.util.sizeFromShape(attrs.inputShape));
    // Block by block, so that the columns are still in cache when they are added back.
    for (let p0 = 0; p0 < pixels; p0 += rows) {
      const n = Math.min(rows, pixels - p0);
      heap.gemm.heapProduct({
        a: dyAt + p0 * outC * 4,
        ar: outC * 4,
        ak: 4,
        // B = filterᵀ: B[o][tap] = filter[tap·outC + o], packed once, for the first block.
        b: p0 === 0 ? { src: addressOf(heap.backend, filter), sk: 1, sn: outC } : null,
        c: cols,
        cr: taps * 4,
        cc: 4,
        M: n,
        K: outC,
        N: taps,
        bias: 0,
        activation: 'linear',
        alpha: 0,
      });
      shared.loops.col2im(dxAt, cols, p0, p0 + n, ...patchGeometry(info));
    }
    return dx;
  };
}

/** Marks the installed wrappers. */
const CONV_GEMM = Symbol.for('demandlab.convGemm');

/**
 * Routes a WASM backend's convolutions and their gradients through the app's
 * GEMM (installed first, by useWasmGemm), in front of whatever kernels are
 * registered now. Registers Conv2DBackpropFilter where the backend has none.
 * False without the GEMM.
 */
export async function useConvGemm(backendName = 'wasm'): Promise<boolean> {
  const heap = wasmHeap(backendName);
  if (!heap || !heapGemm(heap.backend)) return false;
  const loops = await heapLoops(heap.memory);
  if (!loops) return false;
  const shared: Shared = { loops };
  const filterGrad = tf.getKernel('Conv2DBackpropFilter', backendName)
    ? wrapOnce('Conv2DBackpropFilter', backendName, CONV_GEMM, (f) =>
        filterGradient(backendName, shared, f),
      )
    : (tf.registerKernel({
        kernelName: 'Conv2DBackpropFilter',
        backendName,
        kernelFunc: filterGradient(backendName, shared, null),
      }),
      true);
  const installed = [
    filterGrad,
    wrapOnce('Conv2D', backendName, CONV_GEMM, (f) => forward(backendName, shared, false, f)),
    wrapOnce('FusedConv2D', backendName, CONV_GEMM, (f) => forward(backendName, shared, true, f)),
    wrapOnce('Conv2DBackpropInput', backendName, CONV_GEMM, (f) =>
      inputGradient(backendName, shared, f),
    ),
  ];
  return installed.every(Boolean);
}
