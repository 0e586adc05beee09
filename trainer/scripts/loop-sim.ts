/**
 * The feedback loop without database or browser: simulated annotators rate the policy's samples,
 * runRound trains on the accumulated pairs, and the judge measures what the loop learned.
 *
 *   npx tsx trainer/scripts/loop-sim.ts                       # 3 rounds x 500 ratings, the ZRoundConfig defaults
 *   npx tsx trainer/scripts/loop-sim.ts --rounds 1 --ratings 120 --eval 100 --skip-baseline --config '{"rl":{"iterations":2}}'
 *
 * Round r:
 *  1. k = 4 samples per train prompt from the current policy (temperature 1);
 *  2. the pair shown is chosen by disagreement: two samples with different final "Answer:" values
 *     when there are any, else a random pair (the generator's `disagreement` selection);
 *  3. the simulated annotator prefers the answer with the higher judge score (1 correct, 0.2 well
 *     formed but wrong, 0 malformed); equal scores are a tie and give no pair; the choice is
 *     flipped with probability `noise`;
 *  4. 10% of the rated prompts are held out: their pairs measure the reward model; the rest
 *     accumulate over rounds into the training pairs;
 *  5. runRound on everything so far: reward model, policy (config.method), evaluation.
 * Alongside: an SFT-on-chosen-only baseline, trained from its own previous round on the same
 * chosen answers, evaluated on the same held-out prompts.
 *
 * Reported per round: judged quality (fraction correct, greedy) +- SE, reward-model held-out
 * accuracy against the annotators' (noisy) labels and against the judge, round seconds.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { ZRoundConfig } from '../../server/jobs/contracts';
import { generateCorpus, judge } from '../domain/arithmetic';
import { selectBackend } from '../model/backend';
import { encodePrompt } from '../model/chat-template';
import { loadModel } from '../model/model-checkpoint';
import { mulberry32 } from '../model/random';
import { sample } from '../model/sample';
import { createTokenizer } from '../model/tokenizer';
import { disposeGPT } from '../model/transformer';
import { evaluateStage, runRound, trainPolicyStage, type PreferencePair, type RoundData } from '../round/pipeline';
import { judgedQuality } from '../train/evaluate';
import { disposeRewardModel, evaluatePairs, loadRewardModel } from '../train/reward-model';

const BASE_MODEL_DIR = path.resolve(__dirname, '../assets/base-model');

type RatedPair = PreferencePair & { flipped: boolean };

function finalAnswer(text: string): string {
  const m = text.match(/Answer:\s*(-?\d+)\s*\.?\s*$/);
  return m ? m[1] : '?';
}

async function main() {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      ratings: { type: 'string', default: '500' },
      k: { type: 'string', default: '4' },
      noise: { type: 'string', default: '0.1' },
      eval: { type: 'string', default: '400' },
      'rl-prompts': { type: 'string', default: '3000' },
      config: { type: 'string', default: '{}' },
      'skip-baseline': { type: 'boolean', default: false },
      out: { type: 'string', default: '/tmp/loop-sim' },
      seed: { type: 'string', default: '1' },
    },
  });
  const rounds = Number(values.rounds);
  const ratings = Number(values.ratings);
  const k = Number(values.k);
  const noise = Number(values.noise);
  const evalCount = Number(values.eval);
  const rng = mulberry32(Number(values.seed));
  const config = ZRoundConfig.parse({ ...JSON.parse(values.config), evalPrompts: evalCount });
  const out = values.out;
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const backend = await selectBackend();
  console.log(`[sim] backend ${backend.name} (${backend.detail}); config ${JSON.stringify(config)}`);

  const tok = createTokenizer('byte');
  const pool = generateCorpus({ count: rounds * ratings + Number(values['rl-prompts']), seed: 11, split: 'train' });
  const ratedPrompts = pool.slice(0, rounds * ratings).map((e) => e.prompt);
  const rlPrompts = pool.slice(rounds * ratings).map((e) => e.prompt);
  const evalPrompts = generateCorpus({ count: evalCount, seed: 2026, split: 'heldout' }).map((e) => e.prompt);
  const referenceChats = generateCorpus({ count: 100, seed: 77, split: 'heldout' }).map((e) => [
    { role: 'user' as const, content: e.prompt },
    { role: 'assistant' as const, content: e.completion },
  ]);
  const judgeCorrect = (prompt: string, completion: string) => (judge(prompt, completion).correct ? 1 : 0);

  const trainPairs: RatedPair[] = [];
  const heldoutPairs: RatedPair[] = [];
  let policyDir = BASE_MODEL_DIR;
  let baselineDir = BASE_MODEL_DIR;
  const summary: Array<Record<string, number | string>> = [];

  for (let r = 1; r <= rounds; r++) {
    // 1-3. sample, select, rate
    const started = performance.now();
    const { model } = await loadModel(policyDir);
    const prompts = ratedPrompts.slice((r - 1) * ratings, r * ratings);
    // In chunks: one batch of 2,000 rows would hold ~2 GB of KV cache, past the wasm heap.
    const samples: Awaited<ReturnType<typeof sample>> = [];
    for (let start = 0; start < prompts.length; start += 100) {
      const part = prompts.slice(start, start + 100);
      samples.push(
        ...(await sample(
          model,
          tok,
          part.map((p) => encodePrompt(tok, p)),
          { temperature: 1, maxNewTokens: config.rl.maxNewTokens, n: k, seed: 1000 + r + start },
        )),
      );
    }
    disposeGPT(model);
    let ties = 0;
    let disagreeing = 0;
    prompts.forEach((prompt, i) => {
      const texts = samples[i].map((s) => s.text);
      const answers = texts.map(finalAnswer);
      const candidates: Array<[number, number]> = [];
      for (let a = 0; a < k; a++) for (let b = a + 1; b < k; b++) if (answers[a] !== answers[b]) candidates.push([a, b]);
      let pair: [number, number];
      if (candidates.length > 0) {
        disagreeing++;
        pair = candidates[Math.floor(rng() * candidates.length)];
      } else {
        const a = Math.floor(rng() * k);
        pair = [a, (a + 1 + Math.floor(rng() * (k - 1))) % k];
      }
      const [x, y] = pair.map((j) => texts[j]);
      const sx = judge(prompt, x).score;
      const sy = judge(prompt, y).score;
      if (sx === sy || x === y) {
        ties++;
        return;
      }
      const flipped = rng() < noise;
      const xWins = sx > sy !== flipped;
      const rated: RatedPair = { prompt, chosen: xWins ? x : y, rejected: xWins ? y : x, flipped };
      (i % 10 === 0 ? heldoutPairs : trainPairs).push(rated);
    });
    const sampleSeconds = (performance.now() - started) / 1000;
    console.log(
      `[sim] round ${r}: ${prompts.length} ratings (${disagreeing} disagreeing pairs shown, ${ties} ties) -> ${trainPairs.length} train / ${heldoutPairs.length} held-out pairs; sampling ${sampleSeconds.toFixed(0)} s`,
    );

    // 4-5. the round
    const sft = trainPairs.map((p) => ({ prompt: p.prompt, completion: p.chosen }));
    const data: RoundData = { trainPairs, heldoutPairs, sft, rlPrompts, evalPrompts, referenceChats, judge: judgeCorrect };
    const outDirs = { policy: path.join(out, `round-${r}`, 'policy'), reward: path.join(out, `round-${r}`, 'reward') };
    const roundStarted = performance.now();
    let lastLog = 0;
    const result = await runRound({
      policyDir,
      referenceDir: BASE_MODEL_DIR,
      config,
      data,
      outDirs,
      onProgress: (p) => {
        const now = performance.now();
        if (now - lastLog < 15_000 && p.step !== p.totalSteps) return;
        lastLog = now;
        const shown = Object.entries(p.metrics)
          .filter(([, v]) => Number.isFinite(v))
          .slice(0, 8)
          .map(([n, v]) => `${n}=${v.toFixed(3)}`)
          .join(' ');
        console.log(`[sim]   ${p.stage} ${p.step}/${p.totalSteps} ${shown} (${((now - roundStarted) / 1000).toFixed(0)} s)`);
      },
    });
    const roundSeconds = (performance.now() - roundStarted) / 1000;
    // RM accuracy against the judge (unflipped labels)
    const { rm } = await loadRewardModel(outDirs.reward);
    const clean = heldoutPairs.map((p) => (p.flipped ? { prompt: p.prompt, chosen: p.rejected, rejected: p.chosen } : p));
    const cleanAccuracy = evaluatePairs(rm, tok, clean).accuracy;
    disposeRewardModel(rm);
    const e = result.metrics.eval;
    console.log(
      `[sim] round ${r} ${config.method}: judged ${(100 * e['eval/judge_new']).toFixed(1)}% +- ${(100 * e['eval/judge_new_se']).toFixed(1)} (previous ${(100 * e['eval/judge_previous']).toFixed(1)}%), RM held-out accuracy ${(100 * result.metrics.reward.accuracy).toFixed(1)}% (vs judge ${(100 * cleanAccuracy).toFixed(1)}%, agreement on fresh samples ${(100 * (result.metrics.reward.judgeAgreement ?? NaN)).toFixed(1)}%), round ${roundSeconds.toFixed(0)} s ${JSON.stringify(result.metrics.seconds)}`,
    );
    console.log(`[sim]   policy ${JSON.stringify(result.metrics.policy)}`);
    console.log(`[sim]   eval ${JSON.stringify(e)}`);
    const row: Record<string, number | string> = {
      round: r,
      judged: e['eval/judge_new'],
      judged_se: e['eval/judge_new_se'],
      previous: e['eval/judge_previous'],
      rm_accuracy: result.metrics.reward.accuracy,
      rm_accuracy_vs_judge: cleanAccuracy,
      rm_judge_agreement: result.metrics.reward.judgeAgreement ?? NaN,
      round_seconds: roundSeconds,
      sample_seconds: sampleSeconds,
      train_pairs: trainPairs.length,
    };
    policyDir = outDirs.policy;

    // The baseline: SFT on the chosen answers only, from its own previous round.
    if (!values['skip-baseline']) {
      const baselineConfig = ZRoundConfig.parse({ ...config, method: 'sft' });
      const baselineOut = path.join(out, `round-${r}`, 'baseline');
      const bStarted = performance.now();
      await trainPolicyStage({ config: baselineConfig, data, policyDir: baselineDir, referenceDir: BASE_MODEL_DIR, rewardDir: null, outDir: baselineOut });
      const be = await evaluateStage({ config: baselineConfig, data, newPolicyDir: baselineOut, previousPolicyDir: baselineDir, referenceDir: BASE_MODEL_DIR, rewardDir: outDirs.reward });
      const q = judgedQuality(be.samples.map((s) => s.newJudge ?? 0));
      console.log(`[sim] round ${r} baseline SFT-on-chosen: judged ${(100 * q.mean).toFixed(1)}% +- ${(100 * q.se).toFixed(1)} (${((performance.now() - bStarted) / 1000).toFixed(0)} s)`);
      row.baseline = q.mean;
      row.baseline_se = q.se;
      baselineDir = baselineOut;
    }
    summary.push(row);
    console.log(`[sim] tensors alive: ${tf.memory().numTensors}`);
  }
  console.log('[sim] summary');
  console.table(summary);
  fs.writeFileSync(path.join(out, 'summary.json'), JSON.stringify({ config, summary }, null, 2));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
