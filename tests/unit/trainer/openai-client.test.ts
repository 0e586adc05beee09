import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ZOpenAISource, ZSamplingSettings, type OpenAISource } from '@/server/jobs/contracts';
import { GenerationError, generateWithOpenAI, parseRetryAfter, type CompletionRequest, type GenerateWithOpenAIOptions } from '@/trainer/generate/openai-client';
import { startFakeOpenAIServer, type FakeChatRequest, type FakeOpenAIServer } from '@/tests/helpers/fake-openai-server';

const API_KEY = 'sk-test-very-secret-0123456789';
/** Backoff in tests: a few ms, so retries cost nothing; Retry-After is still honoured in full. */
const FAST_RETRIES = { baseDelayMs: 5, maxDelayMs: 20 };

let server: FakeOpenAIServer;

beforeEach(async () => {
  server = await startFakeOpenAIServer();
});
afterEach(async () => {
  await server.close();
});

function sourceFor(baseUrl: string, overrides: Partial<OpenAISource> = {}): OpenAISource {
  return ZOpenAISource.parse({ kind: 'openai', baseUrl, model: 'fake-model', timeoutMs: 5000, ...overrides });
}

function ask(content: string, samples = 1): CompletionRequest {
  return { messages: [{ role: 'user', content }], samples };
}

function generate(overrides: Partial<GenerateWithOpenAIOptions> & { source?: OpenAISource } = {}): Promise<string[][]> {
  return generateWithOpenAI({
    source: sourceFor(server.url),
    apiKey: API_KEY,
    sampling: ZSamplingSettings.parse({ temperature: 0.7, maxNewTokens: 64 }),
    requests: [ask('What is 2 + 3?')],
    retryTiming: FAST_RETRIES,
    ...overrides,
  });
}

/** The GenerationError a call rejects with (fails the test if it resolves or throws something else). */
async function failureOf(promise: Promise<unknown>): Promise<GenerationError> {
  const outcome = await promise.then(
    () => new Error('expected a GenerationError, but the call succeeded'),
    (error: unknown) => error,
  );
  if (!(outcome instanceof GenerationError)) throw outcome;
  expect(outcome.message).not.toContain(API_KEY);
  return outcome;
}

function bodyOf(request: FakeChatRequest): Record<string, unknown> {
  const { body } = request;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error(`not a JSON object: ${String(body)}`);
  return Object.fromEntries(Object.entries(body));
}

/** A port nothing listens on: bound by the OS, then released. */
async function findDeadPort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const address = probe.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return address.port;
}

