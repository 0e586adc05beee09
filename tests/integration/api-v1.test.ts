/**
 * /api/v1 over the real production server (server/http/main.ts over a `next build`), on this
 * file's own database. Run under `flock /tmp/feedloop-e2e.lock` (the build is shared).
 *
 * One table: every endpoint × every kind of key. An endpoint without a row, or missing from
 * openapi.json, fails the first test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/server/db';
import { createApiKey } from '@/server/services/api-keys';
import { createUserAccount } from '@/server/services/users';
import { exportSnapshot } from '@/server/datasets/export';
import { API_V1_ENDPOINTS } from '@/server/http/api-v1/all-endpoints';
import { FORM_PRESETS } from '@/lib/forms/schema';
import { startRealServer, type RealServer } from '../helpers/http-server';

type KeyKind = 'none' | 'read' | 'write' | 'revoked' | 'disabledAdmin' | 'demotedAdmin';
const KEY_KINDS: KeyKind[] = ['none', 'read', 'write', 'revoked', 'disabledAdmin', 'demotedAdmin'];

type Request = { method: string; path: string; body?: string; contentType?: string };
type Row = { request: () => Request; expect: Record<KeyKind, number> };

/** A read endpoint: any valid key reads; no key or a dead one is 401. */
const READS = { none: 401, read: 200, write: 200, revoked: 401, disabledAdmin: 401, demotedAdmin: 401 };
/** A write endpoint: READ keys are 403. */
const WRITES = { none: 401, read: 403, write: 201, revoked: 401, disabledAdmin: 401, demotedAdmin: 401 };
const PUBLIC = { none: 200, read: 200, write: 200, revoked: 200, disabledAdmin: 200, demotedAdmin: 200 };

let server: RealServer;
let logFile: string;
const keys = {} as Record<Exclude<KeyKind, 'none'>, string>;
let thumbsProjectId: number;
let pairProjectId: number;
let snapshotId: number;
/** Every response body and header block seen, to check that no key ever comes back. */
const seen: string[] = [];
let counter = 0;

async function call(request: Request, key: string | null): Promise<{ status: number; body: Buffer; headers: Headers; json: () => any }> {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (request.body !== undefined) headers['content-type'] = request.contentType ?? 'application/json';
  const response = await fetch(`${server.baseUrl}${request.path}`, { method: request.method, headers, body: request.body });
  const body = Buffer.from(await response.arrayBuffer());
  seen.push(body.toString('latin1'), JSON.stringify([...response.headers]));
  return { status: response.status, body, headers: response.headers, json: () => JSON.parse(body.toString('utf8')) };
}

const json = (value: unknown) => JSON.stringify(value);

/** The table. Write requests are unique per call, so each successful one really writes. */
const TABLE: Record<string, Row> = {
  'GET /api/v1/projects': { request: () => ({ method: 'GET', path: '/api/v1/projects' }), expect: READS },
  'GET /api/v1/projects/{id}/snapshots': { request: () => ({ method: 'GET', path: `/api/v1/projects/${pairProjectId}/snapshots` }), expect: READS },
  'POST /api/v1/projects/{id}/snapshots': {
    request: () => ({ method: 'POST', path: `/api/v1/projects/${pairProjectId}/snapshots`, body: json({ name: `table ${++counter}`, filters: { excludeFlagged: true } }) }),
    expect: WRITES,
  },
  'GET /api/v1/snapshots/{id}': { request: () => ({ method: 'GET', path: `/api/v1/snapshots/${snapshotId}` }), expect: READS },
  'GET /api/v1/snapshots/{id}/export': { request: () => ({ method: 'GET', path: `/api/v1/snapshots/${snapshotId}/export?format=trl-preference&encoding=jsonl` }), expect: READS },
  'GET /api/v1/snapshots/{id}/card': { request: () => ({ method: 'GET', path: `/api/v1/snapshots/${snapshotId}/card?format=trl-preference&encoding=jsonl` }), expect: READS },
  'POST /api/v1/projects/{id}/imports': {
    request: () => ({
      method: 'POST',
      path: `/api/v1/projects/${pairProjectId}/imports?fileName=table.jsonl`,
      body: `${json({ prompt: `imported ${++counter}`, completions: ['one', 'two'] })}\n`,
      contentType: 'application/octet-stream',
    }),
    expect: WRITES,
  },
  'POST /api/v1/projects/{id}/feedback': {
    request: () => ({ method: 'POST', path: `/api/v1/projects/${thumbsProjectId}/feedback`, body: json({ prompt: `table ${++counter}`, completion: 'answer' }) }),
    expect: WRITES,
  },
  'GET /api/v1/openapi.json': { request: () => ({ method: 'GET', path: '/api/v1/openapi.json' }), expect: PUBLIC },
};

