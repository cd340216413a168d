/**
 * UnsortedSegmentSum where tensors live in the CPU's memory: the gradient of
 * a gather (tfjs's GatherV2 gradient calls it), which is what an embedding
 * table learns through. tfjs's cpu kernel builds a mask per segment, so its
 * cost is segments × rows × width: 265 ms of a 460 ms step for a 1,000-
 * shopper collaborative-filtering batch of 256. WASM has no such kernel at
 * all, so an embedding could not train there. This one adds each row to its
 * segment once: rows × width.
 */
import * as tf from '@tensorflow/tfjs';
import { outputOf, readValues } from './host-backend';

/** out[segment[r], :] += data[r, :] over the rows of `data` (width numbers each); ids outside [0, segments) drop out, as in tfjs. */
export function segmentSum(
  data: ArrayLike<number>,
  segmentIds: ArrayLike<number>,
  segments: number,
  width: number,
): Float32Array {
  const out = new Float32Array(segments * width);
  for (let r = 0; r < segmentIds.length; r++) {
    const s = segmentIds[r]!;
    if (!(s >= 0 && s < segments)) continue;
    const from = r * width;
    const to = s * width;
    for (let j = 0; j < width; j++) out[to + j]! += data[from + j]!;
  }
  return out;
}

/** Registers the kernel on `backendName` in place of tfjs's (cpu) or where it has none (WASM). */
export function useSegmentSum(backendName: 'cpu' | 'wasm'): void {
  const current = tf.getKernel('UnsortedSegmentSum', backendName);
  if (current?.kernelFunc === kernelFunc) return;
  if (current) tf.unregisterKernel('UnsortedSegmentSum', backendName);
  tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName, kernelFunc });
}

const kernelFunc: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const x = inputs['x']!;
  const ids = inputs['segmentIds']!;
  const segments = (attrs as unknown as { numSegments: number }).numSegments;
  if (x.dtype !== 'float32')
    throw new Error(`UnsortedSegmentSum here takes float32, got ${x.dtype}`);
  // tfjs's own contract: segmentIds covers the leading dimensions of x, the rest is one row.
  const rows = ids.shape.reduce((a, b) => a * b, 1);
  const size = x.shape.reduce((a, b) => a * b, 1);
  const width = rows === 0 ? 0 : size / rows;
  const out = segmentSum(readValues(backend, x), readValues(backend, ids), segments, width);
  return outputOf(backend, [segments, ...x.shape.slice(ids.shape.length)], out);
};
