/**
 * Online RL against a reward model with a KL penalty to a frozen reference: RLOO
 * (Ahmadian et al. 2024, "Back to Basics"; TRL's RLOOTrainer), with PPO's clipped ratio.
 *
 * Why RLOO: it needs no value head (PPO's critic would be a second network to train, and on a
 * 2-core machine every extra forward/backward counts), and its baseline is unbiased: with k samples
 * of a prompt, each sample's baseline is the mean reward of the other k - 1. GRPO would also do;
 * it divides by the group's std, which over-weights prompts whose samples all score alike (most
 * prompts here, where the k answers are often all right or all wrong), and it needs k >= 2 too.
 *
 * One iteration:
 *  1. rollouts: promptsPerIteration prompts x k samples at temperature 1, no top-k / top-p, so the
 *     samples come from the policy itself (sample.ts);
 *  2. scores: the reward model on each completion; a completion that never wrote eos gets
 *     `missingEosPenalty` subtracted (TRL's missing_eos_penalty);
 *  3. old log-probs recomputed with the training forward pass (not the sampler's numbers: the
 *     KV-cached decode rounds differently, and the ratio must be exactly 1 before the first
 *     update), reference log-probs from the frozen reference, both without gradient;
 *  4. per-token KL estimate kl_t = log pi_old(y_t) - log ref(y_t); the sequence's
 *     rlhf_reward = score - klCoef * sum_t kl_t (TRL's objective/rlhf_reward, objective/kl);
 *  5. advantage = rlhf_reward - mean of the other k - 1 rlhf_rewards (not whitened);
 *  6. `epochs` passes over the rollouts in minibatches of `batchSize` rows; per token the loss is
 *     max(-A * ratio, -A * clip(ratio, 1 - eps, 1 + eps)), ratio = pi / pi_old, averaged over each
 *     sequence's completion tokens, then over the sequences of the minibatch.
 */
import * as tf from '@tensorflow/tfjs-core';
import { encodePrompt } from '../model/chat-template';
import { mulberry32 } from '../model/random';
import { sample } from '../model/sample';
import type { Tokenizer } from '../model/tokenizer';
import type { GPT } from '../model/transformer';
import { trainStep } from './loop';
import { createAdamW, disposeAdamW, learningRateAt } from './optimizer';
import type { OnMethodStep } from './reward-model';
import {
  alignPerToken,
  buildSequenceBatch,
  chunks,
  disposeSequenceBatch,
  mean,
  frozenLogProbs,
  sequenceLogProbs,
  shuffled,
  truncateSequence,
  type EncodedSequence,
  type PromptInput,
} from './sequence';

export type RlConfig = {
  /** k samples per prompt (RLOO's group; >= 2). */
  samplesPerPrompt: number;
  promptsPerIteration: number;
  iterations: number;
  /** Per-token KL penalty coefficient (TRL's kl_coef; 0.05 default there). */
  klCoef: number;
  /** PPO clip of the probability ratio (0.2). */
  clipRange: number;
  maxNewTokens: number;
  learningRate: number;
  /** Optimisation passes over each iteration's rollouts (TRL's num_ppo_epochs). */
  epochs: number;
  /** Rollout rows per optimisation step. */
  batchSize: number;
  seed: number;
  /** Subtracted from the score of a completion without eos (default 1). */
  missingEosPenalty?: number;
  weightDecay?: number;
};

/** Rewards of completions, one per item; the RM in the pipeline, anything in tests. */
export type RewardFn = (items: Array<{ prompt: PromptInput; completion: string }>) => number[] | Promise<number[]>;

export type RlResult = {
  /** Per iteration: mean score, rlhf_reward, kl. */
  curves: { 'objective/scores': number[]; 'objective/rlhf_reward': number[]; 'objective/kl': number[] };
  metrics: Record<string, number>;
};

