/**
 * The annotation-path benchmark: `npm run bench:annotate`.
 *
 * 1. Starts an embedded PostgreSQL in a temporary directory (or uses BENCH_DATABASE_URL, which it
 *    fills: give it an empty database), applies the migrations, and fills 200,000 tasks with the
 *    first 10,000 annotations (bench/lib/fill-annotate-db.ts explains the data).
 * 2. Builds the Next.js app when the build is missing or stale, starts the production server (server/http/main.ts, as `npm start` does) on a free port
 *    against that database, and signs in 100 annotator accounts through /api/auth/sign-in/email.
 * 3. Measures at 10,000 annotations: 100 annotators loop queue.next -> annotations.submit.
 * 4. Fills up to 1,000,000 annotations and measures again: the main figures.
 * 5. Reference: plain single-row INSERTs into the same "Annotation" table through `pg`, with as
 *    many concurrent clients as the server's database pool (DATABASE_POOL_SIZE).
 * 6. Prints the figures, writes bench/results/annotate.json, stops everything and removes the
 *    temporary directory.
 *
 * Each measurement runs twice: saturated (no think time: every annotator sends its next request as
 * soon as the last one is answered, the loop; the JSON's main keys) and paced (each
 * annotator reads a task for 1-3 s before submitting, still far faster than a person; the
 * `paced_*` keys), which shows latency when the server is not saturated.
 *
 * Capacity (`--capacity`, or `--capacity-only` to skip the measurements above and the fill to
 * 1M): how many annotators working at a human pace (think 3-10 s, queue.next -> think ->
 * annotations.submitAndNext, as the rating page does) the server holds with the p99 of both calls
 * under 50 ms; bench/lib/capacity.ts explains the ramp. Their users and sessions are made in SQL
 * (no sign-in per annotator), and they share a bounded keep-alive socket pool. Before the ramp,
 * the saturated submitAndNext rate of the 100 signed-in annotators (no think time) is measured
 * against the plain-INSERT rate of the same run: `saturated_submit_vs_insert`. The capacity keys
 * are added to the results file; with `--capacity-only` the file's other keys are kept.
 *
 * Knobs (environment): BENCH_SECONDS (30), BENCH_PACED_SECONDS (20), BENCH_WARMUP_SECONDS (3),
 * BENCH_CHECKPOINT_SECONDS (15), BENCH_ANNOTATORS (100), BENCH_POOL_SIZE (20),
 * BENCH_REFERENCE_SECONDS (10), BENCH_DATABASE_URL. Options: `npm run bench:annotate -- --help`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Command, InvalidArgumentError } from 'commander';
import { hashPassword } from 'better-auth/crypto';
import { startEmbeddedPostgres, findFreePort } from '../scripts/embedded-postgres';
import { applyMigrations } from '../prisma/migrate';
import {
  BENCH_ANNOTATORS,
  BENCH_PASSWORD,
  REFERENCE_USERS,
  TASKS,
  benchEmail,
  createSessionAnnotators,
  fillAnnotations,
  fillProject,
  resetAfterMeasurement,
  vacuumAnalyze,
} from './lib/fill-annotate-db';
import { buildIfStale, startWebServer, type WebServer } from '../scripts/web-server';
import { createAgent, runAnnotators, signIn, type LoadResult } from './lib/http-annotator';
import { runCapacity, type CapacityResult } from './lib/capacity';
import { round2, summarize } from './lib/stats';

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
  return n;
};
const msRange = (value: string): [number, number] => {
  const match = /^(\d+)-(\d+)$/.exec(value);
  if (!match || Number(match[1]) > Number(match[2])) throw new InvalidArgumentError('min-max in ms, e.g. 3000-10000');
  return [Number(match[1]), Number(match[2])];
};

const cli = new Command('bench:annotate')
  .description('The annotation-path benchmark (see the comment at the top of bench/annotate.ts).')
  .option('--capacity', 'also run the capacity ramp and the saturated submitAndNext vs INSERT comparison', false)
  .option('--capacity-only', 'only the capacity run (at 10,000 annotations; no saturated/paced measurements, no fill to 1M)', false)
  .option('--capacity-start <n>', 'annotators in the first step', positiveInt, 250)
  .option('--capacity-step <n>', 'annotators added per step', positiveInt, 250)
  .option('--capacity-max <n>', 'stop adding annotators here', positiveInt, 6000)
  // At 250 annotators a 20-s step has ~470 submits: its p99 is the 5th slowest call, so one 100-ms
  // pause of a shared machine decides the step (longer steps make p99 steadier).
  .option('--step-seconds <s>', 'seconds per step', positiveInt, 20)
  .option('--p99-limit-ms <ms>', 'a step holds while the p99 of queue.next and of submitAndNext stay below this', positiveInt, 50)
  .option('--think-ms <min-max>', 'think time per task, uniform', msRange, [3000, 10_000] as [number, number])
  .option('--client-loop-limit-ms <ms>', "the client counts as saturated when its event loop's p99 delay passes this", positiveInt, 20)
  .option('--max-sockets <n>', 'keep-alive connections the simulated annotators share', positiveInt, 256)
  .option('--saturated-seconds <s>', 'seconds of the saturated submitAndNext measurement', positiveInt, 20)
  .option('--results <path>', 'the JSON results file', path.join(__dirname, 'results', 'annotate.json'))
  .option('--capacity-warmup-seconds <s>', "the first step's annotators work this long, unmeasured, before the ramp (0: none)", (v: string) => Number(v), 20)
  .option('--compare-adapter <rounds>', 'capacity run: before the saturated measurement, alternate hot path and adapter this many times (10 s each) and print both', positiveInt, 0)
  .option('--via-adapter', "capacity run: send the rating calls through tRPC's adapter instead of the hot path (server/http/trpc-hot-path.ts), for comparison", false)
  .parse();
const opts = cli.opts<{
  capacity: boolean;
  capacityOnly: boolean;
  capacityStart: number;
  capacityStep: number;
  capacityMax: number;
  stepSeconds: number;
  p99LimitMs: number;
  thinkMs: [number, number];
  clientLoopLimitMs: number;
  maxSockets: number;
  saturatedSeconds: number;
  results: string;
  viaAdapter: boolean;
  compareAdapter: number;
  capacityWarmupSeconds: number;
}>();
const isCapacityRun = opts.capacity || opts.capacityOnly;

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 20);
const THINK_MS: [number, number] = [1000, 3000];
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const CHECKPOINT_SECONDS = Number(process.env.BENCH_CHECKPOINT_SECONDS ?? 15);
const ANNOTATORS = Math.min(BENCH_ANNOTATORS, Number(process.env.BENCH_ANNOTATORS ?? BENCH_ANNOTATORS));
const POOL_SIZE = Number(process.env.BENCH_POOL_SIZE ?? 20);
const REFERENCE_SECONDS = Number(process.env.BENCH_REFERENCE_SECONDS ?? 10);
const CHECKPOINT_ANNOTATIONS = 10_000;
const TOTAL_ANNOTATIONS = 1_000_000;
const resultsPath = path.resolve(opts.results);
const BETTER_AUTH_SECRET = 'bench-secret-bench-secret-bench-secret-0123';

const cleanups: (() => Promise<void>)[] = [];
async function cleanUp() {
  while (cleanups.length) {
    const step = cleanups.pop();
    try {
      await step?.();
    } catch (error) {
      console.error('cleanup:', error instanceof Error ? error.message : error);
    }
  }
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void cleanUp().then(() => process.exit(130));
  });
}

function describeLoad(label: string, load: LoadResult) {
  const next = summarize(load.nextMs);
  const submit = summarize(load.submitMs);
  const errors = [...load.errors.entries()].map(([k, v]) => `${v}x ${k}`).join('; ');
  console.log(`\n${label}: ${ANNOTATORS} annotators, ${load.seconds}s measured`);
  console.log(
    `  queue.next          ${(next.count / load.seconds).toFixed(0).padStart(6)} /s   p50 ${next.p50.toFixed(1)} ms   p95 ${next.p95.toFixed(1)} ms   p99 ${next.p99.toFixed(1)} ms   max ${next.max.toFixed(0)} ms`,
  );
  console.log(
    `  annotations.submit  ${(submit.count / load.seconds).toFixed(0).padStart(6)} /s   p50 ${submit.p50.toFixed(1)} ms   p95 ${submit.p95.toFixed(1)} ms   p99 ${submit.p99.toFixed(1)} ms   max ${submit.max.toFixed(0)} ms`,
  );
  if (load.emptyQueue) console.log(`  empty-queue answers: ${load.emptyQueue}`);
  if (errors) console.log(`  errors: ${errors}`);
  return { next, submit };
}

/** Plain single-row INSERTs into "Annotation" through pg, `concurrency` clients for `seconds`. */
async function measurePlainInserts(url: string, options: { projectId: number; concurrency: number; seconds: number }): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: options.concurrency });
  let next = 0;
  let done = 0;
  const stopAt = performance.now() + options.seconds * 1000;
  const worker = async () => {
    const client = await pool.connect();
    try {
      while (performance.now() < stopAt) {
        const n = next++;
        const taskId = (n % TASKS) + 1;
        const userId = `ref-${Math.floor(n / TASKS) % REFERENCE_USERS}`;
        await client.query(
          `INSERT INTO "Annotation" ("clientId", "taskId", "projectId", "userId", status, answer, "timeSpentMs", "createdAt")
           VALUES ($1, $2, $3, $4, 'SUBMITTED', $5::jsonb, $6, now() AT TIME ZONE 'UTC')`,
          [`ref-${n}`, taskId, options.projectId, userId, JSON.stringify({ preference: { type: 'pairwise', choice: 'A' } }), 5000],
        );
        done++;
      }
    } finally {
      client.release();
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  await pool.end();
  return done / options.seconds;
}

async function main() {
  const startedAt = new Date();
  console.log(
    `bench:annotate on ${os.cpus().length}x ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );

  // 1. database
  let url = process.env.BENCH_DATABASE_URL;
  if (!url) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feedloop-bench-'));
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    // Over a Unix socket, as npm start connects (the plain-INSERT reference uses the same url).
    const database = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), database: 'bench', settings: { max_connections: '200', shared_buffers: '512MB' }, unixSocket: true });
    cleanups.push(() => database.stop());
    url = database.socketUrl;
    console.log(`Embedded PostgreSQL in ${dir}, over a Unix socket (default durability: fsync and synchronous_commit on)`);
  }
  await applyMigrations(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  cleanups.push(() => client.end());

  console.log(`Filling ${TASKS.toLocaleString()} tasks and ${CHECKPOINT_ANNOTATIONS.toLocaleString()} annotations...`);
  const fillStarted = performance.now();
  const projectId = await fillProject(client, { passwordHash: await hashPassword(BENCH_PASSWORD) });
  await fillAnnotations(client, { projectId, from: 0, to: CHECKPOINT_ANNOTATIONS });
  await vacuumAnalyze(client);
  const lastFillAnnotationId = (await client.query<{ max: number }>(`SELECT max(id) AS max FROM "Annotation"`)).rows[0].max;

  // 2. server
  buildIfStale({ log: (line) => console.log(line) });
  const port = await findFreePort();
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'feedloop-bench-log-'));
  cleanups.push(async () => fs.rmSync(logDir, { recursive: true, force: true }));
  const server: WebServer = await startWebServer({
    port,
    logFile: path.join(logDir, 'web.log'),
    env: {
      DATABASE_URL: url,
      DATABASE_POOL_SIZE: String(POOL_SIZE),
      BETTER_AUTH_SECRET,
      APP_URL: `http://127.0.0.1:${port}`,
      AUTH_SIGNIN_LIMIT_PER_MINUTE: '100000',
    },
  });
  cleanups.push(() => server.stop());
  console.log(`Production server at ${server.url} (pool ${POOL_SIZE}); signing in ${ANNOTATORS} annotators...`);
  const cookies: string[] = [];
  for (let i = 0; i < ANNOTATORS; i += 10) {
    cookies.push(...(await Promise.all(Array.from({ length: Math.min(10, ANNOTATORS - i) }, (_, j) => signIn(server.url, benchEmail(i + j), BENCH_PASSWORD)))));
  }

  const machine = `${os.cpus().length}x ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`;
  let results: Record<string, unknown> = {};
  let annotationRows = CHECKPOINT_ANNOTATIONS;
  let main: LoadResult | null = null;
  if (!opts.capacityOnly) {
    // 3. checkpoint at 10k
    const atCheckpoint = describeLoad(
      `At ${CHECKPOINT_ANNOTATIONS.toLocaleString()} annotations, saturated`,
      await runAnnotators({ baseUrl: server.url, projectId, cookies, seconds: CHECKPOINT_SECONDS, warmupSeconds: WARMUP_SECONDS }),
    );
    const pacedAtCheckpoint = describeLoad(
      `At ${CHECKPOINT_ANNOTATIONS.toLocaleString()} annotations, paced (think ${THINK_MS[0]}-${THINK_MS[1]} ms)`,
      await runAnnotators({ baseUrl: server.url, projectId, cookies, seconds: PACED_SECONDS, warmupSeconds: WARMUP_SECONDS, thinkMs: THINK_MS }),
    );
    await resetAfterMeasurement(client, { lastFillAnnotationId });

    // 4. fill to 1M and measure
    console.log(`\nFilling up to ${TOTAL_ANNOTATIONS.toLocaleString()} annotations...`);
    await fillAnnotations(client, { projectId, from: CHECKPOINT_ANNOTATIONS, to: TOTAL_ANNOTATIONS });
    await vacuumAnalyze(client);
    const fillSeconds = (performance.now() - fillStarted) / 1000;
    annotationRows = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM "Annotation"`)).rows[0].n);
    console.log(`  ${annotationRows.toLocaleString()} annotations in the table`);
    const loadBefore = os.loadavg()[0];
    main = await runAnnotators({ baseUrl: server.url, projectId, cookies, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS });
    const atMillion = describeLoad(`At ${TOTAL_ANNOTATIONS.toLocaleString()} annotations, saturated`, main);
    const paced = await runAnnotators({ baseUrl: server.url, projectId, cookies, seconds: PACED_SECONDS, warmupSeconds: WARMUP_SECONDS, thinkMs: THINK_MS });
    const pacedAtMillion = describeLoad(`At ${TOTAL_ANNOTATIONS.toLocaleString()} annotations, paced (think ${THINK_MS[0]}-${THINK_MS[1]} ms)`, paced);
    console.log(
      `next p50 at 1M / at 10k: ${(atMillion.next.p50 / atCheckpoint.next.p50).toFixed(2)}x saturated, ${(pacedAtMillion.next.p50 / pacedAtCheckpoint.next.p50).toFixed(2)}x paced (target <= 1.5x)`,
    );

    results = {
      submit_p50_ms: round2(atMillion.submit.p50),
      submit_p95_ms: round2(atMillion.submit.p95),
      submit_p99_ms: round2(atMillion.submit.p99),
      next_p50_ms: round2(atMillion.next.p50),
      next_p95_ms: round2(atMillion.next.p95),
      next_p99_ms: round2(atMillion.next.p99),
      submit_per_s: round2(main.submitted / main.seconds),
      next_per_s: round2(atMillion.next.count / main.seconds),
      plain_insert_per_s: 0, // measured below, once the server is stopped
      next_p50_ms_at_10k: round2(atCheckpoint.next.p50),
      next_p99_ms_at_10k: round2(atCheckpoint.next.p99),
      next_p50_ms_at_1m: round2(atMillion.next.p50),
      paced_submit_p50_ms: round2(pacedAtMillion.submit.p50),
      paced_submit_p99_ms: round2(pacedAtMillion.submit.p99),
      paced_next_p50_ms: round2(pacedAtMillion.next.p50),
      paced_next_p99_ms: round2(pacedAtMillion.next.p99),
      paced_submit_per_s: round2(paced.submitted / paced.seconds),
      paced_next_p50_ms_at_10k: round2(pacedAtCheckpoint.next.p50),
      paced_think_ms: THINK_MS,
      annotations_in_table: annotationRows,
      annotators: ANNOTATORS,
      db_pool_size: POOL_SIZE,
      plain_insert_concurrency: POOL_SIZE,
      measured_seconds: SECONDS,
      errors: [...main.errors.values()].reduce((a, b) => a + b, 0),
      fill_seconds: round2(fillSeconds),
      load_average_before_run: round2(loadBefore),
      machine,
      date: startedAt.toISOString(),
    };
  }

  // 5. capacity: the saturated submitAndNext rate, then the ramp of paced annotators
  let saturated: LoadResult | null = null;
  const comparison: Record<string, number>[] = [];
  let capacity: CapacityResult | null = null;
  const capacityLoadBefore = os.loadavg()[0];
  if (isCapacityRun) {
    const urlSuffix = opts.viaAdapter ? '?via=adapter' : '';
    // The same saturated loop through the hot path and through tRPC's adapter in turns, so the
    // machine's other load weighs on both alike.
    for (let round = 1; round <= opts.compareAdapter; round++) {
      const rates: Record<string, number> = {};
      for (const [label, suffix] of [
        ['hot_path', ''],
        ['adapter', '?via=adapter'],
      ]) {
        const turn = await runAnnotators({ baseUrl: server.url, projectId, cookies, seconds: 10, warmupSeconds: 1, isSubmitAndNext: true, urlSuffix: suffix });
        rates[`${label}_per_s`] = round2(turn.submitted / turn.seconds);
        console.log(
          `  round ${round}, ${label.padEnd(8)}: submitAndNext ${(turn.submitted / turn.seconds).toFixed(0)} /s, p50 ${summarize(turn.submitMs).p50.toFixed(0)} ms (load ${os.loadavg()[0].toFixed(1)})`,
        );
      }
      comparison.push({ round, ...rates });
    }
    // A freshly started server is still compiling its hot functions: 10 s of warm-up at least.
    saturated = await runAnnotators({ baseUrl: server.url, projectId, cookies, seconds: opts.saturatedSeconds, warmupSeconds: Math.max(WARMUP_SECONDS, 10), isSubmitAndNext: true, urlSuffix });
    describeLoad('Saturated, annotations.submitAndNext (submit column) with queue.next only when it returned no task', saturated);

    const sessionCookie = cookies[0].split('; ').find((c) => c.includes('session_token='));
    if (!sessionCookie) throw new Error(`no session cookie in the sign-in answer: ${cookies[0]}`);
    const cookieName = sessionCookie.slice(0, sessionCookie.indexOf('='));
    const capacityCookies = await createSessionAnnotators(client, { count: opts.capacityMax, secret: BETTER_AUTH_SECRET, cookieName });
    await vacuumAnalyze(client);
    const agent = createAgent(opts.maxSockets);
    console.log(
      `\nCapacity: ${opts.capacityStart} paced annotators, +${opts.capacityStep} every ${opts.stepSeconds} s up to ${opts.capacityMax}; think ${opts.thinkMs[0]}-${opts.thinkMs[1]} ms; ` +
        `a step holds while p99 < ${opts.p99LimitMs} ms; ${opts.maxSockets} keep-alive sockets; ${opts.capacityWarmupSeconds} s of warm-up at the first count`,
    );
    capacity = await runCapacity({
      baseUrl: server.url,
      projectId,
      cookies: capacityCookies,
      start: opts.capacityStart,
      step: opts.capacityStep,
      max: opts.capacityMax,
      stepSeconds: opts.stepSeconds,
      p99LimitMs: opts.p99LimitMs,
      thinkMs: opts.thinkMs,
      clientLoopDelayLimitMs: opts.clientLoopLimitMs,
      agent,
      urlSuffix,
      warmupSeconds: opts.capacityWarmupSeconds,
      log: (line) => console.log(line),
    });
    agent.destroy();
    const reasons = {
      p99: `p99 reached ${opts.p99LimitMs} ms`,
      errors: 'over 1% of requests failed',
      client_saturated: 'the client saturated: this process used most of a core or its event loop ran late, e.g. on a busy machine (the figure is a lower bound)',
      max_reached: 'the maximum was reached (a lower bound)',
    };
    console.log(`Capacity: ${capacity.capacityAnnotators} annotators held; stopped because ${reasons[capacity.stopReason]}`);
    if (capacity.errorSamples.length) console.log(`  errors: ${capacity.errorSamples.join('; ')}`);
  }
  await server.stop();

  // 6. reference
  const plainInsertPerSecond = await measurePlainInserts(url, { projectId, concurrency: POOL_SIZE, seconds: REFERENCE_SECONDS });
  console.log(`\nReference: plain single-row INSERTs via pg, ${POOL_SIZE} concurrent clients: ${plainInsertPerSecond.toFixed(0)} /s`);
  if (main) {
    results.plain_insert_per_s = round2(plainInsertPerSecond);
    console.log(`Submit throughput is ${((100 * main.submitted) / main.seconds / plainInsertPerSecond).toFixed(0)}% of the plain-INSERT rate (target >= 50%)`);
  }
  if (saturated && capacity) {
    const submitAndNextPerSecond = saturated.submitted / saturated.seconds;
    console.log(`Saturated submitAndNext is ${((100 * submitAndNextPerSecond) / plainInsertPerSecond).toFixed(0)}% of the plain-INSERT rate`);
    if (opts.capacityOnly && fs.existsSync(resultsPath)) results = JSON.parse(fs.readFileSync(resultsPath, 'utf8')) as Record<string, unknown>;
    Object.assign(results, {
      capacity_annotators: capacity.capacityAnnotators,
      capacity_stop_reason: capacity.stopReason,
      capacity_rating_calls_via: opts.viaAdapter ? 'trpc-adapter' : 'hot-path',
      capacity_p99_limit_ms: opts.p99LimitMs,
      capacity_think_ms: opts.thinkMs,
      capacity_step_seconds: opts.stepSeconds,
      capacity_warmup_seconds: opts.capacityWarmupSeconds,
      capacity_max_sockets: opts.maxSockets,
      capacity_annotations_in_table_at_start: annotationRows,
      capacity_steps: capacity.steps,
      saturated_submit_and_next_per_s: round2(submitAndNextPerSecond),
      saturated_submit_and_next_p99_ms: round2(summarize(saturated.submitMs).p99),
      saturated_plain_insert_per_s: round2(plainInsertPerSecond),
      saturated_submit_vs_insert: round2(submitAndNextPerSecond / plainInsertPerSecond),
      ...(comparison.length ? { saturated_hot_path_vs_adapter: comparison } : {}),
      capacity_load_average_before_run: round2(capacityLoadBefore),
      capacity_machine: machine,
      capacity_date: startedAt.toISOString(),
    });
  }

  fs.mkdirSync(path.dirname(resultsPath), { recursive: true });
  fs.writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nWrote ${path.relative(process.cwd(), resultsPath)}`);
  console.log('Reproduce: npm run bench:annotate [-- --capacity]   (knobs: BENCH_SECONDS, BENCH_ANNOTATORS, BENCH_POOL_SIZE, BENCH_DATABASE_URL; options: -- --help)');
}

main()
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanUp();
  });
