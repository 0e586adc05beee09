import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './setup-backend';
import { CheckpointError, fromRawTensor, loadCheckpoint, saveCheckpoint, toRawTensor, type CheckpointManifestInput } from '@/trainer/model/checkpoint';
import type { GPTConfig } from '@/trainer/model/config';
import type { RawTensor } from '@/trainer/model/safetensors';

const ARCH: GPTConfig = { vocabSize: 262, blockSize: 16, nLayer: 1, nHead: 2, dModel: 4, mlpRatio: 4, dropout: 0, layerNormEps: 1e-5, tieEmbeddings: true, tokenizer: 'byte' };
const META: CheckpointManifestInput = {
  kind: 'policy',
  architecture: ARCH,
  tokenizer: 'byte',
  peft: { method: 'lora', rank: 2, alpha: 4, dropout: 0, targets: ['q', 'v'] },
  quantization: null,
  step: 120,
  bestValidationLoss: 1.25,
  metrics: { loss: 1.3, accuracy: 0.75 },
  parent: null,
};

function weights(): Record<string, RawTensor> {
  return {
    wte: { dtype: 'F32', shape: [3, 4], data: Float32Array.from({ length: 12 }, (_, i) => i / 7 - 0.5) },
    'h.0.attn.q.weight': { dtype: 'F32', shape: [4, 4], data: Float32Array.from({ length: 16 }, (_, i) => Math.sin(i)) },
    'h.0.attn.q.codes': { dtype: 'U8', shape: [2, 2], data: new Uint8Array([0, 15, 128, 255]) },
    step_ids: { dtype: 'I32', shape: [2], data: new Int32Array([-3, 7]) },
  };
}

const shapesOf = (t: Record<string, RawTensor>) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.shape]));

let root: string;
beforeAll(async () => {
  await useBackend();
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'feedloop-ckpt-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('saveCheckpoint / loadCheckpoint', () => {
  it('round-trips the manifest and every tensor, leaving only the two files', async () => {
    const dir = path.join(root, 'nested', 'policy-1');
    await saveCheckpoint(dir, { ...META, createdAt: '2026-11-02T10:00:00.000Z' }, weights());
    expect((await fs.readdir(dir)).sort()).toEqual(['config.json', 'model.safetensors']);
    expect(await fs.readdir(path.dirname(dir))).toEqual(['policy-1']); // no temp directory left behind

    const { manifest, tensors } = await loadCheckpoint(dir, { kind: 'policy', shapes: shapesOf(weights()) });
    expect(manifest).toEqual({
      ...META,
      format: 'feedloop-checkpoint',
      version: 1,
      createdAt: '2026-11-02T10:00:00.000Z',
      tensors: {
        wte: { dtype: 'F32', shape: [3, 4] },
        'h.0.attn.q.weight': { dtype: 'F32', shape: [4, 4] },
        'h.0.attn.q.codes': { dtype: 'U8', shape: [2, 2] },
        step_ids: { dtype: 'I32', shape: [2] },
      },
    });
    expect(tensors).toEqual(weights());
    // config.json is readable JSON a person (or Python) can inspect.
    const json = JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8'));
    expect(json.architecture.dModel).toBe(4);
  });

  it('replaces an existing checkpoint atomically and stamps createdAt', async () => {
    const dir = path.join(root, 'replace');
    await saveCheckpoint(dir, META, weights());
    const second = { ...weights(), extra: { dtype: 'F32' as const, shape: [1], data: new Float32Array([42]) } };
    await saveCheckpoint(dir, { ...META, step: 121 }, second);
    const { manifest, tensors } = await loadCheckpoint(dir);
    expect(manifest.step).toBe(121);
    expect(tensors.extra.data).toEqual(new Float32Array([42]));
    expect(Date.now() - Date.parse(manifest.createdAt)).toBeLessThan(60_000);
    expect(await fs.readdir(root)).not.toContainEqual(expect.stringMatching(/replace\.(tmp|old)-/));
  });

  it('a failed save changes nothing: the previous checkpoint stays whole', async () => {
    const dir = path.join(root, 'failed');
    await saveCheckpoint(dir, META, weights());
    const broken = { ...weights(), wte: { dtype: 'F32' as const, shape: [3, 4], data: new Float32Array(5) } };
    await expect(saveCheckpoint(dir, { ...META, step: 999 }, broken)).rejects.toThrow(/wte: 5 values for shape \[3,4\]/);
    await expect(saveCheckpoint(dir, { ...META, metrics: { loss: Number.NaN } }, weights())).rejects.toThrow(/metrics\.loss/);
    expect((await loadCheckpoint(dir)).manifest.step).toBe(120);
    expect((await fs.readdir(root)).filter((name) => name.startsWith('failed'))).toEqual(['failed']);
  });
});

