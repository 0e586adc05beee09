/**
 * The HTTP edge: the only way into the app, for `npm start` and `npm run dev` alike.
 *
 * Every request, before anything routes it: security headers set; a non-canonical path refused
 * (400); the client's address decided once (TRUST_PROXY) and written over X-Forwarded-For, so
 * nothing downstream (better-auth's rate limiter included) can read a forged one. Then, per route:
 * methods (405), cross-origin writes (403), declared body sizes (413) and, while bodies stream,
 * their counted size (413). All of it is string work on the request line and headers: no I/O,
 * microseconds per request.
 *
 * Routes: /api/trpc/* goes to tRPC's Node adapter (server/http/trpc-route.ts); the table in
 * server/http/routes.ts (auth, health, ...); any other /api path is 404; everything else is a
 * page or asset for Next (GET/HEAD only: the app has no server actions).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import next from 'next';
import { env } from '../env';
import { decideClientAddress, parseTrustedProxies } from './client-address';
import { findCrossOriginWrite, findNonCanonicalPath, buildOriginPolicy, declaredBodyBytes, hasBody } from './request-checks';
import { applySecurityHeaders, buildSecurityHeaders } from './security-headers';
import { sendError } from './respond';
import { limitedBodyStream, readLimitedBody, formatBytes } from './body';
import { BodyTooLargeError, type EdgeContext, type EdgeRoute } from './route-types';
import { edgeRoutes } from './routes';
import { TRPC_PREFIX, planTrpcRequest, serveTrpc, describeTrpcLimit } from './trpc-route';
import { toHeaders } from './headers';

export type AppServerOptions = { isDev: boolean; dir: string; hostname: string; port: number };
export type AppServer = { server: http.Server; close: () => Promise<void> };

/** Methods HTTP clients commonly send; anything else (TRACE, CONNECT, made-up ones) is 405 everywhere. */
const KNOWN_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const PAGE_METHODS = ['GET', 'HEAD'];
const TRPC_METHODS = ['GET', 'POST'];

function isApiPath(pathname: string): boolean {
  return pathname === '/api' || pathname.startsWith('/api/');
}

/** Next's dev-only endpoints (error overlay, source maps) that POST; never served in production. */
function isNextDevEndpoint(pathname: string): boolean {
  return pathname.startsWith('/__nextjs');
}

function isMethodAllowed(method: string, methods: readonly string[]): boolean {
  return methods.includes(method) || (method === 'HEAD' && methods.includes('GET'));
}

function refuseMethod(res: ServerResponse, method: string, methods: readonly string[]): void {
  const allowed = methods.includes('GET') && !methods.includes('HEAD') ? [...methods, 'HEAD'] : methods;
  sendError(res, 405, `${method.slice(0, 20)} is not accepted here; use ${allowed.join(', ')}.`, { Allow: allowed.join(', ') });
}

/** 413 from the declared Content-Length, before a byte of the body is read; true when refused. */
function refuseDeclaredBody(req: IncomingMessage, res: ServerResponse, maxBodyBytes: number, explain: string): boolean {
  if (maxBodyBytes === 0) {
    if (!hasBody(req.headers)) return false;
    sendError(res, 413, `This address takes no request body. ${explain}`.trim());
    return true;
  }
  const declared = declaredBodyBytes(req.headers);
  if (declared === null || declared <= maxBodyBytes) return false;
  sendError(res, 413, `The request body is too large. ${explain}`.trim());
  return true;
}

