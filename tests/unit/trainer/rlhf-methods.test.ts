import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './setup-backend';
import { encodePrompt } from '@/trainer/model/chat-template';
import type { GPTConfig } from '@/trainer/model/config';
import { sample } from '@/trainer/model/sample';
import { createTokenizer } from '@/trainer/model/tokenizer';
import { createGPT, disposeGPT, forward, namedWeights } from '@/trainer/model/transformer';
import { generateCorpus } from '@/trainer/domain/arithmetic';
import { dpoLoss, trainDpo } from '@/trainer/train/dpo';
import { clippedPolicyLoss, rlooAdvantages, trainRloo } from '@/trainer/train/rl';
import { createLikelihoodRewardModel, disposeRewardModel, evaluatePairs, trainRewardModel } from '@/trainer/train/reward-model';
import { buildSequenceBatch, disposeSequenceBatch, encodeSequence, frozenLogProbs, sequenceLogProbs, truncateSequence } from '@/trainer/train/sequence';
import { trainSft } from '@/trainer/train/sft';

const tok = createTokenizer('byte');
const TINY: GPTConfig = { vocabSize: tok.vocabSize, blockSize: 48, nLayer: 1, nHead: 2, dModel: 32, mlpRatio: 2, dropout: 0, layerNormEps: 1e-5, tieEmbeddings: true, tokenizer: 'byte' };

function logSoftmaxRow(row: number[]): number[] {
  const max = Math.max(...row);
  const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
  return row.map((v) => v - lse);
}

/** Reference: each sequence alone, unpadded, summed log-probs of its completion tokens from the logits. */
function rowReference(model: ReturnType<typeof createGPT>, tokens: number[], promptLength: number): number {
  const logits = tf.tidy(() => forward(model, tf.tensor2d([tokens.slice(0, -1)], undefined, 'int32'), { training: false }).arraySync()[0]);
  let sum = 0;
  for (let i = promptLength - 1; i < tokens.length - 1; i++) sum += logSoftmaxRow(logits[i])[tokens[i + 1]];
  return sum;
}

describe('sequence log-probs', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('equal a per-row reference computation on a right-padded batch, and leak nothing', () => {
    const model = createGPT(TINY, { seed: 1 });
    const seqs = [
      encodeSequence(tok, 'What is 2 + 3?', '2 + 3 = 5. Answer: 5', TINY.blockSize),
      encodeSequence(tok, 'Add 4 and 5.', 'Answer: 9', TINY.blockSize),
      encodeSequence(tok, [{ role: 'user', content: '7 * 3 = ?' }], '7 * 3 = 21. Answer: 21', TINY.blockSize),
    ];
    expect(seqs[1].tokens.slice(0, seqs[1].promptLength)).toEqual(encodePrompt(tok, 'Add 4 and 5.'));
    expect(seqs[1].tokens[seqs[1].tokens.length - 1]).toBe(tok.eos);
    const before = tf.memory().numTensors;
    const batch = buildSequenceBatch(seqs);
    const { perSequence, perToken } = tf.tidy(() => {
      const lp = sequenceLogProbs(model, batch, { training: false });
      return { perSequence: Array.from(lp.perSequence.dataSync()), perToken: lp.perToken.arraySync() };
    });
    disposeSequenceBatch(batch);
    expect(tf.memory().numTensors).toBe(before);
    seqs.forEach((s, r) => {
      expect(perSequence[r]).toBeCloseTo(rowReference(model, s.tokens, s.promptLength), 3);
      // prompt and padding positions contribute nothing
      expect(perToken[r].slice(0, s.promptLength - 1).every((v) => v === 0)).toBe(true);
      expect(perToken[r].slice(s.tokens.length - 1).every((v) => v === 0)).toBe(true);
    });
    const ref = frozenLogProbs(model, seqs, { batchSize: 2 });
    ref.perSequence.forEach((v, r) => expect(v).toBeCloseTo(perSequence[r], 4));
    expect(ref.perToken[1]).toHaveLength(seqs[1].tokens.length - seqs[1].promptLength);
    expect(tf.memory().numTensors).toBe(before);
    disposeGPT(model);
  });

  it('truncates to the context: the completion first, then the prompt from the front', () => {
    const long = encodeSequence(tok, 'What is 123 + 456?', 'x'.repeat(200), TINY.blockSize);
    expect(long.tokens.length).toBe(TINY.blockSize + 1);
    expect(long.promptLength).toBe(encodePrompt(tok, 'What is 123 + 456?').length);
    const hugePrompt = truncateSequence({ tokens: [...new Array<number>(100).fill(65), 66, 67], promptLength: 100 }, 16);
    expect(hugePrompt.tokens).toHaveLength(17);
    expect(hugePrompt.promptLength).toBe(16);
    expect(hugePrompt.tokens[16]).toBe(66);
  });
});

