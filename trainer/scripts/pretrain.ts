/**
 * Pretrains the built-in base model (BUILTIN_CONFIG, byte tokenizer) on the project's own
 * arithmetic corpus (trainer/domain/arithmetic.ts) and saves it to trainer/assets/base-model/.
 *
 *   npm run model:pretrain                      # ~20 min on one wasm core
 *   npm run model:pretrain -- --steps 200       # shorter run
 *   npm run model:pretrain -- --eval-only       # re-evaluate the saved checkpoint
 *
 * Data: chats (user = question, assistant = worked answer) encoded with the chat template and
 * packed back to back; every row starts at a chat boundary, so position 0 is always <|bos|> as at
 * sampling time. The loss counts assistant tokens only (answers and their closing eos): the
 * questions are random numbers the model cannot predict, and spending capacity on them teaches
 * nothing the product uses.
 *
 * Evaluation: next-token loss on held-out chats (problems never trained on, see splitOf), and the
 * judge's accuracy on greedy answers to held-out questions. The base model is meant to write
 * well-formed answers that are often wrong: feedback has something to fix.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import cliProgress from 'cli-progress';
import { selectBackend } from '../model/backend';
import { BUILTIN_CONFIG } from '../model/config';
import { encodePrompt, type ChatMessage } from '../model/chat-template';
import { loadModel, saveModel } from '../model/model-checkpoint';
import { sample } from '../model/sample';
import { createTokenizer, type Tokenizer } from '../model/tokenizer';
import { createGPT, disposeGPT, forward, namedWeights, type GPT } from '../model/transformer';
import { generateCorpus, judge, type ArithmeticExample } from '../domain/arithmetic';
import { mulberry32 } from '../model/random';
import { crossEntropyLoss } from '../train/losses';
import { createAdamW, disposeAdamW, learningRateAt } from '../train/optimizer';
import { trainStep } from '../train/loop';
import { makeBatch, packChats, type TokenBatch } from '../train/chat-batches';

const toChat = (e: ArithmeticExample): ChatMessage[] => [
  { role: 'user', content: e.prompt },
  { role: 'assistant', content: e.completion },
];

type Args = {
  steps: number;
  batch: number;
  seq: number;
  lr: number;
  seed: number;
  out: string;
  evalOnly: boolean;
  evalPrompts: number;
};

function parseArgs(argv: string[]): Args {
  const args: Args = {
    steps: 1000, // ~20 min at ~1 s/step (16 x 128 tokens) on one wasm core
    batch: 16,
    seq: 128,
    lr: 2e-3,
    seed: 1337,
    out: path.join('trainer', 'assets', 'base-model'),
    evalOnly: false,
    evalPrompts: 200,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--steps') args.steps = Number(value());
    else if (flag === '--batch') args.batch = Number(value());
    else if (flag === '--seq') args.seq = Number(value());
    else if (flag === '--lr') args.lr = Number(value());
    else if (flag === '--seed') args.seed = Number(value());
    else if (flag === '--out') args.out = value();
    else if (flag === '--eval-prompts') args.evalPrompts = Number(value());
    else if (flag === '--eval-only') args.evalOnly = true;
    else throw new Error(`unknown flag ${flag} (flags: --steps --batch --seq --lr --seed --out --eval-prompts --eval-only)`);
  }
  return args;
}

function lossOf(model: GPT, batch: TokenBatch, training: boolean): tf.Scalar {
  return crossEntropyLoss(forward(model, batch.inputs, { training }), batch.targets, batch.mask);
}

function heldoutLoss(model: GPT, batches: TokenBatch[]): number {
  let total = 0;
  for (const batch of batches) total += tf.tidy(() => lossOf(model, batch, false).dataSync()[0]);
  return total / batches.length;
}

type JudgeReport = { accuracy: number; wellFormed: number; examples: Array<{ prompt: string; answer: string; correct: boolean }> };

async function judgeAccuracy(model: GPT, tok: Tokenizer, prompts: string[]): Promise<JudgeReport> {
  let correct = 0;
  let wellFormed = 0;
  const examples: JudgeReport['examples'] = [];
  const chunk = 25;
  for (let i = 0; i < prompts.length; i += chunk) {
    const part = prompts.slice(i, i + chunk);
    const samples = await sample(
      model,
      tok,
      part.map((p) => encodePrompt(tok, p)),
      { maxNewTokens: 160, temperature: 0 },
    );
    samples.forEach(([s], k) => {
      const verdict = judge(part[k], s.text);
      if (verdict.correct) correct++;
      if (verdict.wellFormed) wellFormed++;
      examples.push({ prompt: part[k], answer: s.text, correct: verdict.correct });
    });
  }
  return { accuracy: correct / prompts.length, wellFormed: wellFormed / prompts.length, examples };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const backend = await selectBackend();
  const tok = createTokenizer('byte');
  const heldout = generateCorpus({ count: Math.max(args.evalPrompts, 256), seed: args.seed + 1, split: 'heldout' });
  const heldoutPacked = packChats(tok, heldout.map(toChat));
  const heldoutBatches = [0, 1, 2, 3].map((k) =>
    makeBatch(
      heldoutPacked,
      Array.from({ length: args.batch }, (_, r) => k * args.batch + r),
      args.seq,
    ),
  );
  const evalPrompts = heldout.slice(0, args.evalPrompts).map((e) => e.prompt);

  if (args.evalOnly) {
    const { model, manifest } = await loadModel(args.out);
    const loss = heldoutLoss(model, heldoutBatches);
    const report = await judgeAccuracy(model, tok, evalPrompts);
    printReport(loss, report);
    await saveModel(
      args.out,
      model,
      {
        kind: 'policy',
        peft: null,
        step: manifest.step,
        metrics: { ...manifest.metrics, heldout_loss: loss, judge_accuracy: report.accuracy, well_formed: report.wellFormed },
        bestValidationLoss: loss,
      },
      { dtype: 'F16' },
    );
    disposeGPT(model);
    return;
  }

  // Enough distinct training chats that no chat is seen more than ~once at the default length.
  const rowsNeeded = args.steps * args.batch;
  const train = generateCorpus({ count: Math.max(2000, rowsNeeded), seed: args.seed, split: 'train' });
  const trainPacked = packChats(tok, train.map(toChat));
  const model = createGPT(BUILTIN_CONFIG, { seed: args.seed });
  const vars = [...namedWeights(model).values()];
  const params = vars.reduce((s, v) => s + v.size, 0);
  const optimizer = createAdamW({ learningRate: args.lr, weightDecay: 0.1, gradClipNorm: 1 }, vars);
  const schedule = { warmup: Math.min(50, Math.floor(args.steps / 10)), total: args.steps, peak: args.lr, min: args.lr / 10 };
  const rng = mulberry32(args.seed);
  console.log(
    `[pretrain] ${backend.name}: ${params.toLocaleString()} parameters, ${train.length} training chats (${trainPacked.ids.length.toLocaleString()} tokens), ${args.steps} steps of ${args.batch} x ${args.seq}`,
  );

  const bar = new cliProgress.SingleBar(
    { format: 'pretrain |{bar}| {value}/{total} steps | loss {loss} | {tps} tok/s | lr {lr} | eta {eta_formatted}', hideCursor: true, noTTYOutput: true, notTTYSchedule: 30_000 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(args.steps, 0, { loss: '-', tps: '-', lr: '-' });
  const started = performance.now();
  let smoothed: number | null = null;
  let bestHeldout = Infinity;
  const order = Array.from({ length: train.length }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (let step = 0; step < args.steps; step++) {
    const t0 = performance.now();
    const rows = Array.from({ length: args.batch }, (_, r) => order[(step * args.batch + r) % order.length]);
    const batch = makeBatch(trainPacked, rows, args.seq);
    const lr = learningRateAt(step, schedule);
    const { loss } = trainStep(vars, () => lossOf(model, batch, true), optimizer, { learningRate: lr });
    tf.dispose(batch);
    smoothed = smoothed === null ? loss : 0.95 * smoothed + 0.05 * loss;
    const tps = (args.batch * args.seq) / ((performance.now() - t0) / 1000);
    bar.update(step + 1, { loss: smoothed.toFixed(3), tps: tps.toFixed(0), lr: lr.toExponential(1) });
    if ((step + 1) % 250 === 0 || step + 1 === args.steps) {
      const h = heldoutLoss(model, heldoutBatches);
      bestHeldout = Math.min(bestHeldout, h);
      bar.stop();
      console.log(`[pretrain] step ${step + 1}: train loss ${smoothed.toFixed(3)}, held-out loss ${h.toFixed(3)}, ${((performance.now() - started) / 60000).toFixed(1)} min`);
      if (step + 1 < args.steps) bar.start(args.steps, step + 1, { loss: smoothed.toFixed(3), tps: tps.toFixed(0), lr: lr.toExponential(1) });
    }
  }
  const minutes = (performance.now() - started) / 60000;
  const tokensPerSecond = (args.steps * args.batch * args.seq) / (minutes * 60);
  disposeAdamW(optimizer);

  const loss = heldoutLoss(model, heldoutBatches);
  const report = await judgeAccuracy(model, tok, evalPrompts);
  printReport(loss, report);
  await saveModel(
    args.out,
    model,
    {
      kind: 'policy',
      peft: null,
      step: args.steps,
      metrics: {
        train_loss: smoothed ?? NaN,
        heldout_loss: loss,
        judge_accuracy: report.accuracy,
        well_formed: report.wellFormed,
        train_minutes: minutes,
        train_tokens_per_s: tokensPerSecond,
        parameters: params,
      },
      bestValidationLoss: Math.min(bestHeldout, loss),
    },
    { dtype: 'F16' },
  );
  console.log(`[pretrain] saved to ${args.out} (${minutes.toFixed(1)} min, ${tokensPerSecond.toFixed(0)} tok/s)`);
  for (const b of heldoutBatches) tf.dispose(b);
  disposeGPT(model);
}

function printReport(loss: number, report: JudgeReport): void {
  console.log(
    `[pretrain] held-out loss ${loss.toFixed(3)} | judge: ${(report.accuracy * 100).toFixed(1)}% correct, ${(report.wellFormed * 100).toFixed(1)}% well formed (greedy, ${report.examples.length} held-out questions)`,
  );
  for (const e of report.examples.slice(0, 6)) console.log(`  ${e.correct ? 'ok ' : 'BAD'} ${e.prompt} -> ${e.answer}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
