/**
 * /api/trpc/*: the tRPC API through its own Node adapter, never through Next.
 *
 * The limits are decided from the URL before any of the body is read: the procedure names are in
 * the path (`/api/trpc/queue.next,queue.progress`), so a batch's size and whether it is an import
 * (the only calls that carry whole files) are known up front.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { appRouter } from '../api/root';
import { createContext } from '../api/trpc';
import { formatBytes } from './body';
import { toHeaders } from './headers';
import { serveHotCall } from './trpc-hot-path';

export const TRPC_PREFIX = '/api/trpc/';
/** Every call but an import: the largest inputs are annotation answers and form definitions. */
export const TRPC_MAX_BODY_BYTES = 1024 * 1024;
/** Imports send whole files; the import service itself refuses files over 50 MB with a clear error. */
export const IMPORT_MAX_BODY_BYTES = 64 * 1024 * 1024;
/**
 * One request's calls run concurrently on one connection pool: 1,400 in one batch once slowed
 * another user's call from 6 to 434 ms. The browser's httpBatchLink (app/_trpc/react.tsx) sends
 * at most this many.
 */
export const TRPC_MAX_BATCH_CALLS = 20;
const IMPORT_PROCEDURES: ReadonlySet<string> = new Set(['imports.preview', 'imports.commit']);

export type TrpcPlan = { ok: true; maxBodyBytes: number; procedures: string[] } | { ok: false; message: string };

/** The procedures a tRPC request names and the body limit that follows, from its pathname alone. */
export function planTrpcRequest(pathname: string): TrpcPlan {
  let names: string;
  try {
    // tRPC decodes the path the same way before splitting it at commas.
    names = decodeURIComponent(pathname.slice(TRPC_PREFIX.length));
  } catch {
    return { ok: false, message: 'The procedure names in the URL are not valid URL-encoding.' };
  }
  const procedures = names.split(',');
  if (procedures.length > TRPC_MAX_BATCH_CALLS) {
    return { ok: false, message: `A batch may hold at most ${TRPC_MAX_BATCH_CALLS} calls; this one has ${procedures.length}. Send them in several requests.` };
  }
  const isImport = procedures.every((name) => IMPORT_PROCEDURES.has(name));
  return { ok: true, procedures, maxBodyBytes: isImport ? IMPORT_MAX_BODY_BYTES : TRPC_MAX_BODY_BYTES };
}

export function describeTrpcLimit(maxBodyBytes: number): string {
  return maxBodyBytes === IMPORT_MAX_BODY_BYTES
    ? `An import may send at most ${formatBytes(IMPORT_MAX_BODY_BYTES)}.`
    : `API calls may send at most ${formatBytes(TRPC_MAX_BODY_BYTES)} (imports up to ${formatBytes(IMPORT_MAX_BODY_BYTES)}).`;
}

function createTrpcHandler(maxBodyBytes: number) {
  return createHTTPHandler({
    router: appRouter,
    basePath: TRPC_PREFIX,
    // Counted while streaming: a chunked body (no Content-Length) stops here too.
    maxBodySize: maxBodyBytes,
    maxBatchSize: TRPC_MAX_BATCH_CALLS,
    createContext: ({ req }) => createContext({ headers: toHeaders(req.headers) }),
    onError: ({ error }) => {
      // The adapter's own 413 says only "PAYLOAD_TOO_LARGE"; onError runs before the error is
      // shaped for the response, so the message a client sees can say what the limit is.
      if (error.code === 'PAYLOAD_TOO_LARGE') error.message = `The request body is too large. ${describeTrpcLimit(maxBodyBytes)}`;
    },
    // Whatever of an oversized body is still on its way is not worth draining.
    responseMeta: ({ errors }) => (errors.some((error) => error.code === 'PAYLOAD_TOO_LARGE') ? { headers: { connection: 'close' } } : {}),
  });
}

const handlers = new Map([TRPC_MAX_BODY_BYTES, IMPORT_MAX_BODY_BYTES].map((limit) => [limit, createTrpcHandler(limit)]));

/** Serves a request the edge has already checked (method, origin, declared length, batch size). */
export function serveTrpc(req: IncomingMessage, res: ServerResponse, url: URL, maxBodyBytes: number): void {
  if (serveHotCall(req, res, url, maxBodyBytes)) return;
  const handler = handlers.get(maxBodyBytes);
  if (!handler) throw new Error(`no tRPC handler for a ${maxBodyBytes}-byte limit`);
  handler(req, res);
}