describe('DPO', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('loss and implicit rewards equal a hand computation from log-probs', () => {
    const pc = [-3, -10, -2.5];
    const pr = [-4, -9, -7];
    const rc = [-3.5, -9.5, -2];
    const rr = [-3.5, -9.5, -6];
    const beta = 0.1;
    const want = pc.map((_, i) => {
      const x = beta * (pc[i] - rc[i] - (pr[i] - rr[i]));
      return -Math.log(1 / (1 + Math.exp(-x)));
    });
    const t = [pc, pr, rc, rr].map((v) => tf.tensor1d(v));
    const before = tf.memory().numTensors;
    const out = dpoLoss(t[0], t[1], t[2], t[3], beta);
    expect(out.loss.dataSync()[0]).toBeCloseTo(want.reduce((s, v) => s + v, 0) / 3, 5);
    expect(Array.from(out.chosenRewards.dataSync())).toEqual(pc.map((v, i) => expect.closeTo(beta * (v - rc[i]), 5)));
    tf.dispose([out.loss, out.chosenRewards, out.rejectedRewards]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(t);
  });

  it('training raises rewards/accuracies on its pairs; SFT lowers its loss; neither leaks', async () => {
    const policy = createGPT(TINY, { seed: 2 });
    const reference = createGPT(TINY, { seed: 2 });
    const pairs = generateCorpus({ count: 8, seed: 5 }).map((e) => ({ prompt: e.prompt, chosen: `Answer: ${e.answer}`, rejected: 'zzzz' }));
    const vars = [...namedWeights(policy).values()];
    const before = tf.memory().numTensors;
    const dpo = await trainDpo(policy, vars, reference, tok, pairs, { beta: 0.5, learningRate: 3e-3, epochs: 3, batchSize: 4, seed: 1 });
    expect(dpo.losses[dpo.losses.length - 1]).toBeLessThan(dpo.losses[0]);
    expect(dpo.metrics['rewards/accuracies']).toBeGreaterThan(0.5);
    const sft = await trainSft(
      policy,
      vars,
      tok,
      pairs.map((p) => ({ prompt: p.prompt, completion: p.chosen })),
      { learningRate: 3e-3, epochs: 3, batchSize: 4, seed: 1 },
    );
    expect(sft.losses[sft.losses.length - 1]).toBeLessThan(sft.losses[0]);
    expect(tf.memory().numTensors).toBe(before);
    disposeGPT(policy);
    disposeGPT(reference);
  });
});

