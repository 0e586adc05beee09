import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './setup-backend';
import { loadModel, saveModel } from '@/trainer/model/model-checkpoint';
import { applyPeft, trainableVariables, type PeftConfig } from '@/trainer/model/peft';
import { createGPT, disposeGPT, forward, namedWeights, type GPT } from '@/trainer/model/transformer';
import { crossEntropyLoss } from '@/trainer/train/losses';
import { trainStep } from '@/trainer/train/loop';
import { createAdamW, disposeAdamW, type AdamW, type AdamWConfig } from '@/trainer/train/optimizer';
import { loadOptimizerState, OPTIMIZER_FILE, saveOptimizerState } from '@/trainer/train/optimizer-state';
import { TINY_CONFIG, maxAbsDiff, toyBatch } from './peft-helpers';

const ADAM: AdamWConfig = { learningRate: 1e-2, weightDecay: 0.1 };

describe('optimizer state in checkpoints', () => {
  let root: string;
  beforeAll(async () => {
    await useBackend('wasm');
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'feedloop-optstate-'));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  const batch = () => toyBatch(TINY_CONFIG, 4, 10, 2);

  function steps(model: GPT, peft: PeftConfig, opt: AdamW, n: number): void {
    const b = batch();
    const vars = trainableVariables(model, peft);
    for (let i = 0; i < n; i++) trainStep(vars, () => crossEntropyLoss(forward(model, b.inputs, { training: true }), b.targets), opt);
    tf.dispose([b.inputs, b.targets]);
  }

  function fresh(peft: PeftConfig): { model: GPT; opt: AdamW } {
    const model = createGPT(TINY_CONFIG, { seed: 8 });
    applyPeft(model, peft, { seed: 9 });
    return { model, opt: createAdamW(ADAM, trainableVariables(model, peft)) };
  }

  it('3 steps, save, load into fresh objects, 2 steps: equals 5 uninterrupted steps', async () => {
    const methods: PeftConfig[] = [{ method: 'full' }, { method: 'lora', rank: 4, alpha: 8, dropout: 0, targets: ['q', 'v'] }];
    for (const peft of methods) {
      const reference = fresh(peft);
      steps(reference.model, peft, reference.opt, 5);

      const first = fresh(peft);
      steps(first.model, peft, first.opt, 3);
      const dir = path.join(root, peft.method);
      await saveModel(dir, first.model, { kind: 'policy', peft, step: 3, metrics: {} });
      await saveOptimizerState(dir, first.opt, namedWeights(first.model));
      expect(fs.existsSync(path.join(dir, OPTIMIZER_FILE))).toBe(true);
      disposeAdamW(first.opt);
      disposeGPT(first.model);

      const { model } = await loadModel(dir);
      const opt = createAdamW(ADAM, trainableVariables(model, peft));
      await loadOptimizerState(dir, opt, namedWeights(model));
      expect(opt.step).toBe(3);
      steps(model, peft, opt, 2);
      expect(opt.step).toBe(5);

      const want = namedWeights(reference.model);
      for (const [name, v] of namedWeights(model)) {
        expect(maxAbsDiff(v.dataSync(), want.get(name)!.dataSync()), `${peft.method} ${name}`).toBeLessThan(1e-6);
      }
      disposeAdamW(opt);
      disposeGPT(model);
      disposeAdamW(reference.opt);
      disposeGPT(reference.model);
    }
  });

  it('refuses state for unknown names, other betas, and moments of unnamed variables', async () => {
    const peft: PeftConfig = { method: 'full' };
    const { model, opt } = fresh(peft);
    steps(model, peft, opt, 1);
    const dir = path.join(root, 'refuse');
    await saveModel(dir, model, { kind: 'policy', peft, step: 1, metrics: {} });
    await saveOptimizerState(dir, opt, namedWeights(model));
    const before = tf.memory().numTensors;
    const withoutWte = new Map([...namedWeights(model)].filter(([name]) => name !== 'wte'));
    const other = createAdamW(ADAM);
    await expect(loadOptimizerState(dir, other, withoutWte)).rejects.toThrow(/state for wte, which the model does not have/);
    expect(other.step).toBe(0);
    const betas = createAdamW({ ...ADAM, beta2: 0.999 });
    await expect(loadOptimizerState(dir, betas, namedWeights(model))).rejects.toThrow(/beta2/);
    await expect(saveOptimizerState(dir, opt, withoutWte)).rejects.toThrow(/no checkpoint name/);
    expect(tf.memory().numTensors).toBe(before);
    [opt, other, betas].forEach(disposeAdamW);
    disposeGPT(model);
  });
});
