/**
 * Exports as background jobs, end to end with a real trainer worker process: queued through tRPC,
 * written by the worker to DATA_DIR/exports/job-<id>/, downloaded over HTTP through the edge's
 * route. The downloaded bytes must equal a direct streamed export of the same snapshot, and the
 * annotator pseudonyms in it are recomputed here from the secret (HMAC-SHA256, by hand).
 */
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// The web side reads DATA_DIR when server/env.ts loads: set it before any server module is imported.
const dataDir = vi.hoisted(() => {
  const dir = `/tmp/feedloop-export-jobs-${process.pid}-${Date.now()}`;
  process.env.DATA_DIR = dir;
  return dir;
});

import { db } from '@/server/db';
import { exportSnapshot } from '@/server/datasets/export';
import { createSnapshot } from '@/server/datasets/snapshots';
import { exportJobRoute } from '@/server/http/export-job-route';
import { type TestUser, callerFor, catchTrpcError, createSignedInUser } from '../helpers/api';
import { startWorkerProcess, waitFor, type WorkerProcess } from '../../scripts/worker-process';
import { createArithmeticProject, rateCorrectly } from './training-fixtures';

let admin: TestUser;
let annotator: TestUser;
let projectId: number;
let snapshotId: number;
let worker: WorkerProcess | undefined;
let server: http.Server;
let baseUrl: string;

/** The edge's export-job route alone behind a plain HTTP server (no Next build needed). */
async function serveRoute(): Promise<void> {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    if (!exportJobRoute.matches(url.pathname)) {
      res.statusCode = 404;
      res.end();
      return;
    }
    void exportJobRoute.handle(req, res, { url, clientAddress: '127.0.0.1', headers, readBody: async () => Buffer.alloc(0), bodyStream: () => new PassThrough() });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

async function streamedExport(format: 'raw' | 'trl-preference', encoding: 'jsonl' | 'parquet', options: { margin?: boolean } = {}): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(Buffer.from(chunk));
      callback();
    },
  });
  await exportSnapshot({ snapshotId, format, encoding, options, out });
  return Buffer.concat(chunks);
}

const download = (jobId: number, user: TestUser | null) => fetch(`${baseUrl}/api/datasets/exports/${jobId}`, { headers: user ? user.headers : {} });

beforeAll(async () => {
  admin = await createSignedInUser('admin');
  annotator = await createSignedInUser('annotator');
  const project = await createArithmeticProject({ admin, trainPrompts: 6, heldoutPrompts: 2 });
  projectId = project.id;
  await rateCorrectly({ annotator, projectId, count: 8 });
  ({ snapshotId } = await createSnapshot({ db, projectId, name: 'Job export', filters: { split: { mode: 'prompt' } }, createdById: admin.id }));
  await serveRoute();
});

