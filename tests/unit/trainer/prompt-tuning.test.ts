import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './setup-backend';
import { applyPeft, trainableVariables } from '@/trainer/model/peft';
import { addPromptTuning, removePromptTuning } from '@/trainer/model/prompt-tuning';
import { disposeGPT, forward } from '@/trainer/model/transformer';
import { TINY_CONFIG, changedNames, createBaseModel, lmLoss, logitsOf, maxAbsDiff, snapshotBase, toyBatch, train } from './peft-helpers';

describe('prompt tuning', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  const config = { method: 'prompt' as const, numVirtualTokens: 4 };

  it('starts from copies of real token embeddings and keeps the output shape', () => {
    const model = createBaseModel(1);
    const batch = toyBatch(TINY_CONFIG);
    const base = logitsOf(model, batch.inputs);
    applyPeft(model, config, { seed: 2 });
    const embeddings = model.promptTuning!.embeddings;
    expect(embeddings.shape).toEqual([4, TINY_CONFIG.dModel]);
    const wte = model.wte.arraySync() as number[][];
    for (const row of embeddings.arraySync() as number[][]) {
      expect(wte.some((w) => w.every((x, i) => x === row[i]))).toBe(true);
    }
    const logits = tf.tidy(() => forward(model, batch.inputs, { training: false }));
    expect(logits.shape).toEqual([4, 12, TINY_CONFIG.vocabSize]);
    // The virtual tokens are seen: the output changes.
    expect(maxAbsDiff(logits.dataSync(), base)).toBeGreaterThan(1e-3);
    logits.dispose();
    disposeGPT(model);
    tf.dispose([batch.inputs, batch.targets]);
  });

  it('trains only the virtual embeddings and the loss falls', () => {
    const model = createBaseModel(3);
    const batch = toyBatch(TINY_CONFIG);
    applyPeft(model, config, { seed: 4 });
    const vars = trainableVariables(model, config);
    expect(vars).toEqual([model.promptTuning!.embeddings]);
    const before = snapshotBase(model);
    const promptBefore = (model.promptTuning!.embeddings.dataSync() as Float32Array).slice();
    const losses = train(model, vars, batch, 30, 1e-1);
    expect(losses.at(-1)!).toBeLessThan(losses[0] - 0.5);
    expect(changedNames(before, snapshotBase(model))).toEqual([]);
    expect(maxAbsDiff(model.promptTuning!.embeddings.dataSync(), promptBefore)).toBeGreaterThan(0);
    disposeGPT(model);
    tf.dispose([batch.inputs, batch.targets]);
  });

  it('a training step leaks no tensor, and removal frees the embeddings', () => {
    const model = createBaseModel(5);
    const batch = toyBatch(TINY_CONFIG);
    const baseTensors = tf.memory().numTensors;
    addPromptTuning(model, { numVirtualTokens: 3, seed: 6 });
    const optimizer = tf.train.sgd(0.1);
    const step = () => optimizer.minimize(() => lmLoss(model, batch.inputs, batch.targets), true, [model.promptTuning!.embeddings])?.dispose();
    step();
    const before = tf.memory().numTensors;
    step();
    expect(tf.memory().numTensors).toBe(before);
    optimizer.dispose();
    removePromptTuning(model);
    expect(model.promptTuning).toBeNull();
    expect(tf.memory().numTensors).toBe(baseTensors);
    disposeGPT(model);
    tf.dispose([batch.inputs, batch.targets]);
  });

  it('rejects a prompt that leaves no room in the context', () => {
    const model = createBaseModel(7);
    expect(() => addPromptTuning(model, { numVirtualTokens: TINY_CONFIG.blockSize })).toThrow(/leave no room in a context of 32/);
    expect(() => addPromptTuning(model, { numVirtualTokens: 0 })).toThrow(/positive integer/);
    disposeGPT(model);
  });
});
