/**
 * Parameter-efficient fine-tuning: one entry point that turns a base model into what a PEFT config
 * trains, and tells the training loop which variables to update.
 *
 * - full: every base weight trains.
 * - lora: adapters on the target projections of every block; only A and B train.
 * - qlora: every block linear is quantized to 4-bit first, then LoRA as above.
 * - prompt: P virtual-token embeddings; only they train.
 * - prefix: per-layer key/value prefixes; only they train.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Linear } from './linear';
import { addLora, loraVariables, mergeLoraInto } from './lora';
import type { LoraTarget, PeftConfig } from './peft-config';
import { addPrefixTuning, prefixTuningVariables } from './prefix-tuning';
import { addPromptTuning, promptTuningVariables } from './prompt-tuning';
import { quantizeModelBase } from './qlora';
import { quantizedElementCount } from './quantize';
import { blockProjection, modelLinears, namedWeights, type GPT } from './transformer';

export { ZLoraTarget, ZPeftConfig, type LoraTarget, type PeftConfig } from './peft-config';

/** The target projections of every block, layer by layer. */
export function targetLinears(model: GPT, targets: readonly LoraTarget[]): Linear[] {
  if (targets.length === 0) throw new Error('LoRA: targets must name at least one projection');
  return model.blocks.flatMap((block) => targets.map((target) => blockProjection(block, target)));
}

/** Adds what `config` trains to the model (adapters, virtual tokens, prefixes) or quantizes its base. */
export type ApplyPeftOptions = {
  seed?: number;
  /** Prefix tuning: real token sequences whose activations start the prefixes (see prefix-tuning.ts). */
  prefixInitIds?: number[][];
};

export function applyPeft(model: GPT, config: PeftConfig, options: ApplyPeftOptions = {}): void {
  switch (config.method) {
    case 'full':
      return;
    case 'qlora':
      quantizeModelBase(model, config.scheme, config.blockSize);
      addLoraAdapters(model, config, options.seed);
      return;
    case 'lora':
      addLoraAdapters(model, config, options.seed);
      return;
    case 'prompt':
      addPromptTuning(model, { numVirtualTokens: config.numVirtualTokens, seed: options.seed });
      return;
    case 'prefix':
      addPrefixTuning(model, { numVirtualTokens: config.numVirtualTokens, seed: options.seed, initIds: options.prefixInitIds });
      return;
  }
}

function addLoraAdapters(model: GPT, config: { rank: number; alpha: number; dropout: number; targets: LoraTarget[] }, seed: number | undefined): void {
  targetLinears(model, config.targets).forEach((linear, i) => {
    // One seed per adapter: equal seeds would give every A the same init.
    addLora(linear, { rank: config.rank, alpha: config.alpha, dropout: config.dropout, seed: seed === undefined ? undefined : seed + i });
  });
}

/** Every PEFT variable the model currently holds (LoRA A/B, virtual tokens, prefixes). */
export function adapterVariables(model: GPT): tf.Variable[] {
  return [...allLinears(model).flatMap(loraVariables), ...promptTuningVariables(model), ...prefixTuningVariables(model)];
}

/** Exactly the variables that `config` trains; everything else stays frozen. */
export function trainableVariables(model: GPT, config: PeftConfig): tf.Variable[] {
  switch (config.method) {
    case 'full': {
      const quantized = allLinears(model).filter((l) => l.quantized);
      if (quantized.length > 0) throw new Error(`Full fine-tuning needs float weights, but ${quantized[0].name} is quantized`);
      const adapters = new Set(adapterVariables(model));
      return [...namedWeights(model).values()].filter((v) => !adapters.has(v));
    }
    case 'lora':
    case 'qlora': {
      const vars = allLinears(model).flatMap(loraVariables);
      if (vars.length === 0) throw new Error(`${config.method}: the model has no LoRA adapters (call applyPeft first)`);
      return vars;
    }
    case 'prompt':
      if (!model.promptTuning) throw new Error('prompt: the model has no virtual tokens (call applyPeft first)');
      return promptTuningVariables(model);
    case 'prefix':
      if (!model.prefixTuning) throw new Error('prefix: the model has no prefixes (call applyPeft first)');
      return prefixTuningVariables(model);
  }
}

/** Parameters the model holds (quantized weights by element count) and those `config` trains. */
export function countParameters(model: GPT, config: PeftConfig): { total: number; trainable: number } {
  const variables = new Set([...namedWeights(model).values(), ...adapterVariables(model)]);
  let total = 0;
  for (const v of variables) total += v.size;
  for (const linear of allLinears(model)) {
    if (!linear.weight && linear.quantized) total += quantizedElementCount(linear.quantized.data);
  }
  const trainable = trainableVariables(model, config).reduce((sum, v) => sum + v.size, 0);
  return { total, trainable };
}

/** Folds every LoRA adapter into its base weight (quantized bases become float) and removes it. */
export function mergeLora(model: GPT): void {
  for (const linear of allLinears(model)) mergeLoraInto(linear);
}

/** Block linears plus an untied LM head (transformer.ts's checkpoint order). */
export function allLinears(model: GPT): Linear[] {
  return modelLinears(model);
}
