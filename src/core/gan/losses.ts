/**
 * GAN objectives, written on D's logits (the score before the sigmoid) so
 * that log D and log(1 - D) never meet log(0):
 *   log D(x)     = -softplus(-l)     log(1 - D(x)) = -softplus(l)
 * All return a scalar to minimise.
 */
import * as tf from '@tensorflow/tfjs';
import { logitLoss, type LogitTerm } from '../kernels/logit-loss';
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
 * Discriminator loss on D's logits for a real batch then a fake one, joined
 * (`realCount` real rows first; one logit per row, in any shape). Minimax and non-saturating share it:
 *   L_D = -E[log D(x)] - E[log(1 - D(G(z)))]
 * with one-sided label smoothing s the real term becomes the cross-entropy
 * against target 1 - s. Hinge: L_D = E[max(0, 1 - l_real)] + E[max(0, 1 + l_fake)].
 * The cross-entropies run as kernels/logit-loss.ts's two kernels where the
 * backend has them.
 */
export function discriminatorLoss(
  kind: GanLossKind,
  logits: tf.Tensor,
  realCount: number,
  labelSmoothing = 0,
): tf.Scalar {
  const fakeCount = logits.size - realCount;
  if (kind === 'hinge')
    return tf.tidy(() => {
      const all = tf.reshape(logits, [-1]);
      return tf.add(
        tf.mean(realTerms(kind, tf.slice(all, [0], [realCount]))),
        tf.mean(fakeTerms(kind, tf.slice(all, [realCount], [fakeCount]))),
      ) as tf.Scalar;
    });
  const target = 1 - labelSmoothing;
  const real: LogitTerm[] =
    labelSmoothing === 0
      ? [{ from: 0, count: realCount, sign: -1, weight: 1 }]
      : [
          { from: 0, count: realCount, sign: -1, weight: target },
          { from: 0, count: realCount, sign: 1, weight: 1 - target },
        ];
  return logitLoss(logits, [...real, { from: realCount, count: fakeCount, sign: 1, weight: 1 }]);
}

/**
 * Generator loss.
 *   minimax:         L_G = E[log(1 - D(G(z)))]   (saturates: tiny gradient while D wins)
 *   non-saturating:  L_G = -E[log D(G(z))]       (the article's choice)
 *   hinge:           L_G = -E[l_fake]
 */
export function generatorLoss(kind: GanLossKind, fakeLogits: tf.Tensor): tf.Scalar {
  const all = { from: 0, count: fakeLogits.size };
  switch (kind) {
    case 'minimax':
      return logitLoss(fakeLogits, [{ ...all, sign: 1, weight: -1 }]);
    case 'non-saturating':
      return logitLoss(fakeLogits, [{ ...all, sign: -1, weight: 1 }]);
    case 'hinge':
      return tf.tidy(() => tf.neg(tf.mean(fakeLogits)) as tf.Scalar);
  }
}
