import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './setup-backend';
import { bradleyTerryLoss, crossEntropyLoss, tokenLogProbs } from '@/trainer/train/losses';
import { applyAdamW, createAdamW, disposeAdamW, learningRateAt } from '@/trainer/train/optimizer';
import { train, trainStep } from '@/trainer/train/loop';
import { createGPT, disposeGPT, forward, namedWeights } from '@/trainer/model/transformer';
import type { GPTConfig } from '@/trainer/model/config';

const TINY: GPTConfig = { vocabSize: 30, blockSize: 16, nLayer: 2, nHead: 2, dModel: 32, mlpRatio: 4, dropout: 0, layerNormEps: 1e-5, tieEmbeddings: true, tokenizer: 'byte' };

function logSoftmaxRow(row: number[]): number[] {
  const max = Math.max(...row);
  const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
  return row.map((v) => v - lse);
}

describe('losses', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('masked cross-entropy equals the mean of -log softmax at the targets over unmasked positions', () => {
    const logits = tf.randomNormal([2, 3, 5], 0, 2, 'float32', 1);
    const targets = tf.tensor2d(
      [
        [1, 4, 0],
        [2, 2, 3],
      ],
      undefined,
      'int32',
    );
    const mask = tf.tensor2d([
      [1, 0, 1],
      [1, 1, 0],
    ]);
    const L = logits.arraySync() as number[][][];
    const T = targets.arraySync() as number[][];
    const M = mask.arraySync() as number[][];
    let sum = 0;
    let count = 0;
    let all = 0;
    for (let b = 0; b < 2; b++)
      for (let t = 0; t < 3; t++) {
        const nll = -logSoftmaxRow(L[b][t])[T[b][t]];
        all += nll;
        if (M[b][t]) {
          sum += nll;
          count++;
        }
      }
    const before = tf.memory().numTensors;
    const masked = crossEntropyLoss(logits, targets, mask);
    const unmasked = crossEntropyLoss(logits, targets);
    const lp = tokenLogProbs(logits, targets);
    expect(masked.dataSync()[0]).toBeCloseTo(sum / count, 5);
    expect(unmasked.dataSync()[0]).toBeCloseTo(all / 6, 5);
    expect(lp.shape).toEqual([2, 3]);
    expect((lp.arraySync() as number[][])[1][2]).toBeCloseTo(logSoftmaxRow(L[1][2])[3], 5);
    tf.dispose([masked, unmasked, lp]);
    expect(tf.memory().numTensors).toBe(before);
    const empty = crossEntropyLoss(logits, targets, tf.zeros([2, 3]));
    expect(empty.dataSync()[0]).toBe(0);
    tf.dispose([logits, targets, mask, empty]);
  });

  it('Bradley-Terry: mean -log sigmoid(chosen - rejected), finite for huge margins', () => {
    const chosen = tf.tensor1d([1, 0.5, -2, 60]);
    const rejected = tf.tensor1d([0, 1.5, -2, -60]);
    const want = [1, -1, 0, 120].map((d) => -Math.log(1 / (1 + Math.exp(-d)))).reduce((a, b) => a + b, 0) / 4;
    const loss = bradleyTerryLoss(chosen, rejected);
    expect(loss.dataSync()[0]).toBeCloseTo(want, 5);
    const reversed = bradleyTerryLoss(tf.tensor1d([-60]), tf.tensor1d([60]));
    expect(reversed.dataSync()[0]).toBeCloseTo(120, 3);
    tf.dispose([chosen, rejected, loss, reversed]);
  });
});

