/**
 * /api/v1's wire conventions: JSON errors `{ "error": { "code", "message", "details"? } }`, bodies
 * read with a limit, query strings validated with zod. Every answer is built here, so a key (or any
 * other header) can never be echoed back by accident.
 */
import type { ServerResponse } from 'node:http';
import { ZodError, z } from 'zod';
import { AppError, type AppErrorCode } from '../../errors';
import { BodyTooLargeError, type EdgeContext } from '../route-types';
import { sendJson } from '../respond';

/** A refusal with its HTTP status; AppError covers the domain's, this the protocol's. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

const STATUS_OF: Record<AppErrorCode, number> = { BAD_REQUEST: 400, UNAUTHORIZED: 401, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, TOO_MANY_REQUESTS: 429 };

/** Bodies of every route but imports stop here: JSON requests are small, files go to imports. */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

export function sendApiError(res: ServerResponse, error: unknown, log: (message: string, error: unknown) => void): void {
  if (error instanceof ApiError) return send(res, error.status, error.code, error.message, error.details);
  if (error instanceof AppError) return send(res, STATUS_OF[error.code], error.code, error.message, error.details);
  if (error instanceof BodyTooLargeError) return send(res, 413, 'PAYLOAD_TOO_LARGE', error.message);
  if (error instanceof ZodError) return send(res, 400, 'BAD_REQUEST', describeZodError(error), { issues: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
  log('internal error', error);
  return send(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
}

function send(res: ServerResponse, status: number, code: string, message: string, details?: Record<string, unknown>) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // A refusal sent before the body was read closes the connection rather than draining an upload.
  const headers: Record<string, string> = status === 413 || !res.req.complete ? { Connection: 'close' } : {};
  if (status === 401) headers['WWW-Authenticate'] = 'Bearer realm="feedloop"';
  sendJson(res, status, { error: details ? { code, message, details } : { code, message } }, headers);
}

export function describeZodError(error: ZodError): string {
  const first = error.issues[0];
  if (!first) return 'Invalid input';
  const where = first.path.length > 0 ? `${first.path.join('.')}: ` : '';
  return `${where}${first.message}`;
}

/** The body as JSON, refused past `limit` bytes (413) without reading the rest. */
export async function readJsonBody(ctx: EdgeContext, limit = MAX_JSON_BODY_BYTES): Promise<unknown> {
  const declared = Number(ctx.headers.get('content-length') ?? '0');
  if (declared > limit) throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `The request body is larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.bodyStream()) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += buffer.length;
    if (size > limit) throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `The request body is larger than ${limit} bytes`);
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new ApiError(400, 'BAD_REQUEST', 'The request body must be JSON');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, 'BAD_REQUEST', 'The request body is not valid JSON');
  }
}

/** The query string as an object of its first values, parsed by `schema`. */
export function parseQuery<T extends z.ZodType>(url: URL, schema: T): z.infer<T> {
  const raw: Record<string, string> = {};
  for (const [name, value] of url.searchParams) if (!(name in raw)) raw[name] = value;
  return schema.parse(raw);
}

/** A path id: digits only, within a 32-bit column. */
export function parsePathId(text: string, what: string): number {
  const id = /^\d{1,10}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(id) || id < 1 || id > 2_147_483_647) throw new ApiError(400, 'BAD_REQUEST', `${what} must be an id (an integer from 1 to 2,147,483,647)`);
  return id;
}
