import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { useBackend } from './setup-backend';
import { applyLinear, createLinear, type Linear } from '@/trainer/model/linear';
import { addLora, loraVariables, mergeLoraInto, removeLora } from '@/trainer/model/lora';
import { createQuantizedWeight, quantizeTensor } from '@/trainer/model/quantize';
import { allLinears, applyPeft, mergeLora, targetLinears, trainableVariables } from '@/trainer/model/peft';
import { disposeGPT, namedWeights } from '@/trainer/model/transformer';
import { TINY_CONFIG, changedNames, createBaseModel, logitsOf, snapshotBase, toyBatch, train, runProductTrainingSteps } from './peft-helpers';

function snapshot(v: tf.Tensor): Float32Array {
  return (v.dataSync() as Float32Array).slice();
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** One plain SGD step on `vars` for the mean squared error of the layer against a target. */
function sgdStep(linear: Linear, x: tf.Tensor, target: tf.Tensor, vars: tf.Variable[], lr: number): number {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(applyLinear(x, linear, { training: true }), target))) as tf.Scalar, vars);
    for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name], lr)));
    return value.dataSync()[0];
  });
}

describe('LoRA on a standalone linear', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('a fresh adapter (B = 0) leaves the output exactly equal to the base', () => {
    const linear = createLinear('l', 12, 10, { bias: true, seed: 1 });
    tf.tidy(() => linear.bias!.assign(tf.randomNormal([10], 0, 1, 'float32', 2)));
    const x = tf.randomNormal([3, 5, 12], 0, 1, 'float32', 3);
    const base = snapshot(tf.tidy(() => applyLinear(x, linear, { training: false })));
    const adapter = addLora(linear, { rank: 4, alpha: 8, dropout: 0, seed: 4 });
    expect(adapter.a.shape).toEqual([12, 4]);
    expect(adapter.b.shape).toEqual([4, 10]);
    expect(Array.from(snapshot(adapter.b)).every((v) => v === 0)).toBe(true);
    expect(Array.from(snapshot(adapter.a)).some((v) => v !== 0)).toBe(true);
    const withAdapter = snapshot(tf.tidy(() => applyLinear(x, linear, { training: false })));
    expect(Array.from(withAdapter)).toEqual(Array.from(base));
    removeLora(linear);
    x.dispose();
  });

  it('training changes only A and B, the loss falls, and merging keeps the output within 1e-4', () => {
    const linear = createLinear('l', 16, 8, { bias: true, seed: 5 });
    addLora(linear, { rank: 2, alpha: 4, dropout: 0, seed: 6 });
    const x = tf.randomNormal([32, 16], 0, 1, 'float32', 7);
    // A target the base cannot produce, reachable by a rank-2 update.
    const target = tf.tidy(() =>
      tf.add(applyLinear(x, linear, { training: false }), tf.matMul(tf.matMul(x, tf.randomNormal([16, 2], 0, 0.3, 'float32', 8)), tf.randomNormal([2, 8], 0, 0.3, 'float32', 9))),
    );
    const weightBefore = snapshot(linear.weight!);
    const biasBefore = snapshot(linear.bias!);
    const aBefore = snapshot(linear.lora!.a);
    const vars = loraVariables(linear);
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    for (let i = 0; i < 60; i++) losses.push(sgdStep(linear, x, target, vars, 0.05));
    expect(tf.memory().numTensors).toBe(before);
    expect(losses.at(-1)!).toBeLessThan(0.5 * losses[0]);
    expect(Array.from(snapshot(linear.weight!))).toEqual(Array.from(weightBefore));
    expect(Array.from(snapshot(linear.bias!))).toEqual(Array.from(biasBefore));
    expect(maxAbsDiff(snapshot(linear.lora!.a), aBefore)).toBeGreaterThan(0);
    expect(Array.from(snapshot(linear.lora!.b)).some((v) => v !== 0)).toBe(true);

    const unmerged = snapshot(tf.tidy(() => applyLinear(x, linear, { training: false })));
    // Independent reference: x W + b + x A B * alpha / rank with tf.matMul.
    const reference = snapshot(tf.tidy(() => tf.add(tf.add(tf.matMul(x, linear.weight!), linear.bias!), tf.mul(tf.matMul(tf.matMul(x, linear.lora!.a), linear.lora!.b), 4 / 2))));
    expect(maxAbsDiff(unmerged, reference)).toBeLessThan(1e-4);
    const tensorsBeforeMerge = tf.memory().numTensors;
    mergeLoraInto(linear);
    expect(linear.lora).toBeNull();
    expect(tf.memory().numTensors).toBe(tensorsBeforeMerge - 2);
    const merged = snapshot(tf.tidy(() => applyLinear(x, linear, { training: false })));
    expect(maxAbsDiff(merged, unmerged)).toBeLessThan(1e-4);
    x.dispose();
    target.dispose();
  });

  it('merging into a quantized base yields a float weight equal to dequantize(W) + A B * alpha / rank', () => {
    const linear = createLinear('l', 64, 24, { bias: false, seed: 10 });
    const data = quantizeTensor(linear.weight as tf.Tensor2D, 'nf4', 64);
    linear.weight!.dispose();
    linear.weight = null;
    linear.quantized = createQuantizedWeight(data);
    addLora(linear, { rank: 4, alpha: 8, dropout: 0, seed: 11 });
    tf.tidy(() => linear.lora!.b.assign(tf.randomNormal([4, 24], 0, 0.1, 'float32', 12)));
    const x = tf.randomNormal([5, 64], 0, 1, 'float32', 13);
    const unmerged = snapshot(tf.tidy(() => applyLinear(x, linear, { training: false })));
    mergeLoraInto(linear);
    expect(linear.quantized).toBeNull();
    expect(linear.weight).not.toBeNull();
    expect(linear.lora).toBeNull();
    const merged = snapshot(tf.tidy(() => applyLinear(x, linear, { training: false })));
    expect(maxAbsDiff(merged, unmerged)).toBeLessThan(1e-4);
    x.dispose();
  });

  it('dropout applies only while training', () => {
    const linear = createLinear('l', 32, 8, { bias: false, seed: 14 });
    addLora(linear, { rank: 4, alpha: 4, dropout: 0.5, seed: 15 });
    tf.tidy(() => linear.lora!.b.assign(tf.ones([4, 8])));
    const x = tf.ones([4, 32]);
    const evalA = snapshot(tf.tidy(() => applyLinear(x, linear, { training: false })));
    const evalB = snapshot(tf.tidy(() => applyLinear(x, linear, { training: false })));
    const train = snapshot(tf.tidy(() => applyLinear(x, linear, { training: true })));
    expect(Array.from(evalA)).toEqual(Array.from(evalB));
    expect(maxAbsDiff(train, evalA)).toBeGreaterThan(1e-3);
    removeLora(linear);
    x.dispose();
  });

  it('rejects a second adapter and bad hyperparameters', () => {
    const linear = createLinear('h.0.attn.q', 8, 8, { bias: false });
    expect(() => addLora(linear, { rank: 0, alpha: 8, dropout: 0 })).toThrow(/rank must be a positive integer/);
    addLora(linear, { rank: 2, alpha: 8, dropout: 0 });
    expect(() => addLora(linear, { rank: 2, alpha: 8, dropout: 0 })).toThrow(/h\.0\.attn\.q already has an adapter/);
    removeLora(linear);
  });
});

