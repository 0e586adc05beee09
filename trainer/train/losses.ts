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
 * The mean of per-item losses [N], or with `weights` [N] their weighted mean sum(w_i l_i) / sum(w_i)
 * (a batch whose weights are all 0 gives 0, not NaN). Call inside a tidy.
 */
export function weightedMean(losses: tf.Tensor, weights?: tf.Tensor): tf.Scalar {
  if (!weights) return tf.mean(losses) as tf.Scalar;
  const w = tf.cast(weights, 'float32');
  return tf.div(tf.sum(tf.mul(losses, w)), tf.maximum(tf.sum(w), 1e-12)) as tf.Scalar;
}

/**
 * Bradley-Terry pairwise loss of a reward model: mean over pairs of -log sigma(r_chosen - r_rejected),
 * computed as softplus(-(r_c - r_r)) so large margins neither overflow nor lose precision. With
 * `weights` (each pair's label confidence), the weighted mean sum(w_i l_i) / sum(w_i).
 * chosen, rejected, weights: [N] -> scalar.
 */
export function bradleyTerryLoss(chosen: tf.Tensor, rejected: tf.Tensor, weights?: tf.Tensor): tf.Scalar {
  return tf.tidy(() => weightedMean(tf.softplus(tf.neg(tf.sub(chosen, rejected))), weights));
}

/** Pair weights as a tensor [N], or undefined when every weight is 1 (the unweighted loss then runs unchanged). */
export function pairWeightsTensor(weights: readonly (number | undefined)[]): tf.Tensor1D | undefined {
  return weights.every((w) => w === undefined || w === 1) ? undefined : tf.tensor1d(weights.map((w) => w ?? 1));
}
