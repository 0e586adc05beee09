/**
 * One training round, as a library with no database code: the worker and the loop simulation
 * (trainer/scripts/loop-sim.ts) both call it.
 *
 *   reward stage:  reward model (policy backbone + scalar head) trained Bradley-Terry on the pairs,
 *                  held-out accuracy / margin, agreement with the judge on fresh samples;
 *   policy stage:  SFT, DPO or RL (RLOO against the reward model, KL to the reference), from the
 *                  current policy;
 *   evaluate:      greedy answers of the new and previous policies on held-out prompts.
 *
 * Each stage loads what it needs from checkpoint directories and frees every tensor before it
 * returns or throws, so a stage can run alone (the worker reports stages) and
 * tf.memory().numTensors is back at its start value after each.
 *
 * Artifacts: the reward model is saved as a 'reward' checkpoint (the backbone) with its head in
 * `extra` ("reward_head.weight", "reward_head.bias"). The new policy is always saved as a complete
 * checkpoint: LoRA / QLoRA adapters are merged into the weights first (an adapter-only checkpoint
 * would name policyDir as its parent, which the worker moves, and a round-3 adapter would sit on a
 * round-2 adapter, which checkpoints cannot chain); prompt / prefix tuning cannot be merged, so its
 * virtual tokens are saved with the model and the manifest keeps the PEFT config. The built-in
 * model is 7.6 MB, so a merged copy per version costs little.
 *
 * Method 'rl' runs a short SFT warm-start on `data.sft` (when given; `config.epochs` passes at
 * `config.learningRate`) and then RLOO: learning from the policy's own samples goes further when
 * they start closer to good answers. RLOO makes one pass over each iteration's rollouts in
 * minibatches of `config.batchSize` rows at `config.learningRate`.
 */
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type { CurvePoint, RoundConfig } from '../../server/jobs/contracts';
import { encodePrompt, type ChatMessage } from '../model/chat-template';
import { loadModel, saveModel } from '../model/model-checkpoint';
import { applyPeft, mergeLora, trainableVariables } from '../model/peft';
import { mulberry32 } from '../model/random';
import { sample } from '../model/sample';
import { createTokenizer, type Tokenizer } from '../model/tokenizer';
import { disposeGPT, type GPT } from '../model/transformer';
import { trainDpo } from '../train/dpo';
import { evaluatePolicies, promptText, type EvaluationSample } from '../train/evaluate';
import {
  createLikelihoodRewardModel,
  disposeRewardModel,
  loadRewardModel,
  type LikelihoodRewardModel,
  saveRewardModel,
  scoreCompletions,
  trainRewardModel,
  type MethodStep,
  type PreferencePair,
} from '../train/reward-model';
import { trainRloo } from '../train/rl';
import { mean, shuffled, type PromptInput } from '../train/sequence';
import { trainSft, type SftExample } from '../train/sft';

export type { PreferencePair } from '../train/reward-model';
export type { SftExample } from '../train/sft';
export type { PromptInput } from '../train/sequence';

export type RoundData = {
  trainPairs: PreferencePair[];
  /** Pairs the reward model never trains on; empty = 10% of trainPairs are held out. */
  heldoutPairs: PreferencePair[];
  /** Edited answers and top-rated completions (SFT, and the warm-start of RL). */
  sft: SftExample[];
  /** Prompts RL samples from (they need no ratings). */
  rlPrompts: PromptInput[];
  /** Held-out prompts for evaluation and the judge agreement (the first config.evalPrompts). */
  evalPrompts: PromptInput[];
  /** A fixed corpus for perplexity (forgetting). */
  referenceChats: ChatMessage[][];
  /** Quality of an answer in 0..1 (the built-in domain: 1 when correct). */
  judge?: (prompt: string, completion: string) => number;
};

export type RoundStageName = 'reward' | 'policy' | 'evaluate';
/** Reported after every step; the worker turns it into progress bars, ETA and live curves. */
export type Progress = { stage: RoundStageName; step: number; totalSteps: number; metrics: Record<string, number> };
export type OnProgress = (p: Progress) => void | Promise<void>;
export type Curves = Record<string, CurvePoint[]>;

/** Input an admin must fix (too few pairs, no prompts...); the message says what and how many. */
export class RoundInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RoundInputError';
  }
}

/** shouldStop() returned true; thrown within a step of it. */
export class RoundCancelledError extends Error {
  constructor(stage: RoundStageName) {
    super(`Round cancelled during the ${stage} stage`);
    this.name = 'RoundCancelledError';
  }
}

