/**
 * The two calls every rating makes (queue.next, annotations.submitAndNext), served without the
 * fetch-API detour of tRPC's Node adapter.
 *
 * The adapter turns each Node request into an undici Request with a web-stream body and an
 * AbortSignal.any, and writes a web Response back through another stream. For the rating loop
 * that detour cost more CPU than the procedure's own JavaScript: on the 2-core reference machine,
 * 20 keep-alive clients posting a one-call batch with a 5 KB answer, 0.66-1.0 ms of server CPU
 * per request through the adapter against 0.21-0.26 ms here (same router, same procedure).
 *
 * What stays the same: the same router, procedure, middleware (access, input and output
 * validation), context and error formatter run; only the HTTP framing is done here. The framing
 * follows tRPC's own (resolveResponse and its JSON content handler, @trpc/server 11.22), and
 * tests/integration/trpc-hot-path.test.ts sends the same requests to this path and to the
 * adapter and requires the same status and body. Anything this path does not recognise (a batch
 * of several calls, another procedure or method, a body without Content-Length, a streaming
 * accept header) goes to the adapter.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TRPCError } from '@trpc/server';
import { getErrorShape, getHTTPStatusCode, getProcedureAtPath, getTRPCErrorFromUnknown, transformTRPCResponse } from '@trpc/server/unstable-core-do-not-import';
import { appRouter } from '../api/root';
import { createContext } from '../api/trpc';
import { toHeaders } from './headers';

const HOT_PROCEDURES: ReadonlySet<string> = new Set(['queue.next', 'annotations.submitAndNext']);
const config = appRouter._def._config;

type HotCall = { path: string; isBatch: boolean; length: number };

/** The call when this path can serve the request exactly as the adapter would; null otherwise. */
function recogniseHotCall(req: IncomingMessage, url: URL, maxBodyBytes: number): HotCall | null {
  if (req.method !== 'POST') return null;
  const path = url.pathname.slice('/api/trpc/'.length);
  if (!HOT_PROCEDURES.has(path)) return null;
  let isBatch = false;
  for (const [key, value] of url.searchParams) {
    if (key !== 'batch') return null;
    isBatch = value === '1';
  }
  const contentType = req.headers['content-type']?.toLowerCase().split(';', 1)[0].trim();
  if (contentType !== 'application/json') return null;
  if (req.headers['trpc-accept'] !== undefined || req.headers['transfer-encoding'] !== undefined) return null;
  const length = Number(req.headers['content-length']);
  if (!Number.isSafeInteger(length) || length < 0 || length > maxBodyBytes) return null;
  return { path, isBatch, length };
}

function readBody(req: IncomingMessage, length: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      // Node's parser never delivers more than Content-Length; this is a second lock on the door.
      if (received > length) req.destroy(new Error('body longer than its Content-Length'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Serves the request and returns true, or returns false (nothing read or written) for the adapter. */
export function serveHotCall(req: IncomingMessage, res: ServerResponse, url: URL, maxBodyBytes: number): boolean {
  const call = recogniseHotCall(req, url, maxBodyBytes);
  if (!call) return false;
  void respond(req, res, call).catch((error: unknown) => {
    console.error('[trpc] hot path failed:', error);
    if (res.headersSent) res.destroy();
    else {
      res.statusCode = 500;
      res.end();
    }
  });
  return true;
}

async function respond(req: IncomingMessage, res: ServerResponse, call: HotCall): Promise<void> {
  const body = await readBody(req, call.length);
  const procedure = await getProcedureAtPath(appRouter, call.path);
  if (!procedure) throw new Error(`${call.path} is not in the router`);

  // As tRPC's JSON handler: the input is read lazily, when the procedure asks for it, and
  // deserialised with the router's transformer; a body that does not parse is this call's
  // BAD_REQUEST with the parser's message.
  let input: unknown;
  const readInput = () => {
    const parsed: unknown = JSON.parse(body);
    if (!call.isBatch) return config.transformer.input.deserialize(parsed);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new TRPCError({ code: 'BAD_REQUEST', message: '"input" needs to be an object when doing a batch call' });
    }
    const first = (parsed as Record<string, unknown>)['0'];
    return first === undefined ? undefined : config.transformer.input.deserialize(first);
  };
  const getRawInput = async () => {
    try {
      input = readInput();
      return input;
    } catch (cause) {
      if (cause instanceof TRPCError) throw cause;
      throw new TRPCError({ code: 'BAD_REQUEST', message: cause instanceof Error ? cause.message : 'Invalid input', cause });
    }
  };

  let ctx: Awaited<ReturnType<typeof createContext>> | undefined;
  let item: { result: { data: unknown } } | { error: ReturnType<typeof getErrorShape> };
  try {
    ctx = await createContext({ headers: toHeaders(req.headers) });
    const data = await procedure({ path: call.path, getRawInput, ctx, type: 'mutation', signal: undefined, batchIndex: 0 });
    item = { result: { data } };
  } catch (cause) {
    const error = getTRPCErrorFromUnknown(cause);
    item = { error: getErrorShape({ config, ctx, error, input, path: call.path, type: 'mutation' }) };
  }
  const json = call.isBatch ? [item] : item;
  const text = JSON.stringify(transformTRPCResponse(config, json));
  res.writeHead(getHTTPStatusCode(json), {
    vary: 'trpc-accept, accept',
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