afterAll(async () => {
  await worker?.kill();
  await new Promise((resolve) => server?.close(resolve));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('export jobs', () => {
  it('refuses annotators and anonymous callers', async () => {
    const caller = await callerFor(annotator);
    expect((await catchTrpcError(caller.datasets.startExport({ snapshotId, format: 'raw', encoding: 'jsonl' }))).code).toBe('FORBIDDEN');
    expect((await catchTrpcError(caller.datasets.exportJobs({ projectId }))).code).toBe('FORBIDDEN');
    expect((await catchTrpcError((await callerFor(null)).datasets.exportJobs({ projectId }))).code).toBe('UNAUTHORIZED');
    expect(await db.job.count({ where: { kind: 'export' } })).toBe(0);
  });

  it('refuses a format in an encoding it cannot be written in, and an unknown snapshot', async () => {
    const caller = await callerFor(admin);
    expect((await catchTrpcError(caller.datasets.startExport({ snapshotId, format: 'sft-messages', encoding: 'csv' }))).code).toBe('BAD_REQUEST');
    expect((await catchTrpcError(caller.datasets.startExport({ snapshotId: 2_000_000_000, format: 'raw', encoding: 'jsonl' }))).code).toBe('NOT_FOUND');
    expect(await db.job.count({ where: { kind: 'export' } })).toBe(0);
  });

  it('cancels a queued job before any worker takes it', async () => {
    const caller = await callerFor(admin);
    const { jobId } = await caller.datasets.startExport({ snapshotId, format: 'raw', encoding: 'jsonl' });
    expect(await caller.training.cancelJob({ jobId })).toEqual({ status: 'CANCELLED' });
    const listed = (await caller.datasets.exportJobs({ projectId })).find((j) => j.id === jobId);
    expect(listed).toMatchObject({ status: 'CANCELLED', result: null, error: 'Cancelled before it started' });
    expect((await download(jobId, admin)).status).toBe(404);
  });

  it('writes the file in a worker; the download equals a streamed export, byte for byte', async () => {
    const caller = await callerFor(admin);
    const raw = await caller.datasets.startExport({ snapshotId, format: 'raw', encoding: 'jsonl' });
    const parquet = await caller.datasets.startExport({ snapshotId, format: 'trl-preference', encoding: 'parquet', options: { margin: true } });
    // Not done yet: no file to download.
    expect((await download(raw.jobId, admin)).status).toBe(404);

    worker = startWorkerProcess({ databaseUrl: process.env.DATABASE_URL as string, dataDir, env: { WORKER_KINDS: 'export' } });
    const jobs = await waitFor(
      'both export jobs to finish',
      async () => {
        const list = await caller.datasets.exportJobs({ projectId });
        const mine = list.filter((j) => j.id === raw.jobId || j.id === parquet.jobId);
        return mine.every((j) => !['QUEUED', 'RUNNING'].includes(j.status)) && mine;
      },
      { timeoutMs: 45_000, onTimeout: () => worker?.output() ?? '' },
    );
    for (const job of jobs) expect(job, worker.output()).toMatchObject({ status: 'SUCCEEDED', error: null });

    // Access to the file: admins only.
    expect((await download(raw.jobId, null)).status).toBe(401);
    expect((await download(raw.jobId, annotator)).status).toBe(403);

    const rawResponse = await download(raw.jobId, admin);
    expect(rawResponse.status).toBe(200);
    expect(rawResponse.headers.get('content-disposition')).toBe(`attachment; filename="snapshot-${snapshotId}-job-export-raw.jsonl"`);
    const rawBytes = Buffer.from(await rawResponse.arrayBuffer());
    expect(rawBytes.equals(await streamedExport('raw', 'jsonl'))).toBe(true);
    const rawJob = jobs.find((j) => j.id === raw.jobId);
    expect(rawJob?.result).toEqual({ fileName: `snapshot-${snapshotId}-job-export-raw.jsonl`, bytes: rawBytes.length, rows: 8 });

    // One line per rated task, each carrying the annotator's pseudonym keyed with the web's secret.
    const lines = rawBytes.toString('utf8').trim().split('\n');
    expect(lines).toHaveLength(8);
    const expected = createHmac('sha256', process.env.BETTER_AUTH_SECRET as string)
      .update(`feedloop-annotator:${projectId}:${annotator.id}`)
      .digest('hex')
      .slice(0, 16);
    expect(lines.every((line) => line.includes(`"${expected}"`))).toBe(true);

    const parquetBytes = Buffer.from(await (await download(parquet.jobId, admin)).arrayBuffer());
    expect(parquetBytes.subarray(0, 4).toString('latin1')).toBe('PAR1');
    expect(parquetBytes.equals(await streamedExport('trl-preference', 'parquet', { margin: true }))).toBe(true);

    // Under its final name only; no temporary file left behind.
    expect(fs.readdirSync(`${dataDir}/exports/job-${raw.jobId}`)).toEqual([`snapshot-${snapshotId}-job-export-raw.jsonl`]);
  });
});
