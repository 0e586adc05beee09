/**
 * A linear projection y = x W + b, the one place every projection of the transformer goes
 * through (attention q/k/v/o, MLP fc/proj). PEFT hooks in here: a LoRA adapter adds its update
 * (lora.ts), and a quantized base replaces W by its on-the-fly dequantisation (quantize.ts).
 *
 * Weights are stored [in, out] so the forward pass is a plain product (see ops.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { loraUpdate, type LoraAdapter } from './lora';
import { matMulLast, matMulLastFrozen } from './ops';
import type { QuantizedWeight } from './quantize';
import { createVariable } from './variables';

// Kept importable from here, where existing callers look for them.
export { createVariable } from './variables';
export type { QuantizedWeight } from './quantize';

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

/** The float base weight [in, out]; a quantized one is dequantised (call inside a tidy). */
export function baseWeight(linear: Linear): tf.Tensor2D {
  if (linear.weight) return linear.weight as tf.Tensor2D;
  if (linear.quantized) return linear.quantized.dequantize();
  throw new Error(`Linear ${linear.name} has neither a float nor a quantized weight`);
}

/**
 * x: [..., in] -> [..., out]
 *
 * A quantized base goes through matMulLastFrozen: its dequantisation runs outside gradient
 * recording and is redone in the backward pass, so a QLoRA step keeps no dequantised weight nor
 * any of its temporaries alive between forward and backward (measured 10x the activation memory
 * of a float base before; see tests/unit/trainer/qlora-memory.test.ts).
 */
export function applyLinear(x: tf.Tensor, linear: Linear, options: ForwardOptions): tf.Tensor {
  let y: tf.Tensor;
  if (linear.weight) {
    y = matMulLast(x, linear.weight as tf.Tensor2D);
  } else if (linear.quantized) {
    const quantized = linear.quantized;
    y = matMulLastFrozen(x, () => quantized.dequantize(), [linear.inFeatures, linear.outFeatures]);
  } else {
    throw new Error(`Linear ${linear.name} has neither a float nor a quantized weight`);
  }
  if (linear.lora) y = tf.add(y, loraUpdate(x, linear.lora, options));
  if (linear.bias) y = tf.add(y, linear.bias);
  return y;
}

/**
 * A float linear with GPT-2 style init (normal, std 0.02) and zero bias. Unnamed variables (see
 * variables.ts); checkpoint names come from `linear.name`.
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
