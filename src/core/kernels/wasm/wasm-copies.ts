/**
 * Three WASM kernels that only move data, made cheap. tfjs-backend-wasm 4.22's
 * Identity copies the tensor, and tfjs's engine runs it (through clone) on
 * every input a gradient keeps for the backward pass: megabytes per step for
 * the article GAN, 5% of its step on two threads. The other backends share
 * the data instead, as WASM's own Reshape does; tensors are never written
 * after they are made, so sharing is safe. Its GatherV2 moves one element at
 * a time through a general index loop; a batch of rows taken from the data
 * set is one block copy per row here. Its Tile also moves one element at a
 * time (90 ns each): batch norm's gradient tiles its scale over the batch,
 * 56 ms of the DCGAN's step; here it is block copies that double. The
 * copies go through WASM's bulk memory.copy (gemm/loops-module.ts): on the
 * threaded build the heap is a SharedArrayBuffer, where a typed array's
 * copyWithin is far slower.
 */
import * as tf from '@tensorflow/tfjs';
import { wrapOnce } from '../kernel-swap';
import type { LoopsExports } from './gemm/loops-module';
import { addressOf, heapLoops, wasmHeap, type WasmBackend } from './wasm-heap';

/** Slices shorter than this many elements stay with the shipped gather's loop. */
const MIN_SLICE = 8;

interface RefCounting {
  incRef(dataId: tf.DataId): void;
}

/** Identity that shares the input's data (counted once more) instead of copying it. */
function sharedIdentity(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype === 'string') return fallback(args);
    (args.backend as unknown as RefCounting).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
}

/** GatherV2 by block copies of whole slices, for 4-byte dtypes and indices in range. */
function sliceGather(
  memory: WebAssembly.Memory,
  loops: LoopsExports,
  fallback: tf.KernelFunc,
): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as unknown as WasmBackend;
    const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const { axis, batchDims } = args.attrs as { axis: number; batchDims: number };
    if ((x.dtype !== 'float32' && x.dtype !== 'int32') || indices.dtype !== 'int32')
      return fallback(args);
    const parsedAxis = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(
      x as tf.Tensor,
      indices as tf.Tensor,
      parsedAxis,
      batchDims,
    );
    const { batchSize, outerSize, dimSize, sliceSize } = info;
    const count = tf.util.sizeFromShape(indices.shape);
    if (sliceSize < MIN_SLICE || count === 0 || tf.util.sizeFromShape(x.shape) === 0)
      return fallback(args);
    const at = addressOf(backend, indices) / 4;
    // An index out of range gets the shipped kernel's error.
    const inRange = new Int32Array(memory.buffer, at * 4, count).every(
      (i) => i >= 0 && i < dimSize,
    );
    if (!inRange) return fallback(args);
    const out = backend.makeOutput(info.outputShape, x.dtype);
    // The view is taken after the output is made: making it may grow the memory, which
    // detaches the old buffer on the single-threaded build.
    const index = new Int32Array(memory.buffer, at * 4, count);
    const perBatch = count / batchSize;
    const from = addressOf(backend, x);
    let to = addressOf(backend, out);
    for (let b = 0; b < batchSize; b++) {
      for (let o = 0; o < outerSize; o++) {
        const base = from + (b * outerSize + o) * dimSize * sliceSize * 4;
        for (let i = 0; i < perBatch; i++) {
          loops.copy(to, base + index[b * perBatch + i]! * sliceSize * 4, sliceSize);
          to += sliceSize * 4;
        }
      }
    }
    return out;
  };
}

/**
 * Tile for 4-byte dtypes by block copies: x goes into the corner of the
 * output, then, from the innermost axis out, each filled span is repeated
 * along its axis by copies that double what is already there.
 */
function blockTile(loops: LoopsExports, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as unknown as WasmBackend;
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { reps } = args.attrs as { reps: number[] };
    const rank = x.shape.length;
    if ((x.dtype !== 'float32' && x.dtype !== 'int32') || rank === 0 || reps.length !== rank)
      return fallback(args);
    const outShape = x.shape.map((d, i) => d * reps[i]!);
    const out = backend.makeOutput(outShape, x.dtype);
    if (tf.util.sizeFromShape(outShape) === 0) return out;
    // Offsets in elements; the copies take bytes.
    const from = addressOf(backend, x) / 4;
    const to = addressOf(backend, out) / 4;
    const copy = (dst: number, src: number, n: number) => loops.copy(dst * 4, src * 4, n);
    const outStrides = [...tf.util.computeStrides(outShape), 1];
    /** The output offset of the corner of each x-coordinate prefix over the first `axes` axes. */
    const prefixes = (axes: number): number[] => {
      let offsets = [0];
      for (let a = 0; a < axes; a++)
        offsets = offsets.flatMap((o) =>
          Array.from({ length: x.shape[a]! }, (_, i) => o + i * outStrides[a]!),
        );
      return offsets;
    };
    const inner = x.shape[rank - 1]!;
    prefixes(rank - 1).forEach((o, row) => copy(to + o, from + row * inner, inner));
    for (let a = rank - 1; a >= 0; a--) {
      if (reps[a] === 1) continue;
      const chunk = x.shape[a]! * outStrides[a]!;
      const span = outShape[a]! * outStrides[a]!;
      for (const o of prefixes(a)) {
        for (let filled = chunk; filled < span; filled *= 2) {
          const n = Math.min(filled, span - filled);
          copy(to + o + filled, to + o, n);
        }
      }
    }
    return out;
  };
}

/** Marks the installed wrappers. */
const COPY_WRAPPER = Symbol.for('demandlab.copyWrapper');

/**
 * Puts the three kernels in front of the ones registered on a WASM backend
 * (once); false without its heap or the loops module (then only Identity).
 */
export async function useWasmCopies(backendName = 'wasm'): Promise<boolean> {
  const heap = wasmHeap(backendName);
  if (!heap) return false;
  const identity = wrapOnce('Identity', backendName, COPY_WRAPPER, sharedIdentity);
  const loops = await heapLoops(heap.memory);
  if (!loops) return false;
  const gather = wrapOnce('GatherV2', backendName, COPY_WRAPPER, (fallback) =>
    sliceGather(heap.memory, loops, fallback),
  );
  const tile = wrapOnce('Tile', backendName, COPY_WRAPPER, (fallback) =>
    blockTile(loops, fallback),
  );
  return identity && gather && tile;
}
