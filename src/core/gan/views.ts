/**
 * What the page sees of a GAN's generator: the sample grid from fixed noise,
 * latent walks between two of its samples, ten fresh samples of a digit, and
 * for the toy GAN the generated points, G's warp of a latent grid and D's
 * decision field. The fixed noise is drawn once, so the grid changes only
 * because G does.
 */
import * as tf from '@tensorflow/tfjs';
import { modeCoverage, toyModes, TOY_EXTENT, type ToyDistributionKind } from '../data/toy';
import type { Random } from '../random';
import { DIGIT_CLASSES, discriminate, generate, type GanModels } from './models';
import type { GanAnswer, GanImages, GanQuery, ToyView } from './snapshot';

/** Points of the toy distribution shown, and fakes drawn for them. */
export const TOY_SHOWN = 600;
const WARP_SIDE = 15;
const FIELD_SIDE = 40;

/** [-1, 1] images to bytes, on the device. */
function toBytes(x: tf.Tensor): tf.Tensor {
  return tf.cast(tf.clipByValue(tf.mul(tf.add(x, 1), 127.5), 0, 255), 'int32');
}

/** Spherical interpolation: stays on the shell where Gaussian noise lives. */
function slerp(a: Float32Array, b: Float32Array, t: number): Float32Array {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  const omega = Math.acos(Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb || 1))));
  const out = new Float32Array(a.length);
  const so = Math.sin(omega);
  for (let i = 0; i < a.length; i++) {
    out[i] =
      so < 1e-6
        ? (1 - t) * a[i]! + t * b[i]!
        : (Math.sin((1 - t) * omega) / so) * a[i]! + (Math.sin(t * omega) / so) * b[i]!;
  }
  return out;
}

/** The toy view's latent grid (first two coordinates over [-2, 2]) and D's field grid. */
function toyGrids(latent: number): [tf.Tensor2D, tf.Tensor2D] {
  return tf.tidy(() => {
    const axis = tf.linspace(-2, 2, WARP_SIDE);
    const [gx, gy] = tf.meshgrid(axis, tf.neg(axis));
    const grid = tf.stack([tf.reshape(gx!, [-1]), tf.reshape(gy!, [-1])], 1);
    // Latent sizes above 2 vary the first two coordinates; the rest stay at 0.
    const latentGrid = (
      latent === 2
        ? grid
        : latent === 1
          ? tf.slice(grid, [0, 0], [-1, 1])
          : tf.pad(grid, [
              [0, 0],
              [0, latent - 2],
            ])
    ) as tf.Tensor2D;
    const step = (2 * TOY_EXTENT) / FIELD_SIDE;
    const fieldAxis = tf.linspace(-TOY_EXTENT + step / 2, TOY_EXTENT - step / 2, FIELD_SIDE);
    const [fx, fy] = tf.meshgrid(fieldAxis, tf.reverse(fieldAxis));
    const field = tf.stack([tf.reshape(fx!, [-1]), tf.reshape(fy!, [-1])], 1) as tf.Tensor2D;
    return [latentGrid, field];
  });
}

export class GanViews {
  /** Columns of the sample grid (0 for the toy GAN). */
  readonly gridCols: number;
  private readonly fixedZValues: Float32Array;
  private readonly fixedZ: tf.Tensor2D;
  private readonly fixedLabels: tf.Tensor2D | null;
  private readonly grids: [tf.Tensor2D, tf.Tensor2D] | null;

  /**
   * Draws the fixed noise with `rng`: TOY_SHOWN vectors for the toy GAN; an
   * 8 × 8 grid for the image GANs, or for the conditional GAN one row per
   * digit with one noise vector per column. `toyShown` is the real points the
   * toy view shows.
   */
  constructor(
    private readonly models: GanModels,
    rng: Random,
    private readonly latent: number,
    private readonly toyShown: Float32Array | null,
  ) {
    const toy = toyShown !== null;
    const conditional = models.conditional;
    const rows = toy ? TOY_SHOWN : conditional ? DIGIT_CLASSES : 8;
    this.gridCols = toy ? 0 : conditional ? 10 : 8;
    const cols = Math.max(1, this.gridCols);
    const colNoise = Array.from({ length: conditional ? cols : rows * cols }, () =>
      Float32Array.from({ length: latent }, () => rng.normal()),
    );
    this.fixedZValues = new Float32Array(rows * cols * latent);
    for (let i = 0; i < rows * cols; i++)
      this.fixedZValues.set(colNoise[conditional ? i % cols : i]!, i * latent);
    this.fixedZ = tf.tensor2d(this.fixedZValues, [rows * cols, latent]);
    this.fixedLabels = conditional
      ? tf.tidy(
          () =>
            tf.oneHot(
              tf.tensor1d(
                Int32Array.from({ length: rows * cols }, (_, i) => Math.floor(i / cols)),
                'int32',
              ),
              DIGIT_CLASSES,
            ) as tf.Tensor2D,
        )
      : null;
    this.grids = toy ? toyGrids(latent) : null;
  }

