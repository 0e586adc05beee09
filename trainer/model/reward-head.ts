/**
 * A reward model: the policy's transformer with a scalar head on the final hidden state of each
 * row's last real token (InstructGPT initialises it from the SFT policy; the LM head is unused).
 */
import * as tf from '@tensorflow/tfjs-core';
import { applyLinear, createLinear, type Linear } from './linear';
import { forwardHidden, namedWeights, type ForwardOptions, type GPT } from './transformer';

export type RewardModel = { base: GPT; head: Linear /* [C, 1] */ };

/** Wraps `base` (usually loaded from a policy checkpoint) with a fresh scalar head. */
export function createRewardModel(base: GPT, options: { seed?: number } = {}): RewardModel {
  // Small init keeps the first rewards near 0, so the Bradley-Terry loss starts near log 2.
  return { base, head: createLinear('reward_head', base.config.dModel, 1, { bias: true, std: 0.02, seed: options.seed }) };
}

/**
 * Reward per row. ids: [B, T] (right-padded), lastIndex: [B] int32, the index of each row's final
 * real token -> [B]. The row's hidden state is picked with a one-hot mask over T rather than a
 * gather, so the gradient needs no scatter kernel.
 */
export function rewardScores(rm: RewardModel, ids: tf.Tensor2D, lastIndex: tf.Tensor1D, options: ForwardOptions): tf.Tensor1D {
  return tf.tidy(() => {
    const [b, t] = ids.shape;
    tf.util.assert(lastIndex.shape[0] === b, () => `rewardScores: ${lastIndex.shape[0]} indices for ${b} rows`);
    const hidden = forwardHidden(rm.base, ids, options); // [B, T, C]
    const pick = tf.expandDims(tf.cast(tf.oneHot(tf.cast(lastIndex, 'int32'), t), 'float32'), 2); // [B, T, 1]
    const last = tf.sum(tf.mul(hidden, pick), 1); // [B, C]
    return tf.reshape(applyLinear(last, rm.head, options), [b]) as tf.Tensor1D;
  });
}

/** Every variable of the reward model by checkpoint name: the base's names plus "reward_head.weight" / ".bias". */
export function rewardNamedWeights(rm: RewardModel): Map<string, tf.Variable> {
  const map = namedWeights(rm.base);
  if (rm.head.weight) map.set(`${rm.head.name}.weight`, rm.head.weight);
  if (rm.head.bias) map.set(`${rm.head.name}.bias`, rm.head.bias);
  return map;
}

export function disposeRewardHead(rm: RewardModel): void {
  rm.head.weight?.dispose();
  rm.head.bias?.dispose();
}
