/**
 * The export benchmark: `npm run bench:export` (options: `npm run bench:export -- --help`).
 *
 * 1. Starts an embedded PostgreSQL in a temporary directory (or uses BENCH_DATABASE_URL: give it an
 *    empty database), applies the migrations and fills one pairwise project with N annotations
 *    (default 1,000,000) inside PostgreSQL (bench/lib/fill-annotate-db.ts; answers cycle A, B, tie,
 *    both bad, so half the annotations give a preference pair).
 * 2. Takes two snapshots through createSnapshot: all settled annotations, and the first 100,000.
 * 3. Times, over the big snapshot:
 *    - reference: PostgreSQL's own `COPY (SELECT …) TO STDOUT` of the same columns the exporter
 *      reads (pg-copy-streams into a sink that drops the bytes);
 *    - the TRL-preference JSONL export and the Parquet export into a sink that drops the bytes.
 *    Each export runs in its own child process, which samples its RSS every 50 ms, so the peak
 *    memory of one export is measured alone; the JSONL export also runs over the small snapshot
 *    (memory must stay flat: peak RSS at 1M within 1.2x of 100k).
 *    Rates are snapshot annotations read per second (the COPY's row unit), with the rows written
 *    printed beside them.
 * 4. The HH import: the shared Anthropic HH test file (2,312 pairs) through importFile with its
 *    judgements, timed.
 * 5. Prints the figures and writes bench/results/export.json.
 *
 * Targets: JSONL >= 50% of the COPY row rate; RSS 1M vs 100k within 1.2x; HH import < 5 s.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { Command, InvalidArgumentError } from 'commander';
import { startEmbeddedPostgres } from '../scripts/embedded-postgres';
import { applyMigrations } from '../prisma/migrate';
import { fillAnnotations, fillProject, vacuumAnalyze } from './lib/fill-annotate-db';

const HH_FILE = path.resolve(__dirname, '../../shared/data/hh-rlhf-harmless-base-test.jsonl.gz');
const BENCH_SECRET = 'bench-export-secret-bench-export-secret-0123';

const positiveInt = (value: string) => {
  const n = Number(value.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
};

/** A Writable that drops everything (counts bytes), standing in for a fast receiver. */
function nullSink(): Writable & { bytes: number } {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      sink.bytes += chunk.length;
      callback();
    },
  }) as Writable & { bytes: number };
  sink.bytes = 0;
  return sink;
}

type ChildResult = { annotations: number; rows: number; seconds: number; peakRssMb: number; bytes: number };

/** In a child process: one export into a null sink, with its peak RSS. */
async function runChild(options: { snapshotId: number; format: string; encoding: string }) {
  const { db } = await import('../server/db');
  const { exportSnapshot } = await import('../server/datasets/export');
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const snapshot = await db.datasetSnapshot.findUniqueOrThrow({ where: { id: options.snapshotId }, select: { counts: true } });
  const sink = nullSink();
  const started = performance.now();
  const { rows } = await exportSnapshot({ snapshotId: options.snapshotId, format: options.format as 'trl-preference', encoding: options.encoding as 'jsonl', out: sink });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  const result: ChildResult = { annotations: (snapshot.counts as { annotations: number }).annotations, rows, seconds, peakRssMb: peak / 2 ** 20, bytes: sink.bytes };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  await db.$disconnect();
}

function spawnExport(url: string, options: { snapshotId: number; format: string; encoding: string }): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', __filename, '--child', String(options.snapshotId), options.format, options.encoding], {
      env: { ...process.env, DATABASE_URL: url, BETTER_AUTH_SECRET: BENCH_SECRET, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) reject(new Error(`export child exited with ${code}: ${out.slice(-2000)}`));
      else resolve(JSON.parse(line.slice(7)) as ChildResult);
    });
  });
}

