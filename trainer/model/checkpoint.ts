/**
 * Checkpoints on disk: a directory holding `model.safetensors` (the weights) and `config.json`
 * (the manifest: architecture, tokenizer, PEFT and quantization settings, training step, metrics,
 * and the dtype/shape of every tensor). A checkpoint is complete: nothing else is needed to load it.
 *
 * Saving is atomic: both files are written and fsynced in a sibling temp directory, which is then
 * renamed into place, so a crash leaves either the old checkpoint or the new one, never half of one.
 * Loading validates the manifest with zod and checks every tensor against the manifest and against
 * the shapes the caller expects, failing with the directory and the exact problem.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { ZGPTConfig, validateConfig } from './config';
import { ZPeftConfig } from './peft-config';
import { float16ToFloat32, float32ToFloat16, parseSafetensors, serializeSafetensors, type RawTensor, type SafetensorsDtype } from './safetensors';

export const CHECKPOINT_FORMAT = 'feedloop-checkpoint';
export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';

export const ZCheckpointKind = z.enum(['policy', 'reward', 'adapter']);
export type CheckpointKind = z.infer<typeof ZCheckpointKind>;

export const ZCheckpointManifest = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  version: z.literal(1),
  kind: ZCheckpointKind,
  architecture: ZGPTConfig,
  tokenizer: z.enum(['byte', 'r50k_base']),
  peft: ZPeftConfig.nullable(),
  /** Set when base weights are stored quantized (int8 per channel, or 4-bit blocks). */
  quantization: z.object({ scheme: z.enum(['int8', 'nf4', 'absmax4']), blockSize: z.number().int().positive().optional() }).nullable(),
  step: z.number().int().nonnegative(),
  bestValidationLoss: z.number().nullable(),
  metrics: z.record(z.string(), z.number()),
  createdAt: z.iso.datetime(),
  /** The checkpoint this one was trained from (for adapters: the base they apply to). */
  parent: z.string().nullable(),
  tensors: z.record(z.string(), z.object({ dtype: z.enum(['F32', 'F16', 'I32', 'I8', 'U8']), shape: z.array(z.number().int().nonnegative()) })),
});
export type CheckpointManifest = z.infer<typeof ZCheckpointManifest>;
export type CheckpointManifestInput = Omit<CheckpointManifest, 'format' | 'version' | 'createdAt' | 'tensors'> & { createdAt?: string };

export class CheckpointError extends Error {
  constructor(dir: string, problem: string) {
    super(`Checkpoint ${dir}: ${problem}`);
    this.name = 'CheckpointError';
  }
}

export async function saveCheckpoint(dir: string, manifest: CheckpointManifestInput, tensors: Record<string, RawTensor>): Promise<void> {
  const full = {
    ...manifest,
    format: CHECKPOINT_FORMAT,
    version: 1,
    createdAt: manifest.createdAt ?? new Date().toISOString(),
    tensors: Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, { dtype: t.dtype, shape: [...t.shape] }])),
  };
  // Validate before touching the disk: a NaN metric or a bad config fails here, not at load time.
  const checked = checkManifest(dir, full);
  const weights = serializeSafetensors(tensors, { producer: 'feedloop', kind: checked.kind });
  const config = JSON.stringify(checked, null, 2) + '\n';

  const target = path.resolve(dir);
  const parent = path.dirname(target);
  await fs.mkdir(parent, { recursive: true });
  const suffix = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temp = `${target}.tmp-${suffix}`;
  try {
    await fs.mkdir(temp);
    await writeDurably(path.join(temp, WEIGHTS_FILE), weights);
    await writeDurably(path.join(temp, CONFIG_FILE), config);
    // A directory cannot be renamed over a non-empty one: move the old checkpoint aside first.
    // A crash between the two renames leaves the old checkpoint at `${dir}.old-*`, still whole.
    const old = `${target}.old-${suffix}`;
    const hadOld = await exists(target);
    if (hadOld) await fs.rename(target, old);
    await fs.rename(temp, target);
    if (hadOld) await fs.rm(old, { recursive: true, force: true });
    await syncDirectory(parent);
  } catch (error) {
    await fs.rm(temp, { recursive: true, force: true });
    throw error;
  }
}

export async function loadCheckpoint(
  dir: string,
  expect: { kind?: CheckpointKind; shapes?: Record<string, number[]> } = {},
): Promise<{ manifest: CheckpointManifest; tensors: Record<string, RawTensor> }> {
  if (!(await exists(dir))) throw new CheckpointError(dir, 'directory does not exist');
  const configText = await readRequired(dir, CONFIG_FILE, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(configText);
  } catch (error) {
    throw new CheckpointError(dir, `${CONFIG_FILE} is not valid JSON (${errorMessage(error)})`);
  }
  const manifest = checkManifest(dir, json);
  if (expect.kind && manifest.kind !== expect.kind) {
    throw new CheckpointError(dir, `expected a ${expect.kind} checkpoint, found a ${manifest.kind} checkpoint`);
  }

  const bytes = await readRequired(dir, WEIGHTS_FILE);
  let tensors: Record<string, RawTensor>;
  try {
    tensors = parseSafetensors(bytes).tensors;
  } catch (error) {
    throw new CheckpointError(dir, `${WEIGHTS_FILE} is corrupt: ${errorMessage(error)}`);
  }

  // The weights file must hold exactly what the manifest lists (catches a swapped or stale file)...
  const listed = Object.fromEntries(Object.entries(manifest.tensors).map(([name, t]) => [name, t.shape]));
  const againstManifest = compareTensors(tensors, listed);
  for (const [name, t] of Object.entries(manifest.tensors)) {
    if (tensors[name] && tensors[name].dtype !== t.dtype) againstManifest.push(`${name}: ${CONFIG_FILE} says ${t.dtype}, ${WEIGHTS_FILE} holds ${tensors[name].dtype}`);
  }
  if (againstManifest.length > 0) {
    throw new CheckpointError(dir, `${WEIGHTS_FILE} does not match ${CONFIG_FILE}: ${summarise(againstManifest)}`);
  }
  // ...and exactly what the model being loaded into expects.
  if (expect.shapes) {
    const againstModel = compareTensors(tensors, expect.shapes);
    if (againstModel.length > 0) throw new CheckpointError(dir, `tensors do not match the model: ${summarise(againstModel)}`);
  }
  return { manifest, tensors };
}

