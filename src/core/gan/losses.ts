/**
 * GAN objectives, written on D's logits (the score before the sigmoid) so
 * that log D and log(1 - D) never meet log(0):
 *   log D(x)     = -softplus(-l)     log(1 - D(x)) = -softplus(l)
 * All return a scalar to minimise.
 */
import * as tf from '@tensorflow/tfjs';
import type { GanLossKind } from './config';

/**
 * D's loss on each real example, before the batch mean. Minimax and
 * non-saturating: the cross-entropy of logit l against target t = 1 - s
 * (one-sided label smoothing s), t * softplus(-l) + (1 - t) * softplus(l).
 * Hinge: max(0, 1 - l). Differentially private training clips the gradient
 * of each of these on its own.
 */
export function realTerms(kind: GanLossKind, realLogits: tf.Tensor, labelSmoothing = 0): tf.Tensor {
  return tf.tidy(() => {
    if (kind === 'hinge') return tf.relu(tf.sub(1, realLogits));
    // Without smoothing the second term is 0 · softplus(l): skipped, its kernels cost more than it adds.
    if (labelSmoothing === 0) return tf.softplus(tf.neg(realLogits));
    const target = 1 - labelSmoothing;
    return tf.add(
      tf.mul(target, tf.softplus(tf.neg(realLogits))),
      tf.mul(1 - target, tf.softplus(realLogits)),
    );
  });
}

/** D's loss on each generated example: softplus(l) = -log(1 - D), or max(0, 1 + l) for hinge. */
export function fakeTerms(kind: GanLossKind, fakeLogits: tf.Tensor): tf.Tensor {
  return tf.tidy(() =>
    kind === 'hinge' ? tf.relu(tf.add(1, fakeLogits)) : tf.softplus(fakeLogits),
  );
}

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
  return tf.tidy(
    () =>
      tf.add(
        tf.mean(realTerms(kind, realLogits, labelSmoothing)),
        tf.mean(fakeTerms(kind, fakeLogits)),
      ) as tf.Scalar,
  );
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