async function createAdmin(label: string) {
  return createUserAccount({ email: `${label}-${Math.random().toString(36).slice(2, 8)}@example.test`, password: 'correct horse battery', name: label, role: 'admin' });
}

beforeAll(async () => {
  logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'api-v1-')), 'server.log');
  // The test's own secret: annotator pseudonyms in exports then match between the server and this process.
  server = await startRealServer({ databaseUrl: process.env.DATABASE_URL, logFile, env: { BETTER_AUTH_SECRET: process.env.BETTER_AUTH_SECRET ?? '' } });

  const owner = await createAdmin('owner');
  keys.read = (await createApiKey({ userId: owner.id, name: 'read', scope: 'READ' })).key;
  keys.write = (await createApiKey({ userId: owner.id, name: 'write', scope: 'WRITE' })).key;
  const revoked = await createApiKey({ userId: owner.id, name: 'revoked', scope: 'WRITE' });
  await db.apiKey.update({ where: { id: revoked.apiKey.id }, data: { revokedAt: new Date() } });
  keys.revoked = revoked.key;
  const disabled = await createAdmin('disabled');
  keys.disabledAdmin = (await createApiKey({ userId: disabled.id, name: 'disabled', scope: 'WRITE' })).key;
  await db.user.update({ where: { id: disabled.id }, data: { banned: true } });
  const demoted = await createAdmin('demoted');
  keys.demotedAdmin = (await createApiKey({ userId: demoted.id, name: 'demoted', scope: 'WRITE' })).key;
  await db.user.update({ where: { id: demoted.id }, data: { role: 'annotator' } });

  // undoSeconds 0: answers are settled at once, so a snapshot takes them.
  thumbsProjectId = (await db.project.create({ data: { name: 'Thumbs API', form: FORM_PRESETS.thumbs, completionsPerTask: 1, undoSeconds: 0 }, select: { id: true } })).id;
  pairProjectId = (await db.project.create({ data: { name: 'Pairs API', form: FORM_PRESETS.pairwise, completionsPerTask: 2, undoSeconds: 0 }, select: { id: true } })).id;

  // Pairwise feedback, then a snapshot of it, for the snapshot and export rows.
  const items = [
    { prompt: 'What is 2+2?', completions: ['4', '5'], rating: { choice: 'a' }, externalId: 'pair-1' },
    { prompt: [{ role: 'user', content: 'Capital of France?' }], completions: ['Lyon', 'Paris'], rating: { choice: 'b' }, externalId: 'pair-2' },
  ];
  const ingested = await call({ method: 'POST', path: `/api/v1/projects/${pairProjectId}/feedback`, body: json({ items }) }, keys.write);
  expect(ingested.status).toBe(201);
  const created = await call({ method: 'POST', path: `/api/v1/projects/${pairProjectId}/snapshots`, body: json({ name: 'fixture' }) }, keys.write);
  expect(created.status).toBe(201);
  snapshotId = created.json().id;
}, 600_000);

afterAll(async () => {
  await server?.stop();
});

