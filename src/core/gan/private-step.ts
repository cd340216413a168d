/**
 * One DP-SGD update of the synthetic-shoppers GAN's D (privacy.ts has the
 * accounting): real rows Poisson-sampled at `sampleRate`, each row's gradient
 * clipped to `clipNorm` in one backward pass (clipped-gradients.ts), Gaussian
 * noise from the platform's cryptographic generator added to their sum.
 */
import * as tf from '@tensorflow/tfjs';
import { clippedGradientSum } from './clipped-gradients';
import { fakeTerms, realTerms } from './losses';
import { trainableVariables } from './models';
import { secureNormal, secureUniform } from './privacy';
import type { TabularGanConfig } from './tabular-config';

export interface PrivateStepParts {
  discriminator: tf.Sequential;
  optD: tf.Optimizer;
  /** The training rows (labels appended when conditioned), one per shopper. */
  pool: tf.Tensor2D;
  config: TabularGanConfig;
  /** The chance that one training row joins the batch. */
  sampleRate: number;
  /** D's logits for rows. */
  logits: (x: tf.Tensor2D, training: boolean) => tf.Tensor1D;
}

/**
 * Updates D once on `fake` and a private sample of real rows. Returns D's
 * loss and [mean D(x), mean D(G(z))] (D(x) is NaN for an empty sample);
 * runs inside the caller's tidy.
 */
export function privateDiscriminatorStep(
  p: PrivateStepParts,
  fake: tf.Tensor2D,
): [tf.Scalar, tf.Tensor1D] {
  const c = p.config;
  const n = p.pool.shape[0];
  const q = p.sampleRate;
  const u = secureUniform(n);
  const rows: number[] = [];
  for (let i = 0; i < n; i++) if (u[i]! < q) rows.push(i);
  const m = rows.length;
  const vars = trainableVariables(p.discriminator);
  let clipped: tf.Tensor[];
  let realLoss: tf.Scalar;
  let realMean: tf.Scalar;
  if (m > 0) {
    const real = tf.gather(p.pool, tf.tensor1d(rows, 'int32'));
    const terms = (logits: tf.Tensor1D) => realTerms(c.loss, logits) as tf.Tensor1D;
    const { sums, outputs } = clippedGradientSum(p.discriminator, real, terms, c.clipNorm);
    clipped = sums;
    realLoss = tf.mean(terms(outputs));
    realMean = tf.mean(tf.sigmoid(outputs));
  } else {
    clipped = vars.map((v) => tf.zerosLike(v));
    realLoss = tf.scalar(0);
    realMean = tf.scalar(NaN);
  }
  // The generated rows hold no one's data: their gradient needs no clipping or noise.
  const { value: fakeLoss, grads: fakeGrads } = tf.variableGrads(
    () => tf.mean(fakeTerms(c.loss, p.logits(fake, true))) as tf.Scalar,
    vars,
  );
  const grads: tf.NamedTensorMap = {};
  vars.forEach((v, i) => {
    const sum = clipped[i]!;
    const noise = tf.mul(
      tf.tensor(secureNormal(sum.size), sum.shape),
      c.noiseMultiplier * c.clipNorm,
    );
    grads[v.name] = tf.add(tf.div(tf.add(sum, noise), c.batchSize), fakeGrads[v.name]!);
  });
  // Measured before the update, as the plain step measures it.
  const fakeMean = tf.mean(tf.sigmoid(p.logits(fake, false)));
  p.optD.applyGradients(grads);
  return [tf.add(realLoss, fakeLoss) as tf.Scalar, tf.stack([realMean, fakeMean]) as tf.Tensor1D];
}