describe('LoRA on a GPT', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  const lora = { method: 'lora' as const, rank: 4, alpha: 8, dropout: 0, targets: ['q' as const, 'v' as const, 'fc' as const] };

  it('fresh adapters leave the logits exactly equal to the base model', () => {
    const model = createBaseModel(1);
    const { inputs, targets } = toyBatch(TINY_CONFIG);
    const base = logitsOf(model, inputs);
    applyPeft(model, lora, { seed: 2 });
    expect(targetLinears(model, lora.targets).every((l) => l.lora !== null)).toBe(true);
    expect(allLinears(model).filter((l) => l.lora).length).toBe(TINY_CONFIG.nLayer * 3);
    expect(Array.from(logitsOf(model, inputs))).toEqual(Array.from(base));
    disposeGPT(model);
    inputs.dispose();
    targets.dispose();
  });

  it('trains only A and B (every base weight bit-identical), the loss falls, merge keeps logits within 1e-4', () => {
    const model = createBaseModel(3);
    const batch = toyBatch(TINY_CONFIG);
    const baseNames = [...namedWeights(model).keys()];
    const tensorsOfBase = tf.memory().numTensors;
    applyPeft(model, lora, { seed: 4 });
    const before = snapshotBase(model);
    const aBefore = targetLinears(model, lora.targets).map((l) => (l.lora!.a.dataSync() as Float32Array).slice());
    const losses = train(model, trainableVariables(model, lora), batch, 30, 3e-2);
    expect(losses.at(-1)!).toBeLessThan(0.5 * losses[0]);
    expect(changedNames(before, snapshotBase(model))).toEqual([]);
    targetLinears(model, lora.targets).forEach((l, i) => {
      expect(maxAbsDiff(l.lora!.a.dataSync(), aBefore[i]), `${l.name}.lora_a`).toBeGreaterThan(0);
      expect(
        Array.from(l.lora!.b.dataSync()).some((v) => v !== 0),
        `${l.name}.lora_b`,
      ).toBe(true);
    });

    const unmerged = logitsOf(model, batch.inputs);
    mergeLora(model);
    expect(allLinears(model).every((l) => l.lora === null)).toBe(true);
    // Same variables as the plain base model: no adapter left behind, no extra cost in forward.
    expect(tf.memory().numTensors).toBe(tensorsOfBase);
    expect([...namedWeights(model).keys()]).toEqual(baseNames);
    const merged = logitsOf(model, batch.inputs);
    expect(maxAbsDiff(merged, unmerged)).toBeLessThan(1e-4);
    // Training did move the model: the merged logits are not the base ones.
    expect(changedNames(before, snapshotBase(model)).length).toBeGreaterThan(0);
    disposeGPT(model);
    batch.inputs.dispose();
    batch.targets.dispose();
  });

  it('a LoRA training step leaks no tensor', () => {
    const { tensorsBefore, tensorsAfter, losses } = runProductTrainingSteps(lora, 5);
    expect(tensorsAfter).toBe(tensorsBefore);
    expect(losses[2]).toBeLessThan(losses[0]);
  });
});
