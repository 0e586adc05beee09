/**
 * AdamW (Loshchilov & Hutter) with global grad-norm clipping, and the learning-rate schedule.
 *
 * Weight decay is decoupled (p -= lr * wd * p) and set per parameter. By default it applies to
 * base matrices only (rank >= 2: linear weights and embeddings), as in nanoGPT, since decaying
 * LayerNorm gains and biases only hurts; and never to PEFT parameters (LoRA A/B, prompt-tuning
 * embeddings, prefixes), which decay would pull towards zero, i.e. back to the base model, instead
 * of towards small weights. PEFT variables are recognised by their name (trainer/model/variables.ts),
 * so `createAdamW(cfg, trainableVariables(model, peft))` needs nothing more. Callers that want other
 * settings pass explicit parameter groups (param-groups.ts derives them from a model).
 */
import * as tf from '@tensorflow/tfjs-core';
import { isPeftVariable } from '../model/variables';

export type AdamWConfig = {
  /** Peak learning rate when no schedule overrides it per step. */
  learningRate: number;
  /** First-moment decay (default 0.9). */
  beta1?: number;
  /** Second-moment decay (default 0.95, as nanoGPT for small batches). */
  beta2?: number;
  /** Added to sqrt(v) (default 1e-8). */
  epsilon?: number;
  /** Decoupled weight decay of the variables the default rule decays (see above) and of groups that set none (default 0.1). */
  weightDecay?: number;
  /** Clip gradients to this global L2 norm; 0 or undefined disables (default 1.0). */
  gradClipNorm?: number;
};

/** Variables that share optimizer settings (PyTorch's param_groups). */
export type ParamGroup = {
  /** For errors and logs, e.g. 'decay' or 'no_decay'. */
  name?: string;
  variables: tf.Variable[];
  /** Decoupled weight decay of every variable in the group (default: the config's weightDecay). */
  weightDecay?: number;
};

export type AdamWOptions = {
  /**
   * Explicit per-variable settings. A variable may be in one group only; variables in no group
   * (passed in `vars` or first seen by applyAdamW) follow the default rule.
   */
  groups?: ParamGroup[];
};

export type AdamW = {
  config: Required<AdamWConfig>;
  /** Number of updates applied so far (bias correction uses step + 1). */
  step: number;
  moments: Map<tf.Variable, { m: tf.Variable; v: tf.Variable }>;
  /** Weight decay of each variable, fixed when the optimizer first sees it. */
  weightDecays: Map<tf.Variable, number>;
};

/**
 * `vars` and the groups' variables get their moment buffers now, so the first step allocates
 * nothing that stays.
 */
export function createAdamW(config: AdamWConfig, vars: tf.Variable[] = [], options: AdamWOptions = {}): AdamW {
  const opt: AdamW = {
    config: { beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0.1, gradClipNorm: 1.0, ...config },
    step: 0,
    moments: new Map(),
    weightDecays: new Map(),
  };
  const groupOf = new Map<tf.Variable, string>();
  (options.groups ?? []).forEach((group, i) => {
    const name = group.name ?? `group ${i}`;
    const decay = group.weightDecay ?? opt.config.weightDecay;
    if (!(decay >= 0)) throw new Error(`createAdamW: ${name} has weight decay ${decay}; it must be >= 0`);
    for (const v of group.variables) {
      const other = groupOf.get(v);
      if (other !== undefined) throw new Error(`createAdamW: variable ${v.name} is in both ${other} and ${name}`);
      groupOf.set(v, name);
      opt.weightDecays.set(v, decay);
      momentsOf(opt, v);
    }
  });
  for (const v of vars) momentsOf(opt, v);
  return opt;
}

/**
 * The default weight decay of a variable: `weightDecay` for base matrices (rank >= 2), 0 for
 * vectors (LayerNorm, biases) and for PEFT parameters.
 */
export function defaultWeightDecay(variable: tf.Variable, weightDecay: number): number {
  return variable.rank >= 2 && !isPeftVariable(variable) ? weightDecay : 0;
}

function weightDecayOf(opt: AdamW, variable: tf.Variable): number {
  let decay = opt.weightDecays.get(variable);
  if (decay === undefined) {
    decay = defaultWeightDecay(variable, opt.config.weightDecay);
    opt.weightDecays.set(variable, decay);
  }
  return decay;
}

/** The moment buffers of `variable`, created (zero) on first use. */
export function momentsOf(opt: AdamW, variable: tf.Variable): { m: tf.Variable; v: tf.Variable } {
  let entry = opt.moments.get(variable);
  if (!entry) {
    weightDecayOf(opt, variable);
    entry = tf.tidy(() => ({ m: tf.variable(tf.zerosLike(variable), false), v: tf.variable(tf.zerosLike(variable), false) }));
    opt.moments.set(variable, entry);
  }
  return entry;
}

/**
 * One AdamW update of `vars` from `grads` (same order). Returns the global gradient norm before
 * clipping. Disposes nothing it is given; creates nothing that outlives the call but the moments.
 */
export function applyAdamW(opt: AdamW, vars: tf.Variable[], grads: tf.Tensor[], learningRate = opt.config.learningRate): number {
  tf.util.assert(vars.length === grads.length, () => `applyAdamW: ${vars.length} variables but ${grads.length} gradients`);
  const { beta1, beta2, epsilon, gradClipNorm } = opt.config;
  const t = opt.step + 1;
  const norm = tf.tidy(() => {
    const gradNorm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
    // One scale for every gradient keeps the update direction (clip by global norm).
    const scale = gradClipNorm > 0 ? tf.minimum(1, tf.div(gradClipNorm, tf.add(gradNorm, 1e-6))) : tf.scalar(1);
    const stepSize = (learningRate * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
    vars.forEach((variable, i) => {
      const { m, v } = momentsOf(opt, variable);
      const g = tf.mul(grads[i], scale);
      m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
      v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
      // epsilon scaled like the bias-corrected form: m_hat / (sqrt(v_hat) + eps)
      const update = tf.div(m, tf.add(tf.sqrt(v), epsilon * Math.sqrt(1 - beta2 ** t)));
      let next = tf.sub(variable, tf.mul(update, stepSize));
      const weightDecay = weightDecayOf(opt, variable);
      if (weightDecay > 0) next = tf.sub(next, tf.mul(variable, learningRate * weightDecay));
      variable.assign(next);
    });
    return gradNorm.dataSync()[0];
  });
  opt.step = t;
  return norm;
}

export function disposeAdamW(opt: AdamW): void {
  for (const { m, v } of opt.moments.values()) tf.dispose([m, v]);
  opt.moments.clear();
  opt.weightDecays.clear();
}

export type Schedule = {
  /** Linear warm-up from 0 over this many steps. */
  warmup: number;
  /** Step at which the cosine reaches `min` (and stays). */
  total: number;
  peak: number;
  min: number;
};

/** Linear warm-up then cosine decay to `min` (nanoGPT's get_lr). Pure. */
export function learningRateAt(step: number, s: Schedule): number {
  if (step < s.warmup) return (s.peak * (step + 1)) / s.warmup;
  if (step >= s.total) return s.min;
  const progress = (step - s.warmup) / Math.max(1, s.total - s.warmup);
  return s.min + 0.5 * (1 + Math.cos(Math.PI * progress)) * (s.peak - s.min);
}