/** The reference: COPY of the same columns the exporter reads, into a sink. Returns rows/s. */
async function timeCopy(client: pg.Client, snapshotId: number): Promise<{ rows: number; seconds: number; bytes: number }> {
  const sql = `COPY (
    SELECT a.id, a."taskId", a."userId", a.status, a.answer, a."timeSpentMs", a."createdAt", p.id, p.text, p.messages, p.split, t."completionIds",
      (SELECT json_agg(json_build_object('id', c.id, 'text', c.text) ORDER BY array_position(t."completionIds", c.id)) FROM "Completion" c WHERE c.id = ANY(t."completionIds")),
      (SELECT e.text FROM "Completion" e WHERE e."promptId" = p.id AND e."annotationId" = a.id AND e.source = 'HUMAN_EDIT' ORDER BY e.id LIMIT 1)
    FROM "SnapshotAnnotation" s JOIN "Annotation" a ON a.id = s."annotationId" JOIN "Task" t ON t.id = a."taskId" JOIN "Prompt" p ON p.id = t."promptId"
    WHERE s."snapshotId" = ${snapshotId} ORDER BY s."annotationId") TO STDOUT`;
  const sink = nullSink();
  const started = performance.now();
  const stream = client.query(copyTo(sql));
  await pipeline(stream, sink);
  return { rows: Number(stream.rowCount), seconds: (performance.now() - started) / 1000, bytes: sink.bytes };
}

