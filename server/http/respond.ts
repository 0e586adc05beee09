/** The edge's own answers: JSON, one shape for every refusal. */
import type { ServerResponse } from 'node:http';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.setHeader('Cache-Control', 'no-store');
  res.end(text);
}

const CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  500: 'INTERNAL_SERVER_ERROR',
};

/**
 * A refusal: `{ error: { code, message } }`. A refusal sent before the body was read closes the
 * connection, so the server never drains a body it will not use (a 400 MB upload stops at once).
 */
export function sendError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  const closes = status === 413 || !res.req.complete;
  sendJson(res, status, { error: { code: CODES[status] ?? 'ERROR', message } }, closes ? { ...headers, Connection: 'close' } : headers);
}