  /** The sample grid from the fixed noise. */
  samples(): Promise<GanImages> {
    return this.render(this.fixedZ, this.fixedLabels);
  }

  /**
   * The sample grid's computation on another pair of models of the same
   * shapes, not read back: what compiling its GPU programs ahead needs.
   */
  samplesOn(models: GanModels): tf.Tensor {
    return toBytes(generate(models, this.fixedZ, this.fixedLabels, false));
  }

  /** Generated images for rows of z, read back as bytes. */
  private async render(z: tf.Tensor2D, labels: tf.Tensor2D | null): Promise<GanImages> {
    const bytes = tf.tidy(() => toBytes(generate(this.models, z, labels, false)));
    const values = await bytes.data();
    bytes.dispose();
    return { pixels: Uint8Array.from(values), count: z.shape[0], ...this.models.shape! };
  }

  /** The toy GAN's points, warp and decision field. */
  async toyView(distribution: ToyDistributionKind): Promise<ToyView> {
    const [latentGrid, fieldGrid] = this.grids!;
    const out = tf.tidy(() => {
      const fake = generate(this.models, this.fixedZ, null, false);
      const warp = generate(this.models, latentGrid, null, false);
      const field = tf.sigmoid(discriminate(this.models, fieldGrid, null, false));
      return [fake, warp, field];
    });
    const [fake, warp, field] = (await Promise.all(out.map((t) => t.data()))) as Float32Array[];
    out.forEach((t) => t.dispose());
    const modes = toyModes(distribution);
    return {
      real: this.toyShown!.slice(),
      fake: fake!,
      warp: warp!,
      warpSide: WARP_SIDE,
      field: field!,
      fieldSide: FIELD_SIDE,
      extent: TOY_EXTENT,
      coverage: modes ? modeCoverage(fake!, modes) : null,
    };
  }

  /** A latent walk between two grid samples, or fresh samples of a digit drawn with `rng`. */
  async answer(q: GanQuery, rng: Random): Promise<GanAnswer> {
    if (this.grids) throw new Error('The toy GAN makes points, not images.');
    const [z, labels] = q.kind === 'interpolate' ? this.walk(q) : this.digits(q, rng);
    try {
      return await this.render(z, labels);
    } finally {
      z.dispose();
      labels?.dispose();
    }
  }

  private walk(q: GanQuery & { kind: 'interpolate' }): [tf.Tensor2D, tf.Tensor2D | null] {
    const latent = this.latent;
    const count = this.fixedZ.shape[0];
    if (![q.from, q.to].every((i) => Number.isInteger(i) && i >= 0 && i < count))
      throw new RangeError(`pick two samples from 0 to ${count - 1}`);
    const steps = Math.max(2, Math.min(32, Math.round(q.steps)));
    const za = this.fixedZValues.subarray(q.from * latent, (q.from + 1) * latent);
    const zb = this.fixedZValues.subarray(q.to * latent, (q.to + 1) * latent);
    const zs = new Float32Array(steps * latent);
    for (let i = 0; i < steps; i++) zs.set(slerp(za, zb, i / (steps - 1)), i * latent);
    let labels: tf.Tensor2D | null = null;
    if (this.fixedLabels) {
      const da = Math.floor(q.from / this.gridCols);
      const db = Math.floor(q.to / this.gridCols);
      // The digit fades from one to the other along with the noise.
      const l = new Float32Array(steps * DIGIT_CLASSES);
      for (let i = 0; i < steps; i++) {
        const t = i / (steps - 1);
        l[i * DIGIT_CLASSES + da]! += 1 - t;
        l[i * DIGIT_CLASSES + db]! += t;
      }
      labels = tf.tensor2d(l, [steps, DIGIT_CLASSES]);
    }
    return [tf.tensor2d(zs, [steps, latent]), labels];
  }

  private digits(q: GanQuery & { kind: 'generate' }, rng: Random): [tf.Tensor2D, tf.Tensor2D] {
    if (!this.models.conditional) throw new Error('Only the conditional GAN takes a digit.');
    if (!(Number.isInteger(q.digit) && q.digit >= 0 && q.digit <= 9))
      throw new RangeError('digit must be 0-9');
    const count = Math.max(1, Math.min(64, Math.round(q.count)));
    return tf.tidy(() => [
      tf.randomNormal([count, this.latent], 0, 1, 'float32', rng.seed32()) as tf.Tensor2D,
      tf.oneHot(tf.fill([count], q.digit, 'int32') as tf.Tensor1D, DIGIT_CLASSES) as tf.Tensor2D,
    ]);
  }

  dispose(): void {
    this.fixedZ.dispose();
    this.fixedLabels?.dispose();
    this.grids?.forEach((t) => t.dispose());
  }
}
