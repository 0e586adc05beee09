/**
 * The arena leaderboard benchmark: `npm run bench:arena` (`-- --votes 1000000 --versions 8`).
 *
 * 1. Starts an embedded PostgreSQL in a temporary directory (or uses BENCH_DATABASE_URL: give it an
 *    empty database), applies the migrations, and fills inside PostgreSQL one pairwise project
 *    with an arena of V versions of known strengths: 50,000 prompts with one completion per
 *    version, tasks pairing two random versions in random display order, and three votes per task
 *    (1,000,000 by default) drawn from the Bradley-Terry model with those strengths (ties 10%).
 * 2. Times arenaLeaderboard(projectId) (the SQL count per version pair, the fit and 1,000
 *    bootstrap rounds) three times, and the fit with its bootstrap alone on the counted table.
 * 3. Prints the figures and how close the fitted strengths came to the true ones.
 *
 * Target: under 5 s per call at 1,000,000 votes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Command, InvalidArgumentError } from 'commander';
import { startEmbeddedPostgres } from '../scripts/embedded-postgres';
import { applyMigrations } from '../prisma/migrate';
import { FORM_PRESETS, ZRatingForm } from '../lib/forms/schema';

const positiveInt = (value: string) => {
  const n = Number(value.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
};

const PROMPTS = 50_000;
const OVERLAP = 3;
const ANNOTATORS = 1_000;
const CHUNK = 100_000;
/**
 * Share of votes that are ties. Ties carry no information about strength here, and counting them
 * as half a win each (as the leaderboard does) pulls fitted scores towards 1000 by design, so the
 * printed recovery error compares against the strengths that model implies for the decisive share.
 */
const TIE_SHARE = 0.1;

async function fill(client: pg.Client, options: { votes: number; versions: number; strengths: number[] }): Promise<number> {
  const { versions } = options;
  await client.query(`INSERT INTO "user" (id, name, email, "emailVerified", role, "createdAt", "updatedAt")
    SELECT 'arena-' || i, 'Arena ' || i, 'arena' || i || '@bench.test', true, 'annotator', now(), now() FROM generate_series(0, ${ANNOTATORS - 1}) i`);
  const form = ZRatingForm.parse(FORM_PRESETS.pairwise);
  const project = await client.query<{ id: number }>(
    `INSERT INTO "Project" (name, guidelines, form, overlap, "completionsPerTask", "leaseSeconds", "undoSeconds", "updatedAt")
     VALUES ('Benchmark: arena', '', $1::jsonb, ${OVERLAP}, 2, 900, 300, now()) RETURNING id`,
    [JSON.stringify(form)],
  );
  const projectId = project.rows[0].id;
  const versionRows = await client.query<{ id: number }>(
    `INSERT INTO "ModelVersion" ("projectId", kind, name, config, metrics, "artifactPath", format, "sizeBytes")
     SELECT ${projectId}, 'POLICY', 'bench-v' || v, '{}', '{}', 'models/bench-v' || v, 'full', 1 FROM generate_series(1, ${versions}) v RETURNING id`,
  );
  const ids = versionRows.rows.map((r) => r.id).sort((a, b) => a - b);
  const arena = await client.query<{ id: number }>(`INSERT INTO "Arena" ("projectId", name, "versionIds", settings) VALUES (${projectId}, 'Bench arena', $1, '{}') RETURNING id`, [ids]);
  await client.query(`INSERT INTO "Prompt" (id, "projectId", text, source) SELECT p, ${projectId}, 'Bench prompt ' || p, 'bench' FROM generate_series(1, ${PROMPTS}) p`);
  // Completion (p - 1) * V + v is version v's answer to prompt p (v = 0 .. V-1).
  await client.query(
    `INSERT INTO "Completion" (id, "promptId", text, source, "modelVersionId")
    SELECT (p - 1) * ${versions} + v + 1, p, 'Answer of version ' || v || ' to prompt ' || p, 'MODEL', ($1::int[])[v + 1]
    FROM generate_series(1, ${PROMPTS}) p, generate_series(0, ${versions - 1}) v`,
    [ids],
  );
  const tasks = Math.ceil(options.votes / OVERLAP);
  // Task t: prompt ((t-1) % P) + 1, two different versions a != b, shown in random order.
  await client.query(`CREATE TEMP TABLE bench_task AS
    SELECT t, ((t - 1) % ${PROMPTS}) + 1 AS p, a, (a + 1 + floor(random() * ${versions - 1})::int) % ${versions} AS b
    FROM (SELECT t, floor(random() * ${versions})::int AS a FROM generate_series(1, ${tasks}) t) x`);
  // (a and b are already in random order: a is drawn first, b among the others.)
  await client.query(
    `INSERT INTO "Task" (id, "projectId", "promptId", "completionIds", "arenaVersionIds", "arenaId", status, "submittedCount")
     SELECT t, ${projectId}, p, ARRAY[(p - 1) * ${versions} + a + 1, (p - 1) * ${versions} + b + 1], ARRAY[($1::int[])[a + 1], ($1::int[])[b + 1]], ${arena.rows[0].id}, 'DONE', ${OVERLAP}
     FROM bench_task`,
    [ids],
  );
  // Votes: P(first shown wins | not a tie) = σ(β_first − β_second); 10% ties.
  for (let from = 0; from < options.votes; from += CHUNK) {
    const to = Math.min(options.votes, from + CHUNK);
    await client.query(
      `INSERT INTO "Annotation" ("clientId", "taskId", "projectId", "userId", status, answer, "timeSpentMs")
       SELECT 'bench-' || k, t.id, ${projectId}, 'arena-' || ((t.id * 7 + (k % ${OVERLAP}) * 331) % ${ANNOTATORS}), 'SUBMITTED',
         jsonb_build_object('preference', jsonb_build_object('type', 'pairwise', 'choice',
           -- random() inline: each call is drawn per row (an uncorrelated subquery would be drawn once).
           CASE WHEN random() < ${TIE_SHARE} THEN 'tie'
                WHEN random() < 1 / (1 + exp(($1::float8[])[t."arenaVersionIds"[2] - $2 + 1] - ($1::float8[])[t."arenaVersionIds"[1] - $2 + 1])) THEN 'A' ELSE 'B' END)), 1000
       FROM generate_series(${from}, ${to - 1}) k
       JOIN "Task" t ON t.id = k / ${OVERLAP} + 1`,
      [options.strengths, ids[0]],
    );
    process.stdout.write(`  votes ${to.toLocaleString('en')} / ${options.votes.toLocaleString('en')}\r`);
  }
  process.stdout.write('\n');
  await client.query('VACUUM ANALYZE');
  return projectId;
}

