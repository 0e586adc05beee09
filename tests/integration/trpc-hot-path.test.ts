/**
 * The rating loop's hot path (server/http/trpc-hot-path.ts) against tRPC's own Node adapter: the
 * same requests, sent by two annotators in the same state (one through each), must get the same
 * status and the same body, whatever the request: a good call, bad input, no session, a task not
 * held, malformed JSON, a batch or a plain call. The adapter is the reference; the hot path must
 * actually serve each request it claims (counted), so a silent fallback cannot pass.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { appRouter } from '@/server/api/root';
import { createContext } from '@/server/api/trpc';
import { toHeaders } from '@/server/http/headers';
import { serveHotCall } from '@/server/http/trpc-hot-path';
import { TRPC_MAX_BODY_BYTES } from '@/server/http/trpc-route';
import { db } from '@/server/db';
import { createSignedInUser, type TestUser } from '../helpers/api';
import { createQueueProject, pairwiseAnswer } from './queue-fixtures';

const reference = createHTTPHandler({ router: appRouter, basePath: '/api/trpc/', createContext: ({ req }) => createContext({ headers: toHeaders(req.headers) }) });
let hotServed = 0;

function listen(handler: http.RequestListener): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

let hot: { server: http.Server; url: string };
let plain: { server: http.Server; url: string };
beforeAll(async () => {
  hot = await listen((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (serveHotCall(req, res, url, TRPC_MAX_BODY_BYTES)) hotServed++;
    else void reference(req, res);
  });
  plain = await listen((req, res) => void reference(req, res));
});
afterAll(async () => {
  await Promise.all([hot, plain].map(({ server }) => new Promise((resolve) => server.close(resolve))));
});

type Sent = { path: string; body: string; contentType?: string; cookie?: string };

async function send(baseUrl: string, request: Sent): Promise<{ status: number; contentType: string | null; body: unknown }> {
  const headers: Record<string, string> = { 'content-type': request.contentType ?? 'application/json' };
  if (request.cookie) headers.cookie = request.cookie;
  const response = await fetch(`${baseUrl}/api/trpc/${request.path}`, { method: 'POST', headers, body: request.body });
  return { status: response.status, contentType: response.headers.get('content-type'), body: JSON.parse(await response.text()) };
}

/** Times and ids that differ between two annotators by nature; everything else must match. */
function comparable(value: unknown): unknown {
  const text = JSON.stringify(value)
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, '<time>')
    .replace(/"annotationId":\d+/g, '"annotationId":<id>');
  return JSON.parse(text.replace(/<time>|<id>/g, '0'));
}

const batch = (input: unknown) => JSON.stringify({ 0: { json: input } });
const cookieOf = (user: TestUser) => user.headers.get('cookie') ?? '';

/** Sends one request per annotator, Alice's through the hot path and Bob's through the adapter. */
async function both(make: (user: TestUser) => Sent, alice: TestUser, bob: TestUser, isHot = true) {
  const before = hotServed;
  const viaHot = await send(hot.url, make(alice));
  expect(hotServed - before).toBe(isHot ? 1 : 0);
  const viaAdapter = await send(plain.url, make(bob));
  expect(viaHot.status).toBe(viaAdapter.status);
  expect(viaHot.contentType).toBe(viaAdapter.contentType);
  expect(comparable(viaHot.body)).toEqual(comparable(viaAdapter.body));
  return viaHot;
}

