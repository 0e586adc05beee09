/**
 * The loop benchmark: `npm run bench:loop`. Does the product learn from its ratings?
 *
 * Runs the whole product — an embedded PostgreSQL, the production web server and a trainer worker
 * process — and turns the loop `--rounds` times:
 *   1. the admin queues generation (the active policy samples 4 completions per prompt; the pair
 *      whose answers disagree is shown) through the HTTP API;
 *   2. simulated annotators rate `--ratings` tasks through the same HTTP API people use
 *      (queue.next → annotations.submit), preferring what the judge module scores higher, and with
 *      probability `--noise` answering A or B at random instead;
 *   3. the admin starts a training round (the round form's defaults) and waits for it;
 *   4. the admin promotes the new policy.
 * Then, as a baseline, a round of SFT on the chosen completions alone, from the base model, with the
 * same ratings.
 *
 * Per round it prints ratings used, the reward model's held-out accuracy and agreement with the
 * judge, the policy's judged quality on held-out prompts (± standard error; measured by the worker
 * with the built-in domain's judge), KL to the round's reference, reference-corpus perplexity and
 * the round's time. Writes bench/results/loop.json.
 *
 *   npm run bench:loop -- --rounds 3 --ratings 500 --noise 0.1 --seed 1 --judge bench/judges/arithmetic.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { startEmbeddedPostgres, findFreePort } from '../scripts/embedded-postgres';
import { applyMigrations } from '../prisma/migrate';
import { buildIfStale, startWebServer } from '../scripts/web-server';
import { startWorkerProcess } from '../scripts/worker-process';
import { generateCorpus } from '../trainer/domain/arithmetic';
import { mulberry32 } from '../trainer/model/random';
import { callTrpc, queryTrpc, signIn } from './lib/http-annotator';

const { values: args } = parseArgs({
  options: {
    judge: { type: 'string', default: path.join(__dirname, 'judges/arithmetic.ts') },
    noise: { type: 'string', default: '0.1' },
    rounds: { type: 'string', default: '3' },
    ratings: { type: 'string', default: '500' },
    seed: { type: 'string', default: '1' },
    annotators: { type: 'string', default: '8' },
    'train-prompts': { type: 'string', default: '4000' },
    'heldout-prompts': { type: 'string', default: '400' },
    'no-baseline': { type: 'boolean', default: false },
  },
});
const NOISE = Number(args.noise);
const ROUNDS = Number(args.rounds);
const RATINGS = Number(args.ratings);
const SEED = Number(args.seed);
const ANNOTATORS = Number(args.annotators);
const TRAIN_PROMPTS = Number(args['train-prompts']);
const HELDOUT_PROMPTS = Number(args['heldout-prompts']);
const PASSWORD = 'bench-loop-password';
const resultsPath = path.join(__dirname, 'results', 'loop.json');

type JudgeModule = { judge: (prompt: string, completion: string) => number; name?: string };
type Task = { taskId: number; prompt: { text: string }; completions: { id: number; text: string }[] } | null;
type Round = {
  id: number;
  status: string;
  error: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  metrics: RoundMetrics | null;
  job: { progress: { message?: string } | null } | null;
  versions: { id: number; kind: string }[];
};
type RoundMetrics = { snapshot: { annotations: number; trainPairs: number; heldoutPairs: number }; reward: { accuracy: number; judgeAgreement?: number }; evaluate: Record<string, number> };

const cleanups: (() => Promise<void>)[] = [];
async function cleanUp() {
  while (cleanups.length)
    await cleanups
      .pop()?.()
      .catch((error: unknown) => console.error('cleanup:', error));
}
process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));

const log = (line: string) => console.log(`[bench:loop] ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pct = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '   —' : `${(100 * x).toFixed(1)}%`);

async function main() {
  const judgeModule = (await import(path.resolve(args.judge as string))) as JudgeModule;
  if (typeof judgeModule.judge !== 'function') throw new Error(`${args.judge} must export judge(prompt, completion): number`);
  log(`judge: ${judgeModule.name ?? args.judge}; noise ${NOISE}; ${ROUNDS} rounds of ${RATINGS} ratings; seed ${SEED}; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})`);

  // 1. The product: database, migrations, accounts, project, web server, worker.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'feedloop-bench-loop-'));
  cleanups.push(async () => fs.rmSync(tmp, { recursive: true, force: true }));
  const pg = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'pg'), port: await findFreePort(), database: 'feedloop', settings: { fsync: 'off', synchronous_commit: 'off' } });
  cleanups.push(() => pg.stop());
  await applyMigrations(pg.url);
  process.env.DATABASE_URL = pg.url;
  process.env.BETTER_AUTH_SECRET ??= 'bench-loop-secret-bench-loop-secret-0123';
  const { createUserAccount } = await import('../server/services/users');
  const { createProject } = await import('../server/services/projects');
  const { FORM_PRESETS, ZRatingForm } = await import('../lib/forms/schema');
  const { db } = await import('../server/db');
  cleanups.push(() => db.$disconnect());

  const adminEmail = 'admin@bench.test';
  await createUserAccount({ email: adminEmail, password: PASSWORD, name: 'Bench admin', role: 'admin' });
  for (let i = 0; i < ANNOTATORS; i++) await createUserAccount({ email: `rater${i}@bench.test`, password: PASSWORD, name: `Rater ${i}`, role: 'annotator' });
  const project = await createProject({
    name: 'bench:loop arithmetic',
    guidelines: '',
    form: ZRatingForm.parse(FORM_PRESETS.pairwise),
    overlap: 1,
    completionsPerTask: 2,
    leaseSeconds: 600,
    undoSeconds: 0,
    createdById: null,
  });
  const prompts = [
    ...generateCorpus({ count: TRAIN_PROMPTS, seed: SEED, split: 'train' }).map((e) => ({ projectId: project.id, text: e.prompt, split: 'TRAIN' as const })),
    ...generateCorpus({ count: HELDOUT_PROMPTS, seed: SEED, split: 'heldout' }).map((e) => ({ projectId: project.id, text: e.prompt, split: 'HELDOUT' as const })),
  ];
  await db.prompt.createMany({ data: prompts });

  const port = await findFreePort();
  buildIfStale({ log });
  const web = await startWebServer({ port, env: { DATABASE_URL: pg.url, APP_URL: `http://127.0.0.1:${port}` }, logFile: path.join(tmp, 'web.log'), timeoutMs: 120_000 });
  cleanups.push(() => web.stop());
  const worker = startWorkerProcess({ databaseUrl: pg.url, dataDir: path.join(tmp, 'artifacts'), env: { WORKER_HEARTBEAT_MS: '2000', WORKER_STALE_SECONDS: '60' } });
  cleanups.push(async () => void (await worker.stop(30_000)));
  const url = web.url;
  const admin = await signIn(url, adminEmail, PASSWORD);
  const raters = await Promise.all(Array.from({ length: ANNOTATORS }, (_, i) => signIn(url, `rater${i}@bench.test`, PASSWORD)));
  const settings = await queryTrpc<{ roundConfig: Record<string, unknown> }>(url, 'training.settings', { projectId: project.id }, admin);
  const roundConfig = { ...settings.roundConfig, evalPrompts: HELDOUT_PROMPTS, seed: SEED };
  log(`round form (defaults): ${JSON.stringify(roundConfig)}`);

  const waitForJob = async (jobId: number) => {
    for (;;) {
      const job = await queryTrpc<{ status: string; error: string | null }>(url, 'training.job', { jobId }, admin);
      if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(job.status)) {
        if (job.status !== 'SUCCEEDED') throw new Error(`job ${jobId} ${job.status}: ${job.error}\n${worker.output().slice(-2000)}`);
        return;
      }
      await sleep(1000);
    }
  };
  const runRound = async (config: Record<string, unknown>, label: string): Promise<{ round: Round; seconds: number }> => {
    const { runId } = await callTrpc<{ runId: number }>(url, 'training.startRound', { projectId: project.id, config }, admin);
    let lastLine = '';
    for (;;) {
      const round = await queryTrpc<Round>(url, 'training.round', { runId }, admin);
      const line = round.job?.progress?.message ?? round.status;
      // A terminal gets one live line; a log file gets a line per stage.
      const key = process.stdout.isTTY ? line : line.split(':')[0];
      if (key !== lastLine) process.stdout.write(process.stdout.isTTY ? `\r[bench:loop] ${label}: ${line.padEnd(60)}` : `[bench:loop] ${label}: ${line}\n`);
      lastLine = key;
      if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(round.status)) {
        if (process.stdout.isTTY) process.stdout.write('\n');
        if (round.status !== 'SUCCEEDED') throw new Error(`${label} ${round.status}: ${round.error}\n${worker.output().slice(-3000)}`);
        const seconds = ((round.finishedAt?.getTime() ?? 0) - (round.startedAt?.getTime() ?? 0)) / 1000;
        return { round, seconds };
      }
      await sleep(1000);
    }
  };

  // 2. The rounds.
  const rng = mulberry32(SEED);
  const generation = {
    source: { kind: 'policy' },
    sampling: { temperature: 1, topK: 0, topP: 1, maxNewTokens: 96, stop: [], seed: SEED },
    template: 'plain',
    samplesPerPrompt: 4,
    pairSelection: 'disagreement',
    promptsPerJob: RATINGS,
  };
  const rows: {
    ratings: number;
    rm_heldout_accuracy: number;
    rm_judge_agreement: number | null;
    judged_quality: number;
    judged_quality_se: number;
    kl: number | null;
    perplexity: number | null;
    round_seconds: number;
  }[] = [];
  let baseQuality = Number.NaN;
  let baseSe = Number.NaN;
  let totalRatings = 0;
  for (let r = 1; r <= ROUNDS; r++) {
    const started = Date.now();
    await callTrpc(url, 'training.updateSettings', { projectId: project.id, generation: { ...generation, sampling: { ...generation.sampling, seed: SEED + r } } }, admin);
    const { id: generateJob } = await callTrpc<{ id: number }>(url, 'training.generate', { projectId: project.id }, admin);
    await waitForJob(generateJob);
    const generated = (Date.now() - started) / 1000;

    const rateStarted = Date.now();
    let remaining = RATINGS;
    await Promise.all(
      raters.map(async (cookie) => {
        while (remaining > 0) {
          const task = await callTrpc<Task>(url, 'queue.next', { projectId: project.id }, cookie);
          if (!task) return;
          remaining -= 1;
          const [a, b] = task.completions.map((c) => judgeModule.judge(task.prompt.text, c.text));
          let choice: 'A' | 'B' | 'tie' = a > b ? 'A' : b > a ? 'B' : 'tie';
          if (rng() < NOISE) choice = rng() < 0.5 ? 'A' : 'B';
          await callTrpc(url, 'annotations.submit', { clientId: randomUUID(), taskId: task.taskId, answer: { preference: { type: 'pairwise', choice } }, timeSpentMs: 2000 }, cookie);
        }
      }),
    );
    totalRatings += RATINGS - Math.max(0, remaining);
    log(`round ${r}: generated tasks in ${generated.toFixed(0)} s, ${RATINGS} ratings in ${((Date.now() - rateStarted) / 1000).toFixed(0)} s`);

    const { round, seconds } = await runRound(roundConfig, `round ${r}`);
    const m = round.metrics as RoundMetrics;
    if (r === 1) {
      baseQuality = m.evaluate['eval/judge_previous'];
      baseSe = m.evaluate['eval/judge_previous_se'];
      log(`base model judged quality: ${pct(baseQuality)} ± ${pct(baseSe)}`);
    }
    const policy = round.versions.find((v) => v.kind === 'POLICY');
    await callTrpc(url, 'training.promote', { versionId: policy?.id }, admin);
    const row = {
      ratings: totalRatings,
      rm_heldout_accuracy: m.reward.accuracy,
      rm_judge_agreement: m.reward.judgeAgreement ?? null,
      judged_quality: m.evaluate['eval/judge_new'],
      judged_quality_se: m.evaluate['eval/judge_new_se'],
      kl: m.evaluate['eval/kl_to_reference'] ?? null,
      perplexity: m.evaluate['eval/perplexity_new'] ?? null,
      round_seconds: Math.round(seconds),
    };
    rows.push(row);
    log(
      `round ${r}: ratings ${row.ratings} (${m.snapshot.trainPairs} train / ${m.snapshot.heldoutPairs} held-out pairs) · RM held-out accuracy ${pct(row.rm_heldout_accuracy)} · RM vs judge ${pct(row.rm_judge_agreement ?? undefined)} · ` +
        `judged quality ${pct(row.judged_quality)} ± ${pct(row.judged_quality_se)} · KL ${row.kl?.toFixed(3)} · perplexity ${row.perplexity?.toFixed(3)} · ${row.round_seconds} s`,
    );
  }

  // 3. Baseline: SFT on the chosen completions alone, from the base model, same ratings.
  let sftQuality: number | null = null;
  if (!args['no-baseline']) {
    await callTrpc(url, 'training.resetToBase', { projectId: project.id }, admin);
    const { round } = await runRound({ ...roundConfig, method: 'sft', minPairs: 1 }, 'SFT baseline');
    sftQuality = (round.metrics as RoundMetrics).evaluate['eval/judge_new'];
    log(`SFT-on-chosen baseline judged quality: ${pct(sftQuality)} ± ${pct((round.metrics as RoundMetrics).evaluate['eval/judge_new_se'])}`);
  }

  const result = {
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`,
    settings: { judge: judgeModule.name ?? args.judge, noise: NOISE, rounds: ROUNDS, ratings: RATINGS, seed: SEED, heldout_prompts: HELDOUT_PROMPTS, round_config: roundConfig },
    base_judged_quality: baseQuality,
    base_judged_quality_se: baseSe,
    rounds: rows,
    sft_baseline_judged_quality: sftQuality,
  };
  fs.mkdirSync(path.dirname(resultsPath), { recursive: true });
  fs.writeFileSync(resultsPath, JSON.stringify(result, null, 2) + '\n');
  log(`wrote ${path.relative(process.cwd(), resultsPath)}`);
  const last = rows.at(-1);
  if (last) log(`judged quality ${pct(baseQuality)} → ${pct(last.judged_quality)} (${((last.judged_quality - baseQuality) * 100).toFixed(1)} points); SFT baseline ${pct(sftQuality ?? undefined)}`);
}

main()
  .then(cleanUp)
  .catch(async (error: unknown) => {
    console.error('[bench:loop] failed:', error instanceof Error ? error.message : error);
    await cleanUp();
    process.exit(1);
  });
