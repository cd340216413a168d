/**
 * Quality of a digit GAN as the shipped MNIST classifier sees it: Inception
 * Score, FID against the training digits and a histogram of the digits drawn,
 * on generated digits from the same noise each time, so changes between
 * measurements come from G alone. The real test digits' own values, measured
 * once, are the line a perfect generator would reach.
 */
import * as tf from '@tensorflow/tfjs';
import type { JobProgress } from '../jobs/job';
import { featureStats, frechetDistance, type FeatureStats } from '../data/stats';
import { createRandom } from '../random';
import { classifierOutputs, FEATURE_SIZE } from './classifier';
import type { GanConfig } from './config';
import { classHistogram, inceptionScore } from './metrics';
import { DIGIT_CLASSES, generate, type GanModels } from './models';
import type { ImageSource } from './real-pool';
import type { GanMetrics, GanReference } from './snapshot';
import { latentNoise } from './train-step';

/** Digits generated and classified per readback. */
const METRIC_CHUNK = 500;

export class GanEvaluation {
  private reference: { stats: FeatureStats; values: GanReference } | null = null;
  private referenceSent = false;

  constructor(
    private readonly src: ImageSource & { classifier: tf.LayersModel },
    private readonly models: GanModels,
  ) {}

  /** The reference values the first time they are asked for after being measured, else null. */
  takeReference(): GanReference | null {
    if (!this.reference || this.referenceSent) return null;
    this.referenceSent = true;
    return this.reference.values;
  }

  /** Measures G at `step`, telling progress in digits classified. */
  async measure(
    step: number,
    config: Pick<GanConfig, 'metricsSamples' | 'seed' | 'latentSize'>,
    onProgress: ((p: JobProgress | null) => void) | undefined,
  ): Promise<GanMetrics> {
    const n = config.metricsSamples;
    // The real train and test digits once, then n fakes each time.
    const total = n + (this.reference ? 0 : this.src.train.length + this.src.test.length);
    let done = 0;
    const tell = (k: number) => {
      done += k;
      onProgress?.({ task: 'Measuring IS and FID', done, total, unit: 'digits classified' });
    };
    tell(0);
    const reference = await this.referenceStats(tell);
    const conditional = this.models.conditional;
    const p = new Float32Array(n * DIGIT_CLASSES);
    const f = new Float32Array(n * FEATURE_SIZE);
    const noiseRng = createRandom(config.seed + 1);
    for (let at = 0; at < n; at += METRIC_CHUNK) {
      const size = Math.min(METRIC_CHUNK, n - at);
      const out = tf.tidy(() => {
        const z = latentNoise(noiseRng, size, config.latentSize);
        const labels = conditional
          ? (tf.oneHot(
              tf.tensor1d(
                Int32Array.from({ length: size }, (_, i) => (at + i) % DIGIT_CLASSES),
                'int32',
              ),
              DIGIT_CLASSES,
            ) as tf.Tensor2D)
          : null;
        const x01 = tf.div(tf.add(generate(this.models, z, labels, false), 1), 2) as tf.Tensor2D;
        return classifierOutputs(this.src.classifier, x01);
      });
      // Read back chunk by chunk (the same numbers as one concat), so progress can be told.
      const [cp, cf] = await Promise.all([out.probs.data(), out.features.data()]);
      out.probs.dispose();
      out.features.dispose();
      p.set(cp as Float32Array, at * DIGIT_CLASSES);
      f.set(cf as Float32Array, at * FEATURE_SIZE);
      tell(size);
    }
    onProgress?.(null);
    return {
      step,
      inceptionScore: inceptionScore(p, n, DIGIT_CLASSES),
      fid: frechetDistance(featureStats(f, n, FEATURE_SIZE), reference.stats),
      histogram: classHistogram(p, n, DIGIT_CLASSES),
      labelAccuracy: conditional ? labelAccuracy(p, n) : null,
    };
  }

  /** Classifier outputs of real digits at `indices` (pixels in [0, 1]). */
  private async realOutputs(indices: Uint32Array): Promise<{ p: Float32Array; f: Float32Array }> {
    const n = indices.length;
    const size = this.models.dataSize;
    const x = new Float32Array(n * size);
    for (let i = 0; i < n; i++) {
      const k = indices[i]!;
      const px = this.src.data.pixels.subarray(k * size, (k + 1) * size);
      for (let j = 0; j < size; j++) x[i * size + j] = px[j]! / 255;
    }
    const out = tf.tidy(() => classifierOutputs(this.src.classifier, tf.tensor2d(x, [n, size])));
    const [p, f] = await Promise.all([out.probs.data(), out.features.data()]);
    out.probs.dispose();
    out.features.dispose();
    return { p: p as Float32Array, f: f as Float32Array };
  }

  /** The train digits' feature statistics (what FID compares against) and the test digits' scores. */
  private async referenceStats(
    tell: (digits: number) => void,
  ): Promise<{ stats: FeatureStats; values: GanReference }> {
    if (this.reference) return this.reference;
    const src = this.src;
    const train = await this.realOutputs(src.train);
    tell(src.train.length);
    const stats = featureStats(train.f, src.train.length, FEATURE_SIZE);
    const test = await this.realOutputs(src.test);
    tell(src.test.length);
    const n = src.test.length;
    this.reference = {
      stats,
      values: {
        inceptionScore: inceptionScore(test.p, n, DIGIT_CLASSES),
        fid: frechetDistance(featureStats(test.f, n, FEATURE_SIZE), stats),
        histogram: classHistogram(test.p, n, DIGIT_CLASSES),
        classifierAccuracy: src.classifierAccuracy ?? null,
      },
    };
    return this.reference;
  }
}

/** Share of the conditional GAN's digits classified as the digit asked for (row i asks for i mod 10). */
function labelAccuracy(p: Float32Array, n: number): number {
  let right = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < DIGIT_CLASSES; c++)
      if (p[i * DIGIT_CLASSES + c]! > p[i * DIGIT_CLASSES + best]!) best = c;
    if (best === i % DIGIT_CLASSES) right++;
  }
  return right / n;
}
