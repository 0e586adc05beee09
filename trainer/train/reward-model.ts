/**
 * Reward model training (Bradley-Terry) and scoring.
 *
 * The reward model is the policy's transformer with a scalar head (reward-head.ts) read at each
 * sequence's final token (its eos, so the state has seen the whole answer). Training minimises
 * -log sigma(r(chosen) - r(rejected)) over preference pairs; every parameter trains (InstructGPT
 * initialises the reward model from the policy: it already reads the domain).
 *
 * Metrics on held-out pairs carry TRL's RewardTrainer names: `accuracy` (share of pairs with
 * r(chosen) > r(rejected)) and `margin` (mean r(chosen) - r(rejected)).
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadModel, saveModel, type SaveModelMeta } from '../model/model-checkpoint';
import { mulberry32 } from '../model/random';
import { createRewardModel, rewardNamedWeights, rewardScores, type RewardModel } from '../model/reward-head';
import { createTokenizer, type Tokenizer } from '../model/tokenizer';
import { disposeGPT, modelLinears } from '../model/transformer';
import { trainStep } from './loop';
import { bradleyTerryLoss } from './losses';
import { createAdamW, disposeAdamW, learningRateAt } from './optimizer';
import { chunks, encodeSequence, mean, shuffled, type EncodedSequence, type PromptInput } from './sequence';

export type PreferencePair = { prompt: PromptInput; chosen: string; rejected: string };
export type ScoredItem = { prompt: PromptInput; completion: string };

/** What a method reports after every optimisation step (the pipeline turns it into Progress). */
export type MethodStep = { step: number; totalSteps: number; metrics: Record<string, number> };
export type OnMethodStep = (info: MethodStep) => void | Promise<void>;

export type RewardTrainConfig = {
  /** Peak AdamW learning rate (warm-up 10% of steps, cosine to a tenth). */
  learningRate: number;
  /** Passes over the training pairs. */
  epochs: number;
  /** Pairs per step (each step scores 2 x batchSize sequences). */
  batchSize: number;
  /** Shuffling seed. */
  seed: number;
};

export type RewardTrainResult = {
  /** Bradley-Terry loss per step. */
  losses: number[];
  /** Held-out metrics after training (TRL names). */
  accuracy: number;
  margin: number;
  heldoutLoss: number;
  /** Held-out accuracy after each epoch (a curve for the admin). */
  accuracyByEpoch: number[];
};

/** Reward-head tensors in a checkpoint's `extra`. */
const HEAD_WEIGHT = 'reward_head.weight';
const HEAD_BIAS = 'reward_head.bias';

/** One right-padded [B, T] id batch over whole sequences, with each row's final-token index. */
function rewardBatch(sequences: EncodedSequence[]): { ids: tf.Tensor2D; lastIndex: tf.Tensor1D } {
  const b = sequences.length;
  const t = Math.max(...sequences.map((s) => s.tokens.length));
  const ids = new Int32Array(b * t);
  const last = new Int32Array(b);
  sequences.forEach((s, r) => {
    ids.set(s.tokens, r * t);
    last[r] = s.tokens.length - 1;
  });
  return { ids: tf.tensor2d(ids, [b, t], 'int32'), lastIndex: tf.tensor1d(last, 'int32') };
}

/**
 * The RM sees at most blockSize tokens (ids are not shifted as for the LM loss), so its sequences
 * are cut one token shorter than encodeSequence's.
 */
function encodeForReward(tok: Tokenizer, prompt: PromptInput, completion: string, blockSize: number): EncodedSequence {
  return encodeSequence(tok, prompt, completion, blockSize - 1);
}

/** Rewards [N] of sequences, without a gradient, in length-sorted chunks (less padding). */
function scoreSequences(rm: RewardModel, sequences: EncodedSequence[], batchSize: number): number[] {
  const order = sequences.map((_, i) => i).sort((a, b) => sequences[a].tokens.length - sequences[b].tokens.length);
  const out = new Array<number>(sequences.length).fill(0);
  for (const idx of chunks(order, batchSize)) {
    const values = tf.tidy(() => {
      const batch = rewardBatch(idx.map((i) => sequences[i]));
      return Array.from(rewardScores(rm, batch.ids, batch.lastIndex, { training: false }).dataSync());
    });
    idx.forEach((i, k) => {
      out[i] = values[k];
    });
  }
  return out;
}

/** Reward of each (prompt, completion), batched, no gradient. Used by RL, evaluation and pair selection. */
export function scoreCompletions(rm: RewardModel, tok: Tokenizer, items: ScoredItem[], options: { batchSize?: number } = {}): number[] {
  if (items.length === 0) return [];
  const sequences = items.map((it) => encodeForReward(tok, it.prompt, it.completion, rm.base.config.blockSize));
  return scoreSequences(rm, sequences, options.batchSize ?? 64);
}

/** Held-out `accuracy` (ties count half), `margin` and Bradley-Terry `loss` of preference pairs. */
export function evaluatePairs(rm: RewardModel, tok: Tokenizer, pairs: PreferencePair[], options: { batchSize?: number } = {}): { accuracy: number; margin: number; loss: number } {
  if (pairs.length === 0) return { accuracy: 0, margin: 0, loss: 0 };
  const chosen = scoreCompletions(rm, tok, pairs.map((p) => ({ prompt: p.prompt, completion: p.chosen })), options);
  const rejected = scoreCompletions(rm, tok, pairs.map((p) => ({ prompt: p.prompt, completion: p.rejected })), options);
  const diffs = chosen.map((c, i) => c - rejected[i]);
  const accuracy = mean(diffs.map((d) => (d > 0 ? 1 : d === 0 ? 0.5 : 0)));
  // softplus(-d), stable for large |d|
  const loss = mean(diffs.map((d) => Math.max(-d, 0) + Math.log1p(Math.exp(-Math.abs(d)))));
  return { accuracy, margin: mean(diffs), loss };
}