export async function createAppServer(options: AppServerOptions): Promise<AppServer> {
  const trustedProxies = parseTrustedProxies(env.TRUST_PROXY);
  const originPolicy = buildOriginPolicy({ appUrl: env.APP_URL, trustedOrigins: env.TRUSTED_ORIGINS });
  const securityHeaders = buildSecurityHeaders({ isDev: options.isDev });

  // Next attaches its own 'upgrade' listener to whatever server its first request came through,
  // which would let websocket upgrades skip the edge; handing it a stand-in keeps upgrades here.
  const upgradesForNext = new EventEmitter() as unknown as http.Server;
  const app = next({ dev: options.isDev, dir: options.dir, hostname: options.hostname, port: options.port, httpServer: upgradesForNext });
  await app.prepare();
  const handlePage = app.getRequestHandler();
  const handleUpgrade = app.getUpgradeHandler();

  const serveRoute = async (req: IncomingMessage, res: ServerResponse, route: EdgeRoute, url: URL, clientAddress: string) => {
    const limitText = route.maxBodyBytes === 0 ? '' : `At most ${formatBytes(route.maxBodyBytes)} is accepted here.`;
    if (refuseDeclaredBody(req, res, route.maxBodyBytes, limitText)) return;
    const ctx: EdgeContext = {
      url,
      clientAddress,
      headers: toHeaders(req.headers),
      readBody: () => readLimitedBody(req, route.maxBodyBytes),
      bodyStream: () => limitedBodyStream(req, route.maxBodyBytes),
    };
    try {
      await route.handle(req, res, ctx);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        sendError(res, 413, `The request body is too large. At most ${formatBytes(error.limitBytes)} is accepted here.`);
        return;
      }
      console.error(`[web] ${route.name} failed:`, error);
      if (res.headersSent) res.destroy();
      else sendError(res, 500, 'Internal server error');
    }
  };

  const handleRequest = (req: IncomingMessage, res: ServerResponse) => {
    applySecurityHeaders(res, securityHeaders);
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    const pathProblem = findNonCanonicalPath(target);
    if (pathProblem) return sendError(res, 400, `Bad request path: ${pathProblem}.`);
    let url: URL;
    try {
      url = new URL(target, env.APP_URL);
    } catch {
      return sendError(res, 400, 'Bad request path: not a valid URL.');
    }
    const pathname = url.pathname;

    const clientAddress = decideClientAddress({ peerAddress: req.socket.remoteAddress, forwardedFor: req.headers['x-forwarded-for'], trusted: trustedProxies });
    // From here on, X-Forwarded-For holds only the decided address (tRPC's context, better-auth
    // and Next all read this header, never a client-written one).
    req.headers['x-forwarded-for'] = clientAddress;
    delete req.headers['x-real-ip'];

    if (!KNOWN_METHODS.has(method)) return refuseMethod(res, method, isApiPath(pathname) ? ['GET', 'POST'] : PAGE_METHODS);
    const crossOrigin = findCrossOriginWrite(method, req.headers, originPolicy);

    if (pathname.startsWith(TRPC_PREFIX)) {
      if (!TRPC_METHODS.includes(method)) return refuseMethod(res, method, TRPC_METHODS);
      if (crossOrigin) return sendError(res, 403, crossOrigin);
      const plan = planTrpcRequest(pathname);
      if (!plan.ok) return sendError(res, 400, plan.message);
      if (refuseDeclaredBody(req, res, plan.maxBodyBytes, describeTrpcLimit(plan.maxBodyBytes))) return;
      return serveTrpc(req, res, url, plan.maxBodyBytes);
    }

    const route = edgeRoutes.find((candidate) => candidate.matches(pathname));
    if (route) {
      if (!isMethodAllowed(method, route.methods)) return refuseMethod(res, method, route.methods);
      if (crossOrigin) return sendError(res, 403, crossOrigin);
      void serveRoute(req, res, route, url, clientAddress);
      return;
    }
    if (isApiPath(pathname)) return sendError(res, 404, `There is no API at ${pathname.slice(0, 200)}.`);

    if (options.isDev && isNextDevEndpoint(pathname)) {
      if (crossOrigin) return sendError(res, 403, crossOrigin);
      void handlePage(req, res);
      return;
    }
    if (!isMethodAllowed(method, PAGE_METHODS)) return refuseMethod(res, method, PAGE_METHODS);
    if (refuseDeclaredBody(req, res, 0, '')) return;
    void handlePage(req, res).catch((error: unknown) => {
      console.error('[web] page failed:', error);
      if (res.headersSent) res.destroy();
      else sendError(res, 500, 'Internal server error');
    });
  };

  const server = http.createServer(handleRequest);
  // Websockets: only Next's hot reload in development uses them.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!options.isDev || findNonCanonicalPath(req.url ?? '/') !== null || !(req.url ?? '').startsWith('/_next/')) {
      socket.destroy();
      return;
    }
    void handleUpgrade(req, socket, head);
  });

  const close = async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await app.close();
  };
  return { server, close };
}
