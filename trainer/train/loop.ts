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

export type StepInfo = StepResult & { step: number; elapsedMs: number; tokens: number };

export type TrainOptions<Batch extends tf.TensorContainer> = {
  vars: tf.Variable[];
  optimizer: AdamW;
  steps: number;
  /** The batch for a step. Tensors in it are disposed after the step. */
  batches: (step: number) => Batch;
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
  const losses: number[] = [];
  for (let step = 0; step < options.steps; step++) {
    const started = performance.now();
    const batch = options.batches(step);
    const tokens = options.tokensIn ? options.tokensIn(batch) : 0;
    let result: StepResult;
    try {
      result = trainStep(options.vars, () => options.lossFn(batch), options.optimizer, { learningRate: options.schedule?.(step) });
    } finally {
      tf.dispose(batch);
    }
    losses.push(result.loss);
    const keepGoing = await options.onStep?.({ ...result, step, elapsedMs: performance.now() - started, tokens });
    if (keepGoing === false) break;
  }
  return losses;
}
