/**
 * Evaluation of a new policy against the previous one on held-out prompts.
 *
 * - Greedy samples of both policies on the same prompts (greedy: the deterministic answer a user
 *   gets, and no sampling noise between the two).
 * - `eval/reward_new` / `eval/reward_previous`: mean reward-model score of each; `eval/win_rate`:
 *   share of prompts where the new answer scores higher (ties, e.g. identical answers, count half).
 * - `eval/kl_to_reference`: KL(new || reference) summed over the completion positions of the new
 *   policy's greedy answers, averaged over prompts. Exact per position (the whole next-token
 *   distributions, not a one-sample estimate), so greedy answers are a valid place to measure it.
 * - `eval/perplexity_new` / `_previous`: exp(mean NLL) of the assistant tokens of a fixed reference
 *   corpus (e.g. the reference solutions of fixed held-out problems): rising perplexity is the sign
 *   of catastrophic forgetting.
 * - With a judge (0..1 per answer): `eval/judge_new` / `_previous`, the mean judged quality (the
 *   fraction correct for a 0/1 judge), each with its standard error sqrt(p (1 - p) / n).
 *
 * How many prompts: at p = 0.5 the standard error is 0.5 / sqrt(n); for a 5-point change to exceed
 * two standard errors of one policy's estimate, 2 * 0.5 / sqrt(n) <= 0.05, so n >= 400 (the
 * round form's default). The difference between two policies on the same prompts is paired (most
 * answers do not change), so its error is smaller than sqrt(2) times that; with independent prompt
 * sets it would be sqrt(2) larger and need n >= 800.
 */
import * as tf from '@tensorflow/tfjs-core';
import { encodeChat, encodePrompt, type ChatMessage } from '../model/chat-template';
import { sample } from '../model/sample';
import type { Tokenizer } from '../model/tokenizer';
import { forward, type GPT } from '../model/transformer';
import { scoreCompletions, type LikelihoodRewardModel, type OnMethodStep } from './reward-model';
import { buildSequenceBatch, chunks, disposeSequenceBatch, encodeSequence, mean, type EncodedSequence, type PromptInput } from './sequence';

export type JudgeFn = (prompt: string, completion: string) => number;

export type EvaluateOptions = {
  newPolicy: GPT;
  previousPolicy: GPT;
  /** Frozen reference for the KL; omitted = no KL. */
  reference?: GPT | null;
  rm?: LikelihoodRewardModel | null;
  tokenizer: Tokenizer;
  prompts: PromptInput[];
  referenceChats: ChatMessage[][];
  judge?: JudgeFn;
  /** Default 128. */
  maxNewTokens?: number;
  /** Prompts sampled together (default 64). */
  batchSize?: number;
  onStep?: OnMethodStep;
};

export type EvaluationSample = { prompt: PromptInput; newCompletion: string; previousCompletion: string; newReward?: number; previousReward?: number; newJudge?: number; previousJudge?: number };

export type EvaluationResult = { metrics: Record<string, number>; samples: EvaluationSample[] };

/** The text a judge reads: a string prompt, or the last user message of a chat. */
export function promptText(prompt: PromptInput): string {
  if (typeof prompt === 'string') return prompt;
  for (let i = prompt.length - 1; i >= 0; i--) if (prompt[i].role === 'user') return prompt[i].content;
  return prompt.map((m) => m.content).join('\n');
}

/** Judged quality p = mean score and its standard error sqrt(p (1 - p) / n). */
export function judgedQuality(scores: number[]): { mean: number; se: number } {
  const p = mean(scores);
  return { mean: p, se: scores.length === 0 ? 0 : Math.sqrt(Math.max(0, p * (1 - p)) / scores.length) };
}

/** Greedy completions of every prompt, in chunks of `batchSize`. */
export async function greedyCompletions(model: GPT, tok: Tokenizer, prompts: PromptInput[], maxNewTokens: number, batchSize: number, onChunk?: () => Promise<void>): Promise<string[]> {
  const out: string[] = [];
  for (const group of chunks(prompts, batchSize)) {
    const ids = group.map((p) => encodePrompt(tok, p));
    const room = model.config.blockSize - Math.max(...ids.map((x) => x.length));
    const samples = await sample(model, tok, ids, { temperature: 0, maxNewTokens: Math.max(1, Math.min(maxNewTokens, room)), n: 1 });
    out.push(...samples.map((s) => s[0].text));
    await onChunk?.();
  }
  return out;
}