async function main() {
  const program = new Command()
    .name('bench:export')
    .option('--annotations <n>', 'annotations to fill (the big snapshot)', positiveInt, 1_000_000)
    .option('--small <n>', 'annotations in the small snapshot (RSS comparison)', positiveInt, 100_000)
    .option('--no-write', 'print the figures without writing bench/results/export.json')
    .parse();
  const options = program.opts<{ annotations: number; small: number; write: boolean }>();
  const small = Math.min(options.small, options.annotations);
  const cleanups: (() => Promise<unknown>)[] = [];
  console.log(
    `bench:export on ${os.cpus().length}x ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  try {
    let url = process.env.BENCH_DATABASE_URL;
    if (!url) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feedloop-bench-export-'));
      cleanups.unshift(async () => fs.rmSync(dir, { recursive: true, force: true }));
      const database = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), database: 'bench', settings: { max_connections: '100', shared_buffers: '512MB' } });
      cleanups.unshift(() => database.stop());
      url = database.url;
    }
    await applyMigrations(url);
    process.env.DATABASE_URL = url;
    process.env.BETTER_AUTH_SECRET = BENCH_SECRET;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    cleanups.unshift(() => client.end());

    console.log(`Filling ${options.annotations.toLocaleString()} annotations...`);
    const fillStarted = performance.now();
    const projectId = await fillProject(client, { passwordHash: 'not-used' });
    await fillAnnotations(client, { projectId, from: 0, to: options.annotations });
    // Everything filled counts as settled: the snapshot takes all of it.
    await client.query(`UPDATE "Project" SET "undoSeconds" = 0 WHERE id = $1`, [projectId]);
    await vacuumAnalyze(client);
    console.log(`  filled in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s`);

    const { db } = await import('../server/db');
    cleanups.unshift(() => db.$disconnect());
    const { createSnapshot } = await import('../server/datasets/snapshots');
    let started = performance.now();
    const big = await createSnapshot({ db, projectId, name: 'bench: all', filters: {}, createdById: null });
    const snapshotSeconds = (performance.now() - started) / 1000;
    console.log(`Snapshot #${big.snapshotId}: ${big.counts.annotations.toLocaleString()} annotations, ${big.counts.trainPairs.toLocaleString()} pairs, in ${snapshotSeconds.toFixed(1)} s`);
    const cutoff = (await client.query<{ createdAt: Date }>(`SELECT "createdAt" FROM "Annotation" WHERE "projectId" = $1 ORDER BY id OFFSET $2 LIMIT 1`, [projectId, small - 1])).rows[0].createdAt;
    const little = await createSnapshot({ db, projectId, name: 'bench: first', filters: { to: cutoff }, createdById: null });
    console.log(`Snapshot #${little.snapshotId}: ${little.counts.annotations.toLocaleString()} annotations`);

    const copy = await timeCopy(client, big.snapshotId);
    const copyRate = copy.rows / copy.seconds;
    console.log(
      `COPY reference:        ${copy.rows.toLocaleString()} rows in ${copy.seconds.toFixed(2)} s = ${Math.round(copyRate).toLocaleString()} rows/s (${(copy.bytes / 2 ** 20).toFixed(0)} MiB)`,
    );
    const jsonl = await spawnExport(url, { snapshotId: big.snapshotId, format: 'trl-preference', encoding: 'jsonl' });
    const jsonlRate = jsonl.annotations / jsonl.seconds;
    console.log(
      `TRL preference JSONL:  ${jsonl.annotations.toLocaleString()} annotations -> ${jsonl.rows.toLocaleString()} rows in ${jsonl.seconds.toFixed(2)} s = ${Math.round(jsonlRate).toLocaleString()} annotations/s; peak RSS ${jsonl.peakRssMb.toFixed(0)} MB`,
    );
    const parquet = await spawnExport(url, { snapshotId: big.snapshotId, format: 'trl-preference', encoding: 'parquet' });
    const parquetRate = parquet.annotations / parquet.seconds;
    console.log(
      `TRL preference Parquet: ${parquet.rows.toLocaleString()} rows in ${parquet.seconds.toFixed(2)} s = ${Math.round(parquetRate).toLocaleString()} annotations/s; peak RSS ${parquet.peakRssMb.toFixed(0)} MB`,
    );
    const jsonlSmall = await spawnExport(url, { snapshotId: little.snapshotId, format: 'trl-preference', encoding: 'jsonl' });
    console.log(
      `JSONL over ${jsonlSmall.annotations.toLocaleString()}: peak RSS ${jsonlSmall.peakRssMb.toFixed(0)} MB (vs ${jsonl.peakRssMb.toFixed(0)} MB over ${jsonl.annotations.toLocaleString()})`,
    );

    // The HH import, with its judgements (the file's chosen side) as answers.
    const { importFile } = await import('../server/services/import/import-file');
    const { FORM_PRESETS, ZRatingForm } = await import('../lib/forms/schema');
    const hhProject = await db.project.create({ data: { name: 'bench: HH', form: ZRatingForm.parse(FORM_PRESETS.pairwise), completionsPerTask: 2 }, select: { id: true } });
    const bytes = fs.readFileSync(HH_FILE);
    started = performance.now();
    const imported = await importFile({ projectId: hhProject.id, fileName: 'hh-rlhf-harmless-base-test.jsonl.gz', content: bytes, importJudgements: true, userId: null });
    const hhSeconds = (performance.now() - started) / 1000;
    console.log(`HH import: ${imported.taskCount.toLocaleString()} tasks in ${hhSeconds.toFixed(2)} s`);

    const results = {
      annotations: big.counts.annotations,
      small_annotations: little.counts.annotations,
      jsonl_rows_per_s: Math.round(jsonlRate),
      parquet_rows_per_s: Math.round(parquetRate),
      copy_rows_per_s: Math.round(copyRate),
      jsonl_vs_copy: Number((jsonlRate / copyRate).toFixed(3)),
      jsonl_rows_written: jsonl.rows,
      peak_rss_mb_100k: Math.round(jsonlSmall.peakRssMb),
      peak_rss_mb_1m: Math.round(jsonl.peakRssMb),
      peak_rss_mb_1m_parquet: Math.round(parquet.peakRssMb),
      rss_ratio: Number((jsonl.peakRssMb / jsonlSmall.peakRssMb).toFixed(3)),
      snapshot_seconds: Number(snapshotSeconds.toFixed(2)),
      hh_import_seconds: Number(hhSeconds.toFixed(2)),
      machine: `${os.cpus().length}x ${os.cpus()[0]?.model ?? 'cpu'}; load average at start ${os.loadavg()[0].toFixed(2)}`,
      node: process.version,
      measured_at: new Date().toISOString(),
    };
    console.log(JSON.stringify(results, null, 2));
    console.log(
      `Targets: JSONL >= 50% of COPY: ${results.jsonl_vs_copy >= 0.5 ? 'met' : 'NOT met'} (${(results.jsonl_vs_copy * 100).toFixed(0)}%); RSS 1M / 100k <= 1.2: ${results.rss_ratio <= 1.2 ? 'met' : 'NOT met'} (${results.rss_ratio}); HH import < 5 s: ${hhSeconds < 5 ? 'met' : 'NOT met'}`,
    );
    if (options.write) {
      fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
      fs.writeFileSync(path.join(__dirname, 'results/export.json'), `${JSON.stringify(results, null, 2)}\n`);
    }
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((error: unknown) => console.error('cleanup:', error));
  }
}

if (process.argv[2] === '--child') {
  runChild({ snapshotId: Number(process.argv[3]), format: process.argv[4], encoding: process.argv[5] }).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
