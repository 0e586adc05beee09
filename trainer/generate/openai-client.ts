/**
 * A client for OpenAI-compatible chat-completions endpoints (vLLM, llama.cpp server, Ollama, ...):
 * the "generate" job's way to sample completions from a model the platform does not host.
 *
 *   POST {baseUrl}/chat/completions  {model, messages, temperature, top_p, max_tokens, n, stop?, seed?, top_k?}
 *
 * A batch is all or nothing: the caller stores samples only when every request succeeded, so the
 * first unrecoverable failure aborts the requests still in flight and rejects with one
 * GenerationError whose message an admin can act on (it names the endpoint, never the API key).
 *
 * Why each behaviour:
 * - Concurrency: a fixed pool of `source.concurrency` workers pulls requests from a shared cursor,
 *   so at most that many HTTP requests are ever in flight (self-hosted servers queue or fail when
 *   flooded). A pool needs no semaphore and no dependency.
 * - Retries: network errors, timeouts, 408, 429 and 5xx are usually transient (a server starting,
 *   a full queue), so they are retried with exponential backoff and jitter; a `Retry-After` on
 *   429/503 is the server telling us when to come back and is obeyed (capped, so a misconfigured
 *   proxy cannot park the job for hours). Other 4xx (bad model name, bad key, bad URL) will not
 *   fix themselves: they fail at once. A malformed 200 is not retried either: a server that
 *   answers in the wrong shape does so every time.
 * - Fewer choices than `n`: some servers and proxies ignore `n`; the client asks again for the
 *   rest, shifting the seed so a seeded server does not return the same samples again. llama.cpp's
 *   server rejects `n` > 1 with a 400: the client then asks for one choice at a time.
 * - Timeout per attempt covers the whole exchange, body included (a server can stall mid-body).
 */
import { setMaxListeners } from 'node:events';
import { STATUS_CODES } from 'node:http';
import type { OpenAISource, SamplingSettings } from '../../server/jobs/contracts';
import type { ChatMessage } from '../model/chat-template';

/** One prompt to sample: the chat messages sent as is, and how many completions are wanted. */
export type CompletionRequest = { messages: ChatMessage[]; samples: number };

/**
 * - unreachable: no HTTP answer (refused, reset, DNS) after every retry;
 * - timeout: no complete answer within `timeoutMs` after every retry;
 * - http: an error status (at once for most 4xx, after every retry for 408/429/5xx);
 * - malformed: a 2xx whose body is not a chat completion;
 * - cancelled: the caller's AbortSignal fired.
 */
export type GenerationFailure = 'unreachable' | 'timeout' | 'http' | 'malformed' | 'cancelled';

export class GenerationError extends Error {
  readonly kind: GenerationFailure;
  /** The base URL as shown to admins (credentials in the URL removed). */
  readonly endpoint: string;
  /** HTTP attempts made for the request that failed (0 when cancelled before any). */
  readonly attempts: number;
  /** The HTTP status of the last answer, for kind 'http'. */
  readonly status: number | null;

  constructor(kind: GenerationFailure, endpoint: string, message: string, details: { attempts: number; status?: number | null; cause?: unknown }) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'GenerationError';
    this.kind = kind;
    this.endpoint = endpoint;
    this.attempts = details.attempts;
    this.status = details.status ?? null;
  }
}

export type RetryTiming = {
  /** First backoff delay; doubles each retry (default 500 ms). */
  baseDelayMs: number;
  /** Largest backoff delay (default 10 s). */
  maxDelayMs: number;
  /** Largest wait a Retry-After header may impose (default 60 s). */
  maxRetryAfterMs: number;
};

export const DEFAULT_RETRY_TIMING: RetryTiming = { baseDelayMs: 500, maxDelayMs: 10_000, maxRetryAfterMs: 60_000 };

export type GenerateWithOpenAIOptions = {
  /** A parsed ZOpenAISource: endpoint, model, timeout, concurrency, retries. */
  source: OpenAISource;
  /** Sent as `Authorization: Bearer <key>`; null (or empty) sends no Authorization header. */
  apiKey: string | null;
  sampling: SamplingSettings;
  requests: CompletionRequest[];
  /** Cancels the whole batch: in-flight requests are aborted and the call rejects ('cancelled'). */
  signal?: AbortSignal;
  /** Called after each request has all its samples (the worker heartbeats with it). */
  onProgress?: (completed: number, total: number) => void;
  /** Tests shorten the backoff; production uses the defaults. */
  retryTiming?: Partial<RetryTiming>;
  fetch?: typeof fetch;
};

