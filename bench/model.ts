/**
 * Model benchmark: `npm run bench:model` (TRAINER_BACKEND=wasm|cpu|tensorflow picks the backend).
 *
 * For the built-in config (BUILTIN_CONFIG) on the selected backend it measures
 * - the backend's own large-matmul rate: 1024x1024 @ 1024x1024, plain product, best of 10 runs
 *   before and after the training measurements (a peak, so the training ratio is conservative);
 * - training figures: mean over 4 steps after a warm-up step;
 * - full training tokens/s (forward + backward + AdamW) at the pretraining shape (16 x 128);
 * - LoRA training tokens/s (rank 8 on q and v, base frozen);
 * - training GFLOP/s = tokens/s x (6 N + 12 L T C) / 1e9, with N the parameters that take part
 *   in matmuls (all but the position table), L layers, T context, C width: the usual
 *   6 N per token (forward 2 N, backward 4 N) plus attention's QK^T and AV (PaLM, nanoGPT MFU);
 * - sampling tokens/s with and without the KV cache for 256 new tokens (greedy, one stream,
 *   a seeded random-init model so that no eos ends it early), plus a batched figure (8 streams).
 * Writes bench/results/model.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../trainer/model/backend';
import { BUILTIN_CONFIG } from '../trainer/model/config';
import { encodePrompt } from '../trainer/model/chat-template';
import { applyPeft, trainableVariables, type PeftConfig } from '../trainer/model/peft';
import { sample } from '../trainer/model/sample';
import { createTokenizer } from '../trainer/model/tokenizer';
import { createGPT, disposeGPT, forward, namedWeights } from '../trainer/model/transformer';
import { crossEntropyLoss } from '../trainer/train/losses';
import { createAdamW, disposeAdamW } from '../trainer/train/optimizer';
import { trainStep } from '../trainer/train/loop';

const BATCH = 16;
const SEQ = 128;
const TRAIN_STEPS = 4;
const NEW_TOKENS = 256;

function timeMs(fn: () => void, reps: number): number {
  fn(); // warm-up: kernel setup, heap growth
  const start = performance.now();
  for (let i = 0; i < reps; i++) fn();
  return (performance.now() - start) / reps;
}

/** The backend's peak: the best of 10 timed 1024^3 products (the others lose time to the OS). */
function matmulGflops(): number {
  const n = 1024;
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1) as tf.Tensor2D;
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2) as tf.Tensor2D;
  const run = () => tf.tidy(() => void tf.matMul(a, b).dataSync());
  run();
  let best = Infinity;
  for (let i = 0; i < 10; i++) best = Math.min(best, timeMs(run, 1));
  tf.dispose([a, b]);
  return (2 * n ** 3) / (best / 1000) / 1e9;
}

function trainTokensPerSecond(peft: PeftConfig): { tokensPerSecond: number; trainable: number } {
  const model = createGPT(BUILTIN_CONFIG, { seed: 1 });
  if (peft.method !== 'full') applyPeft(model, peft, { seed: 2 });
  const vars = peft.method === 'full' ? [...namedWeights(model).values()] : trainableVariables(model, peft);
  const optimizer = createAdamW({ learningRate: 1e-3 }, vars);
  const x = tf.randomUniform([BATCH, SEQ], 0, 256, 'int32', 3) as tf.Tensor2D;
  const y = tf.randomUniform([BATCH, SEQ], 0, 256, 'int32', 4) as tf.Tensor2D;
  const ms = timeMs(() => void trainStep(vars, () => crossEntropyLoss(forward(model, x, { training: true }), y), optimizer), TRAIN_STEPS);
  const trainable = vars.reduce((s, v) => s + v.size, 0);
  disposeAdamW(optimizer);
  tf.dispose([x, y]);
  disposeGPT(model);
  return { tokensPerSecond: (BATCH * SEQ) / (ms / 1000), trainable };
}

async function sampleTokensPerSecond(useKvCache: boolean, streams: number): Promise<number> {
  const tok = createTokenizer('byte');
  const model = createGPT(BUILTIN_CONFIG, { seed: 5 });
  const prompt = encodePrompt(tok, 'What is 478 + 356?');
  await sample(model, tok, [prompt], { maxNewTokens: 4, temperature: 0, useKvCache }); // warm-up
  const start = performance.now();
  const out = await sample(model, tok, [prompt], { maxNewTokens: NEW_TOKENS, temperature: 0, n: streams, useKvCache });
  const seconds = (performance.now() - start) / 1000;
  const tokens = out[0].reduce((s, x) => s + x.tokens.length, 0);
  disposeGPT(model);
  return tokens / seconds;
}

