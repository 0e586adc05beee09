import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './setup-backend';
import { ZRoundConfig } from '@/server/jobs/contracts';
import { generateCorpus, judge } from '@/trainer/domain/arithmetic';
import type { GPTConfig } from '@/trainer/model/config';
import { loadModel, saveModel } from '@/trainer/model/model-checkpoint';
import { createTokenizer } from '@/trainer/model/tokenizer';
import { createGPT, disposeGPT } from '@/trainer/model/transformer';
import { RoundCancelledError, RoundInputError, runRound, type Progress, type RoundData } from '@/trainer/round/pipeline';
import { disposeRewardModel, loadRewardModel } from '@/trainer/train/reward-model';

const tok = createTokenizer('byte');
const TINY: GPTConfig = { vocabSize: tok.vocabSize, blockSize: 64, nLayer: 1, nHead: 2, dModel: 32, mlpRatio: 2, dropout: 0, layerNormEps: 1e-5, tieEmbeddings: true, tokenizer: 'byte' };

const config = ZRoundConfig.parse({
  method: 'rl',
  minPairs: 8,
  learningRate: 1e-3,
  epochs: 1,
  batchSize: 8,
  reward: { learningRate: 1e-3, epochs: 1, batchSize: 8 },
  rl: { samplesPerPrompt: 2, promptsPerIteration: 2, iterations: 2, klCoef: 0.05, clipRange: 0.2, maxNewTokens: 6 },
  evalPrompts: 4,
});

function roundData(pairCount: number): RoundData {
  const examples = generateCorpus({ count: pairCount, seed: 3 });
  const pairs = examples.map((e) => ({ prompt: e.prompt, chosen: `Answer: ${e.answer}`, rejected: `Answer: ${e.answer + 1}` }));
  return {
    trainPairs: pairs,
    heldoutPairs: [],
    sft: pairs.slice(0, 8).map((p) => ({ prompt: p.prompt, completion: p.chosen })),
    rlPrompts: generateCorpus({ count: 6, seed: 4 }).map((e) => e.prompt),
    evalPrompts: generateCorpus({ count: 4, seed: 5, split: 'heldout' }).map((e) => e.prompt),
    referenceChats: generateCorpus({ count: 3, seed: 6, split: 'heldout' }).map((e) => [
      { role: 'user' as const, content: e.prompt },
      { role: 'assistant' as const, content: e.completion },
    ]),
    judge: (prompt, completion) => judge(prompt, completion).score,
  };
}

describe('runRound', () => {
  let dir = '';
  let baseDir = '';
  beforeAll(async () => {
    await useBackend('wasm');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'round-'));
    baseDir = path.join(dir, 'base');
    const model = createGPT(TINY, { seed: 1 });
    await saveModel(baseDir, model, { kind: 'policy', peft: null, step: 0, metrics: {} });
    disposeGPT(model);
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses too few pairs with words an admin understands', async () => {
    const run = runRound({
      policyDir: baseDir,
      referenceDir: baseDir,
      config: { ...config, minPairs: 64 },
      data: roundData(23),
      outDirs: { policy: path.join(dir, 'x'), reward: path.join(dir, 'y') },
    });
    await expect(run).rejects.toThrow(RoundInputError);
    await expect(run).rejects.toThrow('needs at least 64 preference pairs, has 23');
  });

  it('runs reward -> RL -> evaluate, saves loadable artifacts, reports every stage and leaks no tensor', async () => {
    const outDirs = { policy: path.join(dir, 'r1', 'policy'), reward: path.join(dir, 'r1', 'reward') };
    const seen: Progress[] = [];
    const before = tf.memory().numTensors;
    const result = await runRound({ policyDir: baseDir, referenceDir: baseDir, config, data: roundData(20), outDirs, onProgress: (p) => void seen.push(p) });
    expect(tf.memory().numTensors).toBe(before);
    expect(new Set(seen.map((p) => p.stage))).toEqual(new Set(['reward', 'policy', 'evaluate']));
    const policySteps = seen.filter((p) => p.stage === 'policy');
    expect(policySteps[policySteps.length - 1].step).toBe(policySteps[0].totalSteps);
    expect(result.metrics.reward.accuracy).toBeGreaterThanOrEqual(0);
    expect(result.metrics.reward.heldoutPairs).toBe(2);
    expect(Number.isFinite(result.metrics.policy['objective/kl'])).toBe(true);
    expect(Number.isFinite(result.metrics.policy['objective/rlhf_reward'])).toBe(true);
    for (const key of ['eval/reward_new', 'eval/reward_previous', 'eval/win_rate', 'eval/kl_to_reference', 'eval/perplexity_new', 'eval/judge_new', 'eval/judge_new_se']) {
      expect(Number.isFinite(result.metrics.eval[key]), key).toBe(true);
    }
    expect(result.curves['reward/loss'].length).toBeGreaterThan(0);
    const policy = await loadModel(outDirs.policy);
    expect(policy.manifest.kind).toBe('policy');
    disposeGPT(policy.model);
    const { rm } = await loadRewardModel(outDirs.reward);
    disposeRewardModel(rm);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops within a step once shouldStop() is true, freeing everything', async () => {
    const before = tf.memory().numTensors;
    let stop = false;
    let afterStop = 0;
    const run = runRound({
      policyDir: baseDir,
      referenceDir: baseDir,
      config,
      data: roundData(20),
      outDirs: { policy: path.join(dir, 'c', 'policy'), reward: path.join(dir, 'c', 'reward') },
      onProgress: (p) => {
        if (stop) afterStop++;
        if (p.stage === 'policy' && p.step === 1) stop = true;
      },
      shouldStop: () => stop,
    });
    await expect(run).rejects.toThrow(RoundCancelledError);
    expect(afterStop).toBeLessThanOrEqual(1);
    expect(fs.existsSync(path.join(dir, 'c', 'policy'))).toBe(false);
    expect(tf.memory().numTensors).toBe(before);
  });
});
