/**
 * /api/auth/*: better-auth through server/auth-routes.ts. The Node request becomes a Fetch
 * Request (its body read through the route's limit) and the Fetch Response is streamed back,
 * every Set-Cookie kept.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { handleAuthRequest } from '../auth-routes';
import type { EdgeRoute } from './route-types';

/** Sign-in and session bodies are a few hundred bytes. */
const AUTH_MAX_BODY_BYTES = 64 * 1024;

export const authRoute: EdgeRoute = {
  name: 'auth',
  matches: (pathname) => pathname === '/api/auth' || pathname.startsWith('/api/auth/'),
  methods: ['GET', 'POST'],
  maxBodyBytes: AUTH_MAX_BODY_BYTES,
  handle: async (req, res, ctx) => {
    const method = req.method ?? 'GET';
    const hasBody = method !== 'GET' && method !== 'HEAD';
    const body = hasBody ? await ctx.readBody() : undefined;
    const request = new Request(ctx.url, { method, headers: ctx.headers, body: body && body.length > 0 ? new Uint8Array(body) : undefined });
    await writeFetchResponse(req, res, await handleAuthRequest(request, ctx.clientAddress));
  },
};

/** Streams a Fetch Response into a Node response: status, headers (each Set-Cookie its own), body. */
export async function writeFetchResponse(req: IncomingMessage, res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status;
  for (const [name, value] of response.headers) {
    if (name === 'set-cookie') continue;
    res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader('Set-Cookie', cookies);
  if (!response.body || req.method === 'HEAD') {
    res.end();
    return;
  }
  await pipeline(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), res);
}