async function main(): Promise<void> {
  const backend = await selectBackend();
  const config = BUILTIN_CONFIG;
  const started = performance.now();
  const params = createParamsCount();
  const flopParams = params - config.blockSize * config.dModel;
  const flopsPerToken = 6 * flopParams + 12 * config.nLayer * SEQ * config.dModel;

  const matmulBefore = matmulGflops();
  const full = trainTokensPerSecond({ method: 'full' });
  const lora = trainTokensPerSecond({ method: 'lora', rank: 8, alpha: 16, dropout: 0, targets: ['q', 'v'] });
  // Measured before and after training; the higher is the peak the ratio is taken against.
  const matmul = Math.max(matmulBefore, matmulGflops());
  const trainGflops = (full.tokensPerSecond * flopsPerToken) / 1e9;
  const kv = await sampleTokensPerSecond(true, 1);
  const noKv = await sampleTokensPerSecond(false, 1);
  const kvBatched = await sampleTokensPerSecond(true, 8);

  const result = {
    backend: backend.name,
    backend_detail: backend.detail,
    params,
    train_tokens_per_s: round(full.tokensPerSecond),
    lora_train_tokens_per_s: round(lora.tokensPerSecond),
    train_gflops: round(trainGflops, 2),
    matmul_gflops: round(matmul, 2),
    sample_tokens_per_s_kv: round(kv),
    sample_tokens_per_s_nokv: round(noKv),
    // extras
    train_fraction_of_matmul: round(trainGflops / matmul, 3),
    kv_speedup: round(kv / noKv, 1),
    sample_tokens_per_s_kv_8_streams: round(kvBatched),
    lora_trainable_params: lora.trainable,
    lora_step_time_vs_full: round(full.tokensPerSecond / lora.tokensPerSecond, 2),
    train_batch: `${BATCH} x ${SEQ}`,
    flops_per_token: flopsPerToken,
    flops_formula: '6 * (params - blockSize * dModel) + 12 * nLayer * T * dModel, T = 128',
    sample_new_tokens: NEW_TOKENS,
    machine: `${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
    measured_at: new Date().toISOString(),
    seconds: round((performance.now() - started) / 1000, 1),
  };

  const rows: Array<[string, string]> = [
    ['backend', `${result.backend} (${result.backend_detail})`],
    ['parameters', params.toLocaleString()],
    ['matmul 1024^3 GFLOP/s', result.matmul_gflops.toFixed(2)],
    [`train tokens/s (full, ${BATCH}x${SEQ})`, String(result.train_tokens_per_s)],
    ['train tokens/s (LoRA r8 q,v)', `${result.lora_train_tokens_per_s} (${lora.trainable.toLocaleString()} trainable)`],
    ['train GFLOP/s', `${result.train_gflops.toFixed(2)} (${(100 * result.train_fraction_of_matmul).toFixed(0)}% of matmul; target >= 40%)`],
    [`sample tokens/s, KV cache (${NEW_TOKENS} new)`, String(result.sample_tokens_per_s_kv)],
    [`sample tokens/s, no cache (${NEW_TOKENS} new)`, `${result.sample_tokens_per_s_nokv} (KV ${result.kv_speedup}x; target >= 5x)`],
    ['sample tokens/s, KV cache, 8 streams', String(result.sample_tokens_per_s_kv_8_streams)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));
  console.log(`FLOPs per training token: ${result.flops_formula} = ${flopsPerToken.toLocaleString()}`);
  const out = path.join('bench', 'results', 'model.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(`wrote ${out} in ${result.seconds} s; reproduce: TRAINER_BACKEND=${result.backend} npm run bench:model`);
}

function createParamsCount(): number {
  const model = createGPT(BUILTIN_CONFIG, { seed: 0 });
  let total = 0;
  for (const v of namedWeights(model).values()) total += v.size;
  disposeGPT(model);
  return total;
}

function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
