/**
 * Losses shared by the training methods. They take logits / scores and know nothing of the model.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * log p(target) under softmax(logits), per position. logits: [..., V], targets: [...] int32 -> [...].
 * Written as a one-hot product (not a gather) so its gradient exists on every backend.
 */
export function tokenLogProbs(logits: tf.Tensor, targets: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const v = logits.shape[logits.rank - 1] ?? 0;
    const logp = tf.logSoftmax(logits); // [..., V]
    return tf.sum(tf.mul(logp, tf.oneHot(tf.cast(targets, 'int32'), v)), -1); // [...]
  });
}

/**
 * Mean next-token cross-entropy over the positions where mask is 1.
 * logits: [B, T, V], targets: [B, T] int32, mask: [B, T] (1 = counted; default all).
 * A mask with no ones gives 0, not NaN.
 */
export function crossEntropyLoss(logits: tf.Tensor, targets: tf.Tensor, mask?: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const nll = tf.neg(tokenLogProbs(logits, targets)); // [B, T]
    if (!mask) return tf.mean(nll) as tf.Scalar;
    const m = tf.cast(mask, 'float32');
    return tf.div(tf.sum(tf.mul(nll, m)), tf.maximum(tf.sum(m), 1)) as tf.Scalar;
  });
}

/**
 * Bradley-Terry pairwise loss of a reward model: mean over pairs of -log sigma(r_chosen - r_rejected),
 * computed as softplus(-(r_c - r_r)) so large margins neither overflow nor lose precision.
 * chosen, rejected: [N] -> scalar.
 */
export function bradleyTerryLoss(chosen: tf.Tensor, rejected: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.softplus(tf.neg(tf.sub(chosen, rejected)))) as tf.Scalar);
}
