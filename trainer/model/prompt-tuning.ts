/**
 * Prompt tuning (Lester et al. 2021): P learned "virtual token" embeddings [P, C] placed before
 * the token embeddings of every sequence; the model stays frozen and only these P * C numbers train.
 * The forward pass (transformer.ts) reads `model.promptTuning`, counts positions including the
 * virtual tokens (so P + T <= blockSize) and returns logits only for the real tokens.
 *
 * Init: copies of the embeddings of random vocabulary tokens, which the paper found better than a
 * random init (the prompt starts inside the region of embedding space the model understands). The
 * paper samples from the 5,000 most common tokens; with BPE vocabularies low ids are roughly the
 * frequent ones, so we sample ids below min(vocabSize, 5000).
 */
import * as tf from '@tensorflow/tfjs-core';
import { createPeftVariable } from './variables';
import type { GPT } from './transformer';

export type PromptTuningOptions = {
  /** Number of virtual tokens P (the paper uses 5-100; 16-20 is a common default). */
  numVirtualTokens: number;
  /** Seed of the choice of initial tokens. */
  seed?: number;
};

const INIT_VOCAB_LIMIT = 5000;

export function addPromptTuning(model: GPT, options: PromptTuningOptions): void {
  const P = options.numVirtualTokens;
  if (model.promptTuning) throw new Error('Prompt tuning: the model already has virtual tokens');
  if (!(Number.isInteger(P) && P > 0)) throw new Error(`Prompt tuning: numVirtualTokens must be a positive integer, got ${P}`);
  if (P >= model.config.blockSize) {
    throw new Error(`Prompt tuning: ${P} virtual tokens leave no room in a context of ${model.config.blockSize}`);
  }
  const limit = Math.min(model.config.vocabSize, INIT_VOCAB_LIMIT);
  const embeddings = createPeftVariable('prompt_tuning', () => {
    const ids = tf.randomUniform([P], 0, limit, 'int32', options.seed) as tf.Tensor1D; // [P]
    return tf.gather(model.wte, ids); // [P, C]
  });
  model.promptTuning = { embeddings };
}

export function removePromptTuning(model: GPT): void {
  if (!model.promptTuning) return;
  model.promptTuning.embeddings.dispose();
  model.promptTuning = null;
}

export function promptTuningVariables(model: GPT): tf.Variable[] {
  return model.promptTuning ? [model.promptTuning.embeddings] : [];
}
