/**
 * Sampling from the policy, batched: every prompt x n samples runs as one batch of rows.
 *
 * Prompts of different lengths are left-padded; the transformer gives pads no position and hides
 * them from attention, so a row samples exactly what it would alone. With the KV cache (default)
 * the prompt runs once and each new token costs one single-position pass; rows that finish are
 * dropped from the batch. `useKvCache: false` recomputes the whole sequence for every token (for
 * the benchmark and the equality test).
 *
 * Log-probabilities: `logprobs[i]` is log p(token_i) under the model's own distribution at
 * temperature 1, whatever temperature / top-k / top-p chose the token. That is the policy's
 * log-probability the RL methods need (PPO ratios, KL to the reference), not the log-probability
 * of the truncated sampling distribution.
 *
 * Reproducibility: the categorical draw uses a seeded mulberry32 on the CPU-side probabilities, so
 * the same seed, model and prompts give the same samples on every backend up to float rounding.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tokenizer } from './tokenizer';
import { disposeKVCache, forwardHidden, forwardWithCache, logitsFromHidden, type GPT, type KVCache } from './transformer';
import { mulberry32 } from './random';

export type SampleOptions = {
  maxNewTokens: number;
  /** 0 = greedy (argmax). */
  temperature: number;
  /** Keep only the k most likely tokens (after temperature). */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p (after temperature and top-k). */
  topP?: number;
  /** Stop when the decoded completion contains one of these; the text is cut before it. */
  stop?: string[];
  seed?: number;
  /** Samples per prompt (default 1). */
  n?: number;
  /** Default true. */
  useKvCache?: boolean;
};

export type Sample = {
  /** Generated token ids, including the final eos or the tokens of a stop sequence. */
  tokens: number[];
  /** Decoded completion: specials dropped, cut before a stop sequence. */
  text: string;
  /** log p(token) at temperature 1, one per token. */
  logprobs: number[];
  /** 'length': maxNewTokens reached or the context (blockSize) full. */
  finishReason: 'stop' | 'length' | 'eos';
};

type Row = {
  prompt: number[];
  /** Most tokens this row may generate: maxNewTokens, or less when the context fills first. */
  limit: number;
  tokens: number[];
  logprobs: number[];
  text: string;
  finish: Sample['finishReason'] | null;
};

export async function sample(model: GPT, tokenizer: Tokenizer, promptIds: number[][], options: SampleOptions): Promise<Sample[][]> {
  const n = options.n ?? 1;
  tf.util.assert(Number.isInteger(n) && n >= 1, () => `sample: n must be a positive integer, got ${n}`);
  tf.util.assert(options.maxNewTokens >= 0, () => 'sample: maxNewTokens must be >= 0');
  tf.util.assert(options.temperature >= 0, () => 'sample: temperature must be >= 0');
  const { blockSize } = model.config;
  const virtual = model.promptTuning ? (model.promptTuning.embeddings.shape[0] ?? 0) : 0;
  const rng = mulberry32(options.seed ?? Math.floor(Math.random() * 2 ** 32));

  const rows: Row[] = [];
  promptIds.forEach((prompt, p) => {
    if (prompt.length === 0) throw new Error(`sample: prompt ${p} is empty`);
    const room = blockSize - virtual - prompt.length;
    if (room < 1) throw new Error(`sample: prompt ${p} has ${prompt.length} tokens (+${virtual} virtual); the model's context is ${blockSize}`);
    for (let i = 0; i < n; i++) rows.push({ prompt, limit: Math.min(options.maxNewTokens, room), tokens: [], logprobs: [], text: '', finish: null });
  });
  for (const row of rows) if (row.limit === 0) row.finish = 'length';

  const useCache = options.useKvCache ?? true;
  const generate = useCache ? generateWithCache : generateWithoutCache;
  await generate(model, rows, (logits, active) => pickTokens(logits, active, rows, tokenizer, options, rng));

  const out: Sample[][] = promptIds.map(() => []);
  rows.forEach((row, i) => {
    out[Math.floor(i / n)].push({ tokens: row.tokens, text: row.text, logprobs: row.logprobs, finishReason: row.finish ?? 'length' });
  });
  return out;
}

/**
 * Consumes the next-token logits [active.length, V] of the active rows: picks a token for each,
 * records it, and marks rows that finish. Returns nothing; rows carry the state.
 */
type PickFn = (logits: Float32Array, active: number[]) => void;

async function generateWithCache(model: GPT, rows: Row[], pick: PickFn): Promise<void> {
  let active = rows.map((_, i) => i).filter((i) => !rows[i].finish);
  if (active.length === 0) return;
  const maxLen = Math.max(...active.map((i) => rows[i].prompt.length));
  const padding = active.map((i) => maxLen - rows[i].prompt.length);
  const ids = active.map((i) => [...new Array<number>(maxLen - rows[i].prompt.length).fill(0), ...rows[i].prompt]);
  let cache: KVCache | null = null;
  try {
    let input = tf.tensor2d(ids, [active.length, maxLen], 'int32');
    for (;;) {
      const step: { hidden: tf.Tensor3D; cache: KVCache } = forwardWithCache(model, input, cache, cache ? null : padding);
      input.dispose();
      if (cache) disposeKVCache(cache);
      cache = step.cache;
      const logits = lastLogits(model, step.hidden);
      step.hidden.dispose();
      const values = (await logits.data()) as Float32Array;
      logits.dispose();
      pick(values, active);

      const still = active.filter((i) => !rows[i].finish);
      if (still.length === 0) break;
      if (still.length < active.length) {
        // Drop finished rows from the cache: later steps only pay for live rows.
        const keep = still.map((i) => active.indexOf(i));
        const old: KVCache = cache;
        cache = compactCache(old, keep);
        disposeKVCache(old);
      }
      active = still;
      input = tf.tensor2d(
        active.map((i) => [rows[i].tokens[rows[i].tokens.length - 1]]),
        [active.length, 1],
        'int32',
      );
    }
  } finally {
    if (cache) disposeKVCache(cache);
  }
}

