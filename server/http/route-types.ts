/**
 * The contract between the HTTP edge (server/http/app-server.ts) and the routes it serves that
 * are not tRPC or pages: auth, health, dataset downloads, /api/v1.
 *
 * The edge has already, before a handler runs: refused non-canonical paths, methods the route
 * does not list, cross-origin writes and bodies declared larger than `maxBodyBytes`; it has set
 * the security headers and decided the client's address (TRUST_PROXY). A handler reads its body
 * only through `ctx.readBody()` or `ctx.bodyStream()`, which stop at the route's limit (413) even
 * when the client sent no Content-Length.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';

export type EdgeContext = {
  /** The parsed request URL (canonical path, query kept). */
  url: URL;
  /** The client's address: the TCP peer, or X-Forwarded-For's client when the peer is a trusted proxy. */
  clientAddress: string;
  /** The request headers as a Fetch API Headers object. */
  headers: Headers;
  /** The whole body, at most the route's maxBodyBytes (throws BodyTooLargeError past it). */
  readBody: () => Promise<Buffer>;
  /** The body as a stream that errors with BodyTooLargeError past the route's maxBodyBytes. */
  bodyStream: () => Readable;
};

export type EdgeRoute = {
  /** For logs and tests: "auth", "health", "dataset-export", "api-v1". */
  name: string;
  /** Whether this route serves a (canonical) pathname. */
  matches: (pathname: string) => boolean;
  /** Upper-case methods served; any other gets 405. HEAD is served where GET is. */
  methods: readonly string[];
  /** The largest body accepted; 0 for none. */
  maxBodyBytes: number;
  handle: (req: IncomingMessage, res: ServerResponse, ctx: EdgeContext) => Promise<void>;
};

export class BodyTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`The request body is larger than ${limitBytes} bytes`);
  }
}
