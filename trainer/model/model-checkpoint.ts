/**
 * Saving and loading whole models on top of checkpoint.ts (safetensors + config.json).
 *
 * What a checkpoint holds, by tensor name:
 * - float weights under their `namedWeights` names ("wte", "h.0.attn.q.weight", "h.0.ln1.gamma"),
 *   as F32, or F16 when `options.dtype` is 'F16' (halves the size of the committed base model);
 * - a quantized block linear instead of "<linear>.weight": int8 as "<linear>.weight.q" (I8 [in, out])
 *   + "<linear>.weight.scale" (F32 [out]); 4-bit as "<linear>.weight.packed" (U8, two codes a byte)
 *   + "<linear>.weight.absmax" (F32 [blocks]); `manifest.quantization` names the scheme;
 * - PEFT parameters: "<linear>.lora_a" / "<linear>.lora_b", "prompt_tuning.embeddings",
 *   "prefix_tuning.<layer>.keys" / ".values".
 * An adapter-only checkpoint (kind 'adapter') holds just the PEFT parameters plus the manifest, whose
 * `parent` names the base checkpoint; loading it loads the base, re-applies the PEFT config (QLoRA
 * re-quantizes the base, deterministically) and sets the adapters.
 *
 * Loading builds the model's skeleton from the manifest first, then checks every name and shape
 * of the file against it, so a mismatch fails with the tensor's name rather than deep in a forward.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError, fromRawTensor, loadCheckpoint, saveCheckpoint, toRawTensor, type CheckpointKind, type CheckpointManifest, type RawTensor } from './checkpoint';
import type { GPTConfig } from './config';
import type { Linear } from './linear';
import { allLinears, applyPeft, type PeftConfig } from './peft';
import { createQuantizedWeight, type QuantizedData, type QuantScheme } from './quantize';
import { createGPT, disposeGPT, namedWeights, type GPT } from './transformer';

export type SaveModelMeta = {
  kind: CheckpointKind;
  peft: PeftConfig | null;
  step: number;
  metrics: Record<string, number>;
  bestValidationLoss?: number | null;
  /** The checkpoint this one was trained from (required to load an adapter-only checkpoint without baseDir). */
  parent?: string | null;
};

export type SaveModelOptions = {
  /** Store only the PEFT parameters (LoRA A/B, virtual tokens, prefixes); the manifest kind becomes 'adapter'. */
  adapterOnly?: boolean;
  /** Storage type of float weights (default F32). F16 rounds each weight to half precision. */
  dtype?: 'F32' | 'F16';
  /** Tensors outside the GPT to store alongside it (e.g. a reward head "reward_head.weight"). */
  extra?: Record<string, tf.Tensor>;
};

export type LoadedModel = {
  model: GPT;
  manifest: CheckpointManifest;
  /** Tensors in the file that are not part of the GPT (as passed in `extra` at save time); caller disposes. */
  extra: Record<string, tf.Tensor>;
};

const EXTRA_PREFIX = 'extra.';

// ---------------------------------------------------------------------------------------------
// Names

/** The PEFT parameters the model holds, under their checkpoint names. */
export function peftNamedVariables(model: GPT): Map<string, tf.Variable> {
  const out = new Map<string, tf.Variable>();
  for (const linear of allLinears(model)) {
    if (linear.lora) {
      out.set(`${linear.name}.lora_a`, linear.lora.a);
      out.set(`${linear.name}.lora_b`, linear.lora.b);
    }
  }
  if (model.promptTuning) out.set('prompt_tuning.embeddings', model.promptTuning.embeddings);
  model.prefixTuning?.keys.forEach((v, l) => out.set(`prefix_tuning.${l}.keys`, v));
  model.prefixTuning?.values.forEach((v, l) => out.set(`prefix_tuning.${l}.values`, v));
  return out;
}

