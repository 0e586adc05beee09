/**
 * Dataset snapshots and exports, checked against independent data: the HH input file itself
 * (read and split here, not by the product), hand-computed pairs, and files read back with
 * independent parsers (zlib, papaparse, hyparquet).
 */
import fs from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import zlib from 'node:zlib';
import { randomUUID } from 'node:crypto';
import Papa from 'papaparse';
import { parquetReadObjects } from 'hyparquet';
import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/server/db';
import { FORM_PRESETS, ZRatingForm, type RatingFormInput } from '@/lib/forms/schema';
import { ExportCancelledError, exportSnapshot, exportSnapshotToFolder } from '@/server/datasets/export';
import { EXPORT_FORMATS, FORMAT_INFO, type ExportEncoding, type ExportFormat, type ExportOptionsInput } from '@/server/datasets/formats';
import { createSnapshot } from '@/server/datasets/snapshots';
import { datasetExportRoute } from '@/server/http/dataset-export-route';
import { type TestUser, callerFor, catchTrpcError, createSignedInUser } from '../helpers/api';

const HH_FILE = path.resolve('../shared/data/hh-rlhf-harmless-base-test.jsonl.gz');
const LONG_AGO = new Date(Date.now() - 3600_000);

let admin: TestUser;
let annotator: TestUser;

/** Collects everything written to a Writable. */
function collector(): { out: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(Buffer.from(chunk));
      callback();
    },
  });
  return { out, bytes: () => Buffer.concat(chunks) };
}

async function exportBytes(snapshotId: number, format: ExportFormat, encoding: ExportEncoding, options: ExportOptionsInput = {}): Promise<Buffer> {
  const sink = collector();
  await exportSnapshot({ snapshotId, format, encoding, options, out: sink.out });
  return sink.bytes();
}

const jsonLines = (bytes: Buffer) =>
  bytes
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

async function readParquet(bytes: Buffer) {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return parquetReadObjects({ file });
}

/** A project with one task per prompt, written with Prisma, and the user's annotations on them. */
async function createRatedProject(options: {
  form: RatingFormInput;
  prompts: { text: string; completions: string[]; split?: 'TRAIN' | 'HELDOUT' }[];
  answers: (completionIds: number[], index: number) => unknown;
  undoSeconds?: number;
}) {
  const form = ZRatingForm.parse(options.form);
  const k = options.prompts[0].completions.length;
  const project = await db.project.create({ data: { name: `export ${randomUUID().slice(0, 8)}`, form, completionsPerTask: k, undoSeconds: options.undoSeconds ?? 300 }, select: { id: true } });
  const tasks: { taskId: number; completionIds: number[] }[] = [];
  for (const [i, p] of options.prompts.entries()) {
    const prompt = await db.prompt.create({
      data: { projectId: project.id, text: p.text, split: p.split ?? 'TRAIN', completions: { create: p.completions.map((text) => ({ text })) } },
      select: { id: true, completions: { select: { id: true }, orderBy: { id: 'asc' } } },
    });
    const completionIds = prompt.completions.map((c) => c.id);
    const task = await db.task.create({ data: { projectId: project.id, promptId: prompt.id, completionIds }, select: { id: true } });
    tasks.push({ taskId: task.id, completionIds });
    await db.annotation.create({
      data: {
        clientId: randomUUID(),
        taskId: task.id,
        projectId: project.id,
        userId: annotator.id,
        status: 'SUBMITTED',
        answer: options.answers(completionIds, i) as object,
        timeSpentMs: 1000 + i,
        createdAt: LONG_AGO,
      },
    });
  }
  return { projectId: project.id, tasks };
}

beforeAll(async () => {
  admin = await createSignedInUser('admin');
  annotator = await createSignedInUser('annotator');
});

