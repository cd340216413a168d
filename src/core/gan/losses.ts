/**
 * GAN objectives, written on D's logits (the score before the sigmoid) so
 * that log D and log(1 - D) never meet log(0):
 *   log D(x)     = -softplus(-l)     log(1 - D(x)) = -softplus(l)
 * All return a scalar to minimise.
 */
import * as tf from '@tensorflow/tfjs';
import type { GanLossKind } from './config';

/**
 * Discriminator loss. Minimax and non-saturating share it:
 *   L_D = -E[log D(x)] - E[log(1 - D(G(z)))]
 * with one-sided label smoothing s the real term becomes the cross-entropy
 * against target 1 - s. Hinge: L_D = E[max(0, 1 - l_real)] + E[max(0, 1 + l_fake)].
 */
export function discriminatorLoss(
  kind: GanLossKind,
  realLogits: tf.Tensor,
  fakeLogits: tf.Tensor,
  labelSmoothing = 0,
): tf.Scalar {
  return tf.tidy(() => {
    if (kind === 'hinge') {
      return tf.add(
        tf.mean(tf.relu(tf.sub(1, realLogits))),
        tf.mean(tf.relu(tf.add(1, fakeLogits))),
      ) as tf.Scalar;
    }
    const target = 1 - labelSmoothing;
    // Cross-entropy of logit l against target t: t * softplus(-l) + (1 - t) * softplus(l).
    const realTerm = tf.add(
      tf.mul(target, tf.softplus(tf.neg(realLogits))),
      tf.mul(1 - target, tf.softplus(realLogits)),
    );
    return tf.add(tf.mean(realTerm), tf.mean(tf.softplus(fakeLogits))) as tf.Scalar;
  });
}

/**
 * Generator loss.
 *   minimax:         L_G = E[log(1 - D(G(z)))]   (saturates: tiny gradient while D wins)
 *   non-saturating:  L_G = -E[log D(G(z))]       (the article's choice)
 *   hinge:           L_G = -E[l_fake]
 */
export function generatorLoss(kind: GanLossKind, fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    switch (kind) {
      case 'minimax':
        return tf.neg(tf.mean(tf.softplus(fakeLogits))) as tf.Scalar;
      case 'non-saturating':
        return tf.mean(tf.softplus(tf.neg(fakeLogits))) as tf.Scalar;
      case 'hinge':
        return tf.neg(tf.mean(fakeLogits)) as tf.Scalar;
    }
  });
}