describe('/api/v1 over the production server', () => {
  it('every endpoint has a row in the table and an entry in openapi.json', async () => {
    const declared = API_V1_ENDPOINTS.map((e) => `${e.method} ${e.path}`).sort();
    expect(Object.keys(TABLE).sort()).toEqual(declared);
    const openapi = (await call({ method: 'GET', path: '/api/v1/openapi.json' }, null)).json();
    expect(openapi.openapi).toMatch(/^3\.1\./);
    const documented = Object.entries(openapi.paths as Record<string, Record<string, unknown>>).flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`));
    expect(documented.sort()).toEqual(declared);
  });

  it('endpoint × key: no key, READ, WRITE, revoked, disabled admin, demoted admin', async () => {
    const results: string[] = [];
    const expected: string[] = [];
    for (const [name, row] of Object.entries(TABLE)) {
      for (const kind of KEY_KINDS) {
        const response = await call(row.request(), kind === 'none' ? null : keys[kind]);
        results.push(`${name} ${kind} → ${response.status}`);
        expected.push(`${name} ${kind} → ${row.expect[kind]}`);
        if (response.status >= 400) {
          expect(response.headers.get('content-type')).toMatch(/application\/json/);
          expect(Object.keys(response.json().error).sort()).toEqual(expect.arrayContaining(['code', 'message']));
        }
      }
    }
    expect(results).toEqual(expected);
  });

  it('errors are JSON with a code: unknown endpoint 404, wrong method 405, bad id 400, body over 1 MB 413', async () => {
    const unknown = await call({ method: 'GET', path: '/api/v1/nothing-here' }, keys.read);
    expect([unknown.status, unknown.json().error.code]).toEqual([404, 'NOT_FOUND']);
    const wrongMethod = await call({ method: 'DELETE', path: '/api/v1/projects' }, keys.write);
    expect([wrongMethod.status, wrongMethod.json().error.code]).toEqual([405, 'METHOD_NOT_ALLOWED']);
    for (const id of ['2147483648', '0', 'abc', '9007199254740993']) {
      const bad = await call({ method: 'GET', path: `/api/v1/snapshots/${id}` }, keys.read);
      expect({ id, status: bad.status, code: bad.json().error.code }).toEqual({ id, status: 400, code: 'BAD_REQUEST' });
    }
    const missing = await call({ method: 'GET', path: '/api/v1/snapshots/2147483647' }, keys.read);
    expect(missing.status).toBe(404);
    const before = await db.prompt.count();
    const big = await call({ method: 'POST', path: `/api/v1/projects/${thumbsProjectId}/feedback`, body: json({ prompt: 'x'.repeat(1024 * 1024), completion: 'y' }) }, keys.write);
    expect([big.status, big.json().error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const nul = await call({ method: 'POST', path: `/api/v1/projects/${thumbsProjectId}/feedback`, body: json({ prompt: 'a\u0000b', completion: 'y' }) }, keys.write);
    expect(nul.status).toBe(400);
    expect(await db.prompt.count()).toBe(before);
  });

  it('GET /projects lists id, name, form summary and counts', async () => {
    const { projects } = (await call({ method: 'GET', path: '/api/v1/projects' }, keys.read)).json();
    const pairs = projects.find((p: { id: number }) => p.id === pairProjectId);
    expect(pairs).toMatchObject({ name: 'Pairs API', completionsPerTask: 2, form: { summary: 'pairwise', questions: [{ id: 'preference', type: 'pairwise' }] } });
    expect(pairs.counts.prompts).toBe(await db.prompt.count({ where: { projectId: pairProjectId } }));
    expect(pairs.counts.annotations.submitted).toBe(await db.annotation.count({ where: { projectId: pairProjectId, status: 'SUBMITTED' } }));
  });

  it('feedback: a thumbs-up becomes a task and an answer by api-feedback; the same externalId again is 409 and writes nothing', async () => {
    const item = { prompt: 'Is the sky blue?', completion: 'Yes, on a clear day.', rating: { thumbs: 'up' }, externalId: 'app-event-42' };
    const first = await call({ method: 'POST', path: `/api/v1/projects/${thumbsProjectId}/feedback`, body: json(item) }, keys.write);
    expect(first.status).toBe(201);
    const [row] = first.json().items;
    const task = await db.task.findUniqueOrThrow({
      where: { id: row.taskId },
      select: { status: true, submittedCount: true, completionIds: true, prompt: { select: { text: true, externalId: true, source: true } } },
    });
    expect(task).toMatchObject({ status: 'DONE', submittedCount: 1, prompt: { text: 'Is the sky blue?', externalId: 'app-event-42', source: 'api' } });
    const completion = await db.completion.findUniqueOrThrow({ where: { id: task.completionIds[0] }, select: { text: true, source: true } });
    expect(completion).toEqual({ text: 'Yes, on a clear day.', source: 'API' });
    const annotation = await db.annotation.findUniqueOrThrow({ where: { id: row.annotationId }, select: { status: true, answer: true, user: { select: { id: true, banned: true, role: true } } } });
    expect(annotation).toEqual({
      status: 'SUBMITTED',
      answer: { thumbs: { type: 'thumbs', votes: { [String(task.completionIds[0])]: 'up' } } },
      user: { id: 'api-feedback', banned: true, role: 'annotator' },
    });

    const retry = await call({ method: 'POST', path: `/api/v1/projects/${thumbsProjectId}/feedback`, body: json({ items: [{ ...item, externalId: 'fresh-one' }, item] }) }, keys.write);
    expect(retry.status).toBe(409);
    expect(retry.json().error.details.existing).toEqual([{ externalId: 'app-event-42', promptId: row.promptId, taskId: row.taskId, annotationId: row.annotationId }]);
    expect(await db.prompt.count({ where: { projectId: thumbsProjectId, externalId: { in: ['app-event-42', 'fresh-one'] } } })).toBe(1);
    expect(await db.annotation.count({ where: { projectId: thumbsProjectId, userId: 'api-feedback' } })).toBe(1);
  });

  it('feedback: a bad item is 400 with its index and reason, and nothing of the batch is written', async () => {
    const before = await db.prompt.count({ where: { projectId: thumbsProjectId } });
    const cases: [unknown, number, RegExp][] = [
      [{ items: [{ prompt: 'ok', completion: 'fine' }, { prompt: 'no completion' }] }, 1, /completion/],
      [
        {
          items: [
            { prompt: 'ok', completion: 'fine' },
            { prompt: 'ok', completion: 'x', rating: { thumbs: 'sideways' } },
          ],
        },
        1,
        /thumbs/,
      ],
      [{ items: [{ prompt: 'ok', completion: 'fine', rating: { score: 3 } }] }, 0, /Likert/],
      [
        {
          items: [
            { prompt: 'a', completion: 'b', externalId: 'dup' },
            { prompt: 'c', completion: 'd', externalId: 'dup' },
          ],
        },
        1,
        /externalId/,
      ],
    ];
    for (const [body, index, reason] of cases) {
      const response = await call({ method: 'POST', path: `/api/v1/projects/${thumbsProjectId}/feedback`, body: json(body) }, keys.write);
      expect(response.status).toBe(400);
      expect(response.json().error.details.index).toBe(index);
      expect(response.json().error.details.reason).toMatch(reason);
    }
    const tooMany = await call(
      { method: 'POST', path: `/api/v1/projects/${thumbsProjectId}/feedback`, body: json({ items: Array.from({ length: 1001 }, (_, i) => ({ prompt: `p${i}`, completion: 'c' })) }) },
      keys.write,
    );
    expect(tooMany.status).toBe(400);
    expect(await db.prompt.count({ where: { projectId: thumbsProjectId } })).toBe(before);
  });

  it("the export is byte for byte the exporter's output for the same snapshot, and holds the pairs that were sent", async () => {
    for (const [format, encoding] of [
      ['trl-preference', 'jsonl'],
      ['raw', 'jsonl'],
      ['trl-preference', 'parquet'],
    ] as const) {
      const response = await call({ method: 'GET', path: `/api/v1/snapshots/${snapshotId}/export?format=${format}&encoding=${encoding}` }, keys.read);
      expect(response.status).toBe(200);
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (chunk: Buffer) => chunks.push(chunk));
      await exportSnapshot({ snapshotId, format, encoding, out });
      expect(response.body.equals(Buffer.concat(chunks)), `${format} ${encoding}`).toBe(true);
    }
    const text = (await call({ method: 'GET', path: `/api/v1/snapshots/${snapshotId}/export?format=trl-preference&encoding=jsonl` }, keys.read)).body.toString('utf8');
    const rows = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(rows.map((r) => [r.chosen, r.rejected])).toEqual([
      ['4', '5'],
      ['Paris', 'Lyon'],
    ]);
    const refused = await call({ method: 'GET', path: `/api/v1/snapshots/${snapshotId}/export?format=nope` }, keys.read);
    expect(refused.status).toBe(400);
  });

  it('imports: a file through the import service; an invalid file is 400 with line errors and writes nothing', async () => {
    const good = await call(
      {
        method: 'POST',
        path: `/api/v1/projects/${pairProjectId}/imports?fileName=pairs.jsonl`,
        body: `${json({ prompt: 'imported prompt', completions: ['x', 'y'] })}\n`,
        contentType: 'application/octet-stream',
      },
      keys.write,
    );
    expect(good.status).toBe(201);
    expect(good.json()).toMatchObject({ promptCount: 1, completionCount: 2, taskCount: 1 });
    expect(await db.prompt.count({ where: { projectId: pairProjectId, text: 'imported prompt' } })).toBe(1);
    const before = await db.prompt.count();
    const bad = await call(
      {
        method: 'POST',
        path: `/api/v1/projects/${pairProjectId}/imports?fileName=bad.jsonl`,
        body: '{"prompt": "p", "completions": ["only one"]}\nnot json\n',
        contentType: 'application/octet-stream',
      },
      keys.write,
    );
    expect(bad.status).toBe(400);
    expect(await db.prompt.count()).toBe(before);
  });

  it('no key appears in any response after creation, nor in the server log', async () => {
    const secrets = Object.values(keys).map((key) => key.split('_').slice(2).join('_'));
    expect(secrets.every((s) => s.length === 43)).toBe(true);
    expect(seen.length).toBeGreaterThan(50);
    const everything = seen.join('\n');
    for (const secret of secrets) expect(everything.includes(secret)).toBe(false);
    const log = fs.readFileSync(logFile, 'utf8');
    expect(log.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(log.includes(secret)).toBe(false);
  });
});
