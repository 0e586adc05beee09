import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './setup-backend';
import type { GPTConfig } from '@/trainer/model/config';
import { applyPeft, trainableVariables, type PeftConfig } from '@/trainer/model/peft';
import { blockLinears } from '@/trainer/model/qlora';
import { createGPT, disposeGPT, forward, type GPT } from '@/trainer/model/transformer';
import { crossEntropyLoss } from '@/trainer/train/losses';
import { maxAbsDiff, toyBatch } from './peft-helpers';

/**
 * Wide and short (d=128, 2 x 8 tokens) so that weights, not activations, dominate what a step
 * allocates: that is where keeping dequantisation temporaries for backward shows.
 */
const CONFIG: GPTConfig = { vocabSize: 48, blockSize: 32, nLayer: 2, nHead: 4, dModel: 128, mlpRatio: 4, dropout: 0, layerNormEps: 1e-5, tieEmbeddings: true, tokenizer: 'byte' };
const LORA = { rank: 4, alpha: 8, dropout: 0, targets: ['q' as const, 'v' as const, 'fc' as const] };
const FLOAT: PeftConfig = { method: 'lora', ...LORA };
const qloraOf = (scheme: 'nf4' | 'absmax4'): PeftConfig => ({ method: 'qlora', ...LORA, scheme, blockSize: 64 });

type Batch = { inputs: tf.Tensor2D; targets: tf.Tensor2D };

function lossOf(model: GPT, batch: Batch): tf.Scalar {
  return crossEntropyLoss(forward(model, batch.inputs, { training: true }), batch.targets);
}

/**
 * Bytes a forward + backward adds at its peak over what was allocated before: tf.profile snapshots
 * the engine's byte count after every kernel, nested ones (inside custom gradients) included.
 */
async function stepPeakBytes(model: GPT, vars: tf.Variable[], batch: Batch): Promise<number> {
  const before = tf.memory().numBytes;
  const info = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(() => lossOf(model, batch), vars);
    tf.dispose([value, ...Object.values(grads)]);
  });
  return info.peakBytes - before;
}

/** Loss and LoRA gradients (in trainableVariables order) of one step. */
function gradientsOf(model: GPT, peft: PeftConfig, batch: Batch): { loss: number; grads: Float32Array[] } {
  const vars = trainableVariables(model, peft);
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => lossOf(model, batch), vars);
    return { loss: value.dataSync()[0], grads: vars.map((v) => (grads[v.name].dataSync() as Float32Array).slice()) };
  });
}

describe('QLoRA memory', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('a LoRA step over a 4-bit base peaks within 2x of the same step over a float base', async () => {
    const batch = toyBatch(CONFIG, 2, 8, 3);
    const peakOf = async (peft: PeftConfig) => {
      const model = createGPT(CONFIG, { seed: 1 });
      applyPeft(model, peft, { seed: 2 });
      const peak = await stepPeakBytes(model, trainableVariables(model, peft), batch);
      disposeGPT(model);
      return peak;
    };
    const floatPeak = await peakOf(FLOAT);
    for (const scheme of ['nf4', 'absmax4'] as const) {
      const before = tf.memory().numTensors;
      const quantizedPeak = await peakOf(qloraOf(scheme));
      // Before the fix: nf4 10.5x (61.8 MB against 5.9 MB), absmax4 4.8x.
      expect(quantizedPeak / floatPeak, scheme).toBeLessThanOrEqual(2);
      expect(tf.memory().numTensors).toBe(before);
    }
    tf.dispose([batch.inputs, batch.targets]);
  });

  it('gradients over the 4-bit base equal those over a float base holding the dequantised weights', () => {
    const batch = toyBatch(CONFIG, 2, 8, 3);
    const peft = qloraOf('nf4');
    const quantized = createGPT(CONFIG, { seed: 1 });
    applyPeft(quantized, peft, { seed: 2 });
    // The reference: the same model with float weights set to exactly what the codes decode to.
    const reference = createGPT(CONFIG, { seed: 1 });
    const sources = blockLinears(quantized);
    blockLinears(reference).forEach((linear, i) => tf.tidy(() => linear.weight!.assign(sources[i].quantized!.dequantize())));
    applyPeft(reference, FLOAT, { seed: 2 });
    // Make B non-zero so the gradient reaching A (through B) and the inputs' gradient are exercised.
    for (const model of [quantized, reference]) {
      trainableVariables(model, peft).forEach((v, i) => {
        if (v.shape[0] === LORA.rank) tf.tidy(() => v.assign(tf.randomNormal(v.shape, 0, 0.05, 'float32', 10 + i)));
      });
    }
    const got = gradientsOf(quantized, peft, batch);
    const want = gradientsOf(reference, FLOAT, batch);
    expect(got.loss).toBeCloseTo(want.loss, 5);
    expect(got.grads.length).toBe(want.grads.length);
    got.grads.forEach((g, i) => {
      const scale = Math.max(...Array.from(want.grads[i], Math.abs));
      expect(scale, `gradient ${i}`).toBeGreaterThan(0);
      expect(maxAbsDiff(g, want.grads[i]) / scale, `gradient ${i}`).toBeLessThan(1e-4);
    });
    disposeGPT(quantized);
    disposeGPT(reference);
    tf.dispose([batch.inputs, batch.targets]);
  });
});
