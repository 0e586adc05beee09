/**
 * Direct Preference Optimization (Rafailov et al. 2023) against a frozen reference policy:
 *
 *   loss = -log sigma(beta * [(log pi(y_c) - log ref(y_c)) - (log pi(y_r) - log ref(y_r))])
 *
 * with log pi(y) the summed log-probability of the completion's tokens (sequence.ts). The
 * reference's log-probs never change, so they are computed once, before training, and the
 * reference model can be freed. Metrics carry TRL's DPOTrainer names: the implicit rewards are
 * beta * (log pi - log ref); `rewards/accuracies` is the share of pairs whose chosen reward is
 * higher, `rewards/margins` the mean chosen - rejected reward.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mulberry32 } from '../model/random';
import type { Tokenizer } from '../model/tokenizer';
import type { GPT } from '../model/transformer';
import { pairWeightsTensor, weightedMean } from './losses';
import { trainStep } from './loop';
import { createAdamW, disposeAdamW, learningRateAt } from './optimizer';
import type { OnMethodStep, PreferencePair } from './reward-model';
import { buildSequenceBatch, chunks, disposeSequenceBatch, encodeSequence, mean, frozenLogProbs, sequenceLogProbs, shuffled } from './sequence';

export type DpoConfig = {
  /** Strength of the implicit KL constraint (TRL's default 0.1). */
  beta: number;
  learningRate: number;
  epochs: number;
  /** Pairs per step (2 x batchSize sequences). */
  batchSize: number;
  seed: number;
  weightDecay?: number;
};

export type DpoOutputs = {
  loss: tf.Scalar;
  /** beta * (log pi - log ref), [N] each. */
  chosenRewards: tf.Tensor1D;
  rejectedRewards: tf.Tensor1D;
};

/**
 * The DPO loss from summed log-probs [N] of policy and reference on chosen / rejected: the mean over
 * pairs, or with `weights` [N] (each pair's label confidence) the weighted mean sum(w_i l_i) / sum(w_i).
 */
export function dpoLoss(policyChosen: tf.Tensor1D, policyRejected: tf.Tensor1D, refChosen: tf.Tensor1D, refRejected: tf.Tensor1D, beta: number, weights?: tf.Tensor1D): DpoOutputs {
  return tf.tidy(() => {
    const chosenRewards = tf.mul(tf.sub(policyChosen, refChosen), beta) as tf.Tensor1D;
    const rejectedRewards = tf.mul(tf.sub(policyRejected, refRejected), beta) as tf.Tensor1D;
    // -log sigma(x) = softplus(-x), stable for large |x|
    const loss = weightedMean(tf.softplus(tf.neg(tf.sub(chosenRewards, rejectedRewards))), weights);
    return { loss, chosenRewards, rejectedRewards };
  });
}

export type DpoResult = { losses: number[]; metrics: Record<string, number> };

export async function trainDpo(model: GPT, vars: tf.Variable[], reference: GPT, tok: Tokenizer, pairs: PreferencePair[], cfg: DpoConfig, onStep?: OnMethodStep): Promise<DpoResult> {
  tf.util.assert(pairs.length > 0, () => 'trainDpo: no pairs');
  tf.util.assert(cfg.beta > 0, () => `trainDpo: beta must be > 0, got ${cfg.beta}`);
  const blockSize = model.config.blockSize;
  const chosen = pairs.map((p) => encodeSequence(tok, p.prompt, p.chosen, blockSize));
  const rejected = pairs.map((p) => encodeSequence(tok, p.prompt, p.rejected, blockSize));
  // Precomputed once: the reference is frozen.
  const refChosen = frozenLogProbs(reference, chosen).perSequence;
  const refRejected = frozenLogProbs(reference, rejected).perSequence;
  const items = pairs.map((_, i) => i);

  const optimizer = createAdamW({ learningRate: cfg.learningRate, ...(cfg.weightDecay === undefined ? {} : { weightDecay: cfg.weightDecay }) }, vars);
  const rng = mulberry32(cfg.seed);
  const totalSteps = Math.ceil(items.length / cfg.batchSize) * cfg.epochs;
  const schedule = { warmup: Math.max(1, Math.round(0.1 * totalSteps)), total: totalSteps, peak: cfg.learningRate, min: cfg.learningRate / 10 };
  const losses: number[] = [];
  const last = { accuracies: [] as number[], margins: [] as number[] };
  try {
    let step = 0;
    for (let epoch = 0; epoch < cfg.epochs; epoch++) {
      for (const group of chunks(shuffled(items, rng), cfg.batchSize)) {
        const b = group.length;
        const batch = buildSequenceBatch([...group.map((i) => chosen[i]), ...group.map((i) => rejected[i])]);
        const refC = tf.tensor1d(group.map((i) => refChosen[i]));
        const refR = tf.tensor1d(group.map((i) => refRejected[i]));
        const weights = pairWeightsTensor(group.map((i) => pairs[i].weight));
        let accuracy = 0;
        let margin = 0;
        let result;
        try {
          result = trainStep(
            vars,
            () => {
              const { perSequence } = sequenceLogProbs(model, batch, { training: true }); // [2B]
              const out = dpoLoss(tf.slice(perSequence, [0], [b]), tf.slice(perSequence, [b], [b]), refC, refR, cfg.beta, weights);
              const c = out.chosenRewards.dataSync();
              const r = out.rejectedRewards.dataSync();
              accuracy = mean(Array.from(c, (v, i) => (v > r[i] ? 1 : 0)));
              margin = mean(Array.from(c, (v, i) => v - r[i]));
              return out.loss;
            },
            optimizer,
            { learningRate: learningRateAt(step, schedule) },
          );
        } finally {
          disposeSequenceBatch(batch);
          tf.dispose(weights ? [refC, refR, weights] : [refC, refR]);
        }
        losses.push(result.loss);
        last.accuracies.push(accuracy);
        last.margins.push(margin);
        step++;
        await onStep?.({
          step,
          totalSteps,
          metrics: { loss: result.loss, 'rewards/accuracies': accuracy, 'rewards/margins': margin, learning_rate: result.learningRate, grad_norm: result.gradNorm, epoch },
        });
      }
    }
  } finally {
    disposeAdamW(optimizer);
  }
  // Metrics of the final epoch's steps (what TRL logs at the end of training).
  const perEpoch = Math.ceil(items.length / cfg.batchSize);
  return {
    losses,
    metrics: {
      loss: mean(losses.slice(-perEpoch)),
      'rewards/accuracies': mean(last.accuracies.slice(-perEpoch)),
      'rewards/margins': mean(last.margins.slice(-perEpoch)),
    },
  };
}
