import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './setup-backend';
import type { GPTConfig } from '@/trainer/model/config';
import { createVariable } from '@/trainer/model/linear';
import { chooseToken, sample } from '@/trainer/model/sample';
import { mulberry32 } from '@/trainer/model/random';
import { createTokenizer } from '@/trainer/model/tokenizer';
import { createGPT, disposeGPT, forward, namedWeights, type GPT } from '@/trainer/model/transformer';
import { crossEntropyLoss } from '@/trainer/train/losses';
import { createAdamW, disposeAdamW } from '@/trainer/train/optimizer';
import { trainStep } from '@/trainer/train/loop';

const tok = createTokenizer('byte');
const CONFIG: GPTConfig = { vocabSize: tok.vocabSize, blockSize: 48, nLayer: 2, nHead: 2, dModel: 32, mlpRatio: 4, dropout: 0, layerNormEps: 1e-5, tieEmbeddings: true, tokenizer: 'byte' };

/** A random model with large embeddings, so its greedy choices are far from ties. */
function randomModel(seed: number): GPT {
  const model = createGPT(CONFIG, { seed });
  tf.tidy(() => model.wte.assign(tf.mul(model.wte, 30)));
  return model;
}

function prompts(): number[][] {
  return [
    [tok.bos, ...tok.encode('What is 2 + 2?')],
    [tok.bos, ...tok.encode('Hi')],
    [tok.bos, ...tok.encode('abc def ghi')],
  ];
}

describe('sampling', () => {
  let model: GPT;
  beforeAll(async () => {
    await useBackend('wasm');
    model = randomModel(1);
  });
  afterAll(() => disposeGPT(model));

  it('KV-cache greedy equals uncached greedy token for token (prompts of different lengths, n = 2), leaking nothing', async () => {
    const before = tf.memory().numTensors;
    const cached = await sample(model, tok, prompts(), { maxNewTokens: 20, temperature: 0, n: 2 });
    expect(tf.memory().numTensors).toBe(before);
    const uncached = await sample(model, tok, prompts(), { maxNewTokens: 20, temperature: 0, n: 2, useKvCache: false });
    expect(tf.memory().numTensors).toBe(before);
    expect(cached).toHaveLength(3);
    for (let p = 0; p < 3; p++) {
      expect(cached[p]).toHaveLength(2);
      expect(cached[p][0].tokens).toEqual(cached[p][1].tokens); // greedy: both samples agree
      expect(cached[p][0].tokens).toEqual(uncached[p][0].tokens);
      cached[p][0].logprobs.forEach((lp, i) => expect(lp).toBeCloseTo(uncached[p][0].logprobs[i], 3));
    }
    // and each row is what it would be alone (left padding changes nothing)
    const alone = await sample(model, tok, [prompts()[1]], { maxNewTokens: 20, temperature: 0 });
    expect(alone[0][0].tokens).toEqual(cached[1][0].tokens);
  });

  it('logprobs are log-softmax at temperature 1 of a fresh forward pass, whatever the sampling temperature', async () => {
    const [[s]] = await sample(model, tok, [prompts()[0]], { maxNewTokens: 8, temperature: 0.7, seed: 3 });
    const full = [...prompts()[0], ...s.tokens];
    const want = tf.tidy(() => {
      const logp = tf.logSoftmax(forward(model, tf.tensor2d([full], undefined, 'int32'), { training: false })).arraySync() as number[][][];
      return s.tokens.map((t, i) => logp[0][prompts()[0].length - 1 + i][t]);
    });
    expect(s.logprobs).toHaveLength(s.tokens.length);
    s.logprobs.forEach((lp, i) => expect(lp).toBeCloseTo(want[i], 3));
  });

  it('the same seed reproduces the samples; another seed gives others; n samples differ', async () => {
    // temperature 4 flattens this model's peaked distributions enough for samples to differ
    const opts = { maxNewTokens: 16, temperature: 4, n: 3, seed: 42 };
    const a = await sample(model, tok, prompts(), opts);
    const b = await sample(model, tok, prompts(), opts);
    const c = await sample(model, tok, prompts(), { ...opts, seed: 43 });
    expect(b.map((p) => p.map((s) => s.tokens))).toEqual(a.map((p) => p.map((s) => s.tokens)));
    expect(c.map((p) => p.map((s) => s.tokens))).not.toEqual(a.map((p) => p.map((s) => s.tokens)));
    expect(new Set(a[0].map((s) => s.tokens.join(','))).size).toBeGreaterThan(1);
  });

  it('top-k = 1 and a tiny top-p are greedy', async () => {
    const greedy = await sample(model, tok, prompts(), { maxNewTokens: 10, temperature: 0 });
    const topK = await sample(model, tok, prompts(), { maxNewTokens: 10, temperature: 1.5, topK: 1, seed: 5 });
    const topP = await sample(model, tok, prompts(), { maxNewTokens: 10, temperature: 1.5, topP: 1e-6, seed: 6 });
    expect(topK.map((p) => p[0].tokens)).toEqual(greedy.map((p) => p[0].tokens));
    expect(topP.map((p) => p[0].tokens)).toEqual(greedy.map((p) => p[0].tokens));
  });

  it('stops at the context length with finishReason "length"', async () => {
    const long = [tok.bos, ...Array.from({ length: CONFIG.blockSize - 6 }, (_, i) => 97 + (i % 26))];
    const room = CONFIG.blockSize - long.length; // 5 positions left
    const [[s]] = await sample(model, tok, [long], { maxNewTokens: 50, temperature: 0 });
    expect(s.finishReason === 'length' || s.finishReason === 'eos').toBe(true);
    expect(s.tokens.length).toBeLessThanOrEqual(room);
    if (s.finishReason === 'length') expect(s.tokens).toHaveLength(room);
    await expect(sample(model, tok, [[...long, 1, 2, 3, 4, 5]], { maxNewTokens: 1, temperature: 0 })).rejects.toThrow(/context/);
  });

  it('prompt-tuned and prefix-tuned models sample the same with and without the cache', async () => {
    const m = randomModel(9);
    const hd = CONFIG.dModel / CONFIG.nHead;
    m.promptTuning = { embeddings: createVariable(() => tf.randomNormal([3, CONFIG.dModel], 0, 1, 'float32', 1)) };
    m.prefixTuning = {
      keys: [0, 1].map((l) => createVariable(() => tf.randomNormal([CONFIG.nHead, 2, hd], 0, 1, 'float32', 10 + l))),
      values: [0, 1].map((l) => createVariable(() => tf.randomNormal([CONFIG.nHead, 2, hd], 0, 1, 'float32', 20 + l))),
    };
    const a = await sample(m, tok, prompts(), { maxNewTokens: 12, temperature: 0 });
    const b = await sample(m, tok, prompts(), { maxNewTokens: 12, temperature: 0, useKvCache: false });
    expect(a.map((p) => p[0].tokens)).toEqual(b.map((p) => p[0].tokens));
    disposeGPT(m);
  });
});

