import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './setup-backend';
import { BUILTIN_CONFIG, headDim, type GPTConfig } from '@/trainer/model/config';
import { ZPeftConfig, applyPeft, countParameters, targetLinears, trainableVariables, type PeftConfig } from '@/trainer/model/peft';
import { quantizeModelBase } from '@/trainer/model/qlora';
import { createGPT, disposeGPT, namedWeights } from '@/trainer/model/transformer';
import { TINY_CONFIG } from './peft-helpers';

/** Base parameter count written out from the architecture (GPT-2 layout, biases on every linear). */
function baseParameters(config: GPTConfig): number {
  const c = config.dModel;
  const m = config.mlpRatio * c;
  const attention = 4 * (c * c + c);
  const mlp = c * m + m + m * c + c;
  const norms = 2 * 2 * c;
  const head = config.tieEmbeddings ? 0 : c * config.vocabSize;
  return config.vocabSize * c + config.blockSize * c + config.nLayer * (attention + mlp + norms) + 2 * c + head;
}

const LORA_QV: PeftConfig = { method: 'lora', rank: 8, alpha: 16, dropout: 0.05, targets: ['q', 'v'] };
const QLORA_QV: PeftConfig = { method: 'qlora', rank: 8, alpha: 16, dropout: 0.05, targets: ['q', 'v'], scheme: 'nf4', blockSize: 64 };
const PROMPT_16: PeftConfig = { method: 'prompt', numVirtualTokens: 16 };
const PREFIX_16: PeftConfig = { method: 'prefix', numVirtualTokens: 16 };

/** Expected { total, trainable } for each method, from the architecture alone. */
function expectedCounts(config: GPTConfig, peft: PeftConfig): { total: number; trainable: number } {
  const base = baseParameters(config);
  const c = config.dModel;
  switch (peft.method) {
    case 'full':
      return { total: base, trainable: base };
    case 'lora':
    case 'qlora': {
      // q and v are [C, C]: A [C, r] + B [r, C] each.
      const adapters = config.nLayer * peft.targets.length * 2 * c * peft.rank;
      return { total: base + adapters, trainable: adapters };
    }
    case 'prompt':
      return { total: base + peft.numVirtualTokens * c, trainable: peft.numVirtualTokens * c };
    case 'prefix': {
      const prefixes = config.nLayer * 2 * config.nHead * peft.numVirtualTokens * headDim(config);
      return { total: base + prefixes, trainable: prefixes };
    }
  }
}

describe('applyPeft / trainableVariables / countParameters', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('counts total and trainable parameters for every method (tiny and built-in configs)', () => {
    const table: Record<string, { total: number; trainable: number }> = {};
    for (const config of [TINY_CONFIG, { ...TINY_CONFIG, tieEmbeddings: false }, BUILTIN_CONFIG]) {
      for (const [label, peft] of [
        ['full', { method: 'full' }],
        ['LoRA r8 q,v', LORA_QV],
        ['QLoRA nf4 r8 q,v', QLORA_QV],
        ['prompt 16', PROMPT_16],
        ['prefix 16', PREFIX_16],
      ] as Array<[string, PeftConfig]>) {
        const model = createGPT(config, { seed: 1 });
        applyPeft(model, peft, { seed: 2 });
        const counts = countParameters(model, peft);
        expect(counts, `${label} on dModel ${config.dModel}`).toEqual(expectedCounts(config, peft));
        if (config === BUILTIN_CONFIG) table[label] = counts;
        disposeGPT(model);
      }
    }
    // The figures the README quotes for the built-in model.
    console.log('built-in model parameter counts', JSON.stringify(table));
  });

  it('trainableVariables returns exactly what each method trains', () => {
    const full = createGPT(TINY_CONFIG, { seed: 1 });
    expect(new Set(trainableVariables(full, { method: 'full' }))).toEqual(new Set(namedWeights(full).values()));
    disposeGPT(full);

    const lora = createGPT(TINY_CONFIG, { seed: 1 });
    applyPeft(lora, LORA_QV, { seed: 3 });
    const loraVars = trainableVariables(lora, LORA_QV);
    const expected = targetLinears(lora, ['q', 'v']).flatMap((l) => [l.lora!.a, l.lora!.b]);
    expect(new Set(loraVars)).toEqual(new Set(expected));
    expect(targetLinears(lora, ['k', 'o', 'fc', 'proj']).every((l) => l.lora === null)).toBe(true);
    // Distinct seeds per adapter: no two A matrices are equal.
    const [a0, a1] = targetLinears(lora, ['q', 'v']).map((l) => Array.from(l.lora!.a.dataSync()));
    expect(a0).not.toEqual(a1);
    disposeGPT(lora);

    const prompt = createGPT(TINY_CONFIG, { seed: 1 });
    applyPeft(prompt, PROMPT_16);
    expect(trainableVariables(prompt, PROMPT_16)).toEqual([prompt.promptTuning!.embeddings]);
    disposeGPT(prompt);

    const prefix = createGPT(TINY_CONFIG, { seed: 1 });
    applyPeft(prefix, PREFIX_16);
    expect(trainableVariables(prefix, PREFIX_16)).toEqual([...prefix.prefixTuning!.keys, ...prefix.prefixTuning!.values]);
    disposeGPT(prefix);
  });

  it('fails clearly when the model does not hold what the method trains', () => {
    const model = createGPT(TINY_CONFIG, { seed: 1 });
    expect(() => trainableVariables(model, LORA_QV)).toThrow(/no LoRA adapters \(call applyPeft first\)/);
    expect(() => trainableVariables(model, PROMPT_16)).toThrow(/no virtual tokens/);
    expect(() => trainableVariables(model, PREFIX_16)).toThrow(/no prefixes/);
    quantizeModelBase(model, 'nf4', 64);
    expect(() => trainableVariables(model, { method: 'full' })).toThrow(/Full fine-tuning needs float weights, but h\.0\.attn\.q is quantized/);
    disposeGPT(model);
  });

  it('applyPeft and disposeGPT leave no tensor behind', () => {
    const before = tf.memory().numTensors;
    for (const peft of [LORA_QV, QLORA_QV, PROMPT_16, PREFIX_16]) {
      const model = createGPT(TINY_CONFIG, { seed: 1 });
      applyPeft(model, peft, { seed: 2 });
      disposeGPT(model);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the PEFT config schema accepts each method and rejects bad settings', () => {
    for (const peft of [{ method: 'full' }, LORA_QV, QLORA_QV, PROMPT_16, PREFIX_16]) expect(ZPeftConfig.parse(peft)).toEqual(peft);
    expect(ZPeftConfig.safeParse({ ...LORA_QV, targets: [] }).success).toBe(false);
    expect(ZPeftConfig.safeParse({ ...QLORA_QV, scheme: 'int8' }).success).toBe(false);
  });
});