type StageCommon = { config: RoundConfig; data: RoundData; onProgress?: OnProgress; shouldStop?: () => boolean };

export type RewardStageResult = {
  metrics: { accuracy: number; margin: number; loss: number; trainPairs: number; heldoutPairs: number; judgeAgreement?: number; judgePairs?: number };
  curves: Curves;
};
export type PolicyStageResult = { metrics: Record<string, number>; curves: Curves };
export type EvaluateStageResult = { metrics: Record<string, number>; samples: EvaluationSample[] };
export type RoundResult = {
  metrics: { reward: RewardStageResult['metrics']; policy: Record<string, number>; eval: Record<string, number>; seconds: Record<RoundStageName, number> };
  curves: Curves;
  samples: EvaluationSample[];
};

// ---------------------------------------------------------------------------------------------
// Input checks

/** Every check that can fail before any training, with a message an admin can act on. */
export function validateRoundInput(config: RoundConfig, data: RoundData): void {
  const pairs = data.trainPairs.length;
  if (pairs < config.minPairs) throw new RoundInputError(`The reward model needs at least ${config.minPairs} preference pairs, has ${pairs}`);
  if (data.heldoutPairs.length === 0 && data.trainPairs.length < 2) throw new RoundInputError(`Needs at least 2 preference pairs to hold one out, has ${data.trainPairs.length}`);
  if (config.method === 'sft' && data.sft.length === 0) throw new RoundInputError('SFT needs at least 1 example (an edited answer or a top-rated completion), has 0');
  if (config.method === 'dpo' && data.trainPairs.length < config.minPairs) throw new RoundInputError(`DPO needs at least ${config.minPairs} preference pairs, has ${data.trainPairs.length}`);
  if (config.method === 'rl' && data.rlPrompts.length === 0) throw new RoundInputError('RL needs at least 1 prompt to sample from, has 0');
  if (data.evalPrompts.length === 0) throw new RoundInputError('Evaluation needs at least 1 held-out prompt, has 0');
  for (const pair of [...data.trainPairs, ...data.heldoutPairs]) {
    if (pair.chosen === pair.rejected) throw new RoundInputError(`A preference pair has the same chosen and rejected answer (prompt "${promptText(pair.prompt).slice(0, 60)}")`);
  }
}

function checkPromptsFit(tok: Tokenizer, blockSize: number, prompts: PromptInput[], what: string): void {
  prompts.forEach((p, i) => {
    const n = encodePrompt(tok, p).length;
    if (n >= blockSize) throw new RoundInputError(`${what} ${i + 1} is ${n} tokens long; the model's context is ${blockSize} tokens, so it leaves no room for an answer`);
  });
}

/** The held-out pairs, or 10% of the training pairs (at least 1) picked by the seed. */
export function splitPairs(data: RoundData, seed: number): { train: PreferencePair[]; heldout: PreferencePair[] } {
  if (data.heldoutPairs.length > 0) return { train: data.trainPairs, heldout: data.heldoutPairs };
  const order = shuffled(data.trainPairs, mulberry32(seed ^ 0x5eed));
  const n = Math.max(1, Math.round(0.1 * order.length));
  return { train: order.slice(n), heldout: order.slice(0, n) };
}

// ---------------------------------------------------------------------------------------------
// Helpers

function guard(stage: RoundStageName, shouldStop?: () => boolean): void {
  if (shouldStop?.()) throw new RoundCancelledError(stage);
}

/** Method steps -> stage Progress, with a cancel check and curve points at every step. */
function reporter(stage: RoundStageName, common: StageCommon, curves: Curves, offset: number, totalSteps: number, prefix = '') {
  return async (info: MethodStep): Promise<void> => {
    const step = offset + info.step;
    for (const [name, value] of Object.entries(info.metrics)) {
      if (!Number.isFinite(value)) continue;
      (curves[prefix + name] ??= []).push({ step, value });
    }
    await common.onProgress?.({ stage, step, totalSteps, metrics: info.metrics });
    guard(stage, common.shouldStop);
  };
}

/** A checkpoint as a plain GPT (LoRA adapters merged) plus its tokenizer. */
async function loadPlain(dir: string): Promise<{ model: GPT; tokenizer: Tokenizer }> {
  const loaded = await loadModel(dir);
  tf.dispose(Object.values(loaded.extra));
  mergeLora(loaded.model);
  return { model: loaded.model, tokenizer: createTokenizer(loaded.manifest.tokenizer) };
}