/** Every float variable of the model (base and PEFT) by checkpoint name. */
function floatNamedVariables(model: GPT): Map<string, tf.Variable> {
  const peft = peftNamedVariables(model);
  const peftSet = new Set(peft.values());
  const out = new Map<string, tf.Variable>();
  for (const [name, v] of namedWeights(model)) if (!peftSet.has(v)) out.set(name, v);
  for (const [name, v] of peft) out.set(name, v);
  return out;
}

function quantizedTensors(linear: Linear, data: QuantizedData): Record<string, RawTensor> {
  if (data.kind === 'int8') {
    return {
      [`${linear.name}.weight.q`]: { dtype: 'I8', shape: [...data.shape], data: data.q },
      [`${linear.name}.weight.scale`]: { dtype: 'F32', shape: [data.scale.length], data: data.scale },
    };
  }
  return {
    [`${linear.name}.weight.packed`]: { dtype: 'U8', shape: [data.packed.length], data: data.packed },
    [`${linear.name}.weight.absmax`]: { dtype: 'F32', shape: [data.absmax.length], data: data.absmax },
  };
}

function quantizationOf(model: GPT): CheckpointManifest['quantization'] {
  let found: { scheme: QuantScheme; blockSize?: number } | null = null;
  for (const linear of allLinears(model)) {
    if (!linear.quantized) continue;
    const { data } = linear.quantized;
    const q = data.kind === 'int8' ? { scheme: 'int8' as const } : { scheme: data.scheme, blockSize: data.blockSize };
    if (found && (found.scheme !== q.scheme || found.blockSize !== q.blockSize)) {
      throw new Error(`saveModel: ${linear.name} is quantized as ${JSON.stringify(q)} but others as ${JSON.stringify(found)}; one scheme per checkpoint`);
    }
    found = q;
  }
  return found;
}

function floatRaw(v: tf.Tensor, dtype: 'F32' | 'F16'): RawTensor {
  return toRawTensor(v, { dtype });
}

// ---------------------------------------------------------------------------------------------
// Save

export async function saveModel(dir: string, model: GPT, meta: SaveModelMeta, options: SaveModelOptions = {}): Promise<void> {
  const dtype = options.dtype ?? 'F32';
  const tensors: Record<string, RawTensor> = {};
  if (options.adapterOnly) {
    if (!meta.peft || meta.peft.method === 'full') throw new Error('saveModel: an adapter-only checkpoint needs a PEFT config other than full');
    const peft = peftNamedVariables(model);
    if (peft.size === 0) throw new Error('saveModel: adapterOnly was asked but the model has no adapters, virtual tokens or prefixes');
    for (const [name, v] of peft) tensors[name] = floatRaw(v, dtype);
  } else {
    for (const [name, v] of floatNamedVariables(model)) tensors[name] = floatRaw(v, dtype);
    for (const linear of allLinears(model)) {
      if (!linear.weight && linear.quantized) Object.assign(tensors, quantizedTensors(linear, linear.quantized.data));
    }
  }
  for (const [name, t] of Object.entries(options.extra ?? {})) tensors[EXTRA_PREFIX + name] = floatRaw(t, dtype);

  const peft = meta.peft;
  const quantization = options.adapterOnly ? (peft?.method === 'qlora' ? { scheme: peft.scheme, blockSize: peft.blockSize } : null) : quantizationOf(model);
  await saveCheckpoint(
    dir,
    {
      kind: options.adapterOnly ? 'adapter' : meta.kind,
      architecture: model.config,
      tokenizer: model.config.tokenizer,
      peft,
      quantization,
      step: meta.step,
      bestValidationLoss: meta.bestValidationLoss ?? null,
      metrics: meta.metrics,
      parent: meta.parent ?? null,
    },
    tensors,
  );
}

// ---------------------------------------------------------------------------------------------
// Load

export type LoadModelOptions = {
  /** Base checkpoint of an adapter-only checkpoint (default: its manifest's `parent`). */
  baseDir?: string;
  /** Quantized weights keep their dequantised float copy after first use (see quantize-model.ts). */
  cacheDequantized?: boolean;
};

