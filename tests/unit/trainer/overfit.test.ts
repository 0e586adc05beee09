import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './setup-backend';
import { crossEntropyLoss } from '@/trainer/train/losses';
import { createAdamW, disposeAdamW } from '@/trainer/train/optimizer';
import { trainStep } from '@/trainer/train/loop';
import { createGPT, disposeGPT, forward, namedWeights } from '@/trainer/model/transformer';
import { createTokenizer } from '@/trainer/model/tokenizer';

describe('overfitting sanity', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('a tiny GPT memorises four short sentences: loss < 0.05 within 150 steps', () => {
    const tok = createTokenizer('byte');
    const texts = ['2+3=5.', '7*6=42.', 'cats nap', 'hi there'];
    const t = 9;
    const rows = texts.map((s) => {
      const ids = [tok.bos, ...tok.encode(s)];
      while (ids.length < t + 1) ids.push(tok.eos);
      return ids;
    });
    const model = createGPT(
      { vocabSize: tok.vocabSize, blockSize: 16, nLayer: 2, nHead: 2, dModel: 48, mlpRatio: 4, dropout: 0, layerNormEps: 1e-5, tieEmbeddings: true, tokenizer: 'byte' },
      { seed: 7 },
    );
    const vars = [...namedWeights(model).values()];
    const opt = createAdamW({ learningRate: 1e-2, weightDecay: 0 }, vars);
    const x = tf.tensor2d(
      rows.map((r) => r.slice(0, t)),
      undefined,
      'int32',
    );
    const y = tf.tensor2d(
      rows.map((r) => r.slice(1, t + 1)),
      undefined,
      'int32',
    );
    // The first token after <bos> is a 1-in-4 guess whatever the model learns: leave it out.
    const mask = tf.tensor2d(rows.map(() => Array.from({ length: t }, (_, i) => (i === 0 ? 0 : 1))));
    let loss = Infinity;
    let steps = 0;
    const first = trainStep(vars, () => crossEntropyLoss(forward(model, x, { training: true }), y, mask), opt).loss;
    while (loss > 0.05 && steps < 150) {
      loss = trainStep(vars, () => crossEntropyLoss(forward(model, x, { training: true }), y, mask), opt).loss;
      steps++;
    }
    expect(first).toBeGreaterThan(4);
    expect(loss).toBeLessThan(0.05);
    // and the memorised text comes back under greedy decoding of the logits
    const predicted = tf.tidy(() => tf.argMax(forward(model, x, { training: false }), -1).arraySync() as number[][]);
    expect(predicted.map((r) => r.slice(1))).toEqual(rows.map((r) => r.slice(2, t + 1)));
    disposeAdamW(opt);
    tf.dispose([x, y, mask]);
    disposeGPT(model);
  });
});