describe('loadCheckpoint errors name the directory and the problem', () => {
  async function saved(name: string): Promise<string> {
    const dir = path.join(root, name);
    await saveCheckpoint(dir, META, weights());
    return dir;
  }
  async function editConfig(dir: string, edit: (json: Record<string, unknown>) => void): Promise<void> {
    const file = path.join(dir, 'config.json');
    const json = JSON.parse(await fs.readFile(file, 'utf8'));
    edit(json);
    await fs.writeFile(file, JSON.stringify(json));
  }

  it('missing directory', async () => {
    const dir = path.join(root, 'nope');
    await expect(loadCheckpoint(dir)).rejects.toThrow(`Checkpoint ${dir}: directory does not exist`);
  });

  it('missing config.json / model.safetensors', async () => {
    const a = await saved('no-config');
    await fs.rm(path.join(a, 'config.json'));
    await expect(loadCheckpoint(a)).rejects.toThrow(`Checkpoint ${a}: missing config.json`);
    const b = await saved('no-weights');
    await fs.rm(path.join(b, 'model.safetensors'));
    await expect(loadCheckpoint(b)).rejects.toThrow(`Checkpoint ${b}: missing model.safetensors`);
  });

  it('invalid JSON', async () => {
    const dir = await saved('bad-json');
    await fs.writeFile(path.join(dir, 'config.json'), '{"kind": "policy",');
    const load = loadCheckpoint(dir);
    await expect(load).rejects.toThrow(CheckpointError);
    await expect(loadCheckpoint(dir)).rejects.toThrow(`Checkpoint ${dir}: config.json is not valid JSON`);
  });

  it('invalid manifest fields, every issue listed by path', async () => {
    const dir = await saved('bad-fields');
    await editConfig(dir, (json) => {
      json.kind = 'critic';
      json.step = -1;
      (json.peft as Record<string, unknown>).rank = 0;
    });
    const error = await loadCheckpoint(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    const message = (error as Error).message;
    expect(message).toContain(`Checkpoint ${dir}: config.json is not a valid manifest`);
    expect(message).toMatch(/kind: /);
    expect(message).toMatch(/step: /);
    expect(message).toMatch(/peft\.rank: /);
  });

  it('an architecture that breaks an invariant, or disagrees on the tokenizer', async () => {
    const a = await saved('bad-arch');
    await editConfig(a, (json) => {
      (json.architecture as Record<string, unknown>).nHead = 3;
    });
    await expect(loadCheckpoint(a)).rejects.toThrow(/config.json architecture: .*dModel \(4\) must be divisible by nHead \(3\)/);
    const b = await saved('bad-tok');
    await editConfig(b, (json) => {
      json.tokenizer = 'r50k_base';
    });
    await expect(loadCheckpoint(b)).rejects.toThrow(/tokenizer r50k_base disagrees with architecture.tokenizer byte/);
  });

  it('kind mismatch', async () => {
    const dir = await saved('kind');
    await expect(loadCheckpoint(dir, { kind: 'reward' })).rejects.toThrow(`Checkpoint ${dir}: expected a reward checkpoint, found a policy checkpoint`);
  });

  it('missing, unexpected and mis-shaped tensors against the model', async () => {
    const dir = await saved('shapes');
    const shapes = { ...shapesOf(weights()), 'h.0.attn.q.weight': [4, 2], 'h.0.attn.v.weight': [4, 4] } as Record<string, number[]>;
    delete shapes.step_ids;
    const error = await loadCheckpoint(dir, { shapes }).catch((e: unknown) => e);
    const message = (error as Error).message;
    expect(message).toContain(`Checkpoint ${dir}: tensors do not match the model`);
    expect(message).toContain('missing tensors h.0.attn.v.weight');
    expect(message).toContain('unexpected tensors step_ids');
    expect(message).toContain('h.0.attn.q.weight: expected [4,2], got [4,4]');
  });

  it('a weights file that disagrees with its manifest', async () => {
    const dir = await saved('stale');
    await editConfig(dir, (json) => {
      (json.tensors as Record<string, { shape: number[] }>).wte.shape = [4, 3];
    });
    await expect(loadCheckpoint(dir)).rejects.toThrow('model.safetensors does not match config.json: wte: expected [4,3], got [3,4]');
  });

  it('corrupted or truncated weights', async () => {
    const dir = await saved('corrupt');
    const file = path.join(dir, 'model.safetensors');
    const bytes = await fs.readFile(file);
    await fs.writeFile(file, bytes.subarray(0, bytes.length - 10));
    await expect(loadCheckpoint(dir)).rejects.toThrow(new RegExp(`Checkpoint ${dir}: model.safetensors is corrupt: .*run past`));
    await fs.writeFile(file, Buffer.from('not a safetensors file at all'));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/model.safetensors is corrupt: header length/);
  });
});

