/**
 * A linear projection y = x W + b, the one place every projection of the transformer goes
 * through (attention q/k/v/o, MLP fc/proj). PEFT hooks in here: a LoRA adapter adds
 * (x A B) * alpha/rank, and a quantized base replaces W by its on-the-fly dequantisation.
 *
 * Weights are stored [in, out] so the forward pass is a plain product (see ops.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { matMulLast } from './ops';
import type { QuantizedData } from './quantize';

export type LoraAdapter = {
  /** [in, rank], random init */
  a: tf.Variable;
  /** [rank, out], zero init so a fresh adapter leaves the output unchanged */
  b: tf.Variable;
  rank: number;
  alpha: number;
  dropout: number;
};

/** A frozen base weight kept in low precision and dequantised for each use (QLoRA). */
export type QuantizedWeight = {
  /** The quantized codes and scales as checkpoints store them (see quantize.ts). */
  data: QuantizedData;
  /** Returns the float weight [in, out]; called inside the caller's tf.tidy. */
  dequantize(): tf.Tensor2D;
  dispose(): void;
};

export type Linear = {
  /** Checkpoint name prefix, e.g. "h.0.attn.q". */
  name: string;
  inFeatures: number;
  outFeatures: number;
  /** [in, out]; null when the base is quantized. */
  weight: tf.Variable | null;
  quantized: QuantizedWeight | null;
  /** [out] */
  bias: tf.Variable | null;
  lora: LoraAdapter | null;
};

export type ForwardOptions = {
  /** Enables dropout (LoRA dropout, residual dropout). */
  training: boolean;
};

export function baseWeight(linear: Linear): tf.Tensor2D {
  if (linear.weight) return linear.weight as tf.Tensor2D;
  if (linear.quantized) return linear.quantized.dequantize();
  throw new Error(`Linear ${linear.name} has neither a float nor a quantized weight`);
}

/** x: [..., in] -> [..., out] */
export function applyLinear(x: tf.Tensor, linear: Linear, options: ForwardOptions): tf.Tensor {
  let y = matMulLast(x, baseWeight(linear));
  if (linear.lora) {
    const { a, b, rank, alpha, dropout } = linear.lora;
    const input = options.training && dropout > 0 ? tf.dropout(x, dropout) : x;
    const update = matMulLast(matMulLast(input, a as tf.Tensor2D), b as tf.Tensor2D);
    y = tf.add(y, tf.mul(update, alpha / rank));
  }
  if (linear.bias) y = tf.add(y, linear.bias);
  return y;
}

/**
 * A float linear with GPT-2 style init (normal, std 0.02) and zero bias.
 *
 * Variables are left unnamed on purpose: tfjs registers variable names globally and throws on a
 * duplicate, which would forbid two models in one process (policy + frozen reference in DPO).
 * Checkpoint names come from `linear.name` instead.
 */
export function createLinear(name: string, inFeatures: number, outFeatures: number, options: { bias: boolean; std?: number; seed?: number }): Linear {
  const std = options.std ?? 0.02;
  return {
    name,
    inFeatures,
    outFeatures,
    weight: createVariable(() => tf.randomNormal([inFeatures, outFeatures], 0, std, 'float32', options.seed)),
    quantized: null,
    bias: options.bias ? createVariable(() => tf.zeros([outFeatures])) : null,
    lora: null,
  };
}

/**
 * A trainable, unnamed variable from an initialiser. The initial tensor is made inside a tidy so it
 * is freed once the variable holds its data (tf.variable adds a reference, it does not take one).
 */
export function createVariable(init: () => tf.Tensor, trainable = true): tf.Variable {
  return tf.tidy(() => tf.variable(init(), trainable));
}