/** Checkpoint manifests hold finite numbers only. */
function finiteOnly(metrics: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).filter(([, v]) => Number.isFinite(v)));
}

function prepareOut(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
}

// ---------------------------------------------------------------------------------------------
// Stages

/**
 * Trains the reward model from the policy's backbone, saves it to `outDir`, and measures held-out
 * `accuracy` / `margin` and (with a judge) the agreement with the judge on fresh samples of the
 * policy: pairs of its temperature-1 answers to held-out prompts whose judged scores differ.
 */
export async function trainRewardStage(options: StageCommon & { policyDir: string; outDir: string }): Promise<RewardStageResult> {
  const { config, data } = options;
  validateRoundInput(config, data);
  guard('reward', options.shouldStop);
  const { train, heldout } = splitPairs(data, config.seed);
  const { model, tokenizer } = await loadPlain(options.policyDir);
  const rm = createLikelihoodRewardModel(model, { seed: config.seed });
  const curves: Curves = {};
  try {
    const agreementPrompts = data.judge ? Math.min(32, data.evalPrompts.length) : 0;
    // Sampled before training: the backbone is still the policy's.
    const agreementSet = agreementPrompts > 0 && data.judge ? await sampleAgreementSet(rm.base, tokenizer, data.evalPrompts.slice(0, agreementPrompts), data.judge, config) : null;
    guard('reward', options.shouldStop);
    const epochsSteps = Math.ceil(train.length / config.reward.batchSize) * config.reward.epochs;
    const totalSteps = epochsSteps + (agreementSet ? 1 : 0);
    const result = await trainRewardModel(
      rm,
      tokenizer,
      train,
      heldout,
      { learningRate: config.reward.learningRate, epochs: config.reward.epochs, batchSize: config.reward.batchSize, seed: config.seed },
      reporter('reward', options, curves, 0, totalSteps, 'reward/'),
    );
    result.accuracyByEpoch.forEach((value, i) => (curves['reward/heldout_accuracy'] ??= []).push({ step: Math.round(((i + 1) * epochsSteps) / config.reward.epochs), value }));
    const metrics: RewardStageResult['metrics'] = { accuracy: result.accuracy, margin: result.margin, loss: result.heldoutLoss, trainPairs: train.length, heldoutPairs: heldout.length };
    if (agreementSet) {
      const agreement = judgeAgreement(rm, tokenizer, agreementSet);
      metrics.judgePairs = agreement.pairs;
      // No pair of samples with different judged scores: nothing to agree on, no number.
      if (agreement.pairs > 0) metrics.judgeAgreement = agreement.agreement;
      await options.onProgress?.({ stage: 'reward', step: totalSteps, totalSteps, metrics: { judgeAgreement: agreement.agreement, judgePairs: agreement.pairs } });
    }
    guard('reward', options.shouldStop);
    prepareOut(options.outDir);
    await saveRewardModel(options.outDir, rm, {
      step: result.losses.length,
      metrics: finiteOnly({
        accuracy: metrics.accuracy,
        margin: metrics.margin,
        heldout_loss: metrics.loss,
        ...(metrics.judgeAgreement === undefined ? {} : { judge_agreement: metrics.judgeAgreement }),
      }),
      parent: options.policyDir,
    });
    return { metrics, curves };
  } finally {
    disposeRewardModel(rm);
  }
}

type AgreementSet = { items: Array<{ prompt: PromptInput; completion: string }>; judged: number[]; k: number };

/** k = 4 temperature-1 samples of each prompt from the policy, with their judged scores. */
async function sampleAgreementSet(policy: GPT, tok: Tokenizer, prompts: PromptInput[], judge: NonNullable<RoundData['judge']>, config: RoundConfig): Promise<AgreementSet> {
  const k = 4;
  const samples = await sample(
    policy,
    tok,
    prompts.map((p) => encodePrompt(tok, p)),
    { temperature: 1, maxNewTokens: config.rl.maxNewTokens, n: k, seed: config.seed + 7 },
  );
  const items = prompts.flatMap((prompt, i) => samples[i].map((s) => ({ prompt, completion: s.text })));
  return { items, judged: items.map((it) => judge(promptText(it.prompt), it.completion)), k };
}

/**
 * The reward model's preference against the judge's: every pair of samples of one prompt whose
 * judged scores differ counts; agreement = share where the RM ranks them the same way.
 */
