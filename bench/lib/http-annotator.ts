/**
 * Simulated annotators driving the real HTTP API: sign in through better-auth, then loop
 * queue.next -> annotations.submit. Without think time they go as fast as the server answers
 * (the server at saturation); with `thinkMs` each one reads its task for a while before
 * submitting, like a person (latency below saturation). Requests are plain tRPC HTTP calls with
 * superjson bodies, over keep-alive connections from a bounded pool (an http.Agent).
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import superjson from 'superjson';

/**
 * A keep-alive pool of at most `maxSockets` connections: requests beyond it wait in the client
 * (and that wait counts in their latency, as it would behind a proxy's pool). Idle sockets are
 * closed after 4 s, before the server's 5 s keep-alive timeout can close one under a request.
 */
export function createAgent(maxSockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo', timeout: 4000 });
}

const defaultAgent = createAgent(1024);

type Response = { status: number; body: string; setCookie: string[] };

function post(url: string, body: string, headers: Record<string, string>, agent: http.Agent = defaultAgent): Promise<Response> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => {
        const setCookie = response.headers['set-cookie'] ?? [];
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), setCookie });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** Signs in; returns the Cookie header value carrying the session. */
export async function signIn(baseUrl: string, email: string, password: string): Promise<string> {
  const response = await post(`${baseUrl}/api/auth/sign-in/email`, JSON.stringify({ email, password }), { origin: baseUrl });
  if (response.status !== 200) throw new Error(`sign-in failed for ${email}: ${response.status} ${response.body.slice(0, 200)}`);
  return response.setCookie.map((c) => c.split(';')[0]).join('; ');
}

export async function callTrpc<T>(baseUrl: string, path: string, input: unknown, cookie: string, agent?: http.Agent): Promise<T> {
  const response = await post(`${baseUrl}/api/trpc/${path}`, JSON.stringify(superjson.serialize(input)), { cookie, origin: baseUrl }, agent);
  const parsed = JSON.parse(response.body) as { result?: { data: { json: unknown; meta?: unknown } }; error?: { json: { message: string; data?: { code?: string } } } };
  if (response.status !== 200 || !parsed.result) throw new Error(`${path}: ${response.status} ${parsed.error?.json.data?.code ?? ''} ${parsed.error?.json.message ?? response.body.slice(0, 200)}`);
  return superjson.deserialize(parsed.result.data as Parameters<typeof superjson.deserialize>[0]) as T;
}

/** A tRPC query over GET (queries are not accepted as POST). */
export async function queryTrpc<T>(baseUrl: string, path: string, input: unknown, cookie: string): Promise<T> {
  const url = `${baseUrl}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`;
  const response = await fetch(url, { headers: { cookie } });
  const parsed = (await response.json()) as { result?: { data: unknown }; error?: { json: { message: string } } };
  if (!response.ok || !parsed.result) throw new Error(`${path}: ${response.status} ${parsed.error?.json.message ?? ''}`);
  return superjson.deserialize(parsed.result.data as Parameters<typeof superjson.deserialize>[0]) as T;
}

export type LoadResult = { nextMs: number[]; submitMs: number[]; submitted: number; emptyQueue: number; errors: Map<string, number>; seconds: number };

type TaskRef = { taskId: number };
const CHOICES = ['A', 'B', 'tie', 'both_bad'] as const;
const randomAnswer = () => ({ preference: { type: 'pairwise', choice: CHOICES[Math.floor(Math.random() * 4)] } });

/**
 * Runs `cookies.length` annotators for `seconds` (after `warmupSeconds` not recorded). With
 * `isSubmitAndNext`, each answer is sent as annotations.submitAndNext and the task it returns is
 * the next one rated (queue.next only when it returned none), as the rating page does.
 */
export async function runAnnotators(options: {
  baseUrl: string;
  projectId: number;
  cookies: string[];
  seconds: number;
  warmupSeconds: number;
  /** Pause between receiving a task and submitting it: uniform in [min, max] ms. */
  thinkMs?: [number, number];
  isSubmitAndNext?: boolean;
  agent?: http.Agent;
  /** Appended to each call's URL: `?via=adapter` sends the rating calls through tRPC's adapter instead of the hot path (server/http/trpc-hot-path.ts). */
  urlSuffix?: string;
}): Promise<LoadResult> {
  const { baseUrl, projectId, agent } = options;
  const suffix = options.urlSuffix ?? '';
  const result: LoadResult = { nextMs: [], submitMs: [], submitted: 0, emptyQueue: 0, errors: new Map(), seconds: options.seconds };
  const start = performance.now();
  const measureFrom = start + options.warmupSeconds * 1000;
  const stopAt = measureFrom + options.seconds * 1000;

  const annotator = async (cookie: string) => {
    let task: TaskRef | null = null;
    while (performance.now() < stopAt) {
      try {
        if (!task) {
          const t0 = performance.now();
          task = await callTrpc<TaskRef | null>(baseUrl, `queue.next${suffix}`, { projectId, excludeTaskIds: [] }, cookie, agent);
          const t1 = performance.now();
          if (t0 >= measureFrom && t1 <= stopAt) result.nextMs.push(t1 - t0);
          if (!task) {
            result.emptyQueue++;
            await new Promise((r) => setTimeout(r, 50));
            continue;
          }
        }
        if (options.thinkMs) {
          const [min, max] = options.thinkMs;
          await new Promise((r) => setTimeout(r, min + Math.random() * (max - min)));
        }
        const input: Record<string, unknown> = { clientId: randomUUID(), taskId: task.taskId, answer: randomAnswer(), timeSpentMs: 3000 + Math.floor(Math.random() * 20000) };
        const t2 = performance.now();
        if (options.isSubmitAndNext) {
          task = (await callTrpc<{ next: TaskRef | null }>(baseUrl, `annotations.submitAndNext${suffix}`, input, cookie, agent)).next;
        } else {
          await callTrpc(baseUrl, 'annotations.submit', input, cookie, agent);
          task = null;
        }
        const t3 = performance.now();
        if (t2 >= measureFrom && t3 <= stopAt) {
          result.submitMs.push(t3 - t2);
          result.submitted++;
        }
      } catch (error) {
        task = null;
        const key = String(error instanceof Error ? error.message : error).slice(0, 120);
        result.errors.set(key, (result.errors.get(key) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  await Promise.all(options.cookies.map((cookie) => annotator(cookie)));
  return result;
}
