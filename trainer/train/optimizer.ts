/**
 * AdamW (Loshchilov & Hutter) with global grad-norm clipping, and the learning-rate schedule.
 *
 * Weight decay is decoupled (p -= lr * wd * p) and applies to matrices only (rank >= 2: linear
 * weights and embeddings), as in nanoGPT: decaying LayerNorm gains and biases only hurts.
 */
import * as tf from '@tensorflow/tfjs-core';

export type AdamWConfig = {
  /** Peak learning rate when no schedule overrides it per step. */
  learningRate: number;
  /** First-moment decay (default 0.9). */
  beta1?: number;
  /** Second-moment decay (default 0.95, as nanoGPT for small batches). */
  beta2?: number;
  /** Added to sqrt(v) (default 1e-8). */
  epsilon?: number;
  /** Decoupled weight decay on rank >= 2 variables (default 0.1). */
  weightDecay?: number;
  /** Clip gradients to this global L2 norm; 0 or undefined disables (default 1.0). */
  gradClipNorm?: number;
};

export type AdamW = {
  config: Required<AdamWConfig>;
  /** Number of updates applied so far (bias correction uses step + 1). */
  step: number;
  moments: Map<tf.Variable, { m: tf.Variable; v: tf.Variable }>;
};

/** `vars`, when given, get their moment buffers now, so the first step allocates nothing that stays. */
export function createAdamW(config: AdamWConfig, vars: tf.Variable[] = []): AdamW {
  const opt: AdamW = {
    config: { beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0.1, gradClipNorm: 1.0, ...config },
    step: 0,
    moments: new Map(),
  };
  for (const v of vars) momentsOf(opt, v);
  return opt;
}

function momentsOf(opt: AdamW, variable: tf.Variable): { m: tf.Variable; v: tf.Variable } {
  let entry = opt.moments.get(variable);
  if (!entry) {
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
  const { beta1, beta2, epsilon, weightDecay, gradClipNorm } = opt.config;
  const t = opt.step + 1;
  const norm = tf.tidy(() => {
    const gradNorm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
    // One scale for every gradient keeps the update direction (clip by global norm).
    const scale = gradClipNorm > 0 ? tf.minimum(1, tf.div(gradClipNorm, tf.add(gradNorm, 1e-6))) : tf.scalar(1);
    const stepSize = learningRate * Math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t);
    vars.forEach((variable, i) => {
      const { m, v } = momentsOf(opt, variable);
      const g = tf.mul(grads[i], scale);
      m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
      v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
      // epsilon scaled like the bias-corrected form: m_hat / (sqrt(v_hat) + eps)
      const update = tf.div(m, tf.add(tf.sqrt(v), epsilon * Math.sqrt(1 - beta2 ** t)));
      let next = tf.sub(variable, tf.mul(update, stepSize));
      if (weightDecay > 0 && variable.rank >= 2) next = tf.sub(next, tf.mul(variable, learningRate * weightDecay));
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
