/**
 * The generic training loop: a loss closure over some variables, AdamW, a schedule, a progress
 * callback. It knows nothing about models; methods (SFT, reward, DPO, RL) supply the loss.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { applyAdamW, type AdamW } from './optimizer';

export type StepResult = { loss: number; gradNorm: number; learningRate: number };

/**
 * One optimisation step: gradients of `lossFn` with respect to `vars` only (everything else is
 * constant), an AdamW update, and the loss as a number. Every intermediate tensor is freed:
 * tf.memory().numTensors is the same before and after (the optimizer's moments are created on
 * the first step and live until disposeAdamW).
 */
export function trainStep(vars: tf.Variable[], lossFn: () => tf.Scalar, optimizer: AdamW, options: { learningRate?: number } = {}): StepResult {
  tf.util.assert(vars.length > 0, () => 'trainStep: no trainable variables');
  const learningRate = options.learningRate ?? optimizer.config.learningRate;
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(lossFn, vars);
    const ordered = vars.map((v) => {
      const g = grads[v.name];
      if (!g) throw new Error(`trainStep: no gradient for variable ${v.name}`);
      return g;
    });
    const loss = value.dataSync()[0];
    const gradNorm = applyAdamW(optimizer, vars, ordered, learningRate);
    return { loss, gradNorm, learningRate };
  });
}

export type AccumulateOptions = {
  learningRate?: number;
  /**
   * Weight of each micro-batch in the step's loss (default: equal). The step minimises
   * sum_i w_i L_i / sum_i w_i, which is the loss of the concatenated batch when each L_i is a mean
   * over w_i items: pass each micro-batch's count of counted tokens (or rows) when they differ.
   */
  weights?: number[];
};

/**
 * One optimisation step over several micro-batches (gradient accumulation): the gradient of each
 * loss in turn, summed with its weight, then one AdamW update from the weighted mean, so the step
 * equals trainStep on the concatenated batch while only one micro-batch's activations are alive at
 * a time. Clipping sees the accumulated gradient, as it would the big batch's. The loss returned
 * is the weighted mean. Frees every intermediate tensor, like trainStep.
 */
export function trainStepAccumulated(vars: tf.Variable[], lossFns: Array<() => tf.Scalar>, optimizer: AdamW, options: AccumulateOptions = {}): StepResult {
  tf.util.assert(vars.length > 0, () => 'trainStepAccumulated: no trainable variables');
  tf.util.assert(lossFns.length > 0, () => 'trainStepAccumulated: no micro-batches');
  const weights = options.weights ?? lossFns.map(() => 1);
  tf.util.assert(weights.length === lossFns.length, () => `trainStepAccumulated: ${lossFns.length} micro-batches but ${weights.length} weights`);
  tf.util.assert(
    weights.every((w) => w >= 0 && Number.isFinite(w)),
    () => 'trainStepAccumulated: weights must be finite and >= 0',
  );
  const total = weights.reduce((a, b) => a + b, 0);
  tf.util.assert(total > 0, () => 'trainStepAccumulated: the weights sum to 0');
  const learningRate = options.learningRate ?? optimizer.config.learningRate;
  let sums: tf.Tensor[] | null = null; // sum_i (w_i / total) grad_i, one per variable, outside any tidy
  let loss = 0;
  try {
    lossFns.forEach((lossFn, i) => {
      const share = weights[i] / total;
      const next = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(lossFn, vars);
        loss += value.dataSync()[0] * share;
        return vars.map((v, j) => {
          const g = grads[v.name];
          if (!g) throw new Error(`trainStepAccumulated: no gradient for variable ${v.name}`);
          const scaled = tf.mul(g, share);
          return sums ? tf.add(sums[j], scaled) : scaled;
        });
      });
      if (sums) tf.dispose(sums);
      sums = next;
    });
    const grads = sums as tf.Tensor[] | null;
    if (!grads) throw new Error('trainStepAccumulated: no gradients');
    const gradNorm = applyAdamW(optimizer, vars, grads, learningRate);
    return { loss, gradNorm, learningRate };
  } finally {
    if (sums) tf.dispose(sums);
  }
}

export type StepInfo = StepResult & { step: number; elapsedMs: number; tokens: number };

export type TrainOptions<Batch extends tf.TensorContainer> = {
  vars: tf.Variable[];
  optimizer: AdamW;
  steps: number;
  /**
   * The batch for a step (with `accumulate` n > 1: micro-batch `index` = step * n + i, i < n).
   * Tensors in it are disposed after the step.
   */
  batches: (index: number) => Batch;
  /** Micro-batches per optimiser step, their gradients accumulated (default 1; see trainStepAccumulated). */
  accumulate?: number;
  /** With `accumulate`: a micro-batch's weight in the step's loss, e.g. its counted tokens (default equal). */
  weightOf?: (batch: Batch) => number;
  lossFn: (batch: Batch) => tf.Scalar;
  /** Learning rate per step; default the optimizer's constant rate. */
  schedule?: (step: number) => number;
  /** Tokens in a batch, for throughput reporting (default 0). */
  tokensIn?: (batch: Batch) => number;
  /** Called after every step; may be async (checkpointing, heartbeats). Return false to stop early. */
  onStep?: (info: StepInfo) => void | boolean | Promise<void | boolean>;
};

/** Runs `steps` steps; returns the loss of each. */
export async function train<Batch extends tf.TensorContainer>(options: TrainOptions<Batch>): Promise<number[]> {
  const accumulate = options.accumulate ?? 1;
  tf.util.assert(Number.isInteger(accumulate) && accumulate >= 1, () => `train: accumulate must be a positive integer, got ${accumulate}`);
  const losses: number[] = [];
  for (let step = 0; step < options.steps; step++) {
    const started = performance.now();
    const learningRate = options.schedule?.(step);
    let tokens = 0;
    let result: StepResult;
    if (accumulate === 1) {
      const batch = options.batches(step);
      tokens = options.tokensIn ? options.tokensIn(batch) : 0;
      try {
        result = trainStep(options.vars, () => options.lossFn(batch), options.optimizer, { learningRate });
      } finally {
        tf.dispose(batch);
      }
    } else {
      // Micro-batches are made up front: their ids are small next to the activations of one.
      const micro: Batch[] = [];
      try {
        for (let i = 0; i < accumulate; i++) micro.push(options.batches(step * accumulate + i));
        tokens = options.tokensIn ? micro.reduce((sum, b) => sum + (options.tokensIn?.(b) ?? 0), 0) : 0;
        const weights = options.weightOf ? micro.map(options.weightOf) : undefined;
        result = trainStepAccumulated(
          options.vars,
          micro.map((b) => () => options.lossFn(b)),
          options.optimizer,
          { learningRate, weights },
        );
      } finally {
        tf.dispose(micro);
      }
    }
    losses.push(result.loss);
    const keepGoing = await options.onStep?.({ ...result, step, elapsedMs: performance.now() - started, tokens });
    if (keepGoing === false) break;
  }
  return losses;
}