function judgeAgreement(rm: LikelihoodRewardModel, tok: Tokenizer, set: AgreementSet): { agreement: number; pairs: number } {
  const { items, judged, k } = set;
  const rewards = scoreCompletions(rm, tok, items);
  const agree: number[] = [];
  for (let p = 0; p < items.length / k; p++) {
    for (let a = 0; a < k; a++) {
      for (let b = a + 1; b < k; b++) {
        const i = p * k + a;
        const j = p * k + b;
        if (judged[i] === judged[j]) continue;
        agree.push(Math.sign(judged[i] - judged[j]) === Math.sign(rewards[i] - rewards[j]) ? 1 : 0);
      }
    }
  }
  return { agreement: agree.length > 0 ? mean(agree) : Number.NaN, pairs: agree.length };
}

/**
 * Fine-tunes the policy from `policyDir` with config.method and saves it (complete, adapters
 * merged) to `outDir`. RL reads the reward model from `rewardDir` (trainRewardStage's outDir).
 */
export async function trainPolicyStage(options: StageCommon & { policyDir: string; referenceDir: string; rewardDir: string | null; outDir: string }): Promise<PolicyStageResult> {
  const { config, data } = options;
  validateRoundInput(config, data);
  guard('policy', options.shouldStop);
  const { model: policy, tokenizer } = await loadPlain(options.policyDir);
  let reference: GPT | null = null;
  let rm: LikelihoodRewardModel | null = null;
  const curves: Curves = {};
  try {
    checkPromptsFit(tokenizer, policy.config.blockSize, data.rlPrompts, 'RL prompt');
    const peft = config.peft;
    const alreadyThere = (peft.method === 'prompt' && policy.promptTuning) || (peft.method === 'prefix' && policy.prefixTuning);
    // Prefixes start from the frozen model's keys/values on a few of the round's own prompts.
    const prefixInitIds = [...data.rlPrompts, ...data.sft.map((e) => e.prompt)].slice(0, 4).map((p) => encodePrompt(tokenizer, p));
    if (!alreadyThere) applyPeft(policy, peft, { seed: config.seed, prefixInitIds: prefixInitIds.length > 0 ? prefixInitIds : undefined });
    const vars = trainableVariables(policy, peft);
    const noDecay = peft.method === 'full' ? {} : { weightDecay: 0 }; // adapters decay towards "no change" on their own
    const common = { learningRate: config.learningRate, epochs: config.epochs, batchSize: config.batchSize, seed: config.seed, ...noDecay };
    const metrics: Record<string, number> = {};

    if (config.method === 'dpo' || config.method === 'rl') reference = (await loadPlain(options.referenceDir)).model;

    const sftSteps = (n: number) => Math.ceil(n / config.batchSize) * config.epochs;
    if (config.method === 'sft') {
      const totalSteps = sftSteps(data.sft.length);
      const result = await trainSft(policy, vars, tokenizer, data.sft, common, reporter('policy', options, curves, 0, totalSteps, 'policy/'));
      metrics.loss = mean(result.losses.slice(-Math.ceil(data.sft.length / config.batchSize)));
    } else if (config.method === 'dpo') {
      if (!reference) throw new Error('trainPolicyStage: DPO needs its reference model');
      const totalSteps = sftSteps(data.trainPairs.length);
      const result = await trainDpo(policy, vars, reference, tokenizer, data.trainPairs, { ...common, beta: config.dpo.beta }, reporter('policy', options, curves, 0, totalSteps, 'policy/'));
      Object.assign(metrics, result.metrics);
    } else {
      if (!reference) throw new Error('trainPolicyStage: RL needs its reference model');
      if (!options.rewardDir) throw new Error('trainPolicyStage: RL needs the reward model (rewardDir)');
      rm = (await loadRewardModel(options.rewardDir)).rm;
      const rlCfg = { ...config.rl, learningRate: config.learningRate, epochs: 1, batchSize: config.batchSize, seed: config.seed, ...noDecay };
      const warmSteps = data.sft.length > 0 ? sftSteps(data.sft.length) : 0;
      const rlSteps = config.rl.iterations * Math.ceil((config.rl.promptsPerIteration * config.rl.samplesPerPrompt) / config.batchSize);
      const totalSteps = warmSteps + rlSteps;
      if (warmSteps > 0) {
        const warm = await trainSft(policy, vars, tokenizer, data.sft, common, reporter('policy', options, curves, 0, totalSteps, 'policy/sft/'));
        metrics['sft/loss'] = mean(warm.losses.slice(-Math.ceil(data.sft.length / config.batchSize)));
      }
      const rewardModel = rm;
      const result = await trainRloo(
        policy,
        vars,
        reference,
        tokenizer,
        data.rlPrompts,
        (items) => scoreCompletions(rewardModel, tokenizer, items),
        rlCfg,
        reporter('policy', options, curves, warmSteps, totalSteps, 'policy/'),
      );
      Object.assign(metrics, result.metrics);
    }
    guard('policy', options.shouldStop);
    if (peft.method === 'lora' || peft.method === 'qlora') mergeLora(policy);
    prepareOut(options.outDir);
    const keepsPeft = peft.method === 'prompt' || peft.method === 'prefix';
    await saveModel(options.outDir, policy, { kind: 'policy', peft: keepsPeft ? peft : null, step: Object.values(curves)[0]?.length ?? 0, metrics: finiteOnly(metrics), parent: options.policyDir });
    return { metrics, curves };
  } finally {
    disposeGPT(policy);
    if (reference) disposeGPT(reference);
    if (rm) disposeRewardModel(rm);
  }
}

