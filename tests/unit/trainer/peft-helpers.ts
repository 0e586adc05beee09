/**
 * Shared pieces of the PEFT / quantization tests: a tiny model config, a learnable toy batch, a
 * next-token loss written here (independent of trainer/train), Adam steps on a chosen variable list,
 * and bit-exact snapshots of every base weight.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { GPTConfig } from '@/trainer/model/config';
import { allLinears, applyPeft, trainableVariables, type PeftConfig } from '@/trainer/model/peft';
import { crossEntropyLoss } from '@/trainer/train/losses';
import { trainStep } from '@/trainer/train/loop';
import { createAdamW, disposeAdamW } from '@/trainer/train/optimizer';
import { createGPT, disposeGPT, forward, namedWeights, type GPT } from '@/trainer/model/transformer';

export const TINY_CONFIG: GPTConfig = {
  vocabSize: 48,
  blockSize: 32,
  nLayer: 2,
  nHead: 2,
  dModel: 32,
  mlpRatio: 4,
  dropout: 0,
  layerNormEps: 1e-5,
  tieEmbeddings: true,
  tokenizer: 'byte',
};

/**
 * A small "pretrained" base: a random GPT trained (all weights, Adam) for a few steps on other
 * progressions than the tests fine-tune on. At GPT-2's init the tied LM head can only produce
 * near-uniform logits, so a frozen-base method (LoRA, prompt, prefix) would have little to adapt.
 */
export function createBaseModel(seed: number, config: GPTConfig = TINY_CONFIG, steps = 40): GPT {
  const model = createGPT(config, { seed });
  const batch = toyBatch(config, 8, 12, 100 + seed);
  train(model, [...namedWeights(model).values()], batch, steps, 1e-2);
  tf.dispose([batch.inputs, batch.targets]);
  return model;
}

/** Rows of arithmetic progressions mod vocab: fully predictable after two tokens, so loss can fall. */
export function toyBatch(config: GPTConfig, batch = 4, length = 12, seed = 0): { inputs: tf.Tensor2D; targets: tf.Tensor2D } {
  const rows: number[][] = [];
  for (let r = 0; r < batch; r++) {
    const start = (seed * 7 + r * 5) % config.vocabSize;
    const stride = 1 + ((seed + r) % 3);
    rows.push(Array.from({ length: length + 1 }, (_, i) => (start + i * stride) % config.vocabSize));
  }
  return {
    inputs: tf.tensor2d(
      rows.map((row) => row.slice(0, -1)),
      [batch, length],
      'int32',
    ),
    targets: tf.tensor2d(
      rows.map((row) => row.slice(1)),
      [batch, length],
      'int32',
    ),
  };
}

/** Mean next-token cross-entropy: -log softmax(logits)[target], averaged over B*T. */
export function lmLoss(model: GPT, inputs: tf.Tensor2D, targets: tf.Tensor2D, training = true): tf.Scalar {
  const logits = forward(model, inputs, { training }); // [B, T, V]
  const logProbs = tf.logSoftmax(logits);
  return tf.neg(tf.mean(tf.sum(tf.mul(logProbs, tf.oneHot(targets, model.config.vocabSize)), -1))) as tf.Scalar;
}

/** Runs `steps` Adam steps on `vars` only; returns the loss before each step. */
export function train(model: GPT, vars: tf.Variable[], batch: { inputs: tf.Tensor2D; targets: tf.Tensor2D }, steps: number, lr = 1e-2): number[] {
  const optimizer = tf.train.adam(lr);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const cost = optimizer.minimize(() => lmLoss(model, batch.inputs, batch.targets), true, vars);
    losses.push(cost!.dataSync()[0]);
    cost!.dispose();
  }
  optimizer.dispose();
  return losses;
}

/** Copies of every base weight's values, float and quantized (codes and scales), by name. */
export function snapshotBase(model: GPT): Map<string, Float32Array | Int8Array | Uint8Array> {
  const out = new Map<string, Float32Array | Int8Array | Uint8Array>();
  for (const [name, v] of namedWeights(model)) {
    if (/lora_|prompt_tuning|prefix_tuning/.test(name)) continue;
    out.set(name, (v.dataSync() as Float32Array).slice());
  }
  for (const linear of allLinears(model)) {
    const quantized = linear.quantized;
    if (!quantized) continue;
    const data = quantized.data;
    if (data.kind === 'int8') {
      out.set(`${linear.name}.weight.q`, data.q.slice());
      out.set(`${linear.name}.weight.scale`, data.scale.slice());
    } else {
      out.set(`${linear.name}.weight.packed`, data.packed.slice());
      out.set(`${linear.name}.weight.absmax`, data.absmax.slice());
      // The device copy is what the forward pass reads: snapshot its dequantisation too.
      out.set(`${linear.name}.weight.dequantized`, tf.tidy(() => quantized.dequantize().dataSync() as Float32Array).slice());
    }
  }
  return out;
}

/** Names whose values differ between two snapshots (bit-for-bit). */
export function changedNames(a: Map<string, ArrayLike<number>>, b: Map<string, ArrayLike<number>>): string[] {
  const changed: string[] = [];
  for (const [name, values] of a) {
    const other = b.get(name);
    if (!other || other.length !== values.length) {
      changed.push(name);
      continue;
    }
    for (let i = 0; i < values.length; i++) {
      if (!Object.is(values[i], other[i])) {
        changed.push(name);
        break;
      }
    }
  }
  return changed;
}

export function logitsOf(model: GPT, inputs: tf.Tensor2D): Float32Array {
  return tf.tidy(() => forward(model, inputs, { training: false }).dataSync() as Float32Array).slice();
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Three steps of the product's own training path (trainer/train/loop.ts trainStep with AdamW,
 * moments allocated up front) on a tiny model under `peft`. Returns the tensor count before the
 * first step and after the third, and the three losses.
 */
export function runProductTrainingSteps(peft: PeftConfig, seed: number): { tensorsBefore: number; tensorsAfter: number; losses: number[] } {
  const model = createBaseModel(seed);
  const batch = toyBatch(TINY_CONFIG);
  applyPeft(model, peft, { seed: seed + 1 });
  const vars = trainableVariables(model, peft);
  const optimizer = createAdamW({ learningRate: 1e-2 }, vars);
  const step = () => trainStep(vars, () => crossEntropyLoss(forward(model, batch.inputs, { training: true }), batch.targets), optimizer).loss;
  const tensorsBefore = tf.memory().numTensors;
  const losses = [step(), step(), step()];
  const tensorsAfter = tf.memory().numTensors;
  disposeAdamW(optimizer);
  disposeGPT(model);
  tf.dispose([batch.inputs, batch.targets]);
  return { tensorsBefore, tensorsAfter, losses };
}
