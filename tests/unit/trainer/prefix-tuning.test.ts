import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './setup-backend';
import { headDim } from '@/trainer/model/config';
import { applyPeft, trainableVariables } from '@/trainer/model/peft';
import { addPrefixTuning, removePrefixTuning } from '@/trainer/model/prefix-tuning';
import { disposeGPT, forward } from '@/trainer/model/transformer';
import { TINY_CONFIG, changedNames, createBaseModel, lmLoss, logitsOf, maxAbsDiff, snapshotBase, toyBatch, train } from './peft-helpers';

describe('prefix tuning', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  const config = { method: 'prefix' as const, numVirtualTokens: 4 };

  it('adds [nHead, P, headDim] keys and values per layer, seen even by the first position', () => {
    const model = createBaseModel(1);
    const batch = toyBatch(TINY_CONFIG);
    const base = logitsOf(model, batch.inputs);
    applyPeft(model, config, { seed: 2 });
    const { keys, values } = model.prefixTuning!;
    expect(keys.length).toBe(TINY_CONFIG.nLayer);
    expect(values.length).toBe(TINY_CONFIG.nLayer);
    for (const v of [...keys, ...values]) expect(v.shape).toEqual([TINY_CONFIG.nHead, 4, headDim(TINY_CONFIG)]);
    // Distinct inits per tensor.
    expect(maxAbsDiff(keys[0].dataSync(), keys[1].dataSync())).toBeGreaterThan(0);
    expect(maxAbsDiff(keys[0].dataSync(), values[0].dataSync())).toBeGreaterThan(0);
    const logits = tf.tidy(() => forward(model, batch.inputs, { training: false }));
    expect(logits.shape).toEqual([4, 12, TINY_CONFIG.vocabSize]);
    // Position 0 can only differ if the prefix is visible to it (no causal mask over the prefix).
    const v = TINY_CONFIG.vocabSize;
    const first = (x: ArrayLike<number>) => Array.from(x).slice(0, v);
    expect(maxAbsDiff(first(logits.dataSync()), first(base))).toBeGreaterThan(1e-4);
    logits.dispose();
    disposeGPT(model);
    tf.dispose([batch.inputs, batch.targets]);
  });

  it('trains only the prefixes and the loss falls', () => {
    const model = createBaseModel(3);
    const batch = toyBatch(TINY_CONFIG);
    applyPeft(model, config, { seed: 4 });
    const vars = trainableVariables(model, config);
    expect(vars.length).toBe(2 * TINY_CONFIG.nLayer);
    const before = snapshotBase(model);
    const prefixBefore = vars.map((x) => (x.dataSync() as Float32Array).slice());
    const losses = train(model, vars, batch, 30, 3e-2);
    expect(losses.at(-1)!).toBeLessThan(losses[0] - 0.5);
    expect(changedNames(before, snapshotBase(model))).toEqual([]);
    vars.forEach((x, i) => expect(maxAbsDiff(x.dataSync(), prefixBefore[i])).toBeGreaterThan(0));
    disposeGPT(model);
    tf.dispose([batch.inputs, batch.targets]);
  });

  it('a training step leaks no tensor, and removal frees the prefixes', () => {
    const model = createBaseModel(5);
    const batch = toyBatch(TINY_CONFIG);
    const baseTensors = tf.memory().numTensors;
    addPrefixTuning(model, { numVirtualTokens: 2, seed: 6 });
    const vars = [...model.prefixTuning!.keys, ...model.prefixTuning!.values];
    const optimizer = tf.train.sgd(0.1);
    const step = () => optimizer.minimize(() => lmLoss(model, batch.inputs, batch.targets), true, vars)?.dispose();
    step();
    const before = tf.memory().numTensors;
    step();
    expect(tf.memory().numTensors).toBe(before);
    optimizer.dispose();
    removePrefixTuning(model);
    expect(model.prefixTuning).toBeNull();
    expect(tf.memory().numTensors).toBe(baseTensors);
    disposeGPT(model);
    tf.dispose([batch.inputs, batch.targets]);
  });
});
