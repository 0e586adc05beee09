/**
 * /api/v1: the REST API for scripts, notebooks and production apps, authenticated by API keys.
 * One EdgeRoute (server/http/route-types.ts) that dispatches on the endpoint table.
 *
 * The edge allows bodies up to 64 MB (imports send whole files); every JSON endpoint stops reading
 * at 1 MB (http.ts, readJsonBody). Keys are never logged: errors are logged with the method and
 * path only, and no answer echoes a request header.
 */
import type { EdgeRoute } from '../route-types';
import { authenticate } from './auth';
import { type Call, type Endpoint } from './endpoints';
import { API_V1_ENDPOINTS } from './all-endpoints';
import { ApiError, sendApiError } from './http';

const PREFIX = '/api/v1';

type Match = { endpoint: Endpoint; params: Record<string, string> };

/** A path segment's text; a malformed %-escape is the client's error (400), not ours. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiError(400, 'BAD_REQUEST', `The path segment "${segment.slice(0, 40)}" is not valid URL encoding`);
  }
}

function matchTemplate(template: string, pathname: string): Record<string, string> | null {
  const want = template.split('/');
  const got = pathname.replace(/\/$/, '').split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const name = /^\{(\w+)\}$/.exec(want[i])?.[1];
    if (name) params[name] = decodeSegment(got[i]);
    else if (want[i] !== got[i]) return null;
  }
  return params;
}

/** The endpoint for a method and path; 404 when no endpoint has the path, 405 when none has the method. */
export function findEndpoint(method: string, pathname: string): Match {
  const byPath = API_V1_ENDPOINTS.flatMap((endpoint) => {
    const params = matchTemplate(endpoint.path, pathname);
    return params ? [{ endpoint, params }] : [];
  });
  if (byPath.length === 0) throw new ApiError(404, 'NOT_FOUND', `No endpoint ${pathname} (see ${PREFIX}/openapi.json)`);
  const wanted = method === 'HEAD' ? 'GET' : method;
  const match = byPath.find((m) => m.endpoint.method === wanted);
  if (!match) throw new ApiError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${pathname}: use ${byPath.map((m) => m.endpoint.method).join(', ')}`);
  return match;
}

function log(message: string, error: unknown) {
  // The error itself, never the request: headers carry the key.
  console.error('[api-v1] %s:', message, error);
}

export const apiV1Route: EdgeRoute = {
  name: 'api-v1',
  matches: (pathname) => pathname === PREFIX || pathname.startsWith(`${PREFIX}/`),
  methods: ['GET', 'POST', 'DELETE'],
  maxBodyBytes: 64 * 1024 * 1024,
  handle: async (req, res, ctx) => {
    try {
      const { endpoint, params } = findEndpoint(req.method ?? 'GET', ctx.url.pathname);
      const principal = await authenticate(ctx.headers, endpoint.scope);
      const call: Call = { req, res, ctx, params, principal };
      await endpoint.handle(call);
    } catch (error) {
      sendApiError(res, error, (message, cause) => log(`${message} on ${req.method} ${ctx.url.pathname}`, cause));
    }
  },
};
