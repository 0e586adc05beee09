/**
 * Prefix tuning (Li & Liang 2021): every attention layer gets P learned key and value vectors per
 * head, [nHead, P, headDim] each, which every query attends to in addition to the real positions
 * (no causal mask over them: they stand before the sequence). The model stays frozen.
 * The attention code (transformer.ts) reads `model.prefixTuning`.
 *
 * The paper reparameterises the prefixes through an MLP during training for stability on large
 * models; on our small models direct parameters with a small normal init train fine, so we keep
 * the simple form (and the checkpoint stores exactly what the forward pass uses).
 */
import * as tf from '@tensorflow/tfjs-core';
import { headDim } from './config';
import { createPeftVariable } from './variables';
import type { GPT } from './transformer';

export type PrefixTuningOptions = {
  /** Number of prefix positions P per layer. */
  numVirtualTokens: number;
  /** Std of the normal init (GPT-2 weight scale). */
  std?: number;
  seed?: number;
};

export function addPrefixTuning(model: GPT, options: PrefixTuningOptions): void {
  const P = options.numVirtualTokens;
  if (model.prefixTuning) throw new Error('Prefix tuning: the model already has prefixes');
  if (!(Number.isInteger(P) && P > 0)) throw new Error(`Prefix tuning: numVirtualTokens must be a positive integer, got ${P}`);
  const { nLayer, nHead } = model.config;
  const shape = [nHead, P, headDim(model.config)]; // [nHead, P, headDim]
  const std = options.std ?? 0.02;
  // Distinct seeds per tensor so keys and values of different layers are not copies of each other.
  const seedOf = (i: number) => (options.seed === undefined ? undefined : options.seed * 1000 + i);
  const keys: tf.Variable[] = [];
  const values: tf.Variable[] = [];
  for (let l = 0; l < nLayer; l++) {
    keys.push(createPeftVariable('prefix_keys', () => tf.randomNormal(shape, 0, std, 'float32', seedOf(2 * l))));
    values.push(createPeftVariable('prefix_values', () => tf.randomNormal(shape, 0, std, 'float32', seedOf(2 * l + 1))));
  }
  model.prefixTuning = { keys, values };
}

export function removePrefixTuning(model: GPT): void {
  if (!model.prefixTuning) return;
  for (const v of [...model.prefixTuning.keys, ...model.prefixTuning.values]) v.dispose();
  model.prefixTuning = null;
}

export function prefixTuningVariables(model: GPT): tf.Variable[] {
  return model.prefixTuning ? [...model.prefixTuning.keys, ...model.prefixTuning.values] : [];
}