describe('AdamW and schedule', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('two AdamW steps match a hand computation, decaying matrices only, clipping by global norm', () => {
    const w = tf.variable(
      tf.tensor2d([
        [1, -2],
        [3, 0.5],
      ]),
    );
    const b = tf.variable(tf.tensor1d([0.5, -1]));
    const opt = createAdamW({ learningRate: 0.1, beta1: 0.9, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.5, gradClipNorm: 1 }, [w, b]);
    const grads = [
      [
        tf.tensor2d([
          [3, 0],
          [0, 4],
        ]),
        tf.tensor1d([0, 0]),
      ],
      [
        tf.tensor2d([
          [0.1, 0.2],
          [0.3, 0.4],
        ]),
        tf.tensor1d([0.1, -0.1]),
      ],
    ];
    // reference
    const p = [
      [1, -2, 3, 0.5],
      [0.5, -1],
    ];
    const m = [
      [0, 0, 0, 0],
      [0, 0],
    ];
    const v = [
      [0, 0, 0, 0],
      [0, 0],
    ];
    const norms: number[] = [];
    grads.forEach((pair, k) => {
      const t = k + 1;
      const g = pair.map((x) => Array.from(x.dataSync()));
      const norm = Math.sqrt(g.flat().reduce((s, x) => s + x * x, 0));
      norms.push(norm);
      const scale = Math.min(1, 1 / (norm + 1e-6));
      g.forEach((gv, i) =>
        gv.forEach((gi, j) => {
          const gs = gi * scale;
          m[i][j] = 0.9 * m[i][j] + 0.1 * gs;
          v[i][j] = 0.99 * v[i][j] + 0.01 * gs * gs;
          const mh = m[i][j] / (1 - 0.9 ** t);
          const vh = v[i][j] / (1 - 0.99 ** t);
          const decay = i === 0 ? 0.1 * 0.5 * p[i][j] : 0;
          p[i][j] = p[i][j] - (0.1 * mh) / (Math.sqrt(vh) + 1e-8) - decay;
        }),
      );
    });
    const before = tf.memory().numTensors;
    const got = grads.map((pair) => applyAdamW(opt, [w, b], pair));
    expect(tf.memory().numTensors).toBe(before);
    expect(got[0]).toBeCloseTo(norms[0], 4);
    expect(got[1]).toBeCloseTo(norms[1], 4);
    Array.from(w.dataSync()).forEach((x, j) => expect(x).toBeCloseTo(p[0][j], 4));
    Array.from(b.dataSync()).forEach((x, j) => expect(x).toBeCloseTo(p[1][j], 4));
    disposeAdamW(opt);
    tf.dispose([w, b, ...grads.flat()]);
  });

  it('learningRateAt: linear warm-up, cosine to min, then flat', () => {
    const s = { warmup: 10, total: 110, peak: 1e-3, min: 1e-4 };
    expect(learningRateAt(0, s)).toBeCloseTo(1e-4, 10);
    expect(learningRateAt(9, s)).toBeCloseTo(1e-3, 10);
    expect(learningRateAt(10, s)).toBeCloseTo(1e-3, 10);
    expect(learningRateAt(60, s)).toBeCloseTo(5.5e-4, 10);
    expect(learningRateAt(110, s)).toBe(1e-4);
    expect(learningRateAt(5000, s)).toBe(1e-4);
    for (let i = 11; i < 110; i++) expect(learningRateAt(i, s)).toBeLessThan(learningRateAt(i - 1, s));
  });
});

describe('training loop', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('a step trains only the given variables, returns its loss, and leaks no tensor', () => {
    const model = createGPT(TINY, { seed: 3 });
    const weights = namedWeights(model);
    const trainable = [...weights.entries()].filter(([n]) => n.startsWith('h.1.')).map(([, v]) => v);
    const frozen = [...weights.entries()].filter(([n]) => !n.startsWith('h.1.'));
    const frozenBefore = frozen.map(([, v]) => Array.from(v.dataSync()));
    const trainableBefore = trainable.map((v) => Array.from(v.dataSync()));
    const x = tf.tensor2d([[1, 2, 3, 4, 5, 6]], undefined, 'int32');
    const y = tf.tensor2d([[2, 3, 4, 5, 6, 7]], undefined, 'int32');
    const opt = createAdamW({ learningRate: 1e-2 }, trainable);
    const lossFn = () => crossEntropyLoss(forward(model, x, { training: true }), y);
    const before = tf.memory().numTensors;
    const first = trainStep(trainable, lossFn, opt);
    expect(tf.memory().numTensors).toBe(before);
    const second = trainStep(trainable, lossFn, opt);
    expect(tf.memory().numTensors).toBe(before);
    expect(first.loss).toBeCloseTo(Math.log(TINY.vocabSize), 1);
    expect(second.loss).toBeLessThan(first.loss);
    frozen.forEach(([, v], i) => expect(Array.from(v.dataSync())).toEqual(frozenBefore[i]));
    expect(trainable.every((v, i) => Array.from(v.dataSync()).some((x2, j) => x2 !== trainableBefore[i][j]))).toBe(true);
    disposeAdamW(opt);
    tf.dispose([x, y]);
    disposeGPT(model);
  });

  it('train() follows the schedule, reports each step, disposes batches and stops when asked', async () => {
    const model = createGPT(TINY, { seed: 4 });
    const vars = [...namedWeights(model).values()];
    const opt = createAdamW({ learningRate: 1 }, vars);
    const seen: number[] = [];
    const before = tf.memory().numTensors;
    const losses = await train({
      vars,
      optimizer: opt,
      steps: 10,
      batches: (step) => ({ x: tf.tensor2d([[step % 5, 1, 2, 3]], undefined, 'int32'), y: tf.tensor2d([[1, 2, 3, 4]], undefined, 'int32') }),
      lossFn: (batch) => crossEntropyLoss(forward(model, batch.x, { training: true }), batch.y),
      schedule: (step) => learningRateAt(step, { warmup: 2, total: 10, peak: 1e-2, min: 1e-3 }),
      tokensIn: (batch) => batch.x.size,
      onStep: (info) => {
        seen.push(info.learningRate);
        expect(info.tokens).toBe(4);
        return info.step < 5;
      },
    });
    expect(losses).toHaveLength(6);
    expect(seen[0]).toBeCloseTo(5e-3, 8);
    expect(seen[1]).toBeCloseTo(1e-2, 8);
    expect(tf.memory().numTensors).toBe(before);
    disposeAdamW(opt);
    disposeGPT(model);
  });
});
