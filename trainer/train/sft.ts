/**
 * Supervised fine-tuning on (prompt, completion) examples: edited answers and top-rated
 * completions. Masked next-token cross-entropy over the completion (and its eos) only: the prompt
 * is given, not something the policy should learn to write.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mulberry32 } from '../model/random';
import type { Tokenizer } from '../model/tokenizer';
import type { GPT } from '../model/transformer';
import { trainStep } from './loop';
import { createAdamW, disposeAdamW, learningRateAt } from './optimizer';
import type { OnMethodStep } from './reward-model';
import { buildSequenceBatch, chunks, disposeSequenceBatch, encodeSequence, sequenceLogProbs, shuffled, type PromptInput } from './sequence';

export type SftExample = { prompt: PromptInput; completion: string };

export type SftConfig = {
  /** Peak AdamW learning rate (warm-up 10% of steps, cosine to a tenth). */
  learningRate: number;
  /** Passes over the examples. */
  epochs: number;
  /** Sequences per step. */
  batchSize: number;
  seed: number;
  /** Decoupled weight decay (default AdamW's 0.1). */
  weightDecay?: number;
};

/**
 * Trains `vars` (trainableVariables(model, peft)) on the examples; returns the loss of each step.
 * Loss = sum of completion-token NLL / number of completion tokens in the batch (token mean, so
 * long answers weigh by their length, as in TRL's SFTTrainer with completion_only_loss).
 */
export async function trainSft(model: GPT, vars: tf.Variable[], tok: Tokenizer, examples: SftExample[], cfg: SftConfig, onStep?: OnMethodStep): Promise<{ losses: number[] }> {
  tf.util.assert(examples.length > 0, () => 'trainSft: no examples');
  const encoded = examples.map((e) => encodeSequence(tok, e.prompt, e.completion, model.config.blockSize));
  const optimizer = createAdamW({ learningRate: cfg.learningRate, ...(cfg.weightDecay === undefined ? {} : { weightDecay: cfg.weightDecay }) }, vars);
  const rng = mulberry32(cfg.seed);
  const totalSteps = Math.ceil(encoded.length / cfg.batchSize) * cfg.epochs;
  const schedule = { warmup: Math.max(1, Math.round(0.1 * totalSteps)), total: totalSteps, peak: cfg.learningRate, min: cfg.learningRate / 10 };
  const losses: number[] = [];
  try {
    let step = 0;
    for (let epoch = 0; epoch < cfg.epochs; epoch++) {
      for (const group of chunks(shuffled(encoded, rng), cfg.batchSize)) {
        const batch = buildSequenceBatch(group);
        let result;
        try {
          result = trainStep(vars, () => sftLoss(model, batch), optimizer, { learningRate: learningRateAt(step, schedule) });
        } finally {
          disposeSequenceBatch(batch);
        }
        losses.push(result.loss);
        step++;
        await onStep?.({ step, totalSteps, metrics: { loss: result.loss, learning_rate: result.learningRate, grad_norm: result.gradNorm, epoch } });
      }
    }
  } finally {
    disposeAdamW(optimizer);
  }
  return { losses };
}

/** Token-mean NLL of the completion tokens of a batch. */
export function sftLoss(model: GPT, batch: ReturnType<typeof buildSequenceBatch>): tf.Scalar {
  return tf.tidy(() => {
    const { perToken } = sequenceLogProbs(model, batch, { training: true }); // [B, T], 0 off the mask
    return tf.div(tf.neg(tf.sum(perToken)), tf.maximum(tf.sum(batch.mask), 1)) as tf.Scalar;
  });
}
