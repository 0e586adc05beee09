import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './setup-backend';
import { loadModel, saveModel } from '@/trainer/model/model-checkpoint';
import { applyPeft, mergeLora, trainableVariables, type PeftConfig } from '@/trainer/model/peft';
import { quantizeModelBase } from '@/trainer/model/qlora';
import { disposeGPT, type GPT } from '@/trainer/model/transformer';
import { TINY_CONFIG, createBaseModel, logitsOf, maxAbsDiff, toyBatch, train } from './peft-helpers';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'feedloop-model-ckpt-'));
const meta = { kind: 'policy' as const, peft: null, step: 7, metrics: { loss: 1.5 } };

function dirBytes(dir: string): number {
  return fs.readdirSync(dir).reduce((sum, name) => sum + fs.statSync(path.join(dir, name)).size, 0);
}

/** Trains a method's parameters a few steps so adapters are not at their (trivial) init. */
function adapt(model: GPT, peft: PeftConfig): void {
  const batch = toyBatch(TINY_CONFIG, 4, 12, 3);
  train(model, trainableVariables(model, peft), batch, 5, 3e-2);
  tf.dispose([batch.inputs, batch.targets]);
}

describe('saveModel / loadModel', () => {
  let inputs: tf.Tensor2D;
  let base: GPT;
  const baseDir = path.join(root, 'base');

  beforeAll(async () => {
    await useBackend('wasm');
    const batch = toyBatch(TINY_CONFIG, 2, 10, 9);
    inputs = batch.inputs;
    batch.targets.dispose();
    base = createBaseModel(1);
    await saveModel(baseDir, base, meta);
  });

  afterAll(() => {
    disposeGPT(base);
    inputs.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('full model: identical logits and the manifest carries the metadata', async () => {
    const { model, manifest } = await loadModel(baseDir);
    expect(Array.from(logitsOf(model, inputs))).toEqual(Array.from(logitsOf(base, inputs)));
    expect(manifest).toMatchObject({ kind: 'policy', step: 7, metrics: { loss: 1.5 }, peft: null, quantization: null, tokenizer: 'byte', architecture: TINY_CONFIG });
    disposeGPT(model);
  });

  it('untied LM head round-trips too', async () => {
    const untied = createBaseModel(2, { ...TINY_CONFIG, tieEmbeddings: false }, 5);
    const dir = path.join(root, 'untied');
    await saveModel(dir, untied, meta);
    const { model } = await loadModel(dir);
    expect(Array.from(logitsOf(model, inputs))).toEqual(Array.from(logitsOf(untied, inputs)));
    disposeGPT(model);
    disposeGPT(untied);
  });

  const adapterConfigs: PeftConfig[] = [
    { method: 'lora', rank: 4, alpha: 8, dropout: 0, targets: ['q', 'v'] },
    { method: 'qlora', rank: 4, alpha: 8, dropout: 0, targets: ['q', 'v', 'fc'], scheme: 'nf4', blockSize: 64 },
    { method: 'prompt', numVirtualTokens: 4 },
    { method: 'prefix', numVirtualTokens: 4 },
  ];
  for (const peft of adapterConfigs) {
    it(`${peft.method}: adapter-only (+ base) and full saves give identical logits; the adapter file is small`, async () => {
      const loaded = await loadModel(baseDir);
      const tuned = loaded.model;
      applyPeft(tuned, peft, { seed: 5 });
      adapt(tuned, peft);
      const expected = logitsOf(tuned, inputs);

      const adapterDir = path.join(root, `${peft.method}-adapter`);
      await saveModel(adapterDir, tuned, { ...meta, kind: 'policy', peft, parent: baseDir }, { adapterOnly: true });
      const fromAdapter = await loadModel(adapterDir);
      expect(fromAdapter.manifest.kind).toBe('adapter');
      expect(fromAdapter.manifest.parent).toBe(baseDir);
      expect(Array.from(logitsOf(fromAdapter.model, inputs))).toEqual(Array.from(expected));
      disposeGPT(fromAdapter.model);
      // An explicit baseDir works as well (the parent may have moved).
      const withBase = await loadModel(adapterDir, { baseDir });
      expect(Array.from(logitsOf(withBase.model, inputs))).toEqual(Array.from(expected));
      disposeGPT(withBase.model);

      const fullDir = path.join(root, `${peft.method}-full`);
      await saveModel(fullDir, tuned, { ...meta, peft });
      const fromFull = await loadModel(fullDir);
      expect(Array.from(logitsOf(fromFull.model, inputs))).toEqual(Array.from(expected));
      disposeGPT(fromFull.model);

      // Adapters are a small fraction of the float base (QLoRA's full save is itself 4-bit).
      expect(dirBytes(adapterDir)).toBeLessThan(0.25 * dirBytes(baseDir));
      expect(dirBytes(adapterDir)).toBeLessThan(dirBytes(fullDir));
      disposeGPT(tuned);
    });
  }

  for (const scheme of ['int8', 'nf4', 'absmax4'] as const) {
    it(`${scheme}-quantized model: identical logits after a round trip, smaller on disk`, async () => {
      const { model: quantized } = await loadModel(baseDir);
      quantizeModelBase(quantized, scheme, 32);
      const dir = path.join(root, `quant-${scheme}`);
      await saveModel(dir, quantized, meta);
      const { model, manifest } = await loadModel(dir);
      expect(manifest.quantization).toEqual(scheme === 'int8' ? { scheme } : { scheme, blockSize: 32 });
      expect(model.blocks[0].attn.q.weight).toBeNull();
      expect(Array.from(logitsOf(model, inputs))).toEqual(Array.from(logitsOf(quantized, inputs)));
      expect(dirBytes(dir)).toBeLessThan(dirBytes(baseDir));
      disposeGPT(model);
      disposeGPT(quantized);
    });
  }

  it('merged LoRA saved as a plain model loads as one', async () => {
    const { model: tuned } = await loadModel(baseDir);
    const peft: PeftConfig = { method: 'lora', rank: 4, alpha: 8, dropout: 0, targets: ['q', 'v'] };
    applyPeft(tuned, peft, { seed: 6 });
    adapt(tuned, peft);
    mergeLora(tuned);
    const dir = path.join(root, 'merged');
    await saveModel(dir, tuned, meta);
    const { model } = await loadModel(dir);
    expect(model.blocks[0].attn.q.lora).toBeNull();
    expect(Array.from(logitsOf(model, inputs))).toEqual(Array.from(logitsOf(tuned, inputs)));
    disposeGPT(model);
    disposeGPT(tuned);
  });

  it('F16 storage halves the float checkpoint and keeps logits close', async () => {
    const dir = path.join(root, 'f16');
    await saveModel(dir, base, meta, { dtype: 'F16' });
    const { model, manifest } = await loadModel(dir);
    expect(Object.values(manifest.tensors).every((t) => t.dtype === 'F16')).toBe(true);
    const bytes = dirBytes(dir);
    expect(bytes).toBeLessThan(0.6 * dirBytes(baseDir));
    const expected = logitsOf(base, inputs);
    const scale = Math.max(...Array.from(expected, Math.abs));
    expect(maxAbsDiff(logitsOf(model, inputs), expected)).toBeLessThan(0.01 * scale);
    disposeGPT(model);
  });

  it('extra tensors (e.g. a reward head) travel with the model', async () => {
    const head = tf.randomNormal([TINY_CONFIG.dModel, 1], 0, 1, 'float32', 3);
    const dir = path.join(root, 'extra');
    await saveModel(dir, base, { ...meta, kind: 'reward' }, { extra: { 'reward_head.weight': head } });
    const { model, manifest, extra } = await loadModel(dir);
    expect(manifest.kind).toBe('reward');
    expect(Object.keys(extra)).toEqual(['reward_head.weight']);
    expect(Array.from(extra['reward_head.weight'].dataSync())).toEqual(Array.from(head.dataSync()));
    tf.dispose([head, ...Object.values(extra)]);
    disposeGPT(model);
  });

  describe('clear errors', () => {
    it('a corrupted weights file', async () => {
      const dir = path.join(root, 'corrupt');
      fs.cpSync(baseDir, dir, { recursive: true });
      const file = path.join(dir, 'model.safetensors');
      const bytes = fs.readFileSync(file);
      fs.writeFileSync(file, bytes.subarray(0, bytes.length - 100)); // truncated
      await expect(loadModel(dir)).rejects.toThrow(/Checkpoint .*corrupt.*model\.safetensors is corrupt/);
    });

    it('a missing directory', async () => {
      await expect(loadModel(path.join(root, 'nope'))).rejects.toThrow(/nope: directory does not exist/);
    });

    it('weights that do not fit the architecture in the manifest', async () => {
      const dir = path.join(root, 'mismatch');
      fs.cpSync(baseDir, dir, { recursive: true });
      const configFile = path.join(dir, 'config.json');
      const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
      config.architecture.mlpRatio = 2; // the stored MLP weights are 4x wide
      fs.writeFileSync(configFile, JSON.stringify(config));
      await expect(loadModel(dir)).rejects.toThrow(/tensor h\.0\.mlp\.fc\.weight: shape mismatch, expected \[32,64\] but the file has \[32,128\]/);
    });

    it('a checkpoint missing a tensor the model needs', async () => {
      const dir = path.join(root, 'missing-tensor');
      fs.cpSync(baseDir, dir, { recursive: true });
      const configFile = path.join(dir, 'config.json');
      const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
      config.architecture.nLayer = 3; // the file holds two layers
      fs.writeFileSync(configFile, JSON.stringify(config));
      await expect(loadModel(dir)).rejects.toThrow(/tensors do not match the model: missing tensor\(s\) h\.2\.ln1\.gamma/);
    });

    it('an adapter over a base of another architecture', async () => {
      const otherBase = createBaseModel(3, { ...TINY_CONFIG, nHead: 4 }, 1);
      const otherDir = path.join(root, 'other-base');
      await saveModel(otherDir, otherBase, meta);
      disposeGPT(otherBase);
      const { model } = await loadModel(baseDir);
      const peft: PeftConfig = { method: 'lora', rank: 2, alpha: 4, dropout: 0, targets: ['q'] };
      applyPeft(model, peft, { seed: 1 });
      const adapterDir = path.join(root, 'adapter-for-mismatch');
      await saveModel(adapterDir, model, { ...meta, peft, parent: baseDir }, { adapterOnly: true });
      disposeGPT(model);
      const before = tf.memory().numTensors;
      await expect(loadModel(adapterDir, { baseDir: otherDir })).rejects.toThrow(/different architecture than its base .*other-base: nHead is 2 in the adapter, 4 in the base/);
      expect(tf.memory().numTensors).toBe(before); // the base it loaded was freed
    });

    it('an adapter whose parent cannot be found', async () => {
      const { model } = await loadModel(baseDir);
      const peft: PeftConfig = { method: 'prompt', numVirtualTokens: 2 };
      applyPeft(model, peft, { seed: 1 });
      const adapterDir = path.join(root, 'orphan-adapter');
      await saveModel(adapterDir, model, { ...meta, peft, parent: 'gone-base' }, { adapterOnly: true });
      disposeGPT(model);
      await expect(loadModel(adapterDir)).rejects.toThrow(/its parent "gone-base" was not found .*pass baseDir to loadModel/);
    });
  });
});