async function main() {
  const program = new Command()
    .option('--votes <n>', 'votes (annotations) in the arena', positiveInt, 1_000_000)
    .option('--versions <n>', 'versions in the arena', positiveInt, 8)
    .option('--reuse', 'with BENCH_DATABASE_URL: measure the arena a previous run filled, if there is one')
    .parse();
  const options = program.opts<{ votes: number; versions: number; reuse?: boolean }>();
  if (options.versions < 2) throw new InvalidArgumentError('an arena needs two versions');
  // Known strengths, evenly spread over 2 logits and centred (the leaderboard's anchor).
  const strengths = Array.from({ length: options.versions }, (_, v) => -1 + (2 * v) / (options.versions - 1));

  let url = process.env.BENCH_DATABASE_URL;
  let stop = async () => {};
  if (!url) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feedloop-bench-arena-'));
    fs.chmodSync(dir, 0o777);
    const database = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), database: 'bench', settings: { shared_buffers: '512MB', fsync: 'off', synchronous_commit: 'off' } });
    url = database.url;
    stop = async () => {
      await database.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    };
  }
  try {
    await applyMigrations(url);
    process.env.DATABASE_URL = url;
    process.env.BETTER_AUTH_SECRET ??= 'bench-arena-secret-bench-arena-secret-0123';
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const previous = options.reuse ? await client.query<{ id: number }>(`SELECT id FROM "Project" WHERE name = 'Benchmark: arena' ORDER BY id DESC LIMIT 1`) : null;
    let projectId: number;
    if (previous?.rows[0]) {
      projectId = previous.rows[0].id;
      console.log(`Reusing the arena of project ${projectId}`);
    } else {
      const filled = performance.now();
      console.log(`Filling ${options.votes.toLocaleString('en')} votes among ${options.versions} versions…`);
      projectId = await fill(client, { ...options, strengths });
      console.log(`  filled in ${((performance.now() - filled) / 1000).toFixed(1)} s`);
    }
    await client.end();

    const { arenaLeaderboard } = await import('../server/quality/arena-leaderboard');
    const { bootstrapBradleyTerry } = await import('../lib/stats/bradley-terry');
    const { db } = await import('../server/db');
    const seconds: number[] = [];
    let board: Awaited<ReturnType<typeof arenaLeaderboard>> | null = null;
    for (let run = 0; run < 3; run += 1) {
      const started = performance.now();
      board = await arenaLeaderboard(projectId);
      seconds.push((performance.now() - started) / 1000);
    }
    if (!board) throw new Error('no leaderboard');
    // The fit and its bootstrap alone, on the counted table (the matrix holds it).
    const wins = board.matrix.map((row) => row.map((cell) => cell?.wins ?? 0));
    const ties = board.matrix.map((row) => row.map((cell) => cell?.ties ?? 0));
    const fitStarted = performance.now();
    bootstrapBradleyTerry({ wins, ties }, { rounds: board.bootstrapRounds, seed: 1 });
    const fitSeconds = (performance.now() - fitStarted) / 1000;
    await db.$disconnect();

    const trueScore = (name: string) => 1000 + (400 / Math.LN10) * strengths[Number(name.replace('bench-v', '')) - 1];
    const worst = Math.max(...board.versions.map((v) => Math.abs((v.score ?? 0) - trueScore(v.name))));
    console.log(`\narenaLeaderboard over ${board.votes.toLocaleString('en')} votes, ${options.versions} versions, ${board.bootstrapRounds} bootstrap rounds:`);
    console.log(`  runs: ${seconds.map((s) => `${s.toFixed(2)} s`).join(', ')} (target < 5 s)`);
    console.log(`  of which fit + bootstrap alone: ${fitSeconds.toFixed(3)} s`);
    console.log(
      `  largest |fitted − true| score: ${worst.toFixed(1)} points (${TIE_SHARE * 100}% ties, counted half a win each, pull scores towards 1000); widest 95% interval: ${Math.max(...board.versions.map((v) => (v.upper ?? 0) - (v.lower ?? 0))).toFixed(1)} points`,
    );
    for (const v of board.versions)
      console.log(`  ${v.name.padEnd(10)} ${v.score?.toFixed(1)} [${v.lower?.toFixed(1)}, ${v.upper?.toFixed(1)}] true ${trueScore(v.name).toFixed(1)}  games ${v.games}`);
    if (Math.max(...seconds) >= 5) process.exitCode = 1;
  } finally {
    await stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