describe('reward model', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('learns a separable preference (worked correct answers over bare wrong ones) above chance on held-out pairs', async () => {
    const toPair = (e: { prompt: string; completion: string; answer: number }) => ({ prompt: e.prompt, chosen: e.completion, rejected: `Answer: ${e.answer + 1 + (e.answer % 7)}` });
    const train = generateCorpus({ count: 48, seed: 1 }).map(toPair);
    const heldout = generateCorpus({ count: 24, seed: 2, split: 'heldout' }).map(toPair);
    const config: GPTConfig = { ...TINY, blockSize: 160 };
    const rm = createLikelihoodRewardModel(createGPT(config, { seed: 3 }), { seed: 4 });
    const before = tf.memory().numTensors;
    const steps: number[] = [];
    const result = await trainRewardModel(rm, tok, train, heldout, { learningRate: 3e-3, epochs: 3, batchSize: 8, seed: 1 }, ({ step }) => {
      steps.push(step);
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(steps).toHaveLength(18);
    expect(result.losses[result.losses.length - 1]).toBeLessThan(result.losses[0]);
    expect(result.accuracy).toBeGreaterThan(0.8);
    expect(result.margin).toBeGreaterThan(0);
    expect(evaluatePairs(rm, tok, heldout).accuracy).toBe(result.accuracy);
    disposeRewardModel(rm);
  });
});

describe('RLOO', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('leave-one-out advantages and the clipped loss match hand computations', () => {
    expect(rlooAdvantages([1, 0, 0, 0.5], 4)).toEqual([1 - 0.5 / 3, -0.5, -0.5, 0.5 - 1 / 3].map((v) => expect.closeTo(v, 10)));
    const lp = tf.tensor2d([
      [Math.log(1.5), 0],
      [Math.log(0.5), 0],
    ]);
    const old = tf.zeros([2, 2]) as tf.Tensor2D;
    const adv = tf.tensor1d([1, 1]);
    const mask = tf.tensor2d([
      [1, 0],
      [1, 0],
    ]);
    const { loss, clipFraction } = clippedPolicyLoss(lp as tf.Tensor2D, old, adv, mask, 0.2);
    // row 0: max(-1.5, -1.2) = -1.2 (clipped); row 1: max(-0.5, -0.8) = -0.5
    expect(loss.dataSync()[0]).toBeCloseTo((-1.2 - 0.5) / 2, 5);
    expect(clipFraction.dataSync()[0]).toBeCloseTo(0.5, 5);
    tf.dispose([lp, old, adv, mask, loss, clipFraction]);
  });

  it('raises the mean reward of a toy reward (share of ASCII characters) on a tiny model, without leaks', async () => {
    const policy = createGPT(TINY, { seed: 7 });
    const reference = createGPT(TINY, { seed: 7 });
    const prompts = ['What is 1 + 1?', 'Add 2 and 3.', 'What is 4 * 5?', 'Calculate 9 - 3.'];
    const maxNewTokens = 6;
    const asciiShare = (text: string) => [...text].filter((c) => c.charCodeAt(0) < 128).length / maxNewTokens;
    const meanReward = async (seed: number) => {
      const s = await sample(
        policy,
        tok,
        prompts.map((p) => encodePrompt(tok, p)),
        { temperature: 1, maxNewTokens, n: 16, seed },
      );
      const r = s.flat().map((x) => asciiShare(x.text));
      return r.reduce((a, b) => a + b, 0) / r.length;
    };
    const start = await meanReward(99);
    const before = tf.memory().numTensors;
    const result = await trainRloo(policy, [...namedWeights(policy).values()], reference, tok, prompts, (items) => items.map((it) => asciiShare(it.completion)), {
      samplesPerPrompt: 4,
      promptsPerIteration: 4,
      iterations: 24,
      klCoef: 0.01,
      clipRange: 0.2,
      maxNewTokens,
      learningRate: 1e-2,
      epochs: 1,
      batchSize: 8,
      seed: 3,
      missingEosPenalty: 0,
    });
    expect(tf.memory().numTensors).toBe(before);
    const end = await meanReward(99);
    expect(result.curves['objective/kl']).toHaveLength(24);
    // the per-iteration score curve rises too (from ~0.5, the ASCII share of uniform bytes)
    expect(result.curves['objective/scores'].slice(-4).reduce((a, b) => a + b, 0) / 4).toBeGreaterThan(result.curves['objective/scores'][0] + 0.15);
    expect(Number.isFinite(result.metrics['objective/rlhf_reward'])).toBe(true);
    expect(end).toBeGreaterThan(start + 0.15);
    disposeGPT(policy);
    disposeGPT(reference);
  });
});
