/**
 * The HTTP edge (server/http/app-server.ts) over the real production server: `next build` output
 * served by server/http/main.ts on this file's own database.
 *
 * Needs the production build; run under the e2e lock so no other build writes .next meanwhile:
 *   flock /tmp/feedloop-e2e.lock npx vitest run tests/integration/http-edge.test.ts
 *
 * Requests go out through node:http or raw sockets, not fetch: fetch resolves `/./` and `//` in
 * paths and will not send TRACE or a Content-Length it cannot back.
 */
import http from 'node:http';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/server/db';
import { createUserAccount } from '@/server/services/users';
import { startRealServer, type RealServer } from '../helpers/http-server';
import { createQueueProject } from './queue-fixtures';

/** Requests from this local address come from a trusted proxy; 127.0.0.1 is an ordinary client. */
const TRUSTED_PROXY = '127.0.0.2';
const SIGN_IN_LIMIT = 3;
const admin = { email: 'edge-admin@example.test', password: 'edge admin password', name: 'Edge Admin' };

let server: RealServer;
let adminCookie: string;
let port: number;

type Answer = { status: number; headers: http.IncomingHttpHeaders; text: string };

function send(options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer; localAddress?: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: options.headers, localAddress: options.localAddress, agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

/** A tRPC mutation as the browser client sends it (superjson's `{ json }` envelope). */
function mutate(procedure: string, input: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return send({ method: 'POST', path: `/api/trpc/${procedure}`, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ json: input }) });
}

/**
 * Writes a request head and `body` (as one chunk when `chunked`, never the terminating chunk),
 * then waits for the answer without sending more. The body is always short of what the head
 * announces, so an answer proves the server decided before the request was complete. (Sending
 * on after an early answer would only earn a reset that can swallow the answer.)
 */
