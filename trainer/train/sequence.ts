/**
 * Sequence log-probabilities of (prompt, completion) pairs: what SFT, DPO, RL and evaluation all
 * need from the policy.
 *
 * A sequence is the chat template's prompt (encodePrompt: bos, the conversation, the assistant
 * header) followed by the completion's tokens and eos. A batch right-pads sequences to the longest
 * one (not to blockSize: a short batch then costs only its own length) and shifts by one:
 *
 *   tokens   [bos] [user] W h a t ... [eos] [assistant]  7 + 8 ... 8 5 [eos]
 *   inputs   tokens[0 .. n-1)
 *   targets  tokens[1 .. n)
 *   mask     1 where the target is a completion token (eos included), 0 on the prompt and padding
 *
 * Right padding needs no attention mask: a causal model never looks ahead, so the pads after a
 * row's end change nothing before it, and their positions are masked out of every sum.
 *
 * The frozen reference policy is a separate copy of the model loaded from the reference checkpoint
 * (see pipeline.ts). Its log-probs go through `frozenLogProbs`, which runs inside tf.tidy with no
 * gradient tape. A copy rather than "the same model with adapters off" because it is cheap (the
 * built-in model is 1.9 M parameters, 7.6 MB) and it is correct for every PEFT method, for full
 * fine-tuning, and when the reference is not the checkpoint the policy started from (round 2+).
 */
import * as tf from '@tensorflow/tfjs-core';
import { encodePrompt, type ChatMessage } from '../model/chat-template';
import type { Tokenizer } from '../model/tokenizer';
import { forward, type GPT } from '../model/transformer';
import { tokenLogProbs } from './losses';

export type PromptInput = string | ChatMessage[];

/** One sequence as token ids: the first `promptLength` are the prompt, the rest the completion. */
export type EncodedSequence = { tokens: number[]; promptLength: number };

/** A right-padded batch of sequences. All tensors [B, T] with T = longest sequence - 1. */
export type SequenceBatch = {
  inputs: tf.Tensor2D; // int32
  targets: tf.Tensor2D; // int32
  mask: tf.Tensor2D; // float32, 1 on completion targets
  /** Completion tokens per row (mask row sums). */
  completionLengths: number[];
};

/** The prompt's ids then the completion's and eos; truncated to fit `blockSize` (see truncateSequence). */
export function encodeSequence(tok: Tokenizer, prompt: PromptInput, completion: string, blockSize: number): EncodedSequence {
  const promptIds = encodePrompt(tok, prompt);
  return truncateSequence({ tokens: [...promptIds, ...tok.encode(completion), tok.eos], promptLength: promptIds.length }, blockSize);
}

/**
 * Fits a sequence into the model's context. The completion is cut at the end first (the model is
 * trained on its beginning, which is what sampling produces first); a prompt longer than
 * blockSize - 1 loses its beginning, keeping the assistant header and at least one completion
 * token. Position p of the result always predicts position p + 1, so nothing else changes.
 */
export function truncateSequence(seq: EncodedSequence, blockSize: number): EncodedSequence {
  tf.util.assert(blockSize >= 2, () => `truncateSequence: blockSize must be >= 2, got ${blockSize}`);
  tf.util.assert(seq.promptLength >= 1 && seq.promptLength < seq.tokens.length, () => 'truncateSequence: a sequence needs a prompt and at least one completion token');
  // inputs are tokens[0..n-1), so a sequence of blockSize + 1 tokens still fits the context.
  const maxTokens = blockSize + 1;
  if (seq.tokens.length <= maxTokens) return seq;
  const dropFront = Math.max(0, seq.promptLength - (maxTokens - 1));
  const tokens = seq.tokens.slice(dropFront, dropFront + maxTokens);
  return { tokens, promptLength: seq.promptLength - dropFront };
}