/** exp(mean NLL) of the assistant tokens of the chats. */
export function corpusPerplexity(model: GPT, tok: Tokenizer, chats: ChatMessage[][], batchSize = 32): number {
  if (chats.length === 0) return Number.NaN;
  let nll = 0;
  let count = 0;
  for (const group of chunks(chats, batchSize)) {
    const encoded = group.map((c) => encodeChat(tok, c));
    const t = Math.min(model.config.blockSize, Math.max(...encoded.map((e) => e.ids.length)) - 1);
    const b = group.length;
    const x = new Int32Array(b * t);
    const y = new Int32Array(b * t);
    const m = new Float32Array(b * t);
    encoded.forEach((e, r) => {
      for (let i = 0; i < Math.min(t, e.ids.length - 1); i++) {
        x[r * t + i] = e.ids[i];
        y[r * t + i] = e.ids[i + 1];
        m[r * t + i] = e.assistantMask[i + 1];
      }
    });
    const [sum, n] = tf.tidy(() => {
      const logits = forward(model, tf.tensor2d(x, [b, t], 'int32'), { training: false }); // [B, T, V]
      const logp = tf.logSoftmax(logits);
      const picked = tf.sum(tf.mul(logp, tf.oneHot(tf.tensor2d(y, [b, t], 'int32'), model.config.vocabSize)), -1); // [B, T]
      const mask = tf.tensor2d(m, [b, t]);
      return [-tf.sum(tf.mul(picked, mask)).dataSync()[0], tf.sum(mask).dataSync()[0]];
    });
    nll += sum;
    count += n;
  }
  return Math.exp(nll / Math.max(count, 1));
}

/** Mean over sequences of sum over completion positions of KL(p || q) of the next-token distributions. */
export function sequenceKl(p: GPT, q: GPT, sequences: EncodedSequence[], batchSize = 32): number {
  if (sequences.length === 0) return 0;
  let total = 0;
  for (const group of chunks(sequences, batchSize)) {
    const batch = buildSequenceBatch(group);
    try {
      total += tf.tidy(() => {
        const lp = tf.logSoftmax(forward(p, batch.inputs, { training: false })); // [B, T, V]
        const lq = tf.logSoftmax(forward(q, batch.inputs, { training: false }));
        const kl = tf.sum(tf.mul(tf.exp(lp), tf.sub(lp, lq)), -1); // [B, T]
        return tf.sum(tf.mul(kl, batch.mask)).dataSync()[0];
      });
    } finally {
      disposeSequenceBatch(batch);
    }
  }
  return total / sequences.length;
}

export async function evaluatePolicies(options: EvaluateOptions): Promise<EvaluationResult> {
  const { newPolicy, previousPolicy, tokenizer: tok, prompts, rm, judge } = options;
  const maxNewTokens = options.maxNewTokens ?? 128;
  const batchSize = options.batchSize ?? 64;
  const chunkCount = Math.ceil(prompts.length / batchSize);
  const totalSteps = 2 * chunkCount + 1;
  let step = 0;
  const tick = async (metrics: Record<string, number> = {}) => {
    step++;
    await options.onStep?.({ step, totalSteps, metrics });
  };

  const newTexts = await greedyCompletions(newPolicy, tok, prompts, maxNewTokens, batchSize, () => tick());
  const previousTexts = await greedyCompletions(previousPolicy, tok, prompts, maxNewTokens, batchSize, () => tick());
  const metrics: Record<string, number> = { 'eval/prompts': prompts.length };
  const samples: EvaluationSample[] = prompts.map((prompt, i) => ({ prompt, newCompletion: newTexts[i], previousCompletion: previousTexts[i] }));

  if (rm) {
    const newRewards = scoreCompletions(
      rm,
      tok,
      prompts.map((prompt, i) => ({ prompt, completion: newTexts[i] })),
    );
    const previousRewards = scoreCompletions(
      rm,
      tok,
      prompts.map((prompt, i) => ({ prompt, completion: previousTexts[i] })),
    );
    metrics['eval/reward_new'] = mean(newRewards);
    metrics['eval/reward_previous'] = mean(previousRewards);
    metrics['eval/win_rate'] = mean(newRewards.map((r, i) => (r > previousRewards[i] ? 1 : r === previousRewards[i] ? 0.5 : 0)));
    samples.forEach((s, i) => {
      s.newReward = newRewards[i];
      s.previousReward = previousRewards[i];
    });
  }
  if (options.reference) {
    const sequences = prompts.map((prompt, i) => encodeSequence(tok, prompt, newTexts[i], newPolicy.config.blockSize));
    metrics['eval/kl_to_reference'] = sequenceKl(newPolicy, options.reference, sequences);
  }
  if (options.referenceChats.length > 0) {
    metrics['eval/perplexity_new'] = corpusPerplexity(newPolicy, tok, options.referenceChats);
    metrics['eval/perplexity_previous'] = corpusPerplexity(previousPolicy, tok, options.referenceChats);
  }
  if (judge) {
    const newScores = prompts.map((p, i) => judge(promptText(p), newTexts[i]));
    const previousScores = prompts.map((p, i) => judge(promptText(p), previousTexts[i]));
    const n = judgedQuality(newScores);
    const prev = judgedQuality(previousScores);
    metrics['eval/judge_new'] = n.mean;
    metrics['eval/judge_new_se'] = n.se;
    metrics['eval/judge_previous'] = prev.mean;
    metrics['eval/judge_previous_se'] = prev.se;
    samples.forEach((s, i) => {
      s.newJudge = newScores[i];
      s.previousJudge = previousScores[i];
    });
  }
  await tick(metrics);
  return { metrics, samples };
}
