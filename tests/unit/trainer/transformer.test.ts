import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './setup-backend';
import { validateConfig, type GPTConfig } from '@/trainer/model/config';
import { createVariable } from '@/trainer/model/linear';
import { countBaseParameters, createGPT, disposeGPT, disposeKVCache, forward, forwardHidden, forwardWithCache, logitsFromHidden, namedWeights, type GPT } from '@/trainer/model/transformer';
import { maxAbsDiff, naiveForward, readWeights, type Matrix } from './naive-gpt';

const CONFIG: GPTConfig = {
  vocabSize: 40,
  blockSize: 24,
  nLayer: 2,
  nHead: 2,
  dModel: 16,
  mlpRatio: 4,
  dropout: 0,
  layerNormEps: 1e-5,
  tieEmbeddings: true,
  tokenizer: 'byte',
};

/** A model with weights large enough (std ~0.3) that a wrong wiring shows up far above 1e-4. */
function createTestModel(config: GPTConfig, seed: number): GPT {
  const model = createGPT(config, { seed });
  let s = seed * 100;
  tf.tidy(() => {
    for (const v of namedWeights(model).values()) {
      const isGamma = v.shape.length === 1 && v.size === config.dModel && v.dataSync()[0] === 1;
      v.assign(isGamma ? tf.add(1, tf.randomNormal(v.shape, 0, 0.2, 'float32', s++)) : tf.randomNormal(v.shape, 0, 0.3, 'float32', s++));
    }
  });
  return model;
}

function randomIds(b: number, t: number, vocab: number, seed: number): number[][] {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: b }, () => Array.from({ length: t }, () => Math.floor(next() * vocab)));
}

function flatReal(values: number[][][], padding?: number[]): number[] {
  return values.flatMap((row, b) => row.slice(padding ? padding[b] : 0).flat());
}

describe('GPT forward against a naive reference', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('logits match plain loops (tied head), and forwardHidden matches the hidden states', () => {
    const model = createTestModel(CONFIG, 1);
    const ids = randomIds(3, 9, CONFIG.vocabSize, 2);
    const weights = readWeights(namedWeights(model));
    const idsT = tf.tensor2d(ids, undefined, 'int32');
    const before = tf.memory().numTensors;
    const logits = forward(model, idsT, { training: false });
    const hidden = forwardHidden(model, idsT, { training: false });
    expect(logits.shape).toEqual([3, 9, CONFIG.vocabSize]);
    expect(hidden.shape).toEqual([3, 9, CONFIG.dModel]);
    expect(maxAbsDiff(logits.dataSync(), naiveForward(CONFIG, weights, ids).flat(2))).toBeLessThan(1e-4);
    expect(maxAbsDiff(hidden.dataSync(), naiveForward(CONFIG, weights, ids, {}, true).flat(2))).toBeLessThan(1e-4);
    tf.dispose([logits, hidden]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(idsT);
    disposeGPT(model);
  });

  it('an untied LM head and a kernel-sized sequence (T = 24, the whole block) also match', () => {
    const config = { ...CONFIG, tieEmbeddings: false, dModel: 32, nHead: 2 };
    const model = createTestModel(config, 3);
    expect(model.lmHead).not.toBeNull();
    const ids = randomIds(2, 24, config.vocabSize, 4);
    const logits = forward(model, tf.tensor2d(ids, undefined, 'int32'), { training: false });
    expect(maxAbsDiff(logits.dataSync(), naiveForward(config, readWeights(namedWeights(model)), ids).flat(2))).toBeLessThan(1e-4);
    logits.dispose();
    disposeGPT(model);
  });

  it('left padding: a padded row computes exactly what it computes alone', () => {
    const model = createTestModel(CONFIG, 5);
    const ids = randomIds(3, 8, CONFIG.vocabSize, 6);
    const padding = [0, 3, 7];
    const logits = forward(model, tf.tensor2d(ids, undefined, 'int32'), { training: false, padding });
    const want = naiveForward(CONFIG, readWeights(namedWeights(model)), ids, { padding });
    expect(maxAbsDiff(flatReal(logits.arraySync() as number[][][], padding), flatReal(want, padding))).toBeLessThan(1e-4);
    logits.dispose();
    disposeGPT(model);
  });

  it('prompt tuning: virtual embeddings come first, take positions 0..P-1, and produce no logits', () => {
    const model = createTestModel(CONFIG, 7);
    const p = 3;
    model.promptTuning = { embeddings: createVariable(() => tf.randomNormal([p, CONFIG.dModel], 0, 1, 'float32', 8)) };
    const ids = randomIds(2, 6, CONFIG.vocabSize, 9);
    const logits = forward(model, tf.tensor2d(ids, undefined, 'int32'), { training: false });
    expect(logits.shape).toEqual([2, 6, CONFIG.vocabSize]);
    const prompt = model.promptTuning.embeddings.arraySync() as Matrix;
    const want = naiveForward(CONFIG, readWeights(namedWeights(model)), ids, { prompt });
    expect(maxAbsDiff(logits.dataSync(), want.flat(2))).toBeLessThan(1e-4);
    // and with left padding too (sampling batches prompt-tuned rows the same way)
    const padding = [2, 0];
    const padded = forward(model, tf.tensor2d(ids, undefined, 'int32'), { training: false, padding });
    const wantPadded = naiveForward(CONFIG, readWeights(namedWeights(model)), ids, { prompt, padding });
    expect(maxAbsDiff(flatReal(padded.arraySync() as number[][][], padding), flatReal(wantPadded, padding))).toBeLessThan(1e-4);
    expect(namedWeights(model).has('prompt_tuning.embeddings')).toBe(true);
    tf.dispose([logits, padded]);
    disposeGPT(model);
  });

  it('prefix tuning: per-layer keys/values visible to every query', () => {
    const model = createTestModel(CONFIG, 11);
    const p = 2;
    const hd = CONFIG.dModel / CONFIG.nHead;
    let s = 12;
    const make = () => createVariable(() => tf.randomNormal([CONFIG.nHead, p, hd], 0, 1, 'float32', s++));
    model.prefixTuning = { keys: [make(), make()], values: [make(), make()] };
    const ids = randomIds(2, 7, CONFIG.vocabSize, 13);
    const logits = forward(model, tf.tensor2d(ids, undefined, 'int32'), { training: false });
    const prefix = {
      keys: model.prefixTuning.keys.map((k) => k.arraySync() as Matrix[]),
      values: model.prefixTuning.values.map((v) => v.arraySync() as Matrix[]),
    };
    const want = naiveForward(CONFIG, readWeights(namedWeights(model)), ids, { prefix });
    expect(maxAbsDiff(logits.dataSync(), want.flat(2))).toBeLessThan(1e-4);
    expect(namedWeights(model).has('prefix_tuning.1.values')).toBe(true);
    logits.dispose();
    disposeGPT(model);
  });
});