describe('the rating hot path answers exactly as the tRPC adapter', () => {
  it('queue.next and submitAndNext, good and bad, batched and plain', async () => {
    // Overlap 2: both annotators are served the same tasks in the same order.
    const fixture = await createQueueProject({ taskCount: 4, overlap: 2 });
    const [t0, t1, t2] = fixture.taskIds;
    const alice = await createSignedInUser('annotator');
    const bob = await createSignedInUser('annotator');
    const next = (input: unknown) => (user: TestUser) => ({ path: 'queue.next?batch=1', body: batch(input), cookie: cookieOf(user) });
    const submit =
      (input: Record<string, unknown>, path = 'annotations.submitAndNext?batch=1') =>
      (user: TestUser) => ({
        path,
        body: path.includes('batch=1') ? batch({ clientId: randomUUID(), ...input }) : JSON.stringify({ json: { clientId: randomUUID(), ...input } }),
        cookie: cookieOf(user),
      });

    const first = await both(next({ projectId: fixture.projectId }), alice, bob);
    expect(first.status).toBe(200);
    expect((first.body as [{ result: { data: { json: { taskId: number } } } }])[0].result.data.json.taskId).toBe(t0);
    // Asking again resumes the same lease.
    await both(next({ projectId: fixture.projectId }), alice, bob);

    const answered = await both(submit({ taskId: t0, answer: pairwiseAnswer('B'), timeSpentMs: 1200 }), alice, bob);
    expect((answered.body as [{ result: { data: { json: { next: { taskId: number } } } } }])[0].result.data.json.next.taskId).toBe(t1);
    // Not batched: the plain tRPC call shape.
    const plainCall = await both(submit({ taskId: t1, answer: pairwiseAnswer('A'), timeSpentMs: 5 }, 'annotations.submitAndNext'), alice, bob);
    expect((plainCall.body as { result: { data: { json: { next: { taskId: number } } } } }).result.data.json.next.taskId).toBe(t2);

    const refusals: [string, (user: TestUser) => Sent, number][] = [
      ['a task the caller does not hold', submit({ taskId: fixture.taskIds[3], answer: pairwiseAnswer(), timeSpentMs: 1 }), 409],
      ['an answer that misses the question', submit({ taskId: t2, answer: {}, timeSpentMs: 1 }), 400],
      ['a wrong type', submit({ taskId: 'seven', answer: pairwiseAnswer(), timeSpentMs: 1 }), 400],
      ['an id beyond the column', submit({ taskId: 2 ** 40, answer: pairwiseAnswer(), timeSpentMs: 1 }), 400],
      ['no session', (user) => ({ ...submit({ taskId: t2, answer: pairwiseAnswer(), timeSpentMs: 1 })(user), cookie: undefined }), 401],
      ['a batch that is not an object', (user) => ({ path: 'annotations.submitAndNext?batch=1', body: '[1]', cookie: cookieOf(user) }), 400],
      ['a batch without its call', (user) => ({ path: 'queue.next?batch=1', body: '{}', cookie: cookieOf(user) }), 400],
    ];
    for (const [what, make, status] of refusals) {
      const response = await both(make, alice, bob);
      expect(response.status, what).toBe(status);
    }
    // Malformed JSON: whatever the adapter answers, the hot path answers the same.
    await both((user) => ({ path: 'annotations.submitAndNext?batch=1', body: '{"0": {"json": ', cookie: cookieOf(user) }), alice, bob);
    await both((user) => ({ path: 'annotations.submitAndNext', body: '', cookie: cookieOf(user) }), alice, bob);
    // Not the hot path's: another content type, another procedure, several calls.
    await both((user) => ({ ...next({ projectId: fixture.projectId })(user), contentType: 'text/plain' }), alice, bob, false);
    await both((user) => ({ path: 'annotations.submit?batch=1', body: batch({ clientId: randomUUID(), taskId: t2, answer: {}, timeSpentMs: 1 }), cookie: cookieOf(user) }), alice, bob, false);
    await both(
      (user) => ({
        path: 'queue.next,queue.next?batch=1',
        body: JSON.stringify({ 0: { json: { projectId: fixture.projectId } }, 1: { json: { projectId: fixture.projectId } } }),
        cookie: cookieOf(user),
      }),
      alice,
      bob,
      false,
    );

    // The two annotators' rows agree too: two answers each, the same tasks.
    const answers = await db.annotation.findMany({ where: { projectId: fixture.projectId }, select: { taskId: true, userId: true }, orderBy: [{ userId: 'asc' }, { taskId: 'asc' }] });
    expect(answers.filter((a) => a.userId === alice.id).map((a) => a.taskId)).toEqual([t0, t1]);
    expect(answers.filter((a) => a.userId === bob.id).map((a) => a.taskId)).toEqual([t0, t1]);
  });
});
