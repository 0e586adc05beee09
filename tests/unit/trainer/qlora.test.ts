import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './setup-backend';
import { allLinears, applyPeft, countParameters, mergeLora, trainableVariables } from '@/trainer/model/peft';
import { blockLinears, isBaseQuantized } from '@/trainer/model/qlora';
import { dequantize4bit, errorBound4bit } from '@/trainer/model/quantize';
import { disposeGPT, namedWeights } from '@/trainer/model/transformer';
import { TINY_CONFIG, changedNames, createBaseModel, logitsOf, maxAbsDiff, snapshotBase, toyBatch, train, runProductTrainingSteps } from './peft-helpers';

describe('QLoRA', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  const qlora = { method: 'qlora' as const, rank: 4, alpha: 8, dropout: 0, targets: ['q' as const, 'v' as const], scheme: 'nf4' as const, blockSize: 64 };

  it('stores every block linear in 4-bit (no float weight) within the stated error bound', () => {
    const model = createBaseModel(1);
    const floats = blockLinears(model).map((l) => (l.weight!.dataSync() as Float32Array).slice());
    const batch = toyBatch(TINY_CONFIG);
    const floatLogits = logitsOf(model, batch.inputs);
    applyPeft(model, qlora, { seed: 2 });
    expect(isBaseQuantized(model)).toBe(true);
    blockLinears(model).forEach((linear, i) => {
      expect(linear.weight, linear.name).toBeNull();
      const data = linear.quantized!.data;
      expect(data.kind).toBe('4bit');
      if (data.kind !== '4bit') return;
      expect(data.scheme).toBe('nf4');
      expect(data.packed.length).toBe(Math.ceil((linear.inFeatures * linear.outFeatures) / 2));
      const deq = dequantize4bit(data);
      let worst = 0; // largest error as a fraction of its block's absmax
      for (let j = 0; j < deq.length; j++) worst = Math.max(worst, Math.abs(deq[j] - floats[i][j]) / data.absmax[Math.floor(j / 64)]);
      expect(worst, linear.name).toBeLessThanOrEqual(errorBound4bit('nf4') * (1 + 1e-6));
    });
    // The float names of quantized weights are gone; embeddings, norms and biases stay float.
    const names = [...namedWeights(model).keys()];
    expect(names.some((n) => /^h\.\d+\.(attn|mlp)\.\w+\.weight$/.test(n))).toBe(false);
    expect(names).toContain('wte');
    expect(names).toContain('h.0.attn.q.bias');
    // Adapters start at B = 0, so the model computes the dequantised base: close to the float model.
    const logitScale = Math.max(...Array.from(floatLogits, Math.abs));
    const diff = maxAbsDiff(logitsOf(model, batch.inputs), floatLogits);
    expect(diff).toBeGreaterThan(0);
    expect(diff / logitScale).toBeLessThan(0.1);
    disposeGPT(model);
    tf.dispose([batch.inputs, batch.targets]);
  });

  it('LoRA over the 4-bit base trains, the loss falls, and the codes never change', () => {
    for (const scheme of ['nf4', 'absmax4'] as const) {
      const config = { ...qlora, scheme, targets: ['q' as const, 'v' as const, 'fc' as const] };
      const model = createBaseModel(3);
      const batch = toyBatch(TINY_CONFIG);
      applyPeft(model, config, { seed: 4 });
      const before = snapshotBase(model);
      expect([...before.keys()].filter((n) => n.endsWith('.weight.packed')).length).toBe(6 * TINY_CONFIG.nLayer);
      const vars = trainableVariables(model, config);
      expect(vars.length).toBe(2 * 3 * TINY_CONFIG.nLayer);
      const losses = train(model, vars, batch, 30, 3e-2);
      expect(losses.at(-1)!, scheme).toBeLessThan(0.5 * losses[0]);
      expect(changedNames(before, snapshotBase(model))).toEqual([]);
      disposeGPT(model);
      tf.dispose([batch.inputs, batch.targets]);
    }
  });

  it('counts quantized weights by element count, and merging yields float targets', () => {
    const model = createBaseModel(5);
    const floatTotal = countParameters(model, { method: 'full' }).total;
    applyPeft(model, qlora, { seed: 6 });
    const c = TINY_CONFIG.dModel;
    const adapters = TINY_CONFIG.nLayer * 2 * (c * 4 + 4 * c); // q and v: A [C, 4] + B [4, C]
    expect(countParameters(model, qlora)).toEqual({ total: floatTotal + adapters, trainable: adapters });
    const batch = toyBatch(TINY_CONFIG);
    const unmerged = logitsOf(model, batch.inputs);
    mergeLora(model);
    expect(allLinears(model).every((l) => l.lora === null)).toBe(true);
    for (const block of model.blocks) {
      expect(block.attn.q.weight).not.toBeNull();
      expect(block.attn.q.quantized).toBeNull();
      expect(block.attn.k.quantized).not.toBeNull(); // not a target: stays 4-bit
    }
    expect(maxAbsDiff(logitsOf(model, batch.inputs), unmerged)).toBeLessThan(1e-4);
    disposeGPT(model);
    tf.dispose([batch.inputs, batch.targets]);
  });

  it('a QLoRA training step leaks no tensor', () => {
    const { tensorsBefore, tensorsAfter, losses } = runProductTrainingSteps(qlora, 7);
    expect(tensorsAfter).toBe(tensorsBefore);
    expect(losses[2]).toBeLessThan(losses[0]);
  });
});
