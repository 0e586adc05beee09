/**
 * The quality benchmark: `npm run bench:quality` (options: `npm run bench:quality -- --help`).
 *
 * 1. Starts an embedded PostgreSQL in a temporary directory (or uses BENCH_DATABASE_URL: give it an
 *    empty database), applies the migrations and fills one pairwise project inside PostgreSQL
 *    (INSERT ... SELECT generate_series): N annotations (default 1,000,000) on N / 3 tasks, three
 *    annotators a task out of 40. Each task has a hidden better completion; annotator u picks it
 *    with accuracy 0.55 to 0.95 (by u mod 9), else mostly the other and sometimes "tie"; every
 *    seventh annotator picks the first-shown completion a fifth of the time regardless (position
 *    bias); times are spread from 0.5 to 60 s, so some fall under the reading time. The tasks
 *    also form an arena of four policy versions, so the leaderboard counts the same votes.
 * 2. Times every project statistic the Quality tab shows, each from a cold start of its queries
 *    (SQL and the JavaScript after it): alpha, percent agreement, the mean kappa, the kappa matrix
 *    (every annotator pair with its interval), position bias, median times and speed outliers, the
 *    annotator quality table, the consensus (majority vote + Dawid-Skene), gold accuracy, review
 *    acceptance and the arena leaderboard.
 * 3. Prints seconds per statistic and writes bench/results/quality.json.
 *
 * Target: each under 5 s.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Command, InvalidArgumentError } from 'commander';
import { startEmbeddedPostgres } from '../scripts/embedded-postgres';
import { applyMigrations } from '../prisma/migrate';
import { FORM_PRESETS, ZRatingForm } from '../lib/forms/schema';

const BENCH_SECRET = 'bench-quality-secret-bench-quality-secret-01';
const ANNOTATORS = 40;
const OVERLAP = 3;
const TARGET_SECONDS = 5;

const positiveInt = (value: string) => {
  const n = Number(value.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n < 3) throw new InvalidArgumentError('expected a whole number of at least 3');
  return n;
};

async function fill(client: pg.Client, annotations: number): Promise<number> {
  const tasks = Math.ceil(annotations / OVERLAP);
  await client.query(`
    INSERT INTO "user" (id, name, email, "emailVerified", role, "createdAt", "updatedAt")
    SELECT 'qa-' || i, 'Quality annotator ' || lpad(i::text, 2, '0'), 'qa' || i || '@bench.test', true, 'annotator', now(), now() FROM generate_series(0, ${ANNOTATORS - 1}) i`);
  const form = ZRatingForm.parse(FORM_PRESETS.pairwise);
  const project = await client.query<{ id: number }>(
    `INSERT INTO "Project" (name, guidelines, form, overlap, "completionsPerTask", "updatedAt") VALUES ('Benchmark: quality', 'Pick the better answer.', $1::jsonb, ${OVERLAP}, 2, now()) RETURNING id`,
    [JSON.stringify(form)],
  );
  const projectId = project.rows[0].id;
  await client.query(
    `INSERT INTO "Prompt" (id, "projectId", text, source) SELECT i, ${projectId}, 'Quality prompt ' || i || ': explain the idea in two sentences.', 'bench' FROM generate_series(1, ${tasks}) i`,
  );
  // The tasks are also an arena of four policy versions (two different versions a task), so the
  // leaderboard is timed on the same million votes.
  const versions = await client.query<{ id: number }>(
    `INSERT INTO "ModelVersion" ("projectId", kind, name, config, metrics, "artifactPath", format, "sizeBytes")
     SELECT ${projectId}, 'POLICY', 'bench-policy-' || v, '{}', '{}', 'models/bench-' || v, 'full', 1 FROM generate_series(0, 3) v ORDER BY v RETURNING id`,
  );
  const versionIds = versions.rows.map((r) => r.id);
  const arena = await client.query<{ id: number }>(`INSERT INTO "Arena" ("projectId", name, "versionIds", settings) VALUES (${projectId}, 'bench arena', $1::int[], '{}') RETURNING id`, [versionIds]);
  await client.query(
    `INSERT INTO "Completion" (id, "promptId", text, source, "modelVersionId")
     SELECT 2 * i - 1 + j, i, 'Answer ' || j || ' to prompt ' || i || '. ' || repeat('Some words of explanation. ', 4), 'MODEL',
       ($1::int[])[CASE WHEN j = 0 THEN i % 4 ELSE (i % 4 + 1 + (i / 4) % 3) % 4 END + 1]
     FROM generate_series(1, ${tasks}) i, generate_series(0, 1) j`,
    [versionIds],
  );
  await client.query(
    `INSERT INTO "Task" (id, "projectId", "promptId", "completionIds", status, "submittedCount", "arenaId", "arenaVersionIds")
     SELECT i, ${projectId}, i, CASE WHEN flip THEN ARRAY[2 * i, 2 * i - 1] ELSE ARRAY[2 * i - 1, 2 * i] END, 'DONE', ${OVERLAP}, ${arena.rows[0].id},
       CASE WHEN flip THEN ARRAY[v1, v0] ELSE ARRAY[v0, v1] END
     FROM (SELECT i, random() < 0.5 AS flip, ($1::int[])[i % 4 + 1] AS v0, ($1::int[])[(i % 4 + 1 + (i / 4) % 3) % 4 + 1] AS v1 FROM generate_series(1, ${tasks}) i) s`,
    [versionIds],
  );
  for (const table of ['Prompt', 'Completion', 'Task']) await client.query(`SELECT setval(pg_get_serial_sequence('"${table}"', 'id'), (SELECT max(id) FROM "${table}"))`);
  await client.query('SELECT setseed(0.42)');
  // k -> task k / 3 + 1, slot k % 3; annotator (task * 7 + slot * d) % 40 with d = 1 + task % 13 is
  // distinct per task, and the pairs vary across tasks.
  // Truth per task from a hash of its id; accuracy 0.55 + 0.05 * (u % 9).
  await client.query(`
    INSERT INTO "Annotation" ("clientId", "taskId", "projectId", "userId", status, answer, "timeSpentMs", "createdAt")
    SELECT 'q-' || k, s.task, ${projectId}, 'qa-' || s.u, 'SUBMITTED',
      jsonb_build_object('preference', jsonb_build_object('type', 'pairwise', 'choice',
        CASE WHEN s.u % 7 = 0 AND s.r2 < 0.2 THEN 'A'
             WHEN s.r < 0.55 + 0.05 * (s.u % 9) THEN s.truth
             WHEN s.r < 0.97 THEN CASE s.truth WHEN 'A' THEN 'B' ELSE 'A' END
             ELSE 'tie' END)),
      500 + (random() * 59500)::int, now() - interval '1 day'
    FROM (SELECT k, k / ${OVERLAP} + 1 AS task, ((k / ${OVERLAP} + 1) * 7 + (k % ${OVERLAP}) * (1 + (k / ${OVERLAP} + 1) % 13)) % ${ANNOTATORS} AS u,
                 CASE WHEN hashint4(k / ${OVERLAP} + 1) % 2 = 0 THEN 'A' ELSE 'B' END AS truth, random() AS r, random() AS r2
          FROM generate_series(0, ${annotations - 1}) k) s`);
  return projectId;
}

async function main() {
  const program = new Command()
    .name('bench:quality')
    .description('Times every quality statistic of one project on N annotations and writes bench/results/quality.json')
    .option('--annotations <n>', 'annotations to generate', positiveInt, 1_000_000)
    .option('--out <file>', 'where to write the figures', path.resolve(__dirname, 'results/quality.json'))
    .option('--reuse', 'with BENCH_DATABASE_URL: time the project an earlier run filled there instead of filling again');
  program.parse();
  const options = program.opts<{ annotations: number; out: string; reuse?: boolean }>();
  const load = os.loadavg();
  console.log(`bench:quality on ${os.cpus().length}x ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; load average ${load.map((x) => x.toFixed(2)).join(' ')}`);
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    let url = process.env.BENCH_DATABASE_URL;
    if (!url) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feedloop-bench-quality-'));
      cleanups.unshift(async () => fs.rmSync(dir, { recursive: true, force: true }));
      const database = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), database: 'bench', settings: { max_connections: '100', shared_buffers: '512MB', work_mem: '64MB' } });
      cleanups.unshift(() => database.stop());
      url = database.url;
    }
    await applyMigrations(url);
    process.env.DATABASE_URL = url;
    process.env.BETTER_AUTH_SECRET = BENCH_SECRET;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    cleanups.unshift(() => client.end());

    const fillStarted = performance.now();
    const existing = options.reuse ? (await client.query<{ id: number }>(`SELECT id FROM "Project" WHERE name = 'Benchmark: quality' ORDER BY id DESC LIMIT 1`)).rows[0] : undefined;
    let projectId: number;
    if (existing) {
      projectId = existing.id;
      console.log(`Reusing project ${projectId}`);
    } else {
      console.log(`Filling ${options.annotations.toLocaleString('en-US')} annotations...`);
      projectId = await fill(client, options.annotations);
      for (const table of ['Annotation', 'Task', 'Prompt', 'Completion', 'user']) await client.query(`VACUUM ANALYZE "${table}"`);
    }
    const [{ n }] = (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Annotation" WHERE "projectId" = $1`, [projectId])).rows;
    console.log(`  ${n.toLocaleString('en-US')} annotations in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s`);

    const { db } = await import('../server/db');
    cleanups.unshift(() => db.$disconnect());
    const agreement = await import('../server/quality/agreement');
    const { krippendorffAlphaWithInterval } = await import('../lib/stats/krippendorff-alpha');
    const { percentAgreementWithInterval } = await import('../lib/stats/percent-agreement');
    const { annotatorQuality, readAnnotatorTimes } = await import('../server/quality/annotator-quality');
    const { positionBias } = await import('../server/quality/position-bias');
    const { categoricalConsensus } = await import('../server/quality/consensus');
    const { goldAccuracyByAnnotator } = await import('../server/quality/gold-accuracy');
    const { reviewAcceptanceByAnnotator } = await import('../server/quality/review-acceptance');
    const { arenaLeaderboard } = await import('../server/quality/arena-leaderboard');
    const { readProjectMeasures } = await import('../server/quality/project-form');
    const { measures } = await readProjectMeasures(db, projectId);
    const measure = measures[0];

    const seconds: Record<string, number> = {};
    const notes: Record<string, string> = {};
    const time = async (name: string, run: () => Promise<string>) => {
      const started = performance.now();
      const note = await run();
      seconds[name] = Number(((performance.now() - started) / 1000).toFixed(3));
      notes[name] = note;
      console.log(`  ${name.padEnd(20)} ${seconds[name].toFixed(2).padStart(6)} s   ${note}`);
    };
    const f = (x: number | null | undefined) => (x == null || !Number.isFinite(x) ? 'n/a' : x.toFixed(3));
    await time('alpha', async () => {
      const a = krippendorffAlphaWithInterval(await agreement.readValuePatterns(db, projectId, measure), measure.level);
      return `alpha ${f(a.value)} [${f(a.interval?.low)}, ${f(a.interval?.high)}]`;
    });
    await time('percent agreement', async () => {
      const a = percentAgreementWithInterval(await agreement.readValuePatterns(db, projectId, measure));
      return `${f(a.value)} [${f(a.interval?.low)}, ${f(a.interval?.high)}]`;
    });
    await time('mean kappa', async () => {
      const k = agreement.meanPairKappa([...(await agreement.readPairCells(db, projectId, measure)).values()], agreement.kappaWeightsOf(measure));
      return `${f(k.value)} [${f(k.interval?.low)}, ${f(k.interval?.high)}] over ${k.pairs} pairs`;
    });
    await time('kappa matrix', async () => {
      const m = await agreement.kappaMatrix({ db, projectId, measure });
      return `${m.pairs.length} annotator pairs with intervals`;
    });
    await time('position bias', async () => {
      const b = await positionBias({ db, projectId });
      return `project ${f(b?.project.share)} first picks (p ${b?.project.pValue.toExponential(2)}), ${b?.annotators.filter((a) => a.isFlagged).length} annotators flagged`;
    });
    await time('median time', async () => {
      const t = await readAnnotatorTimes(db, projectId);
      return `${t.reduce((s, r) => s + r.fastAnswers, 0).toLocaleString('en-US')} answers under the reading time`;
    });
    await time('consensus', async () => {
      const c = await categoricalConsensus({ db, projectId, measure });
      let differ = 0;
      for (let i = 0; i < c.majority.labels.length; i += 1) if (c.majority.labels[i] !== c.dawidSkene.labels[i]) differ += 1;
      return `majority vote + Dawid-Skene (${c.dawidSkene.iterations} iterations) over ${c.answers.itemTasks.length.toLocaleString('en-US')} tasks; ${differ.toLocaleString('en-US')} differ`;
    });
    await time('annotator quality', async () => {
      const q = await annotatorQuality({ db, projectId });
      return `${q.annotators.length} annotators (agreement, kappa, Dawid-Skene accuracy, times, position bias, gold, reviews)`;
    });
    await time('gold accuracy', async () => `${(await goldAccuracyByAnnotator(projectId)).length} annotators with gold answers`);
    await time('review acceptance', async () => `${(await reviewAcceptanceByAnnotator(projectId)).length} annotators reviewed`);
    await time('arena leaderboard', async () => {
      const board = await arenaLeaderboard(projectId);
      return `${board.versions.length} versions, ${board.votes.toLocaleString('en-US')} votes, ${board.bootstrapRounds} bootstrap rounds`;
    });

    const slowest = Object.entries(seconds).sort((a, b) => b[1] - a[1])[0];
    console.log(`Slowest: ${slowest[0]} ${slowest[1].toFixed(2)} s (target < ${TARGET_SECONDS} s each): ${Object.values(seconds).every((s) => s < TARGET_SECONDS) ? 'met' : 'NOT met'}`);
    const results = {
      annotations: n,
      seconds,
      annotators: ANNOTATORS,
      overlap: OVERLAP,
      machine: `${os.cpus().length}x ${os.cpus()[0]?.model ?? 'cpu'}; load average at start ${load[0].toFixed(2)}`,
      // 1-, 5- and 15-minute load averages before and after: the machine is shared, and every
      // figure above scales with what else ran.
      load_average: { start: load.map((x) => Number(x.toFixed(2))), end: os.loadavg().map((x) => Number(x.toFixed(2))) },
      node: process.version,
      measured_at: new Date().toISOString(),
    };
    fs.mkdirSync(path.dirname(options.out), { recursive: true });
    fs.writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`Wrote ${path.relative(process.cwd(), options.out)}`);
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((error: unknown) => console.error('cleanup:', error));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
