/**
 * One GAN training step, all on the device in one tf.tidy: `dStepsPerG`
 * updates of D on a real and a fake batch, then one update of G. Nothing is
 * read back; the step's numbers stay on the device for the job to read in
 * chunks (jobs/step-stats.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { Random } from '../random';
import type { GanConfig } from './config';
import { discriminatorLoss, generatorLoss } from './losses';
import {
  DIGIT_CLASSES,
  discriminatePair,
  generate,
  logitColumn,
  trainableVariables,
  type GanModels,
} from './models';
import type { RealPool } from './real-pool';

/** The two optimizers of a GAN. */
export interface GanOptimizers {
  d: tf.Optimizer;
  g: tf.Optimizer;
}

/** `n` latent vectors drawn from N(0, 1) with a seed from `rng`. */
export function latentNoise(rng: Random, n: number, latentSize: number): tf.Tensor2D {
  return tf.randomNormal([n, latentSize], 0, 1, 'float32', rng.seed32());
}

/** `n` digits drawn uniformly by `rng`, one-hot. */
function randomDigits(rng: Random, n: number): tf.Tensor2D {
  const digits = Int32Array.from({ length: n }, () => rng.int(DIGIT_CLASSES));
  return tf.oneHot(tf.tensor1d(digits, 'int32'), DIGIT_CLASSES) as tf.Tensor2D;
}

/** Trains D then G once; returns [D loss, G loss, mean D(x), mean D(G(z))] on the device. */
export function ganTrainStep(
  m: GanModels,
  c: GanConfig,
  pool: RealPool,
  rng: Random,
  opt: GanOptimizers,
): tf.Tensor1D {
  const b = c.batchSize;
  const kept: tf.Tensor[] = [];
  const stats = tf.tidy(() => {
    let dLoss: tf.Scalar = tf.scalar(0);
    // Mean D(x) and mean D(G(z)).
    let means: tf.Tensor1D = tf.zeros([2]);
    const dVars = trainableVariables(m.discriminator);
    for (let k = 0; k < c.dStepsPerG; k++) {
      const [real, realLabels] = pool.batch(b, rng, m.conditional);
      const fakeLabels = m.conditional ? randomDigits(rng, b) : null;
      const fake = generate(m, latentNoise(rng, b, c.latentSize), fakeLabels, true);
      dLoss = opt.d.minimize(
        () => {
          const both = discriminatePair(m, real, realLabels, fake, fakeLabels, true);
          // Kept for the means of D(x) and D(G(z)), taken off the tape below: minimize
          // disposes everything but the loss.
          kept.push(tf.keep(both));
          return discriminatorLoss(c.loss, both, b, c.labelSmoothing);
        },
        true,
        dVars,
      ) as tf.Scalar;
      const logits = kept[kept.length - 1]!;
      means = tf.mean(tf.sigmoid(tf.reshape(logits, [2, b])), 1) as tf.Tensor1D;
    }
    const labels = m.conditional ? randomDigits(rng, b) : null;
    const z = latentNoise(rng, b, c.latentSize);
    const gLoss = opt.g.minimize(
      () => generatorLoss(c.loss, logitColumn(m, generate(m, z, labels, true), labels, true)),
      true,
      trainableVariables(m.generator),
    ) as tf.Scalar;
    return tf.concat([tf.stack([dLoss, gLoss]), means]) as tf.Tensor1D;
  });
  kept.forEach((t) => t.dispose());
  return stats;
}
