/**
 * A local stand-in for an OpenAI-compatible chat-completions server (vLLM, llama.cpp, Ollama):
 * real HTTP on 127.0.0.1, a random port, so tests exercise the client's sockets, timeouts and
 * aborts for real. Each test sets the behaviour it needs (texts, delays, failures) and asserts on
 * the recorded requests (headers, bodies, arrival times, the peak of concurrent requests).
 *
 *   const server = await startFakeOpenAIServer({ reply: ['4 + 5 = 9. Answer: 9'] });
 *   // baseUrl: server.url (ends with /v1) ... server.requests[0].body.n ...
 *   await server.close();
 */
import http from 'node:http';

export type FakeChatRequest = {
  /** Arrival order, from 0, over the server's life. */
  index: number;
  method: string;
  /** e.g. /v1/chat/completions */
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  body: unknown;
  /** performance.now() when the request (head and body) had arrived. */
  receivedAt: number;
  /** performance.now() when the answer was sent or the client went away; null while open. */
  endedAt: number | null;
  /** The client closed the connection before the answer was sent (its timeout or abort). */
  isAbortedByClient: boolean;
};

/** A way to answer badly. */
export type FakeFailure =
  /** An error status; `retryAfter` is sent as the Retry-After header when given. */
  | { kind: 'status'; status: number; body?: string; retryAfter?: string }
  /** 200 with a body that is not JSON. */
  | { kind: 'malformed-json' }
  /** 200 with this JSON body (a completion with missing or mistyped fields, say). */
  | { kind: 'json'; body: unknown }
  /** The socket is destroyed without an answer. */
  | { kind: 'close' };

export type FakeOpenAIBehaviour = {
  /**
   * The choices' texts: a list (choice i gets texts[i % length]) or a function of the request
   * and the choice index. Default: `Reply <request>.<choice>. Answer: <choice>` (distinct texts
   * and distinct final answers).
   */
  reply?: string[] | ((request: FakeChatRequest, choiceIndex: number) => string);
  /** At most this many choices per answer, whatever `n` asks (servers that ignore n). */
  maxChoices?: number;
  /** Wait before answering (failures included); cut short when the client goes away. */
  delayMs?: number | ((request: FakeChatRequest) => number);
  /** The first `count` requests after this behaviour is set fail this way, then normal answers. */
  failFirst?: { count: number; failure: FakeFailure };
  /** Every request (after failFirst) fails this way; a function may return null to answer normally. */
  fail?: FakeFailure | ((request: FakeChatRequest) => FakeFailure | null);
};

export type FakeOpenAIServer = {
  /** The base URL to configure, e.g. http://127.0.0.1:41234/v1 */
  url: string;
  /** Every request received, in arrival order (live). */
  requests: FakeChatRequest[];
  /** Requests being answered now, and the most there ever were at once. */
  readonly inFlight: number;
  readonly peakInFlight: number;
  /** Replaces the behaviour for requests arriving from now on (failFirst counts restart). */
  setBehaviour(behaviour: FakeOpenAIBehaviour): void;
  /** Resolves once `count` requests have arrived in total; rejects after `timeoutMs` (default 5 s). */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  /** Stops listening and drops open connections and pending answers. */
  close(): Promise<void>;
};

export async function startFakeOpenAIServer(behaviour: FakeOpenAIBehaviour = {}): Promise<FakeOpenAIServer> {
  let current = behaviour;
  let requestsSinceBehaviour = 0;
  let inFlight = 0;
  let peakInFlight = 0;
  const requests: FakeChatRequest[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = http.createServer((req, res) => {
    inFlight++;
    peakInFlight = Math.max(peakInFlight, inFlight);
    let record: FakeChatRequest | null = null;
    res.on('close', () => {
      inFlight--;
      if (record !== null) {
        record.endedAt = performance.now();
        record.isAbortedByClient = !res.writableFinished;
      }
    });

    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const arrived: FakeChatRequest = {
        index: requests.length,
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: parseJsonOr(text),
        receivedAt: performance.now(),
        endedAt: null,
        isAbortedByClient: false,
      };
      record = arrived;
      requests.push(arrived);
      const behaviourNow = current;
      const sequence = requestsSinceBehaviour++;
      for (const waiter of waiters.filter((w) => requests.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }

      const delay = typeof behaviourNow.delayMs === 'function' ? behaviourNow.delayMs(arrived) : (behaviourNow.delayMs ?? 0);
      const answer = () => answerRequest(res, arrived, behaviourNow, sequence);
      if (delay <= 0) return answer();
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) answer();
      }, delay);
      timers.add(timer);
      res.on('close', () => {
        clearTimeout(timer);
        timers.delete(timer);
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake OpenAI server: not listening on a TCP port');
  const { port } = address;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    get inFlight() {
      return inFlight;
    },
    get peakInFlight() {
      return peakInFlight;
    },
    setBehaviour(next) {
      current = next;
      requestsSinceBehaviour = 0;
    },
    waitForRequests(count, timeoutMs = 5000) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`fake OpenAI server: ${requests.length} of ${count} requests after ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function answerRequest(res: http.ServerResponse, request: FakeChatRequest, behaviour: FakeOpenAIBehaviour, sequence: number): void {
  if (request.method !== 'POST' || request.path !== '/v1/chat/completions') {
    return sendJson(res, 404, { error: { message: `No route ${request.method} ${request.path}`, type: 'not_found' } });
  }
  const failure =
    behaviour.failFirst !== undefined && sequence < behaviour.failFirst.count ? behaviour.failFirst.failure : typeof behaviour.fail === 'function' ? behaviour.fail(request) : (behaviour.fail ?? null);
  if (failure !== null) return sendFailure(res, failure);

  const body = isRecord(request.body) ? request.body : {};
  const n = typeof body.n === 'number' && body.n >= 1 ? body.n : 1;
  const count = Math.min(n, behaviour.maxChoices ?? n);
  const reply = behaviour.reply ?? ((r: FakeChatRequest, i: number) => `Reply ${r.index}.${i}. Answer: ${i}`);
  const texts = Array.from({ length: count }, (_, i) => (typeof reply === 'function' ? reply(request, i) : reply[i % reply.length]));
  sendJson(res, 200, {
    id: `chatcmpl-fake-${request.index}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: typeof body.model === 'string' ? body.model : 'fake',
    choices: texts.map((content, index) => ({ index, message: { role: 'assistant', content }, finish_reason: 'stop' })),
    usage: { prompt_tokens: 1, completion_tokens: texts.length, total_tokens: texts.length + 1 },
  });
}

function sendFailure(res: http.ServerResponse, failure: FakeFailure): void {
  switch (failure.kind) {
    case 'status': {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (failure.retryAfter !== undefined) headers['retry-after'] = failure.retryAfter;
      res.writeHead(failure.status, headers);
      res.end(failure.body ?? JSON.stringify({ error: { message: http.STATUS_CODES[failure.status] ?? 'error' } }));
      return;
    }
    case 'malformed-json':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"choices": [{"message": {"content": "cut off');
      return;
    case 'json':
      return sendJson(res, 200, failure.body);
    case 'close':
      res.socket?.destroy();
      return;
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function parseJsonOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