/** Leave-one-out advantages of groups of k consecutive rewards. */
export function rlooAdvantages(rewards: number[], k: number): number[] {
  tf.util.assert(k >= 2 && rewards.length % k === 0, () => `rlooAdvantages: ${rewards.length} rewards do not form groups of ${k} (k >= 2)`);
  const out: number[] = [];
  for (let g = 0; g < rewards.length; g += k) {
    const group = rewards.slice(g, g + k);
    const total = group.reduce((s, r) => s + r, 0);
    for (const r of group) out.push(r - (total - r) / (k - 1));
  }
  return out;
}

/** Clipped-ratio policy loss (sequence-mean of token means) and the share of tokens where the clip was active. */
export function clippedPolicyLoss(logProbs: tf.Tensor2D, oldLogProbs: tf.Tensor2D, advantages: tf.Tensor1D, mask: tf.Tensor2D, clipRange: number): { loss: tf.Scalar; clipFraction: tf.Scalar } {
  return tf.tidy(() => {
    const ratio = tf.exp(tf.sub(logProbs, oldLogProbs)); // [B, T]
    const adv = tf.expandDims(advantages, 1); // [B, 1]
    const unclipped = tf.mul(tf.neg(adv), ratio);
    const clipped = tf.mul(tf.neg(adv), tf.clipByValue(ratio, 1 - clipRange, 1 + clipRange));
    const perToken = tf.mul(tf.maximum(unclipped, clipped), mask); // [B, T]
    // Each sequence weighs the same (mean over its own tokens, then over sequences). A mean over
    // all tokens of the batch lets long rollouts dominate: measured on the built-in model, the
    // long, eos-less (penalised) ones then pushed their tokens down hardest, entropy rose and the
    // policy rambled more each iteration.
    const lengths = tf.maximum(tf.sum(mask, 1), 1); // [B]
    const loss = tf.mean(tf.div(tf.sum(perToken, 1), lengths)) as tf.Scalar;
    const clipFraction = tf.div(tf.sum(tf.mul(tf.cast(tf.greater(clipped, unclipped), 'float32'), mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
    return { loss, clipFraction };
  });
}

export async function trainRloo(policy: GPT, vars: tf.Variable[], reference: GPT, tok: Tokenizer, prompts: PromptInput[], reward: RewardFn, cfg: RlConfig, onStep?: OnMethodStep): Promise<RlResult> {
  const k = cfg.samplesPerPrompt;
  tf.util.assert(k >= 2, () => `trainRloo: samplesPerPrompt must be >= 2 (RLOO's baseline needs another sample), got ${k}`);
  tf.util.assert(prompts.length > 0, () => 'trainRloo: no prompts');
  const penalty = cfg.missingEosPenalty ?? 1;
  const rng = mulberry32(cfg.seed);
  const rowsPerIteration = cfg.promptsPerIteration * k;
  const stepsPerIteration = Math.ceil(rowsPerIteration / cfg.batchSize) * cfg.epochs;
  const totalSteps = stepsPerIteration * cfg.iterations;
  const schedule = { warmup: Math.max(1, Math.round(0.05 * totalSteps)), total: totalSteps, peak: cfg.learningRate, min: cfg.learningRate / 10 };
  const optimizer = createAdamW({ learningRate: cfg.learningRate, ...(cfg.weightDecay === undefined ? {} : { weightDecay: cfg.weightDecay }) }, vars);
  const curves: RlResult['curves'] = { 'objective/scores': [], 'objective/rlhf_reward': [], 'objective/kl': [] };
  let lastMetrics: Record<string, number> = {};
  let order = shuffled(prompts, rng);
  let cursor = 0;
  const nextPrompts = (): PromptInput[] => {
    const out: PromptInput[] = [];
    while (out.length < cfg.promptsPerIteration) {
      if (cursor >= order.length) {
        order = shuffled(prompts, rng);
        cursor = 0;
      }
      out.push(order[cursor++]);
    }
    return out;
  };

  try {
    let step = 0;
    for (let iteration = 0; iteration < cfg.iterations; iteration++) {
      // 1. rollouts
      const batchPrompts = nextPrompts();
      const promptIds = batchPrompts.map((p) => encodePrompt(tok, p));
      const room = policy.config.blockSize - Math.max(...promptIds.map((p) => p.length));
      tf.util.assert(room >= 1, () => `trainRloo: a prompt fills the model's context (${policy.config.blockSize} tokens)`);
      const samples = await sample(policy, tok, promptIds, { temperature: 1, maxNewTokens: Math.min(cfg.maxNewTokens, room), n: k, seed: Math.floor(rng() * 2 ** 31) });
      const rows: Array<{ prompt: PromptInput; seq: EncodedSequence; text: string; hasEos: boolean }> = [];
      samples.forEach((group, p) =>
        group.forEach((s) => {
          const tokens = s.tokens.length > 0 ? s.tokens : [tok.eos];
          rows.push({
            prompt: batchPrompts[p],
            seq: truncateSequence({ tokens: [...promptIds[p], ...tokens], promptLength: promptIds[p].length }, policy.config.blockSize),
            text: s.text,
            hasEos: s.finishReason === 'eos',
          });
        }),
      );
      const sequences = rows.map((r) => r.seq);

      // 2. scores
      const raw = await reward(rows.map((r) => ({ prompt: r.prompt, completion: r.text })));
      tf.util.assert(raw.length === rows.length, () => `trainRloo: the reward function returned ${raw.length} scores for ${rows.length} completions`);
      const scores = raw.map((s, i) => (rows[i].hasEos ? s : s - penalty));

      // 3. old and reference log-probs, no gradient
      const old = frozenLogProbs(policy, sequences);
      const ref = frozenLogProbs(reference, sequences);

      // 4-5. KL, rlhf reward, RLOO advantages
      const kl = old.perToken.map((lp, i) => lp.reduce((s, v, j) => s + v - ref.perToken[i][j], 0));
      const rlhfReward = scores.map((s, i) => s - cfg.klCoef * kl[i]);
      // Not whitened (TRL's RLOO default): whitening blows a reward model's near-ties up into
      // full-size updates; measured here, it drove KL and entropy up while the RM score fell.
      const advantages = rlooAdvantages(rlhfReward, k);
      const iterationMetrics = {
        'objective/scores': mean(scores),
        'objective/rlhf_reward': mean(rlhfReward),
        'objective/kl': mean(kl),
        'objective/entropy': -mean(old.perSequence),
        completion_length: mean(rows.map((r) => r.seq.tokens.length - r.seq.promptLength)),
        eos_rate: mean(rows.map((r) => (r.hasEos ? 1 : 0))),
      };
      curves['objective/scores'].push(iterationMetrics['objective/scores']);
      curves['objective/rlhf_reward'].push(iterationMetrics['objective/rlhf_reward']);
      curves['objective/kl'].push(iterationMetrics['objective/kl']);

      // 6. clipped policy-gradient steps
      const indices = rows.map((_, i) => i);
      for (let epoch = 0; epoch < cfg.epochs; epoch++) {
        for (const group of chunks(shuffled(indices, rng), cfg.batchSize)) {
          const seqs = group.map((i) => sequences[i]);
          const batch = buildSequenceBatch(seqs);
          const t = batch.inputs.shape[1];
          const oldLp = alignPerToken(
            seqs,
            group.map((i) => old.perToken[i]),
            t,
          );
          const adv = tf.tensor1d(group.map((i) => advantages[i]));
          let clipFraction = 0;
          let result;
          try {
            result = trainStep(
              vars,
              () => {
                const { perToken } = sequenceLogProbs(policy, batch, { training: true });
                const out = clippedPolicyLoss(perToken, oldLp, adv, batch.mask, cfg.clipRange);
                clipFraction = out.clipFraction.dataSync()[0];
                return out.loss;
              },
              optimizer,
              { learningRate: learningRateAt(step, schedule) },
            );
          } finally {
            disposeSequenceBatch(batch);
            tf.dispose([oldLp, adv]);
          }
          step++;
          lastMetrics = { ...iterationMetrics, 'loss/policy': result.loss, 'policy/clipfrac': clipFraction, learning_rate: result.learningRate, grad_norm: result.gradNorm, iteration };
          await onStep?.({ step, totalSteps, metrics: lastMetrics });
        }
      }
    }
  } finally {
    disposeAdamW(optimizer);
  }
  return { curves, metrics: lastMetrics };
}