/**
 * Samples every request; `result[i]` holds exactly `requests[i].samples` texts. Rejects with a
 * GenerationError on the first unrecoverable failure, after aborting the other requests.
 */
export async function generateWithOpenAI(options: GenerateWithOpenAIOptions): Promise<string[][]> {
  const { requests, source } = options;
  for (const [index, request] of requests.entries()) {
    if (!Number.isInteger(request.samples) || request.samples < 1) throw new RangeError(`requests[${index}].samples must be an integer >= 1, got ${request.samples}`);
    if (request.messages.length === 0) throw new RangeError(`requests[${index}].messages is empty`);
  }
  const context = createContext(options);
  if (options.signal?.aborted) throw cancelledError(context, 0);
  if (requests.length === 0) return [];

  // One controller for the batch: the caller's signal or the first failure aborts everything.
  const batch = new AbortController();
  // Each in-flight attempt and retry wait listens to the batch signal; up to 64 workers is no leak.
  setMaxListeners(4 * source.concurrency + 10, batch.signal);
  const abortBatch = () => batch.abort();
  options.signal?.addEventListener('abort', abortBatch, { once: true });

  const results: string[][] = new Array(requests.length);
  let nextIndex = 0;
  let completed = 0;
  let firstError: unknown = null;
  const runWorker = async () => {
    while (firstError === null && !batch.signal.aborted && nextIndex < requests.length) {
      const index = nextIndex++;
      try {
        results[index] = await sampleRequest(context, requests[index], batch.signal);
        completed++;
        options.onProgress?.(completed, requests.length);
      } catch (error) {
        // Later errors are mostly the cancellations this abort causes: the first one is the story.
        if (firstError === null) firstError = error;
        batch.abort();
      }
    }
  };
  try {
    const workers = Math.min(Math.max(1, source.concurrency), requests.length);
    await Promise.all(Array.from({ length: workers }, runWorker));
  } finally {
    options.signal?.removeEventListener('abort', abortBatch);
  }
  if (firstError !== null) throw firstError;
  if (options.signal?.aborted) throw cancelledError(context, 0);
  return results;
}

/**
 * Milliseconds a Retry-After header asks to wait: delta-seconds ("3") or an HTTP date; null when
 * absent or unreadable. A date in the past means 0.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP date names its month; without the check V8 would read "-5" as the year -5.
  const date = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - nowMs);
}

// ───────────── internals ─────────────

type Context = {
  url: string;
  /** How messages name the endpoint: the base URL without credentials. */
  endpoint: string;
  model: string;
  sampling: SamplingSettings;
  headers: Record<string, string>;
  apiKey: string | null;
  timeoutMs: number;
  maxRetries: number;
  timing: RetryTiming;
  fetch: typeof fetch;
  /** Set once the server rejected n > 1: every later request of the batch asks for one choice. */
  isSingleChoiceOnly: boolean;
};

/** An attempt that failed in a way worth retrying. */
type RetriableFailure = { kind: 'unreachable' | 'timeout' | 'http'; problem: string; status: number | null; retryAfterMs: number | null; cause?: unknown };

function createContext(options: GenerateWithOpenAIOptions): Context {
  const apiKey = options.apiKey === null || options.apiKey === '' ? null : options.apiKey;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (apiKey !== null) headers.authorization = `Bearer ${apiKey}`;
  return {
    url: `${options.source.baseUrl.replace(/\/+$/, '')}/chat/completions`,
    endpoint: displayEndpoint(options.source.baseUrl),
    model: options.source.model,
    sampling: options.sampling,
    headers,
    apiKey,
    timeoutMs: options.source.timeoutMs,
    maxRetries: options.source.maxRetries,
    timing: { ...DEFAULT_RETRY_TIMING, ...options.retryTiming },
    fetch: options.fetch ?? fetch,
    isSingleChoiceOnly: false,
  };
}