export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const { manifest, tensors } = await loadCheckpoint(dir);
  if (manifest.kind === 'adapter') return loadAdapter(dir, manifest, tensors, options.baseDir);

  const model = createGPT(manifest.architecture);
  try {
    // Quantized linears: whichever block linears the file stores as codes.
    for (const linear of allLinears(model)) {
      const data = readQuantized(dir, linear, tensors, manifest);
      if (!data) continue;
      linear.weight?.dispose();
      linear.weight = null;
      linear.quantized = createQuantizedWeight(data, { cacheDequantized: options.cacheDequantized });
    }
    // QLoRA's quantizeModelBase skips linears already quantized above, so this only adds adapters.
    if (manifest.peft && manifest.peft.method !== 'full') applyPeft(model, manifest.peft);
    const expected = floatNamedVariables(model);
    const quantizedNames = new Set<string>();
    for (const linear of allLinears(model)) {
      if (linear.quantized) for (const name of Object.keys(quantizedTensors(linear, linear.quantized.data))) quantizedNames.add(name);
    }
    checkNames(dir, expected, quantizedNames, tensors);
    assignAll(dir, expected, tensors);
    return { model, manifest, extra: readExtra(tensors) };
  } catch (error) {
    disposeGPT(model);
    throw error;
  }
}

async function loadAdapter(dir: string, manifest: CheckpointManifest, tensors: Record<string, RawTensor>, baseDir: string | undefined): Promise<LoadedModel> {
  const peft = manifest.peft;
  if (!peft || peft.method === 'full') throw new CheckpointError(dir, 'an adapter checkpoint needs a PEFT config in its manifest');
  const resolvedBase = baseDir ?? resolveParent(dir, manifest.parent);
  const base = await loadModel(resolvedBase);
  try {
    if (base.manifest.kind === 'adapter') throw new CheckpointError(dir, `its base ${resolvedBase} is itself an adapter`);
    assertSameArchitecture(dir, manifest.architecture, resolvedBase, base.manifest.architecture);
    applyPeft(base.model, peft);
    const expected = peftNamedVariables(base.model);
    checkNames(dir, expected, new Set(), tensors);
    assignAll(dir, expected, tensors);
    for (const t of Object.values(base.extra)) t.dispose();
    return { model: base.model, manifest, extra: readExtra(tensors) };
  } catch (error) {
    disposeGPT(base.model);
    for (const t of Object.values(base.extra)) t.dispose();
    throw error;
  }
}

function resolveParent(dir: string, parent: string | null): string {
  if (!parent) throw new CheckpointError(dir, 'this adapter names no parent checkpoint: pass baseDir to loadModel');
  const candidates = path.isAbsolute(parent) ? [parent] : [path.resolve(path.dirname(dir), parent), path.resolve(parent)];
  const found = candidates.find((c) => fs.existsSync(path.join(c, 'config.json')));
  if (!found) throw new CheckpointError(dir, `its parent "${parent}" was not found (looked in ${candidates.join(', ')}); pass baseDir to loadModel`);
  return found;
}

function assertSameArchitecture(dir: string, a: GPTConfig, baseDir: string, b: GPTConfig): void {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as Array<keyof GPTConfig>);
  for (const key of keys) {
    if (a[key] !== b[key]) {
      throw new CheckpointError(
        dir,
        `the adapter was trained on a different architecture than its base ${baseDir}: ${key} is ${JSON.stringify(a[key])} in the adapter, ${JSON.stringify(b[key])} in the base`,
      );
    }
  }
}

