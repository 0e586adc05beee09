/**
 * Security headers, set by the edge on every response: pages, API answers and the edge's own errors.
 *
 * The Content-Security-Policy allows scripts from this origin plus inline ones ('unsafe-inline').
 * Next's App Router streams its RSC payload as inline <script> tags (`self.__next_f.push(...)`),
 * so a policy without inline scripts leaves every page dead after the first paint. The alternative,
 * a per-request nonce, makes Next render every page dynamically (no static or cached pages) and
 * needs Next's proxy to read it; the page output here is React-escaped, the API returns JSON, and
 * the policy's main job is `frame-ancestors 'none'` (clickjacking), `object-src 'none'`,
 * `base-uri` and `form-action`, which hold either way. Development adds 'unsafe-eval' (React's
 * dev build evaluates source maps) and websockets for hot reload.
 */
import type { ServerResponse } from 'node:http';

export function buildContentSecurityPolicy(options: { isDev: boolean }): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${options.isDev ? " 'unsafe-eval'" : ''}`,
    // React and Tailwind set inline style attributes.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${options.isDev ? ' ws: wss:' : ''}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export type SecurityHeaders = ReadonlyArray<readonly [string, string]>;

export function buildSecurityHeaders(options: { isDev: boolean }): SecurityHeaders {
  return [
    ['Content-Security-Policy', buildContentSecurityPolicy(options)],
    ['X-Content-Type-Options', 'nosniff'],
    ['Referrer-Policy', 'strict-origin-when-cross-origin'],
    ['X-Frame-Options', 'DENY'],
  ];
}

/** Sets them before anything else writes: Next and tRPC add their own headers beside these. */
export function applySecurityHeaders(res: ServerResponse, headers: SecurityHeaders): void {
  for (const [name, value] of headers) res.setHeader(name, value);
}
