import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './setup-backend';
import { createGPT, disposeGPT, forward, namedWeights, type GPT } from '@/trainer/model/transformer';
import { crossEntropyLoss } from '@/trainer/train/losses';
import { train, trainStep, trainStepAccumulated } from '@/trainer/train/loop';
import { createAdamW, disposeAdamW, type AdamWConfig } from '@/trainer/train/optimizer';
import { TINY_CONFIG, maxAbsDiff, toyBatch } from './peft-helpers';

/**
 * epsilon 1e-4 keeps Adam's first update continuous in the gradient: with the default 1e-8 an
 * element whose gradient is at rounding level moves by +-lr depending on the rounding.
 */
const ADAM: AdamWConfig = { learningRate: 1e-2, epsilon: 1e-4 };

type Rows = { inputs: tf.Tensor2D; targets: tf.Tensor2D };

function lossOf(model: GPT, rows: Rows): tf.Scalar {
  return crossEntropyLoss(forward(model, rows.inputs, { training: true }), rows.targets);
}

function sliceRows(batch: Rows, start: number, count: number): Rows {
  return { inputs: tf.slice(batch.inputs, [start, 0], [count, -1]), targets: tf.slice(batch.targets, [start, 0], [count, -1]) };
}

function weightsOf(model: GPT): Float32Array[] {
  return [...namedWeights(model).values()].map((v) => (v.dataSync() as Float32Array).slice());
}

describe('gradient accumulation', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('micro-batch steps equal steps on the concatenated batch, equal or weighted splits, without leaking', () => {
    const batch = toyBatch(TINY_CONFIG, 4, 10, 1);
    for (const split of [
      [2, 2],
      [3, 1],
    ]) {
      const whole = createGPT(TINY_CONFIG, { seed: 5 });
      const parts = createGPT(TINY_CONFIG, { seed: 5 });
      const wholeVars = [...namedWeights(whole).values()];
      const partVars = [...namedWeights(parts).values()];
      const wholeOpt = createAdamW(ADAM, wholeVars);
      const partOpt = createAdamW(ADAM, partVars);
      const micro = [sliceRows(batch, 0, split[0]), sliceRows(batch, split[0], split[1])];
      for (let step = 0; step < 2; step++) {
        const want = trainStep(wholeVars, () => lossOf(whole, batch), wholeOpt);
        const before = tf.memory().numTensors;
        // Each micro-loss is a mean over its rows' tokens: weight by row count (rows have equal length).
        const got = trainStepAccumulated(
          partVars,
          micro.map((rows) => () => lossOf(parts, rows)),
          partOpt,
          { weights: split },
        );
        expect(tf.memory().numTensors).toBe(before);
        expect(got.loss).toBeCloseTo(want.loss, 5);
        expect(got.gradNorm / want.gradNorm).toBeCloseTo(1, 5);
      }
      const a = weightsOf(whole);
      const b = weightsOf(parts);
      expect(Math.max(...a.map((w, i) => maxAbsDiff(w, b[i]))), `split ${split}`).toBeLessThan(2e-5);
      expect(partOpt.step).toBe(2);
      tf.dispose(micro.flatMap((m) => [m.inputs, m.targets]));
      [wholeOpt, partOpt].forEach(disposeAdamW);
      [whole, parts].forEach(disposeGPT);
    }
    tf.dispose([batch.inputs, batch.targets]);
  });

  it('train({ accumulate }) feeds micro-batch indices and matches plain steps on the joined batches', async () => {
    const rowsOf = (index: number) => toyBatch(TINY_CONFIG, 2, 8, 10 + index); // micro-batch `index`
    const joined = (step: number): Rows => {
      const [x, y] = [rowsOf(2 * step), rowsOf(2 * step + 1)];
      const out = { inputs: tf.concat([x.inputs, y.inputs]) as tf.Tensor2D, targets: tf.concat([x.targets, y.targets]) as tf.Tensor2D };
      tf.dispose([x.inputs, x.targets, y.inputs, y.targets]);
      return out;
    };
    const run = async (accumulate: number) => {
      const model = createGPT(TINY_CONFIG, { seed: 6 });
      const vars = [...namedWeights(model).values()];
      const optimizer = createAdamW(ADAM, vars);
      const tokens: number[] = [];
      const before = tf.memory().numTensors;
      const losses = await train({
        vars,
        optimizer,
        steps: 2,
        accumulate,
        batches: accumulate === 1 ? joined : rowsOf,
        lossFn: (rows: Rows) => lossOf(model, rows),
        tokensIn: (rows) => rows.inputs.size,
        onStep: (info) => void tokens.push(info.tokens),
      });
      expect(tf.memory().numTensors).toBe(before);
      const weights = weightsOf(model);
      disposeAdamW(optimizer);
      disposeGPT(model);
      return { losses, tokens, weights };
    };
    const plain = await run(1);
    const accumulated = await run(2);
    expect(accumulated.tokens).toEqual([32, 32]);
    accumulated.losses.forEach((loss, i) => expect(loss).toBeCloseTo(plain.losses[i], 5));
    expect(Math.max(...plain.weights.map((w, i) => maxAbsDiff(w, accumulated.weights[i])))).toBeLessThan(2e-5);
  });
});