describe('GPT structure', () => {
  let model: GPT;
  beforeAll(async () => {
    await useBackend('wasm');
    model = createGPT(CONFIG, { seed: 1 });
  });
  afterAll(() => disposeGPT(model));

  it('names every weight as the checkpoint expects and counts parameters', () => {
    const names = [...namedWeights(model).keys()];
    expect(names.slice(0, 4)).toEqual(['wte', 'wpe', 'h.0.ln1.gamma', 'h.0.ln1.beta']);
    for (const n of ['h.1.attn.q.weight', 'h.1.attn.o.bias', 'h.0.mlp.fc.weight', 'h.0.mlp.proj.bias', 'h.1.ln2.gamma', 'ln_f.beta']) expect(names).toContain(n);
    expect(names).not.toContain('lm_head.weight');
    let total = 0;
    for (const v of namedWeights(model).values()) total += v.size;
    expect(total).toBe(countBaseParameters(CONFIG));
    expect(namedWeights(model).get('h.0.mlp.fc.weight')?.shape).toEqual([16, 64]);
  });

  it('the same seed gives the same model, another seed another', () => {
    const a = createGPT(CONFIG, { seed: 1 });
    const b = createGPT(CONFIG, { seed: 2 });
    expect(Array.from(a.blocks[1].attn.v.weight?.dataSync() ?? [])).toEqual(Array.from(model.blocks[1].attn.v.weight?.dataSync() ?? []));
    expect(Array.from(b.wte.dataSync())).not.toEqual(Array.from(model.wte.dataSync()));
    disposeGPT(a);
    disposeGPT(b);
  });

  it('rejects invalid configs and sequences longer than the block', () => {
    expect(() => validateConfig({ ...CONFIG, dModel: 10, nHead: 3 })).toThrow(/divisible/);
    const ids = tf.zeros([1, CONFIG.blockSize + 1], 'int32') as tf.Tensor2D;
    expect(() => forward(model, ids, { training: false })).toThrow(/blockSize/);
    ids.dispose();
  });

  it('a cached pass token by token reproduces the full forward pass', () => {
    const ids = randomIds(2, 10, CONFIG.vocabSize, 3);
    const padding = [0, 4];
    const idsT = tf.tensor2d(ids, undefined, 'int32');
    const full = forward(model, idsT, { training: false, padding });
    const before = tf.memory().numTensors;
    const prompt = tf.tensor2d(
      ids.map((r) => r.slice(0, 6)),
      undefined,
      'int32',
    );
    let step = forwardWithCache(model, prompt, null, padding);
    const rows: tf.Tensor[] = [logitsFromHidden(model, step.hidden)];
    step.hidden.dispose();
    for (let t = 6; t < 10; t++) {
      const token = tf.tensor2d(
        ids.map((r) => [r[t]]),
        undefined,
        'int32',
      );
      const next = forwardWithCache(model, token, step.cache, null);
      tf.dispose(token);
      disposeKVCache(step.cache);
      step = next;
      rows.push(logitsFromHidden(model, step.hidden));
      step.hidden.dispose();
    }
    const cached = tf.concat(rows, 1);
    expect(maxAbsDiff(flatReal(cached.arraySync() as number[][][], padding), flatReal(full.arraySync() as number[][][], padding))).toBeLessThan(1e-4);
    disposeKVCache(step.cache);
    tf.dispose([...rows, cached, prompt]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([full, idsT]);
  });
});
