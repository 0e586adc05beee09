/**
 * QLoRA (Dettmers et al. 2023): the frozen base weights of every transformer block are stored in
 * 4-bit (NF4 or blockwise absmax) and dequantised on the fly inside the forward pass, while LoRA
 * adapters in float train on top. Gradients flow through the dequantised weight to the adapters'
 * inputs; the codes themselves never change. Embeddings, layer norms and biases stay float (as in
 * the paper, only the linear layers are quantized).
 *
 * In memory a 4-bit weight costs 4/6 of a byte per element on the device (see quantize.ts) plus
 * 4 bytes per block for its absmax.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Linear } from './linear';
import { createQuantizedWeight, DEFAULT_BLOCK_SIZE, quantizeTensor, type QuantizedWeightOptions, type QuantScheme } from './quantize';
import { blockLinears, type GPT } from './transformer';

export { blockLinears } from './transformer';

/**
 * Replaces a linear's float weight by its quantized form (the float variable is freed), so the
 * forward pass dequantises it on the fly. A LoRA adapter on the layer is kept.
 */
export function quantizeLinear(linear: Linear, scheme: QuantScheme, blockSize = DEFAULT_BLOCK_SIZE, options: QuantizedWeightOptions = {}): void {
  if (linear.quantized) throw new Error(`Quantize: ${linear.name} is already quantized`);
  if (!linear.weight) throw new Error(`Quantize: ${linear.name} has no float weight`);
  const data = quantizeTensor(linear.weight as tf.Tensor2D, scheme, blockSize);
  linear.quantized = createQuantizedWeight(data, options);
  linear.weight.dispose();
  linear.weight = null;
}

/** Quantizes every block linear's float weight (QLoRA uses 'nf4' / 'absmax4'; serving may use 'int8'). */
export function quantizeModelBase(model: GPT, scheme: QuantScheme, blockSize = DEFAULT_BLOCK_SIZE, options: QuantizedWeightOptions = {}): void {
  for (const linear of blockLinears(model)) {
    if (!linear.quantized) quantizeLinear(linear, scheme, blockSize, options);
  }
}

export function isBaseQuantized(model: GPT): boolean {
  return blockLinears(model).every((linear) => linear.quantized !== null && linear.weight === null);
}
