/**
 * Confidence-weighted pair losses: the Bradley-Terry reward-model loss and the DPO loss become
 * weighted means sum(w_i l_i) / sum(w_i), checked against hand computations; weights of 1 give the
 * unweighted loss, and training with explicit weights of 1 runs exactly as without them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './setup-backend';
import type { GPTConfig } from '@/trainer/model/config';
import { createTokenizer } from '@/trainer/model/tokenizer';
import { createGPT, disposeGPT, namedWeights } from '@/trainer/model/transformer';
import { generateCorpus } from '@/trainer/domain/arithmetic';
import { dpoLoss, trainDpo } from '@/trainer/train/dpo';
import { bradleyTerryLoss, pairWeightsTensor } from '@/trainer/train/losses';
import { createLikelihoodRewardModel, disposeRewardModel, trainRewardModel } from '@/trainer/train/reward-model';

const tok = createTokenizer('byte');
const TINY: GPTConfig = { vocabSize: tok.vocabSize, blockSize: 48, nLayer: 1, nHead: 2, dModel: 32, mlpRatio: 2, dropout: 0, layerNormEps: 1e-5, tieEmbeddings: true, tokenizer: 'byte' };

/** -log sigma(x), written out. */
const negLogSigmoid = (x: number) => -Math.log(1 / (1 + Math.exp(-x)));

beforeAll(async () => {
  await useBackend('wasm');
});