/** Evaluates the policy in `newPolicyDir` against the one in `previousPolicyDir` (see evaluate.ts). */
export async function evaluateStage(options: StageCommon & { newPolicyDir: string; previousPolicyDir: string; referenceDir: string; rewardDir: string | null }): Promise<EvaluateStageResult> {
  const { config, data } = options;
  if (data.evalPrompts.length === 0) throw new RoundInputError('Evaluation needs at least 1 held-out prompt, has 0');
  guard('evaluate', options.shouldStop);
  const loaded: GPT[] = [];
  let rm: LikelihoodRewardModel | null = null;
  try {
    const next = await loadPlain(options.newPolicyDir);
    loaded.push(next.model);
    const previous = (await loadPlain(options.previousPolicyDir)).model;
    loaded.push(previous);
    const reference = (await loadPlain(options.referenceDir)).model;
    loaded.push(reference);
    if (options.rewardDir) rm = (await loadRewardModel(options.rewardDir)).rm;
    const prompts = data.evalPrompts.slice(0, config.evalPrompts);
    checkPromptsFit(next.tokenizer, next.model.config.blockSize, prompts, 'Held-out prompt');
    const result = await evaluatePolicies({
      newPolicy: next.model,
      previousPolicy: previous,
      reference,
      rm,
      tokenizer: next.tokenizer,
      prompts,
      referenceChats: data.referenceChats,
      judge: data.judge,
      maxNewTokens: config.rl.maxNewTokens,
      onStep: async (info) => {
        await options.onProgress?.({ stage: 'evaluate', step: info.step, totalSteps: info.totalSteps, metrics: info.metrics });
        guard('evaluate', options.shouldStop);
      },
    });
    return result;
  } finally {
    for (const m of loaded) disposeGPT(m);
    if (rm) disposeRewardModel(rm);
  }
}

// ---------------------------------------------------------------------------------------------
// The round

export type RunRoundOptions = {
  policyDir: string;
  referenceDir: string;
  config: RoundConfig;
  data: RoundData;
  outDirs: { policy: string; reward: string };
  onProgress?: OnProgress;
  shouldStop?: () => boolean;
};

/** reward -> policy -> evaluate; the new policy and reward model end up in outDirs. */
export async function runRound(options: RunRoundOptions): Promise<RoundResult> {
  const { config, data, onProgress, shouldStop } = options;
  validateRoundInput(config, data);
  const common = { config, data, onProgress, shouldStop };
  const seconds: Record<RoundStageName, number> = { reward: 0, policy: 0, evaluate: 0 };
  const timed = async <T>(stage: RoundStageName, run: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await run();
    } finally {
      seconds[stage] = (performance.now() - started) / 1000;
    }
  };
  const reward = await timed('reward', () => trainRewardStage({ ...common, policyDir: options.policyDir, outDir: options.outDirs.reward }));
  const policy = await timed('policy', () =>
    trainPolicyStage({ ...common, policyDir: options.policyDir, referenceDir: options.referenceDir, rewardDir: options.outDirs.reward, outDir: options.outDirs.policy }),
  );
  const evaluation = await timed('evaluate', () =>
    evaluateStage({ ...common, newPolicyDir: options.outDirs.policy, previousPolicyDir: options.policyDir, referenceDir: options.referenceDir, rewardDir: options.outDirs.reward }),
  );
  return {
    metrics: { reward: reward.metrics, policy: policy.metrics, eval: evaluation.metrics, seconds },
    curves: { ...reward.curves, ...policy.curves },
    samples: evaluation.samples,
  };
}