/** Trains every variable of `rm` (backbone and head) on preference pairs. */
export async function trainRewardModel(
  rm: RewardModel,
  tok: Tokenizer,
  trainPairs: PreferencePair[],
  heldoutPairs: PreferencePair[],
  cfg: RewardTrainConfig,
  onStep?: OnMethodStep,
): Promise<RewardTrainResult> {
  tf.util.assert(trainPairs.length > 0, () => 'trainRewardModel: no training pairs');
  const blockSize = rm.base.config.blockSize;
  const encoded = trainPairs.map((p) => ({
    chosen: encodeForReward(tok, p.prompt, p.chosen, blockSize),
    rejected: encodeForReward(tok, p.prompt, p.rejected, blockSize),
  }));
  const vars = rewardVariables(rm);
  const optimizer = createAdamW({ learningRate: cfg.learningRate }, vars);
  const rng = mulberry32(cfg.seed);
  const stepsPerEpoch = Math.ceil(encoded.length / cfg.batchSize);
  const totalSteps = stepsPerEpoch * cfg.epochs;
  const schedule = { warmup: Math.max(1, Math.round(0.1 * totalSteps)), total: totalSteps, peak: cfg.learningRate, min: cfg.learningRate / 10 };
  const losses: number[] = [];
  const accuracyByEpoch: number[] = [];
  try {
    let step = 0;
    for (let epoch = 0; epoch < cfg.epochs; epoch++) {
      for (const group of chunks(shuffled(encoded, rng), cfg.batchSize)) {
        const b = group.length;
        // chosen rows then rejected rows: one forward for both halves
        const batch = rewardBatch([...group.map((g) => g.chosen), ...group.map((g) => g.rejected)]);
        let acc = 0;
        let result;
        try {
          result = trainStep(
            vars,
            () => {
              const r = rewardScores(rm, batch.ids, batch.lastIndex, { training: true }); // [2B]
              const chosen = tf.slice(r, [0], [b]);
              const rejected = tf.slice(r, [b], [b]);
              acc = tf.tidy(() => tf.mean(tf.cast(tf.greater(chosen, rejected), 'float32')).dataSync()[0]);
              return bradleyTerryLoss(chosen, rejected);
            },
            optimizer,
            { learningRate: learningRateAt(step, schedule) },
          );
        } finally {
          tf.dispose([batch.ids, batch.lastIndex]);
        }
        losses.push(result.loss);
        step++;
        await onStep?.({ step, totalSteps, metrics: { loss: result.loss, 'train/accuracy': acc, learning_rate: result.learningRate, grad_norm: result.gradNorm, epoch } });
      }
      if (heldoutPairs.length > 0) accuracyByEpoch.push(evaluatePairs(rm, tok, heldoutPairs).accuracy);
    }
  } finally {
    disposeAdamW(optimizer);
  }
  const heldout = evaluatePairs(rm, tok, heldoutPairs);
  return { losses, accuracy: heldout.accuracy, margin: heldout.margin, heldoutLoss: heldout.loss, accuracyByEpoch };
}

/** Every variable of the reward model; its linears must be plain float ones (adapters merged first). */
function rewardVariables(rm: RewardModel): tf.Variable[] {
  for (const linear of modelLinears(rm.base)) {
    tf.util.assert(!linear.lora && !linear.quantized, () => `reward model: ${linear.name} must be a plain float linear (merge adapters first)`);
  }
  return [...rewardNamedWeights(rm).values()];
}

/** Saves the backbone as a checkpoint of kind 'reward' with the head in `extra`. */
export async function saveRewardModel(dir: string, rm: RewardModel, meta: Omit<SaveModelMeta, 'kind' | 'peft'>): Promise<void> {
  const extra: Record<string, tf.Tensor> = {};
  if (rm.head.weight) extra[HEAD_WEIGHT] = rm.head.weight;
  if (rm.head.bias) extra[HEAD_BIAS] = rm.head.bias;
  await saveModel(dir, rm.base, { ...meta, kind: 'reward', peft: null }, { extra });
}

/** Loads a reward checkpoint saved by saveRewardModel; dispose with disposeRewardModel. */
export async function loadRewardModel(dir: string): Promise<{ rm: RewardModel; tokenizer: Tokenizer }> {
  const loaded = await loadModel(dir);
  const weight = loaded.extra[HEAD_WEIGHT];
  const bias = loaded.extra[HEAD_BIAS];
  try {
    if (!weight) throw new Error(`Reward checkpoint ${dir} has no ${HEAD_WEIGHT} (was it saved by saveRewardModel?)`);
    const rm = createRewardModel(loaded.model);
    const head = rm.head;
    tf.tidy(() => {
      head.weight?.assign(tf.reshape(weight, head.weight.shape));
      if (bias) head.bias?.assign(tf.reshape(bias, head.bias.shape));
    });
    return { rm, tokenizer: createTokenizer(loaded.manifest.tokenizer) };
  } catch (error) {
    disposeGPT(loaded.model);
    throw error;
  } finally {
    tf.dispose(Object.values(loaded.extra));
  }
}

export function disposeRewardModel(rm: RewardModel): void {
  rm.head.weight?.dispose();
  rm.head.bias?.dispose();
  disposeGPT(rm.base);
}
