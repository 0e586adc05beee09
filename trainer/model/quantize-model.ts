/**
 * Weight-only quantization for serving: a copy of a float model whose block linears hold int8
 * (per output channel) or 4-bit (NF4 / absmax, blockwise) codes and dequantise on the fly.
 * Embeddings, layer norms, biases and an untied LM head stay float: they are a small share of the
 * weights here and the most sensitive to rounding.
 *
 * `quantizationReport` measures what the quantization costs and saves: the checkpoint's size on
 * disk against the float one, and the change in held-out loss.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { peftNamedVariables, saveModel } from './model-checkpoint';
import { allLinears } from './peft';
import { addPrefixTuning } from './prefix-tuning';
import { addPromptTuning } from './prompt-tuning';
import { quantizeModelBase } from './qlora';
import { createQuantizedWeight, DEFAULT_BLOCK_SIZE, type QuantScheme } from './quantize';
import { createGPT, disposeGPT, forward, namedWeights, type GPT } from './transformer';

export type ServingQuantization = {
  scheme: QuantScheme;
  /** Block size of the 4-bit schemes (ignored by int8, which scales per output channel). */
  blockSize?: number;
  /**
   * Keep each weight's dequantised float copy after first use (default false: dequantise in every
   * forward, so device memory holds only the codes). On CPU backends without low-bit matmul
   * kernels, on-the-fly dequantisation costs milliseconds per layer per forward, which dominates a
   * KV-cached decode step; caching serves at float speed while the checkpoint stays small.
   */
  cacheDequantized?: boolean;
};

/** A quantized copy of `model` (which is left untouched). LoRA adapters must be merged first. */
export function quantizeForServing(model: GPT, options: ServingQuantization): GPT {
  const copy = cloneModel(model);
  try {
    quantizeModelBase(copy, options.scheme, options.blockSize ?? DEFAULT_BLOCK_SIZE, { cacheDequantized: options.cacheDequantized });
    return copy;
  } catch (error) {
    disposeGPT(copy);
    throw error;
  }
}

/** A deep copy: fresh variables with the same values; quantized weights share their (immutable) codes. */
export function cloneModel(model: GPT): GPT {
  const unmerged = allLinears(model).find((l) => l.lora);
  if (unmerged) throw new Error(`Cannot copy ${unmerged.name} with a LoRA adapter for serving: merge adapters first (mergeLora)`);
  const copy = createGPT(model.config);
  try {
    if (model.promptTuning) addPromptTuning(copy, { numVirtualTokens: model.promptTuning.embeddings.shape[0] });
    // keys: [nHead, P, headDim]; the values are copied below, so the init costs no forward pass
    if (model.prefixTuning) addPrefixTuning(copy, { numVirtualTokens: model.prefixTuning.keys[0].shape[1] ?? 0, init: 'random' });
    const sourceLinears = allLinears(model);
    allLinears(copy).forEach((linear, i) => {
      const source = sourceLinears[i].quantized;
      if (!source) return;
      linear.weight?.dispose();
      linear.weight = null;
      linear.quantized = createQuantizedWeight(source.data);
    });
    const targets = new Map([...namedWeights(copy), ...peftNamedVariables(copy)]);
    for (const [name, v] of [...namedWeights(model), ...peftNamedVariables(model)]) {
      const target = targets.get(name);
      if (!target) throw new Error(`cloneModel: the copy has no tensor ${name}`);
      target.assign(v);
    }
    return copy;
  } catch (error) {
    disposeGPT(copy);
    throw error;
  }
}

/** One held-out batch: next-token targets for each input position. */
export type HeldoutBatch = {
  /** [B, T] int32 */
  inputs: tf.Tensor2D;
  /** [B, T] int32, the token following each input position */
  targets: tf.Tensor2D;
  /** [B, T] float32, 1 where the target counts (default: all) */
  mask?: tf.Tensor2D;
};

/** Mean next-token cross-entropy (nats per token) over all counted positions of all batches. */
export function heldoutLoss(model: GPT, batches: HeldoutBatch[]): number {
  if (batches.length === 0) throw new Error('heldoutLoss: no batches');
  let sum = 0;
  let count = 0;
  for (const batch of batches) {
    const [s, c] = tf.tidy(() => {
      const logits = forward(model, batch.inputs, { training: false }); // [B, T, V]
      const logProbs = tf.logSoftmax(logits); // [B, T, V]
      const picked = tf.sum(tf.mul(logProbs, tf.oneHot(batch.targets, model.config.vocabSize)), -1); // [B, T]
      const mask = batch.mask ?? tf.onesLike(picked);
      return [tf.neg(tf.sum(tf.mul(picked, mask))).dataSync()[0], tf.sum(mask).dataSync()[0]];
    });
    sum += s;
    count += c;
  }
  if (count === 0) throw new Error('heldoutLoss: every position is masked out');
  return sum / count;
}

export type QuantizationReport = {
  scheme: QuantScheme;
  /** Size on disk (safetensors + config.json) of the float model saved as F32. */
  floatBytes: number;
  /** Size on disk of the quantized model's checkpoint. */
  quantizedBytes: number;
  floatLoss: number;
  quantizedLoss: number;
  /** quantizedLoss - floatLoss (nats per token; positive = worse). */
  lossDelta: number;
};

/**
 * Compares a quantized model with its float original. Both are saved (under `dir`/float and
 * `dir`/quantized when a dir is given, else in a temporary directory that is removed) so the sizes
 * are what a user would ship.
 */
export async function quantizationReport(floatModel: GPT, quantizedModel: GPT, heldoutBatches: HeldoutBatch[], dir?: string): Promise<QuantizationReport> {
  const scheme = schemeOf(quantizedModel);
  const root = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'feedloop-quant-'));
  try {
    const floatDir = path.join(root, 'float');
    const quantizedDir = path.join(root, 'quantized');
    const meta = { kind: 'policy' as const, peft: null, step: 0, metrics: {} };
    await saveModel(floatDir, floatModel, meta);
    const floatLoss = heldoutLoss(floatModel, heldoutBatches);
    const quantizedLoss = heldoutLoss(quantizedModel, heldoutBatches);
    await saveModel(quantizedDir, quantizedModel, { ...meta, metrics: { heldout_loss: quantizedLoss, float_heldout_loss: floatLoss } });
    return {
      scheme,
      floatBytes: directoryBytes(floatDir),
      quantizedBytes: directoryBytes(quantizedDir),
      floatLoss,
      quantizedLoss,
      lossDelta: quantizedLoss - floatLoss,
    };
  } finally {
    if (!dir) fs.rmSync(root, { recursive: true, force: true });
  }
}

function schemeOf(model: GPT): QuantScheme {
  const quantized = allLinears(model).find((l) => l.quantized);
  if (!quantized?.quantized) throw new Error('quantizationReport: the second model has no quantized weights');
  const { data } = quantized.quantized;
  return data.kind === 'int8' ? 'int8' : data.scheme;
}

function directoryBytes(dir: string): number {
  return fs.readdirSync(dir).reduce((sum, name) => sum + fs.statSync(path.join(dir, name)).size, 0);
}
