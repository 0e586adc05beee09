/**
 * AdamW's state saved next to a model checkpoint, so a training round can resume where it stopped
 * (a crash, a redeploy) with the same update it would have made: without the moments, the first
 * steps after a restart are full-size sign-like updates again (Adam's bias correction restarts).
 *
 * File: `<checkpoint>/optimizer.safetensors`. Tensors are named after the checkpoint's variable
 * names, not tfjs variable ids (which change with every process): "<name>.exp_avg" (m) and
 * "<name>.exp_avg_sq" (v), as PyTorch's AdamW calls them. Metadata holds the step count and the
 * hyper-parameters the moments were accumulated with.
 *
 * Save after saveModel: saving a model replaces its whole directory.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { parseSafetensors, serializeSafetensors, type RawTensor } from '../model/safetensors';
import { momentsOf, type AdamW } from './optimizer';

export const OPTIMIZER_FILE = 'optimizer.safetensors';
const FORMAT = 'feedloop-adamw';
const M_SUFFIX = '.exp_avg';
const V_SUFFIX = '.exp_avg_sq';

/**
 * Writes `opt`'s step and moments into `dir`. `named` maps checkpoint names to the model's
 * variables (e.g. namedWeights(model)); every variable with moments must have a name, so no state
 * is dropped silently. The file is written to a temporary name and renamed into place.
 */
export async function saveOptimizerState(dir: string, opt: AdamW, named: Map<string, tf.Variable>): Promise<void> {
  const nameOf = new Map<tf.Variable, string>();
  for (const [name, v] of named) nameOf.set(v, name);
  const tensors: Record<string, RawTensor> = {};
  for (const [variable, { m, v }] of opt.moments) {
    const name = nameOf.get(variable);
    if (name === undefined) throw new Error(`saveOptimizerState: variable ${variable.name} [${variable.shape}] has optimizer state but no checkpoint name`);
    tensors[name + M_SUFFIX] = rawF32(m);
    tensors[name + V_SUFFIX] = rawF32(v);
  }
  const { beta1, beta2, epsilon } = opt.config;
  const bytes = serializeSafetensors(tensors, { format: FORMAT, step: String(opt.step), config: JSON.stringify({ beta1, beta2, epsilon }) });
  const target = path.join(dir, OPTIMIZER_FILE);
  const temp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const handle = await fs.open(temp, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}

/**
 * Restores the step and moments saved by saveOptimizerState into `opt` (a fresh optimizer made
 * with the same beta1, beta2 and epsilon), matching tensors to `named` by checkpoint name.
 * Variables in `named` without saved state keep fresh moments; saved state for a name `named`
 * lacks, a shape mismatch or other hyper-parameters fail with the name.
 */
export async function loadOptimizerState(dir: string, opt: AdamW, named: Map<string, tf.Variable>): Promise<void> {
  const file = path.join(dir, OPTIMIZER_FILE);
  const { tensors, metadata } = parseSafetensors(new Uint8Array(await fs.readFile(file)));
  if (metadata.format !== FORMAT) throw new Error(`${file}: not an AdamW state file (format ${JSON.stringify(metadata.format)})`);
  const step = Number(metadata.step);
  if (!(Number.isInteger(step) && step >= 0)) throw new Error(`${file}: bad step ${JSON.stringify(metadata.step)}`);
  const saved = JSON.parse(metadata.config ?? '{}') as Record<string, unknown>;
  for (const key of ['beta1', 'beta2', 'epsilon'] as const) {
    if (saved[key] !== opt.config[key]) throw new Error(`${file}: saved with ${key} = ${String(saved[key])}, but the optimizer has ${opt.config[key]}`);
  }
  const names = new Set<string>();
  for (const key of Object.keys(tensors)) {
    const suffix = key.endsWith(V_SUFFIX) ? V_SUFFIX : key.endsWith(M_SUFFIX) ? M_SUFFIX : null;
    if (!suffix) throw new Error(`${file}: unexpected tensor ${key}`);
    names.add(key.slice(0, -suffix.length));
  }
  // Check everything before assigning anything, so a bad file leaves `opt` untouched.
  for (const name of names) {
    const variable = named.get(name);
    if (!variable) throw new Error(`${file}: state for ${name}, which the model does not have`);
    for (const suffix of [M_SUFFIX, V_SUFFIX]) {
      const raw = tensors[name + suffix];
      if (!raw) throw new Error(`${file}: ${name} has no ${suffix.slice(1)}`);
      if (raw.dtype !== 'F32' || raw.shape.join(',') !== variable.shape.join(',')) {
        throw new Error(`${file}: ${name + suffix} is ${raw.dtype} [${raw.shape}], expected F32 [${variable.shape}]`);
      }
    }
  }
  for (const name of names) {
    const variable = named.get(name);
    if (!variable) continue;
    const { m, v } = momentsOf(opt, variable);
    tf.tidy(() => {
      m.assign(tf.tensor(tensors[name + M_SUFFIX].data as Float32Array, variable.shape, 'float32'));
      v.assign(tf.tensor(tensors[name + V_SUFFIX].data as Float32Array, variable.shape, 'float32'));
    });
  }
  opt.step = step;
}

function rawF32(t: tf.Tensor): RawTensor {
  return { dtype: 'F32', shape: [...t.shape], data: (t.dataSync() as Float32Array).slice() };
}