/** All samples of one request: asks again while the server returns fewer choices than wanted. */
async function sampleRequest(context: Context, request: CompletionRequest, signal: AbortSignal): Promise<string[]> {
  const texts: string[] = [];
  for (let round = 0; texts.length < request.samples; round++) {
    const wanted = request.samples - texts.length;
    const n = context.isSingleChoiceOnly ? 1 : wanted;
    let choices: string[];
    try {
      choices = await postWithRetries(context, buildRequestBody(context, request.messages, n, round), signal);
    } catch (error) {
      // llama.cpp's server rejects n > 1 with a 400 ("Only one completion choice is allowed"): from
      // then on the batch asks one choice at a time. Any other 400 comes back on the n = 1 request
      // and is reported from there, at the cost of one extra request.
      if (n > 1 && error instanceof GenerationError && error.status === 400) {
        context.isSingleChoiceOnly = true;
        continue;
      }
      throw error;
    }
    // An empty list would make this loop spin forever; a server that returns nothing is broken.
    if (choices.length === 0) throw malformedError(context, 'choices is empty', 1);
    texts.push(...choices.slice(0, n));
  }
  return texts;
}

function buildRequestBody(context: Context, messages: ChatMessage[], n: number, round: number): Record<string, unknown> {
  const { sampling } = context;
  const body: Record<string, unknown> = {
    model: context.model,
    messages: messages.map((message) => ({ role: message.role, content: message.content })),
    temperature: sampling.temperature,
    top_p: sampling.topP,
    max_tokens: sampling.maxNewTokens,
    n,
  };
  if (sampling.stop.length > 0) body.stop = sampling.stop;
  // A top-up request with the same seed would reproduce the samples already received.
  if (sampling.seed !== null) body.seed = (sampling.seed + round) % 2_147_483_648;
  // Not OpenAI-standard; vLLM accepts it, and only a non-default value is worth the risk of a strict server.
  if (sampling.topK > 0) body.top_k = sampling.topK;
  return body;
}

async function postWithRetries(context: Context, body: Record<string, unknown>, signal: AbortSignal): Promise<string[]> {
  const payload = JSON.stringify(body);
  for (let attempt = 1; ; attempt++) {
    const outcome = await postOnce(context, payload, signal, attempt);
    if (Array.isArray(outcome)) return outcome;
    if (attempt > context.maxRetries) {
      const attempts = `(after ${attempt} attempt${attempt === 1 ? '' : 's'})`;
      throw createError(context, outcome.kind, `${outcome.problem} ${attempts}`, { attempts: attempt, status: outcome.status, cause: outcome.cause });
    }
    const delay = outcome.retryAfterMs !== null ? Math.min(outcome.retryAfterMs, context.timing.maxRetryAfterMs) : backoffDelay(context.timing, attempt);
    await waitFor(delay, signal);
    if (signal.aborted) throw cancelledError(context, attempt);
  }
}

/** Equal jitter: half the exponential delay is fixed, half random, so retries neither bunch up nor come back at once. */
function backoffDelay(timing: RetryTiming, attempt: number): number {
  const exponential = Math.min(timing.maxDelayMs, timing.baseDelayMs * 2 ** (attempt - 1));
  // Math.random on purpose: jitter must differ between workers, not be reproducible.
  return exponential / 2 + Math.random() * (exponential / 2);
}

/** One HTTP exchange: the sampled texts, a retriable failure, or a thrown GenerationError. */
async function postOnce(context: Context, payload: string, signal: AbortSignal, attempt: number): Promise<string[] | RetriableFailure> {
  if (signal.aborted) throw cancelledError(context, attempt - 1);
  const controller = new AbortController();
  let isTimedOut = false;
  const timer = setTimeout(() => {
    isTimedOut = true;
    controller.abort();
  }, context.timeoutMs);
  const abortAttempt = () => controller.abort();
  signal.addEventListener('abort', abortAttempt, { once: true });
  try {
    let response: Response;
    let text: string;
    try {
      response = await context.fetch(context.url, { method: 'POST', headers: context.headers, body: payload, signal: controller.signal });
      text = await response.text();
    } catch (error) {
      if (signal.aborted) throw cancelledError(context, attempt);
      if (isTimedOut) return { kind: 'timeout', problem: `timed out after ${context.timeoutMs} ms`, status: null, retryAfterMs: null };
      return { kind: 'unreachable', problem: `did not answer: ${describeNetworkError(error)}`, status: null, retryAfterMs: null, cause: error };
    }
    if (response.ok) return parseChoices(context, text, attempt);

    const statusText = response.statusText || STATUS_CODES[response.status] || 'error';
    const problem = `answered ${response.status} ${statusText}: ${snippetOf(text, 200)}`;
    const isRetriable = response.status === 408 || response.status === 429 || response.status >= 500;
    if (!isRetriable) throw createError(context, 'http', problem, { attempts: attempt, status: response.status });
    const retryAfterMs = response.status === 429 || response.status === 503 ? parseRetryAfter(response.headers.get('retry-after'), Date.now()) : null;
    return { kind: 'http', problem, status: response.status, retryAfterMs };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', abortAttempt);
  }
}