describe('sampling a trained model: eos and stop sequences', () => {
  let model: GPT;
  beforeAll(async () => {
    await useBackend('wasm');
    // Teach a tiny model one reply: "<bos> Q <eos> A: one. two. three.<eos>"
    model = createGPT({ ...CONFIG, dModel: 48 }, { seed: 2 });
    const text = [tok.bos, ...tok.encode('Q'), tok.eos, ...tok.encode('A: one. two. three.'), tok.eos];
    const x = tf.tensor2d([text.slice(0, -1)], undefined, 'int32');
    const y = tf.tensor2d([text.slice(1)], undefined, 'int32');
    const vars = [...namedWeights(model).values()];
    const opt = createAdamW({ learningRate: 1e-2, weightDecay: 0 }, vars);
    for (let i = 0; i < 120; i++) trainStep(vars, () => crossEntropyLoss(forward(model, x, { training: true }), y), opt);
    disposeAdamW(opt);
    tf.dispose([x, y]);
  });
  afterAll(() => disposeGPT(model));

  const prompt = () => [[tok.bos, ...tok.encode('Q'), tok.eos]];

  it('ends at eos: the eos token and its logprob are kept, the text drops it', async () => {
    const [[s]] = await sample(model, tok, prompt(), { maxNewTokens: 40, temperature: 0 });
    expect(s.text).toBe('A: one. two. three.');
    expect(s.finishReason).toBe('eos');
    expect(s.tokens[s.tokens.length - 1]).toBe(tok.eos);
    expect(s.logprobs).toHaveLength(s.tokens.length);
    expect(s.logprobs.every((lp) => lp <= 0 && lp > -1)).toBe(true);
  });

  it('stop sequences cut the text before the earliest match', async () => {
    const [[s]] = await sample(model, tok, prompt(), { maxNewTokens: 40, temperature: 0, stop: ['three', ' two'] });
    expect(s.text).toBe('A: one.');
    expect(s.finishReason).toBe('stop');
    expect(tok.decode(s.tokens)).toBe('A: one. two');
  });

  it('maxNewTokens caps the completion with finishReason "length"', async () => {
    const [[s]] = await sample(model, tok, prompt(), { maxNewTokens: 4, temperature: 0 });
    expect(s.tokens).toHaveLength(4);
    expect(s.text).toBe('A: o');
    expect(s.finishReason).toBe('length');
    const [[none]] = await sample(model, tok, prompt(), { maxNewTokens: 0, temperature: 0 });
    expect(none).toEqual({ tokens: [], text: '', logprobs: [], finishReason: 'length' });
  });
});

describe('chooseToken', () => {
  it('draws from softmax(logits / T), restricted to the top k', () => {
    const logits = Float32Array.from([2, 1, 0, -1]);
    const rng = mulberry32(1);
    const counts = [0, 0, 0, 0];
    const draws = 20000;
    for (let i = 0; i < draws; i++) counts[chooseToken(logits, { temperature: 2 }, rng)]++;
    const weights = [2, 1, 0, -1].map((l) => Math.exp(l / 2));
    const total = weights.reduce((a, b) => a + b, 0);
    counts.forEach((c, i) => expect(c / draws).toBeCloseTo(weights[i] / total, 1));
    const topK = [0, 0, 0, 0];
    for (let i = 0; i < 2000; i++) topK[chooseToken(logits, { temperature: 1, topK: 2 }, rng)]++;
    expect(topK[2] + topK[3]).toBe(0);
    expect(topK[0]).toBeGreaterThan(topK[1]);
    // top-p 0.7 over probabilities ~[0.64, 0.24, 0.09, 0.03] keeps the first two
    const topP = [0, 0, 0, 0];
    for (let i = 0; i < 2000; i++) topP[chooseToken(logits, { temperature: 1, topP: 0.7 }, rng)]++;
    expect(topP[2] + topP[3]).toBe(0);
    expect(topP[1]).toBeGreaterThan(0);
  });
});