function compactCache(cache: KVCache, keep: number[]): KVCache {
  const layers = tf.tidy(() => {
    const index = tf.tensor1d(keep, 'int32');
    return cache.layers.map((l) => ({ keys: tf.gather(l.keys, index) as tf.Tensor4D, values: tf.gather(l.values, index) as tf.Tensor4D }));
  });
  return { layers, length: cache.length, padding: cache.padding ? keep.map((k) => (cache.padding as number[])[k]) : null };
}

async function generateWithoutCache(model: GPT, rows: Row[], pick: PickFn): Promise<void> {
  let active = rows.map((_, i) => i).filter((i) => !rows[i].finish);
  while (active.length > 0) {
    const seqs = active.map((i) => [...rows[i].prompt, ...rows[i].tokens]);
    const maxLen = Math.max(...seqs.map((s) => s.length));
    const padding = seqs.map((s) => maxLen - s.length);
    const logits = tf.tidy(() => {
      const ids = tf.tensor2d(
        seqs.map((s, r) => [...new Array<number>(padding[r]).fill(0), ...s]),
        [seqs.length, maxLen],
        'int32',
      );
      return lastLogits(model, forwardHidden(model, ids, { training: false, padding }));
    });
    const values = (await logits.data()) as Float32Array;
    logits.dispose();
    pick(values, active);
    active = active.filter((i) => !rows[i].finish);
  }
}

/** Logits of the last position. hidden: [R, T, C] -> [R, V]. */
function lastLogits(model: GPT, hidden: tf.Tensor3D): tf.Tensor2D {
  return tf.tidy(() => {
    const [r, t, c] = hidden.shape;
    const last = t === 1 ? hidden : tf.slice(hidden, [0, t - 1, 0], [r, 1, c]);
    return tf.reshape(logitsFromHidden(model, last), [r, model.config.vocabSize]) as tf.Tensor2D;
  });
}

function pickTokens(logits: Float32Array, active: number[], rows: Row[], tokenizer: Tokenizer, options: SampleOptions, rng: () => number): void {
  const v = logits.length / active.length;
  active.forEach((rowIndex, k) => {
    const row = rows[rowIndex];
    const rowLogits = logits.subarray(k * v, (k + 1) * v);
    const token = chooseToken(rowLogits, options, rng);
    row.tokens.push(token);
    row.logprobs.push(logSoftmaxAt(rowLogits, token));
    if (token === tokenizer.eos) {
      row.finish = 'eos';
      row.text = tokenizer.decode(row.tokens);
      return;
    }
    row.text = tokenizer.decode(row.tokens);
    const cut = firstStop(row.text, options.stop);
    if (cut !== null) {
      row.text = row.text.slice(0, cut);
      row.finish = 'stop';
    } else if (row.tokens.length >= row.limit) {
      row.finish = 'length';
    }
  });
}

function firstStop(text: string, stop: string[] | undefined): number | null {
  let best: number | null = null;
  for (const s of stop ?? []) {
    if (!s) continue;
    const at = text.indexOf(s);
    if (at >= 0 && (best === null || at < best)) best = at;
  }
  return best;
}

function logSoftmaxAt(logits: Float32Array, index: number): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  return logits[index] - max - Math.log(sum);
}

/** Greedy at temperature 0; otherwise a draw from softmax(logits / T) restricted by top-k then top-p. */
export function chooseToken(logits: Float32Array, options: Pick<SampleOptions, 'temperature' | 'topK' | 'topP'>, rng: () => number): number {
  if (options.temperature === 0) {
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
    return best;
  }
  let order = Array.from(logits.keys()).sort((a, b) => logits[b] - logits[a]);
  if (options.topK !== undefined && options.topK > 0) order = order.slice(0, options.topK);
  const max = logits[order[0]];
  let probs = order.map((i) => Math.exp((logits[i] - max) / options.temperature));
  let total = probs.reduce((s, p) => s + p, 0);
  if (options.topP !== undefined && options.topP < 1) {
    let cumulative = 0;
    let keep = 0;
    while (keep < probs.length && cumulative < options.topP * total) cumulative += probs[keep++];
    keep = Math.max(keep, 1);
    order = order.slice(0, keep);
    probs = probs.slice(0, keep);
    total = probs.reduce((s, p) => s + p, 0);
  }
  let u = rng() * total;
  for (let i = 0; i < probs.length; i++) {
    u -= probs[i];
    if (u < 0) return order[i];
  }
  return order[order.length - 1];
}
