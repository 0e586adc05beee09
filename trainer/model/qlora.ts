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
import type { Linear } from './linear';
import { DEFAULT_BLOCK_SIZE, quantizeLinear, type QuantizedWeightOptions, type QuantScheme } from './quantize';
import type { GPT } from './transformer';

/** Every linear projection inside the transformer blocks, in a stable order. */
export function blockLinears(model: GPT): Linear[] {
  return model.blocks.flatMap((block) => [block.attn.q, block.attn.k, block.attn.v, block.attn.o, block.mlp.fc, block.mlp.proj]);
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