/** Builds the right-padded [B, T] tensors of a batch of sequences. Caller disposes (disposeSequenceBatch). */
export function buildSequenceBatch(sequences: EncodedSequence[], padId = 0): SequenceBatch {
  tf.util.assert(sequences.length > 0, () => 'buildSequenceBatch: empty batch');
  const b = sequences.length;
  const t = Math.max(...sequences.map((s) => s.tokens.length)) - 1;
  const inputs = new Int32Array(b * t).fill(padId);
  const targets = new Int32Array(b * t).fill(padId);
  const mask = new Float32Array(b * t);
  const completionLengths: number[] = [];
  sequences.forEach((s, r) => {
    const n = s.tokens.length;
    tf.util.assert(s.promptLength >= 1 && s.promptLength < n, () => `buildSequenceBatch: row ${r} has no completion token`);
    for (let i = 0; i < n - 1; i++) {
      inputs[r * t + i] = s.tokens[i];
      targets[r * t + i] = s.tokens[i + 1];
      // target i is token i + 1: a completion token when i + 1 >= promptLength
      if (i + 1 >= s.promptLength) mask[r * t + i] = 1;
    }
    completionLengths.push(n - s.promptLength);
  });
  return {
    inputs: tf.tensor2d(inputs, [b, t], 'int32'),
    targets: tf.tensor2d(targets, [b, t], 'int32'),
    mask: tf.tensor2d(mask, [b, t], 'float32'),
    completionLengths,
  };
}

export function disposeSequenceBatch(batch: SequenceBatch): void {
  tf.dispose([batch.inputs, batch.targets, batch.mask]);
}

/**
 * log p(completion token) per position [B, T] (0 where the mask is 0) and their sum per row [B].
 * Differentiable: call inside a loss closure to train, or through frozenLogProbs to not.
 */
export function sequenceLogProbs(model: GPT, batch: SequenceBatch, options: { training: boolean }): { perToken: tf.Tensor2D; perSequence: tf.Tensor1D } {
  return tf.tidy(() => {
    tf.util.assert(batch.inputs.shape[1] <= model.config.blockSize, () => `sequenceLogProbs: ${batch.inputs.shape[1]} positions exceed blockSize ${model.config.blockSize}`);
    const logits = forward(model, batch.inputs, { training: options.training }); // [B, T, V]
    const perToken = tf.mul(tokenLogProbs(logits, batch.targets), batch.mask) as tf.Tensor2D; // [B, T]
    return { perToken, perSequence: tf.sum(perToken, 1) as tf.Tensor1D };
  });
}

/**
 * Plain numbers of sequenceLogProbs without a gradient (the frozen reference, or the policy's "old"
 * log-probs in RL), in chunks of `batchSize` rows.
 */
export function frozenLogProbs(model: GPT, sequences: EncodedSequence[], options: { batchSize?: number } = {}): { perSequence: number[]; perToken: number[][] } {
  const batchSize = options.batchSize ?? 32;
  const perSequence: number[] = [];
  const perToken: number[][] = [];
  for (let start = 0; start < sequences.length; start += batchSize) {
    const chunk = sequences.slice(start, start + batchSize);
    const batch = buildSequenceBatch(chunk);
    try {
      const { tokens, sums } = tf.tidy(() => {
        const lp = sequenceLogProbs(model, batch, { training: false });
        return { tokens: lp.perToken.arraySync(), sums: Array.from(lp.perSequence.dataSync()) };
      });
      perSequence.push(...sums);
      // Per completion token, in order: row r's completion targets are positions promptLength-1 .. n-2.
      chunk.forEach((s, r) => perToken.push(tokens[r].slice(s.promptLength - 1, s.tokens.length - 1)));
    } finally {
      disposeSequenceBatch(batch);
    }
  }
  return { perSequence, perToken };
}

/**
 * Per-token log-probs of the completion, aligned with the batch's [B, T] layout, from per-row lists
 * (as frozenLogProbs returns them). Used to bring precomputed reference values into a loss.
 */
export function alignPerToken(sequences: EncodedSequence[], values: number[][], t: number): tf.Tensor2D {
  const out = new Float32Array(sequences.length * t);
  sequences.forEach((s, r) => {
    const start = s.promptLength - 1;
    tf.util.assert(values[r].length === s.tokens.length - s.promptLength, () => `alignPerToken: row ${r} has ${values[r].length} values for ${s.tokens.length - s.promptLength} completion tokens`);
    values[r].forEach((v, j) => {
      out[r * t + start + j] = v;
    });
  });
  return tf.tensor2d(out, [sequences.length, t], 'float32');
}

/** Mean of an array (0 for an empty one). */
export function mean(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((s, v) => s + v, 0) / values.length;
}

/** Fisher-Yates with a given rng; returns a new array. */
export function shuffled<T>(items: readonly T[], rng: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  tf.util.assert(size >= 1, () => `chunks: size must be >= 1, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