describe('weighted Bradley-Terry loss', () => {
  it('two pairs with weights 1 and 0.5: (1 * l1 + 0.5 * l2) / 1.5, by hand', () => {
    // r_chosen - r_rejected = 2 - 1 = 1 and 0 - 1 = -1.
    const l1 = negLogSigmoid(1); // log(1 + e^-1) = 0.3132617
    const l2 = negLogSigmoid(-1); // log(1 + e) = 1.3132617
    expect(l1).toBeCloseTo(0.3132617, 6);
    expect(l2).toBeCloseTo(1.3132617, 6);
    const chosen = tf.tensor1d([2, 0]);
    const rejected = tf.tensor1d([1, 1]);
    const weights = tf.tensor1d([1, 0.5]);
    const before = tf.memory().numTensors;
    const weighted = bradleyTerryLoss(chosen, rejected, weights);
    const plain = bradleyTerryLoss(chosen, rejected);
    expect(weighted.dataSync()[0]).toBeCloseTo((1 * 0.3132617 + 0.5 * 1.3132617) / 1.5, 5); // 0.6465950
    expect(plain.dataSync()[0]).toBeCloseTo((0.3132617 + 1.3132617) / 2, 5); // 0.8132617
    tf.dispose([weighted, plain]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([chosen, rejected, weights]);
  });

  it('all-ones weights give the unweighted loss; scaling every weight changes nothing', () => {
    const chosen = tf.tensor1d([0.3, -2, 5, 1.25]);
    const rejected = tf.tensor1d([1, -1.5, -3, 1.25]);
    const ones = tf.ones([4]);
    const twos = tf.fill([4], 2);
    const before = tf.memory().numTensors;
    const plain = bradleyTerryLoss(chosen, rejected);
    const withOnes = bradleyTerryLoss(chosen, rejected, ones);
    const withTwos = bradleyTerryLoss(chosen, rejected, twos);
    const want = [0.3 - 1, -2 + 1.5, 5 + 3, 0].reduce((s, d) => s + negLogSigmoid(d), 0) / 4;
    expect(plain.dataSync()[0]).toBeCloseTo(want, 5);
    expect(withOnes.dataSync()[0]).toBeCloseTo(plain.dataSync()[0], 6);
    expect(withTwos.dataSync()[0]).toBeCloseTo(plain.dataSync()[0], 6);
    tf.dispose([plain, withOnes, withTwos]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([chosen, rejected, ones, twos]);
  });

  it('the gradient of a pair scales with its weight', () => {
    const chosen = tf.tensor1d([2, 0]);
    const rejected = tf.tensor1d([1, 1]);
    const weights = tf.tensor1d([1, 0.5]);
    const before = tf.memory().numTensors;
    const grad = tf.grad((c: tf.Tensor) => bradleyTerryLoss(c, rejected, weights))(chosen);
    // d/dc_i of w_i softplus(-(c_i - r_i)) / sum(w) = -w_i sigma(-(c_i - r_i)) / 1.5
    const sigma = (x: number) => 1 / (1 + Math.exp(-x));
    expect(Array.from(grad.dataSync())).toEqual([expect.closeTo((-1 * sigma(-1)) / 1.5, 5), expect.closeTo((-0.5 * sigma(1)) / 1.5, 5)]);
    grad.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([chosen, rejected, weights]);
  });

  it('a batch whose weights are all 1 (or absent) gets no weight tensor; any other weight gives one', () => {
    expect(pairWeightsTensor([1, 1, undefined])).toBeUndefined();
    const w = pairWeightsTensor([1, 0.5, undefined]);
    expect(Array.from(w?.dataSync() ?? [])).toEqual([1, 0.5, 1]);
    w?.dispose();
  });
});

describe('weighted DPO loss', () => {
  it('two pairs with weights 1 and 0.5 against a hand computation from log-probs', () => {
    const beta = 0.1;
    const pc = [-3, -10];
    const pr = [-4, -9];
    const rc = [-3.5, -9.5];
    const rr = [-3.5, -9.5];
    // beta * ((pc - rc) - (pr - rr)): 0.1 * (0.5 - (-0.5)) = 0.1 and 0.1 * (-0.5 - 0.5) = -0.1
    const l1 = negLogSigmoid(0.1); // 0.6443967
    const l2 = negLogSigmoid(-0.1); // 0.7443967
    expect(l1).toBeCloseTo(0.6443967, 6);
    expect(l2).toBeCloseTo(0.7443967, 6);
    const t = [pc, pr, rc, rr].map((v) => tf.tensor1d(v));
    const weights = tf.tensor1d([1, 0.5]);
    const ones = tf.tensor1d([1, 1]);
    const before = tf.memory().numTensors;
    const weighted = dpoLoss(t[0], t[1], t[2], t[3], beta, weights);
    const withOnes = dpoLoss(t[0], t[1], t[2], t[3], beta, ones);
    const plain = dpoLoss(t[0], t[1], t[2], t[3], beta);
    expect(weighted.loss.dataSync()[0]).toBeCloseTo((1 * 0.6443967 + 0.5 * 0.7443967) / 1.5, 5); // 0.6777300
    expect(plain.loss.dataSync()[0]).toBeCloseTo((0.6443967 + 0.7443967) / 2, 5);
    expect(withOnes.loss.dataSync()[0]).toBeCloseTo(plain.loss.dataSync()[0], 6);
    // The implicit rewards do not depend on the weights.
    expect(Array.from(weighted.chosenRewards.dataSync())).toEqual(Array.from(plain.chosenRewards.dataSync()));
    for (const out of [weighted, withOnes, plain]) tf.dispose([out.loss, out.chosenRewards, out.rejectedRewards]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...t, weights, ones]);
  });
});

describe('training with pair weights', () => {
  const corpus = generateCorpus({ count: 8, seed: 5 });

  it('DPO: weights of 1 train exactly as no weights; other weights train differently; no leaks', async () => {
    const run = async (weightOf: (i: number) => number | undefined) => {
      const policy = createGPT(TINY, { seed: 2 });
      const reference = createGPT(TINY, { seed: 2 });
      const pairs = corpus.map((e, i) => ({ prompt: e.prompt, chosen: `Answer: ${e.answer}`, rejected: 'zzzz', weight: weightOf(i) }));
      const before = tf.memory().numTensors;
      const result = await trainDpo(policy, [...namedWeights(policy).values()], reference, tok, pairs, { beta: 0.5, learningRate: 3e-3, epochs: 2, batchSize: 4, seed: 1 });
      expect(tf.memory().numTensors).toBe(before);
      disposeGPT(policy);
      disposeGPT(reference);
      return result.losses;
    };
    const plain = await run(() => undefined);
    expect(await run(() => 1)).toEqual(plain);
    const weighted = await run((i) => (i % 2 === 0 ? 1 : 0.25));
    expect(weighted).toHaveLength(plain.length);
    expect(weighted).not.toEqual(plain);
  });

  it('reward model: weights of 1 train exactly as no weights; other weights train differently; no leaks', async () => {
    const run = async (weightOf: (i: number) => number | undefined) => {
      const rm = createLikelihoodRewardModel(createGPT({ ...TINY, blockSize: 96 }, { seed: 3 }), { seed: 4 });
      const pairs = corpus.map((e, i) => ({ prompt: e.prompt, chosen: e.completion, rejected: `Answer: ${e.answer + 1}`, weight: weightOf(i) }));
      const before = tf.memory().numTensors;
      const result = await trainRewardModel(rm, tok, pairs, pairs.slice(0, 2), { learningRate: 3e-3, epochs: 2, batchSize: 4, seed: 1 });
      expect(tf.memory().numTensors).toBe(before);
      disposeRewardModel(rm);
      return result.losses;
    };
    const plain = await run(() => undefined);
    expect(await run(() => 1)).toEqual(plain);
    const weighted = await run((i) => (i % 2 === 0 ? 1 : 0.25));
    expect(weighted).toHaveLength(plain.length);
    expect(weighted).not.toEqual(plain);
  });
});
