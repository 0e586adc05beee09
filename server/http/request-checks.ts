/**
 * The edge's checks on a request line and its headers: string work only, no I/O, so each costs
 * microseconds.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** Methods that never change state: no Origin check, no body expected. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Why a request target is not canonical, or null when it is.
 *
 * Routing happens on the path as sent; anything that a later layer might normalise differently
 * (Next and tRPC both decode and resolve paths) could route around the edge's per-route rules:
 * `/api/./trpc/x` once reached a copy of tRPC with no body limit. So dot segments, empty segments,
 * backslashes and encoded dots, slashes or backslashes are refused outright instead of resolved.
 * The query string is not a path and is not checked.
 */
export function findNonCanonicalPath(target: string): string | null {
  const queryStart = target.indexOf('?');
  const path = queryStart === -1 ? target : target.slice(0, queryStart);
  if (!path.startsWith('/')) return 'the request path must start with "/"';
  if (path.includes('\\')) return 'the request path contains a backslash';
  if (path.includes('//')) return 'the request path contains an empty segment ("//")';
  if (/%(2e|2f|5c|00)/i.test(path)) return 'the request path contains an encoded dot, slash, backslash or NUL';
  if (/\/\.\.?(\/|$)/.test(path)) return 'the request path contains a "." or ".." segment';
  // Next decodes route params and answers a bare 500 on a broken escape (/annotate/%ff).
  try {
    decodeURIComponent(path);
  } catch {
    return 'the request path contains a malformed %-escape';
  }
  // Control characters never belong in a path (Node already refuses raw spaces and CR/LF).
  for (let index = 0; index < path.length; index++) {
    const code = path.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) return 'the request path contains a control character';
  }
  return null;
}

export type OriginPolicy = { allowedOrigins: ReadonlySet<string> };

/** APP_URL's origin and TRUSTED_ORIGINS (comma-separated); each normalised through URL. */
export function buildOriginPolicy(options: { appUrl: string; trustedOrigins: string }): OriginPolicy {
  const allowed = new Set([new URL(options.appUrl).origin]);
  for (const entry of options.trustedOrigins
    .split(',')
    .map((value) => value.trim())
    .filter(Boolean)) {
    let origin: string;
    try {
      origin = new URL(entry).origin;
    } catch {
      throw new Error(`TRUSTED_ORIGINS: "${entry}" is not a URL (e.g. https://admin.example.com)`);
    }
    allowed.add(origin);
  }
  return { allowedOrigins: allowed };
}

/**
 * Why a state-changing request is refused as cross-origin, or null when it may pass.
 *
 * Browsers send Origin on every cross-origin request and on same-origin POSTs, and Sec-Fetch-Site
 * on every request; SameSite=Lax cookies still ride along on same-site (sibling subdomain) form
 * posts, so both `cross-site` and `same-site` are refused. Scripts, curl and the CLI send neither
 * header and are not a browser acting on a user's cookie, so they pass; their credentials are
 * checked as usual.
 */
export function findCrossOriginWrite(method: string, headers: IncomingHttpHeaders, policy: OriginPolicy): string | null {
  if (SAFE_METHODS.has(method)) return null;
  const fetchSite = headers['sec-fetch-site'];
  if (fetchSite === 'cross-site' || fetchSite === 'same-site') {
    return `This request came from another site (Sec-Fetch-Site: ${fetchSite}); changes are accepted only from the app's own pages.`;
  }
  const origin = headers.origin;
  if (origin !== undefined && !policy.allowedOrigins.has(origin) && !isOwnHost(origin, headers.host)) {
    return `Requests from ${origin.slice(0, 200)} may not change anything here; changes are accepted only from the app's own pages.`;
  }
  return null;
}

/**
 * The page was served by this very server under another name than APP_URL's (127.0.0.1 for
 * localhost, a LAN address): a browser sets Host to the server it talks to, so a cross-site page
 * cannot make Origin and Host agree while carrying this site's cookies.
 */
function isOwnHost(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}

/** The declared body size: a number, null when none is declared (chunked or no body). */
export function declaredBodyBytes(headers: IncomingHttpHeaders): number | null {
  const value = headers['content-length'];
  if (value === undefined) return null;
  const bytes = Number(value);
  return Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : Number.POSITIVE_INFINITY;
}

/** Whether the request carries a body at all (a Content-Length above 0, or any Transfer-Encoding). */
export function hasBody(headers: IncomingHttpHeaders): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const declared = declaredBodyBytes(headers);
  return declared !== null && declared > 0;
}