function sendIncomplete(options: { head: string; body: Buffer; chunked: boolean }): Promise<{ statusLine: string; response: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let response = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within 30 s; got: ${response.slice(0, 200)}`));
    }, 30_000);
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ statusLine: response.split('\r\n')[0] ?? '', response });
    };
    socket.on('data', (data) => {
      response += data.toString('latin1');
      if (/\r\n\r\n[\s\S]*\}/.test(response)) finish();
    });
    socket.on('end', () => (response ? finish() : undefined));
    socket.on('error', (error) => (response ? finish() : (clearTimeout(timer), reject(error))));
    socket.on('connect', () => {
      const framed = options.chunked ? Buffer.concat([Buffer.from(`${options.body.length.toString(16)}\r\n`), options.body, Buffer.from('\r\n')]) : options.body;
      socket.write(options.head);
      socket.write(framed);
    });
  });
}

function expectSecurityHeaders(answer: Answer) {
  expect(answer.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(answer.headers['x-content-type-options']).toBe('nosniff');
  expect(answer.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
  expect(answer.headers['x-frame-options']).toBe('DENY');
}

beforeAll(async () => {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('setup-database.ts sets DATABASE_URL');
  await createUserAccount({ ...admin, role: 'admin' });
  server = await startRealServer({ databaseUrl, env: { TRUST_PROXY: TRUSTED_PROXY, AUTH_SIGNIN_LIMIT_PER_MINUTE: String(SIGN_IN_LIMIT) } });
  port = Number(new URL(server.baseUrl).port);
  adminCookie = await server.signIn(admin.email, admin.password);
}, 900_000);

afterAll(async () => {
  await server?.stop();
});

describe('the HTTP edge', () => {
  it('sets the security headers on pages, API answers and errors', async () => {
    const page = await send({ path: '/login' });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<html');
    expectSecurityHeaders(page);

    const api = await send({ path: '/api/trpc/session.me' });
    expect(api.status).toBe(200);
    expectSecurityHeaders(api);

    const error = await send({ path: '/api//trpc/session.me' });
    expect(error.status).toBe(400);
    expectSecurityHeaders(error);
  });

  it('refuses non-canonical paths before routing', async () => {
    for (const path of [
      '/api/./trpc/session.me',
      '/api//trpc/session.me',
      '/api/%2e/trpc/session.me',
      '/api/trpc/..%2Ftrpc/session.me',
      '/api/trpc%2fsession.me',
      '/api\\trpc/session.me',
      '/login/../api/trpc/session.me',
      '/annotate/%ff',
      '/admin/projects/new%2',
    ]) {
      const answer = await send({ path });
      expect({ path, status: answer.status }).toEqual({ path, status: 400 });
      expect(JSON.parse(answer.text).error.message).toMatch(/request path/);
    }
  });

  it('answers TRACE and unknown methods with 405, never 500', async () => {
    for (const path of ['/api/trpc/session.me', '/api/auth/get-session', '/api/health', '/login']) {
      const answer = await send({ method: 'TRACE', path });
      expect({ path, status: answer.status }).toEqual({ path, status: 405 });
    }
    expect((await send({ method: 'DELETE', path: '/api/trpc/users.create', headers: { cookie: adminCookie } })).status).toBe(405);
    expect((await send({ method: 'POST', path: '/login', headers: { 'content-type': 'text/plain' }, body: 'x' })).status).toBe(405);
  });

  it('serves /api/health from the database and 404s unknown API paths', async () => {
    const health = await send({ path: '/api/health' });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toMatchObject({ database: 'ok' });
    expect((await send({ path: '/api/trpc-copy/session.me' })).status).toBe(404);
  });
});

describe('body limits', () => {
  it('refuses a declared 2 MB body to a tRPC mutation before reading it', async () => {
    const email = `big-${randomBytes(3).toString('hex')}@example.test`;
    const answer = await mutate('users.create', { email, name: 'x'.repeat(2 * 1024 * 1024), password: 'long enough password', role: 'annotator' }, { cookie: adminCookie });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text).error.message).toMatch(/1 MB/);
    expect(await db.user.count({ where: { email } })).toBe(0);
  });

  it('answers a 400 MB Content-Length with 413 after a few kilobytes, without waiting for the rest', async () => {
    const head = `POST /api/trpc/users.create HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${adminCookie}\r\nContent-Type: application/json\r\nContent-Length: ${400 * 1024 * 1024}\r\n\r\n`;
    // 16 KB of the announced 400 MB: the answer comes from the head alone, nothing is buffered.
    const result = await sendIncomplete({ head, body: Buffer.alloc(16 * 1024, 0x20), chunked: false });
    expect(result.statusLine).toBe('HTTP/1.1 413 Payload Too Large');
    expect(result.response).toMatch(/1 MB/);
  });

  it('stops a chunked tRPC body at 1 MB', async () => {
    const head = `POST /api/trpc/users.create HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${adminCookie}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
    // No Content-Length: the limit is found by counting, and the answer comes without the last chunk.
    const result = await sendIncomplete({ head, body: Buffer.alloc(1024 * 1024 + 64 * 1024, 0x20), chunked: true });
    expect(result.statusLine).toBe('HTTP/1.1 413 Payload Too Large');
    expect(result.response).toMatch(/1 MB/);
  });

  it('limits /api/auth bodies to 64 KB, declared or chunked', async () => {
    const body = JSON.stringify({ email: admin.email, password: 'p'.repeat(70 * 1024) });
    const declared = await send({ method: 'POST', path: '/api/auth/sign-in/email', headers: { 'content-type': 'application/json' }, body });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.text).error.message).toMatch(/64 KB/);

    const head = `POST /api/auth/sign-in/email HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const chunked = await sendIncomplete({ head, body: Buffer.alloc(80 * 1024, 0x20), chunked: true });
    expect(chunked.statusLine).toBe('HTTP/1.1 413 Payload Too Large');
    expect(chunked.response).toMatch(/64 KB/);
  });

  it('takes no body on pages', async () => {
    const answer = await send({ method: 'GET', path: '/login', headers: { 'content-type': 'text/plain', 'content-length': '5' }, body: 'hello' });
    expect(answer.status).toBe(413);
  });

  it('accepts a 5 MB import from an admin', async () => {
    const project = await createQueueProject({ taskCount: 0, overlap: 1 });
    const padding = 'lorem ipsum '.repeat(80);
    const lineCount = 5200;
    const lines = Array.from({ length: lineCount }, (_, i) => JSON.stringify({ prompt: `Question ${i}: ${padding}`, completions: [`answer ${i}a`, `answer ${i}b`] }));
    const content = lines.join('\n');
    expect(Buffer.byteLength(content)).toBeGreaterThan(5 * 1024 * 1024);
    const answer = await mutate('imports.commit', { projectId: project.projectId, fileName: 'big.jsonl', content }, { cookie: adminCookie, origin: server.baseUrl });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text).result.data.json).toMatchObject({ promptCount: lineCount, completionCount: 2 * lineCount });
    expect(await db.prompt.count({ where: { projectId: project.projectId } })).toBe(lineCount);
  });

  it('does not give other procedures the import limit by batching them with an import', async () => {
    const answer = await send({
      method: 'POST',
      path: '/api/trpc/imports.preview,users.create?batch=1',
      headers: { 'content-type': 'application/json', cookie: adminCookie },
      body: JSON.stringify({ 0: { json: { projectId: 1, fileName: 'a.jsonl', content: 'x'.repeat(2 * 1024 * 1024) } }, 1: { json: {} } }),
    });
    expect(answer.status).toBe(413);
  });
});

describe('batches', () => {
  const batch = (count: number) => `/api/trpc/${Array.from({ length: count }, () => 'session.me').join(',')}?batch=1&input=${encodeURIComponent(JSON.stringify({}))}`;

  it('answers 20 calls in one request and refuses 21', async () => {
    const twenty = await send({ path: batch(20) });
    expect(twenty.status).toBe(200);
    expect(JSON.parse(twenty.text)).toHaveLength(20);

    const twentyOne = await send({ path: batch(21) });
    expect(twentyOne.status).toBe(400);
    expect(JSON.parse(twentyOne.text).error.message).toMatch(/at most 20 calls/);
  });
});

describe('cross-origin writes', () => {
  const newUser = () => ({ email: `edge-${randomBytes(4).toString('hex')}@example.test`, name: 'Edge user', password: 'long enough password', role: 'annotator' });

  it('refuses a POST from another origin and writes nothing', async () => {
    const user = newUser();
    const answer = await mutate('users.create', user, { cookie: adminCookie, origin: 'https://evil.example' });
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.text).error.message).toMatch(/https:\/\/evil\.example may not change anything/);
    expect(await db.user.count({ where: { email: user.email } })).toBe(0);
  });

  it('refuses a write marked Sec-Fetch-Site: cross-site or same-site, with no Origin', async () => {
    for (const site of ['cross-site', 'same-site']) {
      const user = newUser();
      const answer = await mutate('users.create', user, { cookie: adminCookie, 'sec-fetch-site': site });
      expect({ site, status: answer.status }).toEqual({ site, status: 403 });
      expect(await db.user.count({ where: { email: user.email } })).toBe(0);
    }
    const signOut = await send({ method: 'POST', path: '/api/auth/sign-out', headers: { cookie: adminCookie, origin: 'https://evil.example' } });
    expect(signOut.status).toBe(403);
  });

  it('accepts a same-origin POST, and one with neither header (scripts)', async () => {
    const fromPage = newUser();
    const answer = await mutate('users.create', fromPage, { cookie: adminCookie, origin: server.baseUrl, 'sec-fetch-site': 'same-origin' });
    expect(answer.status).toBe(200);
    expect(await db.user.count({ where: { email: fromPage.email } })).toBe(1);

    const fromScript = newUser();
    expect((await mutate('users.create', fromScript, { cookie: adminCookie })).status).toBe(200);
    expect(await db.user.count({ where: { email: fromScript.email } })).toBe(1);
  });

  it('accepts a page served under another name of this server (Origin matches Host), not a mismatch', async () => {
    const local = `http://localhost:${port}`;
    const sameHost = newUser();
    const answer = await mutate('users.create', sameHost, { cookie: adminCookie, origin: local, host: `localhost:${port}`, 'sec-fetch-site': 'same-origin' });
    expect(answer.status).toBe(200);
    expect(await db.user.count({ where: { email: sameHost.email } })).toBe(1);

    const otherHost = newUser();
    expect((await mutate('users.create', otherHost, { cookie: adminCookie, origin: local })).status).toBe(403);
    expect(await db.user.count({ where: { email: otherHost.email } })).toBe(0);
  });

  it('lets cross-origin reads through (GET is not a write)', async () => {
    const answer = await send({ path: '/api/trpc/session.me', headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } });
    expect(answer.status).toBe(200);
  });
});

describe('client address', () => {
  const failSignIn = (forwardedFor: string, localAddress: string) =>
    send({
      method: 'POST',
      path: '/api/auth/sign-in/email',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
      body: JSON.stringify({ email: admin.email, password: 'wrong password entirely' }),
      localAddress,
    });

  it('ignores X-Forwarded-For from an untrusted peer: forged addresses share the peer sign-in limit', async () => {
    const statuses: number[] = [];
    for (let i = 1; i <= SIGN_IN_LIMIT + 2; i++) statuses.push((await failSignIn(`198.51.100.${i}`, '127.0.0.1')).status);
    expect(statuses.at(-1)).toBe(429);
  });

  it('believes X-Forwarded-For from a trusted proxy: each client has its own limit', async () => {
    const distinct: number[] = [];
    for (let i = 1; i <= SIGN_IN_LIMIT + 2; i++) distinct.push((await failSignIn(`203.0.113.${i}`, TRUSTED_PROXY)).status);
    expect(distinct).not.toContain(429);

    const same: number[] = [];
    for (let i = 1; i <= SIGN_IN_LIMIT + 2; i++) same.push((await failSignIn('203.0.113.200', TRUSTED_PROXY)).status);
    expect(same.at(-1)).toBe(429);
  });
});