describe('generateWithOpenAI', () => {
  it('returns n samples per request and sends the OpenAI request body and the API key', async () => {
    const results = await generate({ requests: [ask('What is 2 + 3?', 3), ask('What is 7 * 6?', 2)] });

    expect(results.map((texts) => texts.length)).toEqual([3, 2]);
    expect(results.flat().every((text) => text.startsWith('Reply '))).toBe(true);
    expect(server.requests).toHaveLength(2);
    const first = server.requests.find((r) => JSON.stringify(r.body).includes('2 + 3'));
    if (first === undefined) throw new Error('request for 2 + 3 not received');
    expect(first.method).toBe('POST');
    expect(first.path).toBe('/v1/chat/completions');
    expect(first.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(first.headers['content-type']).toBe('application/json');
    // Unset options are not sent: stop=[], seed=null, topK=0.
    expect(bodyOf(first)).toEqual({
      model: 'fake-model',
      messages: [{ role: 'user', content: 'What is 2 + 3?' }],
      temperature: 0.7,
      top_p: 1,
      max_tokens: 64,
      n: 3,
    });
  });

  it('sends stop, seed and top_k when set, and no Authorization header without a key', async () => {
    const sampling = ZSamplingSettings.parse({ temperature: 0, topK: 40, topP: 0.9, maxNewTokens: 32, stop: ['\n\n'], seed: 7 });
    await generate({ apiKey: null, sampling });

    const [request] = server.requests;
    expect(request.headers.authorization).toBeUndefined();
    expect(bodyOf(request)).toMatchObject({ temperature: 0, top_p: 0.9, max_tokens: 32, stop: ['\n\n'], seed: 7, top_k: 40, n: 1 });
  });

  it('asks again for the rest when the server returns fewer choices than n, with a shifted seed', async () => {
    server.setBehaviour({ maxChoices: 2 });
    const sampling = ZSamplingSettings.parse({ seed: 7 });
    const [texts] = await generate({ sampling, requests: [ask('What is 2 + 3?', 5)] });

    expect(texts).toHaveLength(5);
    expect(server.requests.map((r) => bodyOf(r).n)).toEqual([5, 3, 1]);
    expect(server.requests.map((r) => bodyOf(r).seed)).toEqual([7, 8, 9]);
    expect(texts).toEqual(['Reply 0.0. Answer: 0', 'Reply 0.1. Answer: 1', 'Reply 1.0. Answer: 0', 'Reply 1.1. Answer: 1', 'Reply 2.0. Answer: 0']);
  });

  it('falls back to one choice per request when the server rejects n > 1 (llama.cpp)', async () => {
    server.setBehaviour({
      fail: (r) => (Number(bodyOf(r).n) > 1 ? { kind: 'status', status: 400, body: '{"error":{"message":"Only one completion choice is allowed"}}' } : null),
    });
    const sampling = ZSamplingSettings.parse({ seed: 100 });
    const results = await generate({ sampling, source: sourceFor(server.url, { concurrency: 1 }), requests: [ask('a', 3), ask('b', 2)] });

    expect(results.map((texts) => texts.length)).toEqual([3, 2]);
    // One rejected n = 3, then single choices only, for this request and the next.
    expect(server.requests.map((r) => bodyOf(r).n)).toEqual([3, 1, 1, 1, 1, 1]);
    expect(new Set(server.requests.slice(1, 4).map((r) => bodyOf(r).seed)).size).toBe(3);
  });

  it('reports a 400 that is not about n after one single-choice request', async () => {
    server.setBehaviour({ fail: { kind: 'status', status: 400, body: 'unknown model fake-model' } });
    const error = await failureOf(generate({ requests: [ask('a', 4)] }));

    expect(error.message).toBe(`OpenAI-compatible endpoint ${server.url} answered 400 Bad Request: unknown model fake-model`);
    expect(server.requests.map((r) => bodyOf(r).n)).toEqual([4, 1]);
  });

  it('keeps at most source.concurrency requests in flight', async () => {
    server.setBehaviour({ delayMs: 150 });
    const requests = Array.from({ length: 9 }, (_, i) => ask(`What is ${i} + 1?`));
    const progress: Array<[number, number]> = [];
    const results = await generate({ source: sourceFor(server.url, { concurrency: 3 }), requests, onProgress: (done, total) => progress.push([done, total]) });

    expect(results).toHaveLength(9);
    expect(server.requests).toHaveLength(9);
    // Exactly 3: never more, and the pool really runs them in parallel.
    expect(server.peakInFlight).toBe(3);
    expect(progress.map(([done]) => done)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(progress.every(([, total]) => total === 9)).toBe(true);
  });

  it('keeps results in request order whatever order the answers come in', async () => {
    // The first request is the slowest, so it finishes last.
    server.setBehaviour({ delayMs: (r) => (JSON.stringify(r.body).includes('#0') ? 100 : 0), reply: (r) => JSON.stringify(bodyOf(r).messages).replace(/\D/g, '') });
    const results = await generate({ source: sourceFor(server.url, { concurrency: 4 }), requests: [ask('#0'), ask('#1'), ask('#2'), ask('#3')] });
    expect(results).toEqual([['0'], ['1'], ['2'], ['3']]);
  });

  it('fails with a clear error after retrying a timeout', async () => {
    server.setBehaviour({ delayMs: 3000 });
    const error = await failureOf(generate({ source: sourceFor(server.url, { timeoutMs: 100, maxRetries: 1 }) }));

    expect(error.message).toBe(`OpenAI-compatible endpoint ${server.url} timed out after 100 ms (after 2 attempts)`);
    expect(error.kind).toBe('timeout');
    expect(error.attempts).toBe(2);
    expect(server.requests).toHaveLength(2);
    // The client hung up on both: a timed-out request does not keep the server busy.
    await vi.waitFor(() => expect(server.requests.every((r) => r.isAbortedByClient)).toBe(true));
  });

  it('waits out a 429 with Retry-After, then succeeds', async () => {
    server.setBehaviour({ failFirst: { count: 1, failure: { kind: 'status', status: 429, retryAfter: '1', body: 'slow down' } } });
    const [texts] = await generate({ source: sourceFor(server.url, { maxRetries: 2 }) });

    expect(texts).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
    // Backoff alone would be a few ms (FAST_RETRIES): the gap is the server's one second.
    expect(server.requests[1].receivedAt - server.requests[0].receivedAt).toBeGreaterThanOrEqual(990);
  });

  it('caps a huge Retry-After', async () => {
    server.setBehaviour({ failFirst: { count: 1, failure: { kind: 'status', status: 503, retryAfter: '3600' } } });
    const [texts] = await generate({ retryTiming: { ...FAST_RETRIES, maxRetryAfterMs: 50 } });

    expect(texts).toHaveLength(1);
    const gap = server.requests[1].receivedAt - server.requests[0].receivedAt;
    expect(gap).toBeGreaterThanOrEqual(45);
    // Uncapped, the test would wait an hour; the bound only documents the intent.
    expect(gap).toBeLessThan(10_000);
  });

  it('retries 5xx and a closed connection, then succeeds', async () => {
    let count = 0;
    server.setBehaviour({ fail: () => (++count === 1 ? { kind: 'status', status: 500 } : count === 2 ? { kind: 'close' } : null) });
    const [texts] = await generate({ source: sourceFor(server.url, { maxRetries: 3 }) });

    expect(texts).toHaveLength(1);
    expect(server.requests).toHaveLength(3);
  });

  it('reports the last status after every retry of a 503', async () => {
    server.setBehaviour({ fail: { kind: 'status', status: 503, body: '  model   is\nloading  ' } });
    const error = await failureOf(generate({ source: sourceFor(server.url, { maxRetries: 2 }) }));

    expect(error.message).toBe(`OpenAI-compatible endpoint ${server.url} answered 503 Service Unavailable: model is loading (after 3 attempts)`);
    expect(error).toMatchObject({ kind: 'http', status: 503, attempts: 3 });
    expect(server.requests).toHaveLength(3);
  });

  it('reports a connection closed without an answer after every retry', async () => {
    server.setBehaviour({ fail: { kind: 'close' } });
    const error = await failureOf(generate({ source: sourceFor(server.url, { maxRetries: 1 }) }));

    expect(error.message).toBe(`OpenAI-compatible endpoint ${server.url} did not answer: the connection was closed before a complete answer (after 2 attempts)`);
    expect(error.kind).toBe('unreachable');
  });

  it('fails at once on 401 without retrying, and never shows the API key even when the server echoes it', async () => {
    server.setBehaviour({
      fail: (r) => ({ kind: 'status', status: 401, body: JSON.stringify({ error: { message: `Invalid key in "${String(r.headers.authorization)}"` } }) }),
    });
    const error = await failureOf(generate({ source: sourceFor(server.url, { maxRetries: 3 }) }));

    expect(server.requests).toHaveLength(1);
    expect(error).toMatchObject({ kind: 'http', status: 401, attempts: 1 });
    expect(error.message).toBe(`OpenAI-compatible endpoint ${server.url} answered 401 Unauthorized: {"error":{"message":"Invalid key in \\"Bearer [redacted]\\""}}`);
  });

  it('fails at once on 400 and 404, quoting at most 200 characters of the body', async () => {
    server.setBehaviour({ fail: { kind: 'status', status: 400, body: 'x'.repeat(500) } });
    const badRequest = await failureOf(generate());
    expect(badRequest.message).toBe(`OpenAI-compatible endpoint ${server.url} answered 400 Bad Request: ${'x'.repeat(200)}…`);

    server.setBehaviour({});
    const wrongPath = await failureOf(generate({ source: sourceFor(`${server.url}/nope`) }));
    expect(wrongPath.message).toMatch(/^OpenAI-compatible endpoint http:\/\/127\.0\.0\.1:\d+\/v1\/nope answered 404 Not Found: /);
    expect(server.requests).toHaveLength(2);
  });

  it.each([
    [{ kind: 'malformed-json' as const }, 'the body is not JSON: {"choices": [{"message": {"content": "cut off'],
    [{ kind: 'json' as const, body: { choices: [{ message: { role: 'assistant' } }] } }, 'choices[0].message.content is missing'],
    [{ kind: 'json' as const, body: { choices: [{ message: { content: 'ok' } }, { message: { content: 42 } }] } }, 'choices[1].message.content is a number, not a string'],
    [{ kind: 'json' as const, body: { choices: [{ text: 'legacy completion' }] } }, 'choices[0].message is missing'],
    [{ kind: 'json' as const, body: { choices: 'none' } }, 'choices is a string, not an array'],
    [{ kind: 'json' as const, body: { choices: [] } }, 'choices is empty'],
    [{ kind: 'json' as const, body: { error: { message: 'model not found' } } }, 'choices is missing (error: model not found)'],
    [{ kind: 'json' as const, body: [1, 2] }, 'the body is an array, not a JSON object'],
  ])('reports a malformed response without retrying: %j', async (failure, problem) => {
    server.setBehaviour({ fail: failure });
    const error = await failureOf(generate({ source: sourceFor(server.url, { maxRetries: 3 }) }));

    expect(error.message).toBe(`OpenAI-compatible endpoint ${server.url} returned a malformed response: ${problem}`);
    expect(error.kind).toBe('malformed');
    expect(server.requests).toHaveLength(1);
  });

  it('reports a dead endpoint after every retry', async () => {
    const port = await findDeadPort();
    const baseUrl = `http://127.0.0.1:${port}/v1`;
    const error = await failureOf(generate({ source: sourceFor(baseUrl, { maxRetries: 3 }) }));

    expect(error.message).toBe(`OpenAI-compatible endpoint ${baseUrl} did not answer: connection refused (after 4 attempts)`);
    expect(error).toMatchObject({ kind: 'unreachable', attempts: 4, endpoint: baseUrl });
  });

  it('fails the whole batch on the first unrecoverable error and aborts the requests in flight', async () => {
    server.setBehaviour({
      delayMs: (r) => (JSON.stringify(r.body).includes('bad') ? 50 : 10_000),
      fail: (r) => (JSON.stringify(r.body).includes('bad') ? { kind: 'status', status: 404, body: 'no such model' } : null),
    });
    const requests = [ask('slow 1'), ask('bad'), ask('slow 2'), ask('slow 3'), ask('slow 4')];
    const error = await failureOf(generate({ source: sourceFor(server.url, { concurrency: 2 }), requests }));

    expect(error.message).toBe(`OpenAI-compatible endpoint ${server.url} answered 404 Not Found: no such model`);
    // The pool stops taking requests; the slow one in flight is hung up on.
    expect(server.requests.length).toBeLessThan(requests.length);
    await vi.waitFor(() => expect(server.requests.filter((r) => JSON.stringify(r.body).includes('slow')).every((r) => r.isAbortedByClient)).toBe(true));
  });

  it('stops when the caller aborts, hanging up on requests in flight', async () => {
    server.setBehaviour({ delayMs: 10_000 });
    const controller = new AbortController();
    const pending = generate({ source: sourceFor(server.url, { concurrency: 2 }), requests: [ask('a'), ask('b'), ask('c')], signal: controller.signal });
    await server.waitForRequests(2);
    controller.abort();
    const error = await failureOf(pending);

    expect(error.kind).toBe('cancelled');
    expect(error.message).toBe(`Generation from OpenAI-compatible endpoint ${server.url} was cancelled`);
    expect(server.requests).toHaveLength(2);
    await vi.waitFor(() => expect(server.requests.every((r) => r.isAbortedByClient)).toBe(true));
  });

  it('stops during a retry wait when the caller aborts', async () => {
    server.setBehaviour({ fail: { kind: 'status', status: 429, retryAfter: '30' } });
    const controller = new AbortController();
    const pending = generate({ signal: controller.signal });
    await server.waitForRequests(1);
    controller.abort();
    const error = await failureOf(pending);

    expect(error.kind).toBe('cancelled');
    expect(server.requests).toHaveLength(1);
  });

  it('does not send anything when the signal is already aborted', async () => {
    const error = await failureOf(generate({ signal: AbortSignal.abort() }));
    expect(error.kind).toBe('cancelled');
    expect(server.requests).toHaveLength(0);
  });

  it('returns nothing for no requests and rejects requests asking for no samples', async () => {
    await expect(generate({ requests: [] })).resolves.toEqual([]);
    await expect(generate({ requests: [ask('x', 0)] })).rejects.toThrow(RangeError);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');

  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now)).toBe(0);
  });

  it('returns null when absent or unreadable', () => {
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-5', now)).toBeNull();
  });
});
