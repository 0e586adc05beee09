/**
 * LoRA (Hu et al. 2021): a frozen weight W [in, out] plus a trainable low-rank update,
 *   y = x W + (x A B) * alpha / rank,   A [in, r], B [r, out].
 * A starts random and B at zero, so a fresh adapter leaves the layer's output exactly unchanged and
 * training starts from the base model. A uses PEFT's Kaiming-uniform init (a = sqrt(5)), i.e.
 * U(-1/sqrt(in), 1/sqrt(in)), so the gradient reaching B has the scale of the input.
 *
 * Merging folds the update into the weight (W += A B * alpha / rank) so inference costs exactly a
 * plain linear. A quantized base (QLoRA) is dequantised first and becomes a float weight: merging
 * into 4-bit codes would add the quantization error of the sum on top of the adapter.
 *
 * This file is LoRA's one home: the adapter type, its scale, its forward term (which linear.ts
 * adds to the base product) and its life cycle on a layer.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Linear } from './linear';
import { matMul2d, matMulLast } from './ops';
import { createPeftVariable, createVariable } from './variables';

export type LoraAdapter = {
  /** [in, rank], random init */
  a: tf.Variable;
  /** [rank, out], zero init so a fresh adapter leaves the output unchanged */
  b: tf.Variable;
  rank: number;
  alpha: number;
  dropout: number;
};

export type LoraOptions = {
  /** Rank r of the update (PEFT default 8). */
  rank: number;
  /** Scale numerator: the update is multiplied by alpha / rank (PEFT default 8 -> scale 1). */
  alpha: number;
  /** Dropout on the adapter's input while training (PEFT default 0). */
  dropout: number;
  /** Seed of A's init, for reproducible runs. */
  seed?: number;
};

/** alpha / rank: keeps the update's size comparable when the rank changes. */
export function loraScale(adapter: LoraAdapter): number {
  return adapter.alpha / adapter.rank;
}

/** The adapter's term of the layer output, (dropout(x) A B) * alpha / rank. x: [..., in] -> [..., out]. */
export function loraUpdate(x: tf.Tensor, adapter: LoraAdapter, options: { training: boolean }): tf.Tensor {
  const input = options.training && adapter.dropout > 0 ? tf.dropout(x, adapter.dropout) : x;
  const update = matMulLast(matMulLast(input, adapter.a as tf.Tensor2D), adapter.b as tf.Tensor2D);
  return tf.mul(update, loraScale(adapter));
}

/** Attaches a fresh adapter to `linear` (which must not have one) and returns it. */
export function addLora(linear: Linear, options: LoraOptions): LoraAdapter {
  const { rank, alpha, dropout, seed } = options;
  if (linear.lora) throw new Error(`LoRA: ${linear.name} already has an adapter`);
  if (!(Number.isInteger(rank) && rank > 0)) throw new Error(`LoRA: rank must be a positive integer, got ${rank}`);
  if (!(alpha > 0)) throw new Error(`LoRA: alpha must be positive, got ${alpha}`);
  if (!(dropout >= 0 && dropout < 1)) throw new Error(`LoRA: dropout must be in [0, 1), got ${dropout}`);
  const bound = 1 / Math.sqrt(linear.inFeatures);
  const adapter: LoraAdapter = {
    a: createPeftVariable('lora_a', () => tf.randomUniform([linear.inFeatures, rank], -bound, bound, 'float32', seed)), // [in, r]
    b: createPeftVariable('lora_b', () => tf.zeros([rank, linear.outFeatures])), // [r, out]
    rank,
    alpha,
    dropout,
  };
  linear.lora = adapter;
  return adapter;
}

/** The float update A B * alpha / rank, [in, out]. Call inside a tidy. */
export function loraDelta(adapter: LoraAdapter): tf.Tensor2D {
  return tf.mul(matMul2d(adapter.a as tf.Tensor2D, adapter.b as tf.Tensor2D), loraScale(adapter)) as tf.Tensor2D;
}

/**
 * Folds the adapter into the base weight and removes it. A quantized base becomes a float weight
 * holding dequantize(W) + A B * alpha / rank. No-op when the layer has no adapter.
 */
export function mergeLoraInto(linear: Linear): void {
  const adapter = linear.lora;
  if (!adapter) return;
  if (linear.weight) {
    const weight = linear.weight;
    tf.tidy(() => weight.assign(tf.add(weight, loraDelta(adapter))));
  } else if (linear.quantized) {
    const quantized = linear.quantized;
    linear.weight = createVariable(() => tf.add(quantized.dequantize(), loraDelta(adapter)));
    quantized.dispose();
    linear.quantized = null;
  } else {
    throw new Error(`LoRA merge: ${linear.name} has neither a float nor a quantized weight`);
  }
  removeLora(linear);
}

/** Drops the adapter without merging it, freeing its variables. */
export function removeLora(linear: Linear): void {
  if (!linear.lora) return;
  linear.lora.a.dispose();
  linear.lora.b.dispose();
  linear.lora = null;
}

export function loraVariables(linear: Linear): tf.Variable[] {
  return linear.lora ? [linear.lora.a, linear.lora.b] : [];
}