function readQuantized(dir: string, linear: Linear, tensors: Record<string, RawTensor>, manifest: CheckpointManifest): QuantizedData | null {
  const q = tensors[`${linear.name}.weight.q`];
  const scale = tensors[`${linear.name}.weight.scale`];
  const packed = tensors[`${linear.name}.weight.packed`];
  const absmax = tensors[`${linear.name}.weight.absmax`];
  if (!q && !scale && !packed && !absmax) return null;
  const where = `Checkpoint ${dir}: quantized weight ${linear.name}`; // CheckpointError's prefix, spelled out for expectShape
  const shape: [number, number] = [linear.inFeatures, linear.outFeatures];
  const n = shape[0] * shape[1];
  const quantization = manifest.quantization;
  if (!quantization) throw new Error(`${where} is stored quantized but the manifest has no quantization`);
  if (quantization.scheme === 'int8') {
    if (!q || !scale) throw new Error(`${where}: int8 needs both ${linear.name}.weight.q and ${linear.name}.weight.scale`);
    if (q.dtype !== 'I8' || scale.dtype !== 'F32') throw new Error(`${where}: expected I8 codes and F32 scales, got ${q.dtype} and ${scale.dtype}`);
    expectShape(where + ' codes', q.shape, shape);
    expectShape(where + ' scales', scale.shape, [shape[1]]);
    return { kind: 'int8', q: q.data as Int8Array, scale: scale.data as Float32Array, shape };
  }
  const blockSize = quantization.blockSize;
  if (!blockSize) throw new Error(`${where}: the manifest's 4-bit quantization has no blockSize`);
  if (!packed || !absmax) throw new Error(`${where}: 4-bit needs both ${linear.name}.weight.packed and ${linear.name}.weight.absmax`);
  if (packed.dtype !== 'U8' || absmax.dtype !== 'F32') throw new Error(`${where}: expected U8 codes and F32 absmax, got ${packed.dtype} and ${absmax.dtype}`);
  expectShape(where + ' codes', packed.shape, [Math.ceil(n / 2)]);
  expectShape(where + ' absmax', absmax.shape, [Math.ceil(n / blockSize)]);
  return { kind: '4bit', packed: packed.data as Uint8Array, absmax: absmax.data as Float32Array, shape, scheme: quantization.scheme, blockSize };
}

function expectShape(what: string, got: number[], expected: number[]): void {
  if (got.length !== expected.length || got.some((d, i) => d !== expected[i])) {
    throw new Error(`${what}: shape mismatch, expected [${expected}] but the file has [${got}]`);
  }
}

/** Every expected name present with the expected shape, and nothing unknown in the file. */
function checkNames(dir: string, expected: Map<string, tf.Variable>, alsoAllowed: Set<string>, tensors: Record<string, RawTensor>): void {
  const missing = [...expected.keys()].filter((name) => !(name in tensors));
  if (missing.length > 0) {
    throw new CheckpointError(dir, `tensors do not match the model: missing tensor(s) ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
  }
  const unexpected = Object.keys(tensors).filter((name) => !expected.has(name) && !alsoAllowed.has(name) && !name.startsWith(EXTRA_PREFIX));
  if (unexpected.length > 0) {
    throw new CheckpointError(dir, `tensors do not match the model: unexpected tensor(s) ${unexpected.slice(0, 5).join(', ')}${unexpected.length > 5 ? ` and ${unexpected.length - 5} more` : ''}`);
  }
  for (const [name, v] of expected) expectShape(`Checkpoint ${dir}: tensor ${name}`, tensors[name].shape, v.shape);
}

/** F32 as is, F16 widened exactly to float32. */
function toFloatTensor(raw: RawTensor): tf.Tensor {
  return fromRawTensor(raw);
}

function assignAll(dir: string, expected: Map<string, tf.Variable>, tensors: Record<string, RawTensor>): void {
  for (const [name, v] of expected) {
    const raw = tensors[name];
    if (raw.dtype !== 'F32' && raw.dtype !== 'F16') throw new CheckpointError(dir, `tensor ${name} is ${raw.dtype}, expected F32 or F16`);
    tf.tidy(() => v.assign(toFloatTensor(raw)));
  }
}

function readExtra(tensors: Record<string, RawTensor>): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [name, raw] of Object.entries(tensors)) {
    if (name.startsWith(EXTRA_PREFIX)) out[name.slice(EXTRA_PREFIX.length)] = toFloatTensor(raw);
  }
  return out;
}