describe('the shared Anthropic HH file, imported, rated as the file says, exported', () => {
  const fileLines = zlib
    .gunzipSync(fs.readFileSync(HH_FILE))
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as { chosen: string; rejected: string });
  let projectId: number;
  let snapshotId: number;

  beforeAll(async () => {
    const caller = await callerFor(admin);
    const project = await caller.projects.create({ name: 'hh export', guidelines: '', form: FORM_PRESETS.pairwise, overlap: 1, completionsPerTask: 2 });
    projectId = project.id;
    const content = zlib.gunzipSync(fs.readFileSync(HH_FILE)).toString('utf8');
    const started = performance.now();
    // Prompts and completions only: the answers below are a person's (the judgement import has its own round trip in import-judgements.test.ts).
    await caller.imports.commit({ projectId, fileName: 'hh-rlhf-harmless-base-test.jsonl', content, importJudgements: false });
    console.log(`[exports] HH import: ${((performance.now() - started) / 1000).toFixed(2)} s`);
    // The import writes the file's chosen completion first (lower id); the annotator picks it
    // wherever the task shows it.
    await db.$executeRaw`
      INSERT INTO "Annotation" ("clientId", "taskId", "projectId", "userId", status, answer, "timeSpentMs", "createdAt")
      SELECT gen_random_uuid()::text, t.id, t."projectId", ${annotator.id}, 'SUBMITTED',
        jsonb_build_object('preference', jsonb_build_object('type', 'pairwise', 'choice',
          CASE WHEN t."completionIds"[1] = (SELECT min(c.id) FROM "Completion" c WHERE c."promptId" = t."promptId") THEN 'A' ELSE 'B' END)),
        1000, ${LONG_AGO}
      FROM "Task" t WHERE t."projectId" = ${projectId}::int`;
    const created = await caller.datasets.create({ projectId, name: 'HH harmless test' });
    snapshotId = created.id;
  });

  it('the snapshot counts 2,312 annotations and pairs, with a sha256 content hash', async () => {
    const snapshot = await (await callerFor(admin)).datasets.get({ snapshotId });
    expect(fileLines).toHaveLength(2312);
    expect(snapshot.counts).toMatchObject({ annotations: 2312, trainPairs: 2312, heldoutPairs: 0 });
    expect(snapshot.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('hh: every pair comes back byte-identical to the input file', async () => {
    const rows = jsonLines(await exportBytes(snapshotId, 'hh', 'jsonl'));
    const key = (r: Record<string, unknown>) => JSON.stringify([r.chosen, r.rejected]);
    expect(rows.map((r) => Object.keys(r))).toEqual(rows.map(() => ['chosen', 'rejected']));
    expect(rows.map(key).sort()).toEqual(fileLines.map(key).sort());
  });

  it('trl-preference: prompt + chosen and prompt + rejected are the file texts', async () => {
    const rows = jsonLines(await exportBytes(snapshotId, 'trl-preference', 'jsonl')) as { prompt: string; chosen: string; rejected: string }[];
    expect(rows).toHaveLength(2312);
    const rebuilt = rows.map((r) => JSON.stringify([r.prompt + r.chosen, r.prompt + r.rejected])).sort();
    expect(rebuilt).toEqual(fileLines.map((l) => JSON.stringify([l.chosen, l.rejected])).sort());
    for (const r of rows) expect(r.prompt.endsWith('\n\nAssistant:')).toBe(true);
  });

  it('Parquet read back with hyparquet equals the JSONL row by row; gzip round-trips', async () => {
    const jsonl = await exportBytes(snapshotId, 'trl-preference', 'jsonl', { margin: true });
    const parquet = await readParquet(await exportBytes(snapshotId, 'trl-preference', 'parquet', { margin: true }));
    const rows = jsonLines(jsonl);
    expect(parquet).toHaveLength(rows.length);
    for (const [i, row] of rows.entries()) expect(parquet[i]).toEqual(row);
    const gz = await exportBytes(snapshotId, 'trl-preference', 'jsonl.gz', { margin: true });
    expect(zlib.gunzipSync(gz).equals(jsonl)).toBe(true);
  });

  it('the same snapshot exports byte-identically twice, and a later annotation changes nothing', async () => {
    const first = await exportBytes(snapshotId, 'raw', 'jsonl');
    const firstParquet = await exportBytes(snapshotId, 'hh', 'parquet');
    // A new prompt rated now: after the snapshot, so not in it.
    const prompt = await db.prompt.create({
      data: { projectId, text: '\n\nHuman: late?', completions: { create: [{ text: ' yes' }, { text: ' no' }] } },
      select: { id: true, completions: { select: { id: true } } },
    });
    const task = await db.task.create({ data: { projectId, promptId: prompt.id, completionIds: prompt.completions.map((c) => c.id) }, select: { id: true } });
    await db.annotation.create({
      data: { clientId: randomUUID(), taskId: task.id, projectId, userId: admin.id, status: 'SUBMITTED', answer: { preference: { type: 'pairwise', choice: 'A' } }, createdAt: LONG_AGO },
    });
    expect((await exportBytes(snapshotId, 'raw', 'jsonl')).equals(first)).toBe(true);
    expect((await exportBytes(snapshotId, 'hh', 'parquet')).equals(firstParquet)).toBe(true);
    const later = await (await callerFor(admin)).datasets.create({ projectId });
    expect(later.counts.annotations).toBe(2313);
    expect(later.contentHash).not.toBe((await (await callerFor(admin)).datasets.get({ snapshotId })).contentHash);
  });

  it('a receiver that goes away stops the export and frees its connection', async () => {
    const connections = async () => Number((await db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database()`)[0].n);
    const before = await connections();
    let received = 0;
    const out = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        callback();
        // The client disconnects after the first bytes.
        out.destroy();
      },
    });
    await expect(exportSnapshot({ snapshotId, format: 'raw', encoding: 'jsonl', out })).rejects.toBeInstanceOf(ExportCancelledError);
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan((await exportBytes(snapshotId, 'raw', 'jsonl')).length);
    await expect.poll(connections).toBeLessThanOrEqual(before);
  });

  it('a folder export writes train/test files and a Hugging Face dataset card without an export time', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'feedloop-export-'));
    const result = await exportSnapshotToFolder({ snapshotId, format: 'trl-preference', encoding: 'jsonl', dir });
    expect(result.rows).toEqual({ train: 2312, test: 0 });
    const card = await readFile(path.join(dir, 'README.md'), 'utf8');
    expect(card.startsWith('---\nconfigs:\n- config_name: default\n  data_files:\n  - split: train\n    path: "data/train.jsonl"\n  - split: test\n    path: "data/test.jsonl"\n')).toBe(true);
    expect(card).toContain('size_categories:\n- "1K<n<10K"');
    expect(card).toContain('license:');
    const snapshot = await db.datasetSnapshot.findUniqueOrThrow({ where: { id: snapshotId }, select: { contentHash: true } });
    expect(card).toContain(snapshot.contentHash);
    const dir2 = await mkdtemp(path.join(os.tmpdir(), 'feedloop-export-'));
    await exportSnapshotToFolder({ snapshotId, format: 'trl-preference', encoding: 'jsonl', dir: dir2 });
    expect(await readFile(path.join(dir2, 'README.md'), 'utf8')).toBe(card);
    expect((await readFile(path.join(dir2, 'data/train.jsonl'))).equals(await readFile(path.join(dir, 'data/train.jsonl')))).toBe(true);
  });
});

describe('pair rules, KTO, margins, CSV, privacy', () => {
  it('rankings: all ordered pairs vs adjacent ones, with rank distance as margin (hand computed)', async () => {
    const { projectId } = await createRatedProject({
      form: FORM_PRESETS.ranking,
      prompts: [{ text: 'Rank these', completions: ['w', 'x', 'y', 'z'] }],
      // Ranked best first: y, w, z, x.
      answers: ([w, x, y, z]) => ({ ranking: { type: 'ranking', order: [y, w, z, x] } }),
    });
    const { snapshotId } = await createSnapshot({ db, projectId, name: null, filters: {}, createdById: null });
    const all = jsonLines(await exportBytes(snapshotId, 'trl-preference', 'jsonl', { margin: true })).map((r) => [r.chosen, r.rejected, r.margin]);
    expect(all).toEqual([
      ['y', 'w', 1],
      ['y', 'z', 2],
      ['y', 'x', 3],
      ['w', 'z', 1],
      ['w', 'x', 2],
      ['z', 'x', 1],
    ]);
    const adjacent = jsonLines(await exportBytes(snapshotId, 'trl-preference', 'jsonl', { margin: true, rankingPairs: 'adjacent' })).map((r) => [r.chosen, r.rejected, r.margin]);
    expect(adjacent).toEqual([
      ['y', 'w', 1],
      ['w', 'z', 1],
      ['z', 'x', 1],
    ]);
  });

  it('pairwise: strength is the margin; ties and both-bad only when asked', async () => {
    const form = { questions: [{ id: 'preference', type: 'pairwise' as const, label: 'Better?', withStrength: true }] };
    const choices = [{ choice: 'A', strength: 3 }, { choice: 'B', strength: 1 }, { choice: 'tie' }, { choice: 'both_bad' }];
    const { projectId } = await createRatedProject({
      form,
      prompts: choices.map((_, i) => ({ text: `q${i}`, completions: [`a${i}`, `b${i}`] })),
      answers: (_, i) => ({ preference: { type: 'pairwise', ...choices[i] } }),
    });
    const { snapshotId } = await createSnapshot({ db, projectId, name: null, filters: {}, createdById: null });
    const pick = (rows: Record<string, unknown>[]) => rows.map((r) => [r.prompt, r.chosen, r.rejected, r.margin]);
    expect(pick(jsonLines(await exportBytes(snapshotId, 'trl-preference', 'jsonl', { margin: true })))).toEqual([
      ['q0', 'a0', 'b0', 3],
      ['q1', 'b1', 'a1', 1],
    ]);
    expect(pick(jsonLines(await exportBytes(snapshotId, 'trl-preference', 'jsonl', { margin: true, includeTies: true, includeBothBad: true })))).toEqual([
      ['q0', 'a0', 'b0', 3],
      ['q1', 'b1', 'a1', 1],
      ['q2', 'a2', 'b2', 0],
      ['q3', 'a3', 'b3', 0],
    ]);
    // Without the option, no margin field at all (TRL reads a margin column when present).
    expect(Object.keys(jsonLines(await exportBytes(snapshotId, 'trl-preference', 'jsonl'))[0])).toEqual(['prompt', 'chosen', 'rejected']);
    const chat = jsonLines(await exportBytes(snapshotId, 'trl-preference-chat', 'jsonl'))[0];
    expect(chat).toEqual({ prompt: [{ role: 'user', content: 'q0' }], chosen: [{ role: 'assistant', content: 'a0' }], rejected: [{ role: 'assistant', content: 'b0' }] });
  });

  it('KTO from Likert: above the midpoint true, below false, the midpoint dropped; a threshold moves it', async () => {
    const { projectId } = await createRatedProject({
      form: FORM_PRESETS.likert,
      prompts: [5, 3, 1, 4].map((s) => ({ text: `scored ${s}`, completions: [`answer ${s}`] })),
      answers: ([id], i) => ({ quality: { type: 'likert', scores: { [id]: [5, 3, 1, 4][i] } } }),
    });
    const { snapshotId } = await createSnapshot({ db, projectId, name: null, filters: {}, createdById: null });
    const rows = jsonLines(await exportBytes(snapshotId, 'kto', 'jsonl'));
    expect(rows).toEqual([
      { prompt: 'scored 5', completion: 'answer 5', label: true },
      { prompt: 'scored 1', completion: 'answer 1', label: false },
      { prompt: 'scored 4', completion: 'answer 4', label: true },
    ]);
    const moved = jsonLines(await exportBytes(snapshotId, 'kto', 'jsonl', { ktoThreshold: 4 })).map((r) => [r.completion, r.label]);
    expect(moved).toEqual([
      ['answer 5', true],
      ['answer 3', false],
      ['answer 1', false],
    ]);
  });

  it('CSV: formula cells get a leading quote; quotes, commas and newlines round-trip through a CSV parser', async () => {
    const tricky = ['=1+1', '+SUM(A1)', '-2', '@cmd', '\tlead tab', 'say "hi", then\nnew line\r\nand CRLF'];
    const { projectId } = await createRatedProject({
      form: FORM_PRESETS.pairwise,
      prompts: tricky.map((t) => ({ text: t, completions: [`${t} good`, 'plain'] })),
      answers: () => ({ preference: { type: 'pairwise', choice: 'A' } }),
    });
    const { snapshotId } = await createSnapshot({ db, projectId, name: null, filters: {}, createdById: null });
    const csv = (await exportBytes(snapshotId, 'trl-preference', 'csv')).toString('utf8');
    expect(csv.split('\r\n')[0]).toBe('prompt,chosen,rejected');
    expect(csv).toContain("'=1+1,'=1+1 good,plain");
    const parsed = Papa.parse<string[]>(csv, { skipEmptyLines: true }).data.slice(1);
    const expected = tricky.map((t) => {
      const guard = (s: string) => (/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);
      return [guard(t), guard(`${t} good`), 'plain'];
    });
    expect(parsed).toEqual(expected);
  });

  it('no email or user id appears in any format × encoding', async () => {
    const form = {
      questions: [
        { id: 'preference', type: 'pairwise' as const, label: 'Better?' },
        { id: 'thumbs', type: 'thumbs' as const, label: 'OK?' },
        { id: 'ideal', type: 'edit' as const, label: 'Ideal' },
      ],
    };
    const { projectId } = await createRatedProject({
      form,
      prompts: [{ text: 'private?', completions: ['one', 'two'] }],
      answers: ([a, b]) => ({ preference: { type: 'pairwise', choice: 'A' }, thumbs: { type: 'thumbs', votes: { [a]: 'up', [b]: 'down' } } }),
    });
    const { snapshotId } = await createSnapshot({ db, projectId, name: null, filters: {}, createdById: null });
    let checked = 0;
    for (const format of EXPORT_FORMATS) {
      for (const encoding of FORMAT_INFO[format].encodings) {
        const bytes = await exportBytes(snapshotId, format, encoding);
        const text =
          encoding === 'jsonl.gz' ? zlib.gunzipSync(bytes).toString('utf8') : encoding === 'parquet' ? JSON.stringify(await readParquet(bytes)) + bytes.toString('latin1') : bytes.toString('utf8');
        for (const secret of [annotator.id, annotator.email, admin.id, admin.email]) expect(text.includes(secret), `${format}/${encoding} contains ${secret}`).toBe(false);
        checked += 1;
      }
    }
    expect(checked).toBe(22);
    const raw = jsonLines(await exportBytes(snapshotId, 'raw', 'jsonl'))[0];
    expect(raw.annotator).toMatch(/^[0-9a-f]{16}$/);
    expect(raw.time_spent_ms).toBe(1000);
  });

  it('seeded percentage split: by prompt, the same for the same seed', async () => {
    const { projectId } = await createRatedProject({
      form: FORM_PRESETS.pairwise,
      prompts: Array.from({ length: 60 }, (_, i) => ({ text: `p${i}`, completions: [`a${i}`, `b${i}`] })),
      answers: () => ({ preference: { type: 'pairwise', choice: 'A' } }),
    });
    const split = { mode: 'hash' as const, testPercent: 25, seed: 7 };
    const one = await createSnapshot({ db, projectId, name: null, filters: { split }, createdById: null });
    const two = await createSnapshot({ db, projectId, name: null, filters: { split }, createdById: null });
    expect(one.counts.testAnnotations).toBeGreaterThan(3);
    expect(one.counts.testAnnotations).toBeLessThan(30);
    expect(one.counts.trainAnnotations + one.counts.testAnnotations).toBe(60);
    expect(two.contentHash).toBe(one.contentHash);
    const test = jsonLines(await exportBytes(one.snapshotId, 'trl-preference', 'jsonl', { split: 'test' }));
    const train = jsonLines(await exportBytes(one.snapshotId, 'trl-preference', 'jsonl', { split: 'train' }));
    expect(test).toHaveLength(one.counts.testAnnotations);
    expect(new Set([...test, ...train].map((r) => r.prompt)).size).toBe(60);
  });

  it('filters: annotators, agreement, flagged, dates; unsettled annotations are never taken', async () => {
    const other = await createSignedInUser('annotator');
    const { projectId, tasks } = await createRatedProject({
      form: FORM_PRESETS.pairwise,
      prompts: Array.from({ length: 4 }, (_, i) => ({ text: `f${i}`, completions: [`a${i}`, `b${i}`] })),
      answers: () => ({ preference: { type: 'pairwise', choice: 'A' } }),
    });
    // Task 0: the other annotator agrees; task 1: disagrees; task 2: flagged by the other; task 3: the other answers just now (unsettled).
    const add = (taskId: number, status: 'SUBMITTED' | 'FLAGGED', choice: string | null, createdAt = LONG_AGO) =>
      db.annotation.create({ data: { clientId: randomUUID(), taskId, projectId, userId: other.id, status, answer: choice ? { preference: { type: 'pairwise', choice } } : undefined, createdAt } });
    await add(tasks[0].taskId, 'SUBMITTED', 'A');
    await add(tasks[1].taskId, 'SUBMITTED', 'B');
    await add(tasks[2].taskId, 'FLAGGED', null);
    await add(tasks[3].taskId, 'SUBMITTED', 'A', new Date());
    const count = async (filters: Parameters<typeof createSnapshot>[0]['filters']) => (await createSnapshot({ db, projectId, name: null, filters, createdById: null })).counts.annotations;
    expect(await count({})).toBe(6);
    expect(await count({ annotatorIds: [other.id] })).toBe(2);
    expect(await count({ minAgreement: 0.75 })).toBe(4); // task 1 (1/2 agree) goes; task 3's new answer is not settled
    expect(await count({ excludeFlagged: true })).toBe(5);
    expect(await count({ from: new Date(Date.now() + 60_000) })).toBe(0);
  });
});

describe('the datasets router and the download route', () => {
  let snapshotId: number;
  let projectId: number;

  beforeAll(async () => {
    const project = await createRatedProject({
      form: FORM_PRESETS.pairwise,
      prompts: Array.from({ length: 25 }, (_, i) => ({ text: `r${i}`, completions: [`a${i}`, `b${i}`] })),
      answers: () => ({ preference: { type: 'pairwise', choice: 'B' } }),
    });
    projectId = project.projectId;
    snapshotId = (await (await callerFor(admin)).datasets.create({ projectId, name: 'Round data, v1 / "final"' })).id;
  });

  it('list, formats and a preview of the first 20 rows', async () => {
    const caller = await callerFor(admin);
    const list = await caller.datasets.list({ projectId });
    expect(list.map((s) => [s.id, s.name, s.counts.annotations])).toEqual([[snapshotId, 'Round data, v1 / "final"', 25]]);
    const formats = await caller.datasets.formats();
    expect(formats.find((f) => f.format === 'raw')?.encodings).toEqual(['jsonl', 'jsonl.gz']);
    const preview = await caller.datasets.preview({ snapshotId, format: 'trl-preference' });
    expect(preview.columns).toEqual(['prompt', 'chosen', 'rejected']);
    expect(preview.rows).toHaveLength(20);
    expect(preview.rows[0]).toEqual({ prompt: 'r0', chosen: 'b0', rejected: 'a0' });
  });

  it('bad input is BAD_REQUEST: ids over 2^31-1, NUL, unknown options, bad dates', async () => {
    const caller = await callerFor(admin);
    for (const call of [
      () => caller.datasets.get({ snapshotId: 2_147_483_648 }),
      () => caller.datasets.preview({ snapshotId: 2 ** 53, format: 'raw' }),
      () => caller.datasets.create({ projectId, name: 'bad\u0000name' }),
      () => caller.datasets.create({ projectId, filters: { annotatorIds: ['x\u0000'] } }),
      () => caller.datasets.create({ projectId, filters: { minAgreement: 1.5 } }),
      () => caller.datasets.create({ projectId, filters: { from: new Date('2026-02-01'), to: new Date('2026-01-01') } }),
      () => caller.datasets.create({ projectId, filters: { questionId: 'nope' } }),
      () => caller.datasets.preview({ snapshotId, format: 'nope' as 'raw' }),
    ]) {
      expect((await catchTrpcError(call())).code).toBe('BAD_REQUEST');
    }
    expect((await catchTrpcError((await callerFor(annotator)).datasets.list({ projectId }))).code).toBe('FORBIDDEN');
  });

  it('GET /api/datasets/<id>/export: admins only, headers, streamed bytes equal the exporter, 400 on bad query', async () => {
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      if (!datasetExportRoute.matches(url.pathname)) {
        res.statusCode = 404;
        res.end();
        return;
      }
      void datasetExportRoute.handle(req, res, { url, clientAddress: '127.0.0.1', headers, readBody: async () => Buffer.alloc(0), bodyStream: () => new PassThrough() });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const base = `http://127.0.0.1:${port}/api/datasets/${snapshotId}/export`;
    try {
      expect((await fetch(`${base}?format=hh`)).status).toBe(401);
      expect((await fetch(`${base}?format=hh`, { headers: annotator.headers })).status).toBe(403);
      const response = await fetch(`${base}?format=trl-preference&encoding=jsonl&margin=true`, { headers: admin.headers });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
      expect(response.headers.get('content-disposition')).toBe(`attachment; filename="snapshot-${snapshotId}-round-data-v1-final-trl-preference.jsonl"`);
      const body = Buffer.from(await response.arrayBuffer());
      expect(body.equals(await exportBytes(snapshotId, 'trl-preference', 'jsonl', { margin: true }))).toBe(true);
      for (const query of ['format=raw&encoding=csv', 'format=nope', 'format=hh&margin=maybe', 'format=hh&extra=1']) {
        const bad = await fetch(`${base}?${query}`, { headers: admin.headers });
        expect({ query, status: bad.status }).toEqual({ query, status: 400 });
      }
      expect((await fetch(`http://127.0.0.1:${port}/api/datasets/2147483648/export?format=hh`, { headers: admin.headers })).status).toBe(400);
      expect((await fetch(`http://127.0.0.1:${port}/api/datasets/999999/export?format=hh`, { headers: admin.headers })).status).toBe(404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
