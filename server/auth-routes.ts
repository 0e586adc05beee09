/**
 * The only door from HTTP to better-auth. The HTTP edge calls `handleAuthRequest` for every
 * /api/auth/* request, with the client address it decided (the TCP peer, or X-Forwarded-For's
 * client when the peer is a trusted proxy).
 *
 * An allow list, not a deny list: sign-in with email and password, sign-out and get-session are
 * all the product uses; every other better-auth route (sign-up, update-user, change-email,
 * change-password, list/revoke sessions, reset-password, ...) answers 404, including routes a
 * future better-auth version adds. Account changes go through server/services/users.ts, which
 * validates them and writes the audit log.
 *
 * Sign-in is limited per client address and per account (server/services/sign-in-limit.ts)
 * before better-auth checks the password. Address headers are dropped before better-auth sees the
 * request: the `clientAddress` parameter is the only address that counts.
 */
import { z } from 'zod';
import { auth } from './auth';
import { env } from './env';
import { forgetSignInAttempt, reserveSignInAttempt } from './services/sign-in-limit';
import { ZSafeText } from '../lib/validation';

export const AUTH_BASE_PATH = '/api/auth';

/** The routes answered, by path under AUTH_BASE_PATH, with their methods. */
export const ALLOWED_AUTH_ROUTES: Readonly<Record<string, readonly string[]>> = {
  '/sign-in/email': ['POST'],
  '/sign-out': ['POST'],
  '/get-session': ['GET'],
};

const CLIENT_ADDRESS_HEADERS = ['x-forwarded-for', 'x-real-ip', 'forwarded', 'cf-connecting-ip', 'true-client-ip', 'x-client-ip'];

/** What sign-in needs to find the account; better-auth validates the rest (and answers 400 itself). */
const ZSignInBody = z.object({ email: ZSafeText(320).min(1), password: ZSafeText(1024) });

export async function handleAuthRequest(request: Request, clientAddress: string): Promise<Response> {
  const url = new URL(request.url);
  const path = url.pathname.startsWith(`${AUTH_BASE_PATH}/`) ? url.pathname.slice(AUTH_BASE_PATH.length) : null;
  if (path === null || !Object.hasOwn(ALLOWED_AUTH_ROUTES, path) || !ALLOWED_AUTH_ROUTES[path].includes(request.method)) {
    return jsonResponse(404, { code: 'NOT_FOUND', message: 'Not found' });
  }
  const headers = new Headers(request.headers);
  for (const name of CLIENT_ADDRESS_HEADERS) headers.delete(name);
  if (path !== '/sign-in/email') return auth.handler(new Request(url, { method: request.method, headers }));

  const body = await request.text();
  const parsed = ZSignInBody.safeParse(parseJson(body));
  if (!parsed.success) return jsonResponse(400, { code: 'INVALID_REQUEST', message: 'Send a JSON body with your email and password' });

  const reservation = await reserveSignInAttempt({
    address: clientAddress,
    email: parsed.data.email,
    addressLimit: env.AUTH_SIGNIN_LIMIT_PER_MINUTE,
    accountLimit: env.AUTH_ACCOUNT_FAILURE_LIMIT,
  });
  if (!reservation.isAllowed) {
    const wait = describeWait(reservation.retryAfterSeconds);
    const message = reservation.limitedBy === 'account' ? `Too many failed sign-ins for this account. Try again in ${wait}.` : `Too many failed sign-ins from your network. Try again in ${wait}.`;
    return jsonResponse(429, { code: 'TOO_MANY_ATTEMPTS', message }, { 'retry-after': String(reservation.retryAfterSeconds) });
  }

  let response: Response | null = null;
  try {
    response = await auth.handler(new Request(url, { method: 'POST', headers, body }));
    return response;
  } finally {
    // Only a wrong password (or unknown email) counts; success, a disabled account (403) and a
    // malformed request (400, no password was checked) do not.
    if (response?.status !== 401) await forgetSignInAttempt({ attemptId: reservation.attemptId });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** "45 seconds", "1 minute", "14 minutes": how the wait reads in a message. */
function describeWait(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minutes`;
}

function jsonResponse(status: number, body: { code: string; message: string }, extraHeaders: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...extraHeaders } });
}
