import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './setup-backend';
import { applyPeft } from '@/trainer/model/peft';
import { blockLinears } from '@/trainer/model/qlora';
import { heldoutLoss, quantizationReport, quantizeForServing, type HeldoutBatch } from '@/trainer/model/quantize-model';
import { disposeGPT, forward, namedWeights, type GPT } from '@/trainer/model/transformer';
import { TINY_CONFIG, changedNames, createBaseModel, lmLoss, snapshotBase, train } from './peft-helpers';

/** Rows counting up from each start, mod the vocabulary: inputs [B, 12] and next-token targets. */
function countingBatch(starts: number[]): HeldoutBatch {
  const rows = starts.map((s) => Array.from({ length: 13 }, (_, i) => (s + i) % TINY_CONFIG.vocabSize));
  return {
    inputs: tf.tensor2d(
      rows.map((r) => r.slice(0, -1)),
      [starts.length, 12],
      'int32',
    ),
    targets: tf.tensor2d(
      rows.map((r) => r.slice(1)),
      [starts.length, 12],
      'int32',
    ),
  };
}

describe('serving quantization', () => {
  let model: GPT;
  let batches: HeldoutBatch[];
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'feedloop-quant-report-'));

  beforeAll(async () => {
    await useBackend('wasm');
    // A trained tiny model: counting (next = token + 1 mod V) generalises to unseen start tokens,
    // so the held-out rows (other starts) get a low loss and the comparison means something.
    model = createBaseModel(1, TINY_CONFIG, 0);
    const data = countingBatch([0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36, 39, 42, 45]);
    train(model, [...namedWeights(model).values()], data, 80, 1e-2);
    tf.dispose([data.inputs, data.targets]);
    batches = [countingBatch([1, 10, 20, 40]), countingBatch([5, 17, 29, 44])];
  });

  afterAll(() => {
    disposeGPT(model);
    for (const b of batches) tf.dispose([b.inputs, b.targets]);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('heldoutLoss is the mean next-token cross-entropy, honouring a mask', () => {
    const reference = batches.map((b) => tf.tidy(() => lmLoss(model, b.inputs, b.targets, false).dataSync()[0]));
    expect(heldoutLoss(model, batches)).toBeCloseTo((reference[0] + reference[1]) / 2, 4);
    // Masking out the second half of batch 0 positions: only the first 6 of 12 positions count.
    const mask = tf.concat([tf.ones([4, 6]), tf.zeros([4, 6])], 1) as tf.Tensor2D;
    const half = { inputs: tf.slice(batches[0].inputs, [0, 0], [4, 6]) as tf.Tensor2D, targets: tf.slice(batches[0].targets, [0, 0], [4, 6]) as tf.Tensor2D };
    const expected = tf.tidy(() => lmLoss(model, half.inputs, half.targets, false).dataSync()[0]);
    expect(heldoutLoss(model, [{ ...batches[0], mask }])).toBeCloseTo(expected, 4); // causal: later positions do not affect earlier ones
    tf.dispose([mask, half.inputs, half.targets]);
  });

  it('quantizes block linears only, leaves the float model untouched, and reports sane numbers', async () => {
    const before = snapshotBase(model);
    const reports = [];
    for (const scheme of ['int8', 'nf4', 'absmax4'] as const) {
      const quantized = quantizeForServing(model, { scheme, blockSize: 64 });
      expect(blockLinears(quantized).every((l) => l.weight === null && l.quantized !== null)).toBe(true);
      expect(quantized.wte).not.toBe(model.wte);
      expect(Array.from(quantized.wte.dataSync())).toEqual(Array.from(model.wte.dataSync()));
      const report = await quantizationReport(model, quantized, batches, path.join(root, scheme));
      reports.push(report);
      expect(report.scheme).toBe(scheme);
      expect(report.quantizedBytes).toBeLessThan(report.floatBytes);
      expect(report.floatBytes).toBe(fs.readdirSync(path.join(root, scheme, 'float')).reduce((s, f) => s + fs.statSync(path.join(root, scheme, 'float', f)).size, 0));
      expect(report.floatLoss).toBeCloseTo(heldoutLoss(model, batches), 6);
      expect(report.floatLoss).toBeLessThan(1); // trained: far below the uniform ln(48) = 3.9
      expect(report.lossDelta).toBeCloseTo(report.quantizedLoss - report.floatLoss, 10);
      expect(Math.abs(report.lossDelta)).toBeLessThan(scheme === 'int8' ? 0.01 : 0.1);
      disposeGPT(quantized);
    }
    console.log('quantization report (tiny trained model)', JSON.stringify(reports));
    expect(changedNames(before, snapshotBase(model))).toEqual([]);
    // 4-bit is smaller than int8 on disk.
    expect(reports[1].quantizedBytes).toBeLessThan(reports[0].quantizedBytes);
  });

  it('cacheDequantized serves the same logits, holding one float copy per block linear', () => {
    const onTheFly = quantizeForServing(model, { scheme: 'nf4' });
    const withoutCached = tf.memory().numTensors;
    const cached = quantizeForServing(model, { scheme: 'nf4', cacheDequantized: true });
    const inputs = batches[0].inputs;
    const expected = tf.tidy(() => forward(onTheFly, inputs, { training: false }).dataSync());
    const before = tf.memory().numTensors;
    const first = tf.tidy(() => forward(cached, inputs, { training: false }).dataSync());
    expect(tf.memory().numTensors).toBe(before + blockLinears(cached).length);
    const second = tf.tidy(() => forward(cached, inputs, { training: false }).dataSync());
    expect(tf.memory().numTensors).toBe(before + blockLinears(cached).length);
    expect(Array.from(first)).toEqual(Array.from(expected));
    expect(Array.from(second)).toEqual(Array.from(expected));
    disposeGPT(cached);
    expect(tf.memory().numTensors).toBe(withoutCached); // the cached copies are freed with the model
    disposeGPT(onTheFly);
  });

  it('copies prompt-tuned models, and asks for LoRA to be merged first', () => {
    const tuned = createBaseModel(2, TINY_CONFIG, 1);
    applyPeft(tuned, { method: 'prompt', numVirtualTokens: 3 }, { seed: 1 });
    const quantized = quantizeForServing(tuned, { scheme: 'int8' });
    expect(Array.from(quantized.promptTuning!.embeddings.dataSync())).toEqual(Array.from(tuned.promptTuning!.embeddings.dataSync()));
    disposeGPT(quantized);
    disposeGPT(tuned);

    const lora = createBaseModel(3, TINY_CONFIG, 1);
    applyPeft(lora, { method: 'lora', rank: 2, alpha: 4, dropout: 0, targets: ['q'] });
    const tensors = tf.memory().numTensors;
    expect(() => quantizeForServing(lora, { scheme: 'int8' })).toThrow(/h\.0\.attn\.q with a LoRA adapter .* merge adapters first/);
    expect(tf.memory().numTensors).toBe(tensors);
    disposeGPT(lora);
  });
});
