/**
 * Test helpers for calling the API as a real user: accounts are created through the auth
 * library and signed in, and the caller carries the session cookie, so every call goes through
 * the same authentication as a browser request.
 */
import { randomBytes } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import { auth, type Role } from '@/server/auth';
import { createUserAccount } from '@/server/services/users';
import { createCaller } from '@/server/api/root';
import { createContext } from '@/server/api/trpc';

export type TestUser = { id: string; email: string; password: string; role: Role; headers: Headers };

/** Creates an account with a unique email and signs it in. */
export async function createSignedInUser(role: Role, name?: string): Promise<TestUser> {
  const email = `${role}-${randomBytes(4).toString('hex')}@example.test`;
  const password = 'correct horse battery';
  const user = await createUserAccount({ email, password, name: name ?? `${role} ${email.slice(0, 12)}`, role });
  return { id: user.id, email, password, role, headers: await signIn(email, password) };
}

/** Signs in with email and password; returns request headers carrying the session cookie. */
export async function signIn(email: string, password: string): Promise<Headers> {
  const response = await auth.api.signInEmail({ body: { email, password }, asResponse: true, headers: new Headers({ 'x-forwarded-for': '127.0.0.1' }) });
  if (!response.ok) throw new Error(`Sign-in failed for ${email}: ${response.status} ${await response.text()}`);
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return new Headers({ cookie });
}

/** A tRPC caller for a signed-in user, or anonymous when no user is given. */
export async function callerFor(user?: TestUser | null) {
  return createCaller(await createContext({ headers: user?.headers ?? new Headers() }));
}

/** Awaits a call that must fail and returns its tRPC error (code, message, data) for assertions. */
export async function catchTrpcError(promise: Promise<unknown>): Promise<TRPCError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}
