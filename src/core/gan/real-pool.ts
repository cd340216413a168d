/**
 * The real data a GAN learns from, uploaded to the device once: digits or
 * the user's images scaled to [-1, 1], or points of a toy distribution.
 * Each batch is gathered on the device from indices the job's random stream
 * draws, so a step uploads a few hundred bytes, not the batch.
 */
import * as tf from '@tensorflow/tfjs';
import type { Random } from '../random';
import { DIGIT_CLASSES, type ImageShape } from './models';

/** Where an image GAN gets its images, and what judges them. */
export interface ImageSource {
  /** Bytes, `side * side * channels` per image; labels 0-9 for MNIST, null for the user's own. */
  data: { count: number; pixels: Uint8Array; labels: Uint8Array | null };
  shape: ImageShape;
  train: Uint32Array;
  test: Uint32Array;
  /** The shipped MNIST classifier, or null to skip quality metrics. */
  classifier: tf.LayersModel | null;
  classifierAccuracy?: number;
}

export class RealPool {
  private constructor(
    private readonly rows: tf.Tensor2D,
    private readonly labels: tf.Tensor1D | null,
  ) {}

  /** Toy points, flat (x, y) pairs. */
  static points(points: Float32Array): RealPool {
    return new RealPool(tf.tensor2d(points, [points.length / 2, 2]), null);
  }

  /** The training images of `src`, `size` values each, with their digits where it has them. */
  static images(src: ImageSource, size: number): RealPool {
    const n = src.train.length;
    if (n === 0) throw new Error('the image set has no training images');
    if (src.data.pixels.length !== src.data.count * size)
      throw new RangeError(
        `the image set holds ${src.data.pixels.length} bytes, not ${src.data.count} × ${size}`,
      );
    const x = new Float32Array(n * size);
    const labels = src.data.labels;
    const y = labels ? new Int32Array(n) : null;
    for (let i = 0; i < n; i++) {
      const k = src.train[i]!;
      if (y) y[i] = labels![k]!;
      const px = src.data.pixels.subarray(k * size, (k + 1) * size);
      for (let p = 0; p < size; p++) x[i * size + p] = px[p]! / 127.5 - 1;
    }
    return new RealPool(tf.tensor2d(x, [n, size]), y ? tf.tensor1d(y, 'int32') : null);
  }

  /**
   * `b` rows drawn with replacement by `rng`, and their digits one-hot when
   * `withLabels` and the pool has them. Call inside tf.tidy.
   */
  batch(b: number, rng: Random, withLabels: boolean): [tf.Tensor2D, tf.Tensor2D | null] {
    const n = this.rows.shape[0];
    const idx = new Int32Array(b);
    for (let i = 0; i < b; i++) idx[i] = rng.int(n);
    const idxT = tf.tensor1d(idx, 'int32');
    const real = tf.gather(this.rows, idxT);
    const labels =
      withLabels && this.labels
        ? (tf.oneHot(tf.gather(this.labels, idxT), DIGIT_CLASSES) as tf.Tensor2D)
        : null;
    return [real, labels];
  }

  dispose(): void {
    this.rows.dispose();
    this.labels?.dispose();
  }
}
