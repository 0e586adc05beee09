import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { currentBackend, selectBackend } from '@/trainer/model/backend';
import { parseTrainerEnv } from '@/trainer/env';

describe('selectBackend', () => {
  it('forces wasm with SIMD, logs one line, and computes on it', async () => {
    const lines: string[] = [];
    const info = await selectBackend({ forced: 'wasm', log: (line) => lines.push(line) });
    expect(info).toEqual({ name: 'wasm', detail: 'simd, 1 thread', gpu: false });
    expect(lines).toEqual(['[trainer] backend: wasm (simd, 1 thread)']);
    expect(tf.getBackend()).toBe('wasm');
    const y = tf.matMul(
      tf.tensor2d([
        [1, 2],
        [3, 4],
      ]),
      tf.tensor2d([[5], [6]]),
    );
    expect(Array.from(await y.data())).toEqual([17, 39]);
    y.dispose();
  });

  it('is idempotent: a second call returns the current backend without logging again', async () => {
    const lines: string[] = [];
    const first = await selectBackend({ forced: 'wasm', log: () => {} });
    const second = await selectBackend({ log: (line) => lines.push(line) });
    expect(second).toBe(first);
    expect(currentBackend()).toBe(first);
    expect(lines).toEqual([]);
  });

  it('forces cpu', async () => {
    const info = await selectBackend({ forced: 'cpu', log: () => {} });
    expect(info.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const s = tf.sum(tf.tensor1d([1, 2, 3]));
    expect(await s.data()).toEqual(new Float32Array([6]));
    s.dispose();
  });

  it('fails clearly when tensorflow is forced but no native package is installed, keeping the current backend', async () => {
    await selectBackend({ forced: 'wasm', log: () => {} });
    const attempt = selectBackend({ forced: 'tensorflow', log: () => {} });
    await expect(attempt).rejects.toThrow(/Backend 'tensorflow' unavailable/);
    await expect(selectBackend({ forced: 'tensorflow', log: () => {} })).rejects.toThrow(/@tensorflow\/tfjs-node-gpu.*@tensorflow\/tfjs-node/s);
    expect(currentBackend()?.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });
});

describe('parseTrainerEnv', () => {
  it('applies defaults and treats empty strings as unset', () => {
    expect(parseTrainerEnv({ TRAINER_BACKEND: '', UNRELATED: 'x' })).toEqual({
      DATA_DIR: './.data/artifacts',
      WORKER_HEARTBEAT_MS: 2000,
      WORKER_STALE_SECONDS: 30,
      WORKER_POLL_MS: 1000,
    });
  });

  it('accepts valid values', () => {
    const env = parseTrainerEnv({ TRAINER_BACKEND: 'cpu', DATA_DIR: '/tmp/a', DATABASE_URL: 'postgres://u:p@localhost:5432/db', WORKER_STALE_SECONDS: '9', WORKER_KINDS: 'generate,evaluate' });
    expect(env).toMatchObject({ TRAINER_BACKEND: 'cpu', DATA_DIR: '/tmp/a', DATABASE_URL: 'postgres://u:p@localhost:5432/db', WORKER_STALE_SECONDS: 9, WORKER_KINDS: 'generate,evaluate' });
  });

  it('names the variable that is invalid', () => {
    expect(() => parseTrainerEnv({ TRAINER_BACKEND: 'webgl' })).toThrow(/TRAINER_BACKEND/);
    expect(() => parseTrainerEnv({ DATABASE_URL: 'not a url' })).toThrow(/DATABASE_URL/);
    expect(() => parseTrainerEnv({ WORKER_STALE_SECONDS: '1' })).toThrow(/WORKER_STALE_SECONDS/);
  });
});
