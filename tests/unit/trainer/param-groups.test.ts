import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './setup-backend';
import { adapterVariables, applyPeft, trainableVariables, type PeftConfig } from '@/trainer/model/peft';
import { createGPT, disposeGPT, namedWeights, type GPT } from '@/trainer/model/transformer';
import { applyAdamW, createAdamW, disposeAdamW, type AdamW } from '@/trainer/train/optimizer';
import { paramGroups } from '@/trainer/train/param-groups';
import { TINY_CONFIG } from './peft-helpers';

const METHODS: PeftConfig[] = [
  { method: 'full' },
  { method: 'lora', rank: 4, alpha: 8, dropout: 0, targets: ['q', 'v', 'fc'] },
  { method: 'qlora', rank: 4, alpha: 8, dropout: 0, targets: ['q', 'v'], scheme: 'nf4', blockSize: 64 },
  { method: 'prompt', numVirtualTokens: 3 },
  { method: 'prefix', numVirtualTokens: 3 },
];

function modelFor(peft: PeftConfig): GPT {
  const model = createGPT(TINY_CONFIG, { seed: 1 });
  applyPeft(model, peft, { seed: 2 });
  return model;
}

/**
 * Which variables one AdamW step with zero gradients changes. With g = 0 the moments stay 0 and
 * the Adam update is exactly 0, so only decoupled weight decay moves a variable.
 */
function decayedBy(opt: AdamW, vars: tf.Variable[]): Set<tf.Variable> {
  const before = vars.map((v) => (v.dataSync() as Float32Array).slice());
  const zeros = vars.map((v) => tf.zerosLike(v));
  applyAdamW(opt, vars, zeros, 0.1);
  tf.dispose(zeros);
  return new Set(vars.filter((v, i) => Array.from(v.dataSync()).some((x, j) => x !== before[i][j])));
}

describe('AdamW parameter groups', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('createAdamW(cfg, trainableVariables(model, peft)) never decays PEFT parameters', () => {
    for (const peft of METHODS.slice(1)) {
      const model = modelFor(peft);
      const vars = trainableVariables(model, peft);
      const opt = createAdamW({ learningRate: 0.1, weightDecay: 0.5 }, vars);
      expect(decayedBy(opt, vars).size, peft.method).toBe(0);
      expect(
        [...opt.weightDecays.values()].every((d) => d === 0),
        peft.method,
      ).toBe(true);
      disposeAdamW(opt);
      disposeGPT(model);
    }
  });

  it('full fine-tuning decays matrices (weights, embeddings) but not LayerNorm or biases', () => {
    const model = modelFor({ method: 'full' });
    const vars = trainableVariables(model, { method: 'full' });
    const opt = createAdamW({ learningRate: 0.1, weightDecay: 0.5 }, vars);
    const decayed = decayedBy(opt, vars);
    for (const [name, v] of namedWeights(model)) {
      const shouldDecay = /(^wte|^wpe|\.weight)$/.test(name);
      expect(decayed.has(v), name).toBe(shouldDecay);
    }
    disposeAdamW(opt);
    disposeGPT(model);
  });

  it('paramGroups derives the same split from the model, and explicit groups override it', () => {
    for (const peft of METHODS) {
      const model = modelFor(peft);
      const vars = trainableVariables(model, peft);
      const byDefault = createAdamW({ learningRate: 0.1, weightDecay: 0.5 }, vars);
      const groups = paramGroups(model, peft);
      const grouped = createAdamW({ learningRate: 0.1, weightDecay: 0.5 }, [], { groups });
      expect(groups.flatMap((g) => g.variables).length, peft.method).toBe(vars.length);
      for (const v of vars) expect(grouped.weightDecays.get(v), `${peft.method} ${v.name}`).toBe(byDefault.weightDecays.get(v));
      expect(grouped.moments.size).toBe(vars.length);
      disposeAdamW(byDefault);
      disposeAdamW(grouped);
      disposeGPT(model);
    }
    const peft = METHODS[1];
    const model = modelFor(peft);
    const opt = createAdamW({ learningRate: 0.1 }, [], { groups: paramGroups(model, peft, { adapterWeightDecay: 0.3 }) });
    const adapters = adapterVariables(model);
    expect(adapters.every((v) => opt.weightDecays.get(v) === 0.3)).toBe(true);
    const nonZero = adapters.filter((v) => v.name.includes('lora_a')); // B starts at zero, which decay leaves as is
    expect([...decayedBy(opt, adapters)]).toEqual(nonZero);
    const [a] = adapters;
    expect(() =>
      createAdamW({ learningRate: 0.1 }, [], {
        groups: [
          { name: 'x', variables: [a] },
          { name: 'y', variables: [a] },
        ],
      }),
    ).toThrow(/in both x and y/);
    disposeAdamW(opt);
    disposeGPT(model);
  });
});