/** Copies a tensor's values to the host. float32 as F32 (or F16 on request), int32 as I32, bool as U8. */
export function toRawTensor(t: tf.Tensor, options: { dtype?: 'F32' | 'F16' } = {}): RawTensor {
  const shape = [...t.shape];
  switch (t.dtype) {
    case 'float32': {
      // dataSync may return the backend's own storage: copy so callers can never corrupt the tensor.
      const values = Float32Array.from(t.dataSync() as Float32Array);
      return options.dtype === 'F16' ? { dtype: 'F16', shape, data: float32ToFloat16(values) } : { dtype: 'F32', shape, data: values };
    }
    case 'int32':
      return { dtype: 'I32', shape, data: Int32Array.from(t.dataSync() as Int32Array) };
    case 'bool':
      return { dtype: 'U8', shape, data: Uint8Array.from(t.dataSync() as Uint8Array) };
    default:
      throw new Error(`toRawTensor: cannot store a ${t.dtype} tensor`);
  }
}

/** Makes a tensor from stored values: F32 and F16 as float32, I32, I8 and U8 as int32 (tfjs has no 8-bit dtype). */
export function fromRawTensor(r: RawTensor): tf.Tensor {
  switch (r.dtype) {
    case 'F32':
      return tf.tensor(r.data as Float32Array, r.shape, 'float32');
    case 'F16':
      return tf.tensor(float16ToFloat32(r.data as Uint16Array), r.shape, 'float32');
    case 'I32':
      return tf.tensor(r.data as Int32Array, r.shape, 'int32');
    case 'I8':
    case 'U8':
      return tf.tensor(Int32Array.from(r.data), r.shape, 'int32');
  }
}

function checkManifest(dir: string, json: unknown): CheckpointManifest {
  const result = ZCheckpointManifest.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`);
    throw new CheckpointError(dir, `${CONFIG_FILE} is not a valid manifest: ${summarise(issues)}`);
  }
  const manifest = result.data;
  try {
    validateConfig(manifest.architecture);
  } catch (error) {
    throw new CheckpointError(dir, `${CONFIG_FILE} architecture: ${errorMessage(error)}`);
  }
  if (manifest.architecture.tokenizer !== manifest.tokenizer) {
    throw new CheckpointError(dir, `${CONFIG_FILE}: tokenizer ${manifest.tokenizer} disagrees with architecture.tokenizer ${manifest.architecture.tokenizer}`);
  }
  return manifest;
}

/** Problems, one per tensor: missing, unexpected, or shaped differently (`name: expected [64,64], got [64,32]`). */
function compareTensors(actual: Record<string, RawTensor>, expected: Record<string, number[]>): string[] {
  const missing = Object.keys(expected)
    .filter((name) => !(name in actual))
    .sort();
  const unexpected = Object.keys(actual)
    .filter((name) => !(name in expected))
    .sort();
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`missing tensors ${listNames(missing)}`);
  if (unexpected.length > 0) problems.push(`unexpected tensors ${listNames(unexpected)}`);
  for (const name of Object.keys(expected).sort()) {
    const got = actual[name]?.shape;
    if (got && !sameShape(got, expected[name])) problems.push(`${name}: expected [${expected[name].join(',')}], got [${got.join(',')}]`);
  }
  return problems;
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((dim, i) => dim === b[i]);
}

function listNames(names: string[]): string {
  return names.length <= 8 ? names.join(', ') : `${names.slice(0, 8).join(', ')} and ${names.length - 8} more`;
}

function summarise(problems: string[]): string {
  return problems.length <= 10 ? problems.join('; ') : `${problems.slice(0, 10).join('; ')}; and ${problems.length - 10} more`;
}

async function readRequired(dir: string, file: string): Promise<Uint8Array>;
async function readRequired(dir: string, file: string, encoding: 'utf8'): Promise<string>;
async function readRequired(dir: string, file: string, encoding?: 'utf8'): Promise<Uint8Array | string> {
  try {
    return encoding ? await fs.readFile(path.join(dir, file), encoding) : new Uint8Array(await fs.readFile(path.join(dir, file)));
  } catch (error) {
    if (isErrnoCode(error, 'ENOENT')) throw new CheckpointError(dir, `missing ${file}`);
    throw new CheckpointError(dir, `cannot read ${file} (${errorMessage(error)})`);
  }
}

async function writeDurably(file: string, contents: Uint8Array | string): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    await handle.writeFile(contents);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes the renames durable; not every filesystem lets a directory be opened for fsync, so errors are ignored. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

function isErrnoCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export type { RawTensor, SafetensorsDtype };