describe('toRawTensor / fromRawTensor', () => {
  it('round-trips float32 exactly, float16 within half precision, and ints', async () => {
    const before = tf.memory().numTensors;
    const values = [0.1, -2.75, 3.14159, 1e-3, 65000, 0];
    const x = tf.tensor2d(values, [2, 3]);
    const f32 = toRawTensor(x);
    expect(f32).toEqual({ dtype: 'F32', shape: [2, 3], data: new Float32Array(values) });
    const f16 = toRawTensor(x, { dtype: 'F16' });
    expect(f16.dtype).toBe('F16');
    expect(f16.data).toBeInstanceOf(Uint16Array);
    const back16 = fromRawTensor(f16);
    expect(back16.dtype).toBe('float32');
    const got = await back16.data();
    values.forEach((v, i) => expect(Math.abs(got[i] - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11));

    const ids = tf.tensor1d([5, -1, 2], 'int32');
    expect(toRawTensor(ids)).toEqual({ dtype: 'I32', shape: [3], data: new Int32Array([5, -1, 2]) });
    const back32 = fromRawTensor(f32);
    expect(Array.from(await back32.data())).toEqual(Array.from(new Float32Array(values)));
    expect(back32.shape).toEqual([2, 3]);
    tf.dispose([x, ids, back16, back32]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the raw copy is independent of the tensor', async () => {
    const x = tf.tensor1d([1, 2, 3]);
    const raw = toRawTensor(x);
    raw.data[0] = 100;
    expect(Array.from(await x.data())).toEqual([1, 2, 3]);
    x.dispose();
  });

  it('I8 and U8 become int32 tensors', async () => {
    const a = fromRawTensor({ dtype: 'I8', shape: [3], data: new Int8Array([-128, 0, 127]) });
    const b = fromRawTensor({ dtype: 'U8', shape: [1, 2], data: new Uint8Array([0, 255]) });
    expect([a.dtype, b.dtype]).toEqual(['int32', 'int32']);
    expect(Array.from(await a.data())).toEqual([-128, 0, 127]);
    expect(Array.from(await b.data())).toEqual([0, 255]);
    expect(b.shape).toEqual([1, 2]);
    tf.dispose([a, b]);
  });
});