/** The texts of `choices[*].message.content`, or a 'malformed' GenerationError naming the first bad field. */
function parseChoices(context: Context, text: string, attempt: number): string[] {
  const malformed = (problem: string) => malformedError(context, problem, attempt);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw malformed(`the body is not JSON: ${snippetOf(text, 100)}`);
  }
  if (!isRecord(json)) throw malformed(`the body is ${typeName(json)}, not a JSON object`);
  const { choices } = json;
  if (choices === undefined) {
    // Some proxies answer 200 with {"error": {...}}: its message is the useful part.
    const error = isRecord(json.error) && typeof json.error.message === 'string' ? ` (error: ${snippetOf(json.error.message, 200)})` : '';
    throw malformed(`choices is missing${error}`);
  }
  if (!Array.isArray(choices)) throw malformed(`choices is ${typeName(choices)}, not an array`);
  return choices.map((choice: unknown, i) => {
    if (!isRecord(choice)) throw malformed(`choices[${i}] is ${typeName(choice)}, not an object`);
    const { message } = choice;
    if (message === undefined) throw malformed(`choices[${i}].message is missing`);
    if (!isRecord(message)) throw malformed(`choices[${i}].message is ${typeName(message)}, not an object`);
    const { content } = message;
    if (content === undefined) throw malformed(`choices[${i}].message.content is missing`);
    if (typeof content !== 'string') throw malformed(`choices[${i}].message.content is ${typeName(content)}, not a string`);
    return content;
  });
}

function createError(context: Context, kind: GenerationFailure, problem: string, details: { attempts: number; status?: number | null; cause?: unknown }): GenerationError {
  // A server may echo the key back in an error body ("invalid key sk-..."): it never reaches a message.
  const message = redact(`OpenAI-compatible endpoint ${context.endpoint} ${problem}`, context.apiKey);
  return new GenerationError(kind, context.endpoint, message, details);
}

function malformedError(context: Context, problem: string, attempts: number): GenerationError {
  return createError(context, 'malformed', `returned a malformed response: ${problem}`, { attempts });
}

function cancelledError(context: Context, attempts: number): GenerationError {
  return new GenerationError('cancelled', context.endpoint, `Generation from OpenAI-compatible endpoint ${context.endpoint} was cancelled`, { attempts });
}

function redact(text: string, secret: string | null): string {
  return secret === null ? text : text.split(secret).join('[redacted]');
}

/** The base URL without user:password, which some setups embed. */
function displayEndpoint(baseUrl: string): string {
  try {
    const url = new URL(baseUrl);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/+$/, '');
  } catch {
    return baseUrl;
  }
}

/** Node's fetch throws "fetch failed" with the real reason in `cause` (sometimes an AggregateError of attempts per address). */
function describeNetworkError(error: unknown): string {
  let cause: unknown = error instanceof Error && error.cause !== undefined ? error.cause : error;
  if (cause instanceof AggregateError && cause.errors.length > 0) cause = cause.errors[0];
  const code = isRecord(cause) && typeof cause.code === 'string' ? cause.code : null;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return 'the connection was closed before a complete answer';
    case 'ENOTFOUND':
      return 'host not found';
    case 'EAI_AGAIN':
      return 'DNS lookup failed';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connection timed out';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return code === null ? message : `${message} (${code})`;
}

/** Whitespace collapsed and cut, for quoting a body in a one-line message. */
function snippetOf(text: string, maxChars: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return '(empty body)';
  return flat.length > maxChars ? `${flat.slice(0, maxChars)}…` : flat;
}

function waitFor(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}
