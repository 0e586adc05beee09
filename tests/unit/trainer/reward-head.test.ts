import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './setup-backend';
import { createRewardModel, disposeRewardHead, rewardNamedWeights, rewardScores } from '@/trainer/model/reward-head';
import { createGPT, disposeGPT, forwardHidden } from '@/trainer/model/transformer';
import { bradleyTerryLoss } from '@/trainer/train/losses';
import { createAdamW, disposeAdamW } from '@/trainer/train/optimizer';
import { trainStep } from '@/trainer/train/loop';
import type { GPTConfig } from '@/trainer/model/config';

const TINY: GPTConfig = { vocabSize: 20, blockSize: 16, nLayer: 2, nHead: 2, dModel: 16, mlpRatio: 4, dropout: 0, layerNormEps: 1e-5, tieEmbeddings: true, tokenizer: 'byte' };

describe('reward head', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('scores each row from the hidden state of its own last real token', () => {
    const rm = createRewardModel(createGPT(TINY, { seed: 1 }), { seed: 2 });
    tf.tidy(() => rm.head.bias?.assign(tf.tensor1d([0.25])));
    const ids = tf.tensor2d(
      [
        [3, 4, 5, 6, 0, 0],
        [7, 8, 9, 10, 11, 12],
        [1, 2, 0, 0, 0, 0],
      ],
      undefined,
      'int32',
    );
    const last = tf.tensor1d([3, 5, 1], 'int32');
    const before = tf.memory().numTensors;
    const scores = rewardScores(rm, ids, last, { training: false });
    expect(scores.shape).toEqual([3]);
    // reference: hidden row at lastIndex, dotted with the head by hand
    const hidden = tf.tidy(() => forwardHidden(rm.base, ids, { training: false }).arraySync() as number[][][]);
    const w = Array.from(rm.head.weight?.dataSync() ?? []);
    const want = [3, 5, 1].map((t, b) => hidden[b][t].reduce((s, h, i) => s + h * w[i], 0.25));
    Array.from(scores.dataSync()).forEach((s, b) => expect(s).toBeCloseTo(want[b], 5));
    tf.dispose(scores);
    expect(tf.memory().numTensors).toBe(before);
    // padding after the last real token does not change a score; the token at lastIndex does
    const otherPad = tf.tensor2d(
      [
        [3, 4, 5, 6, 9, 9],
        [7, 8, 9, 10, 11, 12],
        [1, 2, 5, 5, 5, 5],
      ],
      undefined,
      'int32',
    );
    const otherLast = tf.tensor2d(
      [
        [3, 4, 5, 7, 0, 0],
        [7, 8, 9, 10, 11, 12],
        [1, 2, 0, 0, 0, 0],
      ],
      undefined,
      'int32',
    );
    const a = tf.tidy(() => rewardScores(rm, otherPad, last, { training: false }).dataSync());
    const b = tf.tidy(() => rewardScores(rm, otherLast, last, { training: false }).dataSync());
    [0, 2].forEach((r) => expect(a[r]).toBeCloseTo(want[r], 5));
    expect(Math.abs(b[0] - want[0])).toBeGreaterThan(1e-4);
    expect([...rewardNamedWeights(rm).keys()]).toEqual(expect.arrayContaining(['wte', 'reward_head.weight', 'reward_head.bias']));
    tf.dispose([ids, last, otherPad, otherLast]);
    disposeRewardHead(rm);
    disposeGPT(rm.base);
  });

  it('Bradley-Terry training ranks chosen above rejected', () => {
    const rm = createRewardModel(createGPT(TINY, { seed: 3 }), { seed: 4 });
    // chosen rows end in token 5, rejected in token 6
    const chosen = tf.tensor2d(
      [
        [1, 2, 5],
        [3, 3, 5],
        [4, 1, 5],
        [2, 2, 5],
      ],
      undefined,
      'int32',
    );
    const rejected = tf.tensor2d(
      [
        [1, 2, 6],
        [3, 3, 6],
        [4, 1, 6],
        [2, 2, 6],
      ],
      undefined,
      'int32',
    );
    const last = tf.tensor1d([2, 2, 2, 2], 'int32');
    const vars = [...rewardNamedWeights(rm).values()];
    const opt = createAdamW({ learningRate: 1e-2 }, vars);
    const lossFn = () => bradleyTerryLoss(rewardScores(rm, chosen, last, { training: true }), rewardScores(rm, rejected, last, { training: true }));
    const first = trainStep(vars, lossFn, opt).loss;
    let loss = first;
    for (let i = 0; i < 30; i++) loss = trainStep(vars, lossFn, opt).loss;
    // a fresh head gives near-zero rewards: the loss starts near log 2
    expect(Math.abs(first - Math.log(2))).toBeLessThan(0.15);
    expect(loss).toBeLessThan(0.1);
    const margin = tf.tidy(() => tf.min(tf.sub(rewardScores(rm, chosen, last, { training: false }), rewardScores(rm, rejected, last, { training: false }))).dataSync()[0]);
    expect(margin).toBeGreaterThan(0);
    disposeAdamW(opt);
    tf.dispose([chosen, rejected, last]);
    disposeRewardHead(rm);
    disposeGPT(rm.base);
  });
});
