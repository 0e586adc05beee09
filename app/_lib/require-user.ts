/**
 * Route protection for server layouts and pages: the signed-in user, or a redirect to /login.
 * `requireUser('admin')` answers a signed-in annotator with the not-allowed page (HTTP 403,
 * app/forbidden.tsx), not the sign-in page: they are signed in, and signing in again would not help.
 */
import 'server-only';
import { cache } from 'react';
import { headers } from 'next/headers';
import { forbidden, redirect } from 'next/navigation';
import { getSessionUser, type Role } from '@/server/auth';

export type PageUser = { id: string; email: string; name: string; role: Role };

/** One session lookup per request, however many layouts ask. */
const getCurrentUser = cache(async (): Promise<PageUser | null> => getSessionUser(await headers()));

export async function requireUser(role?: Role): Promise<PageUser> {
  const user = await getCurrentUser();
  if (!user) redirect('/login');
  if (role === 'admin' && user.role !== 'admin') forbidden();
  if (role === 'reviewer' && user.role !== 'admin' && user.role !== 'reviewer') forbidden();
  return user;
}

/** The signed-in user or null, without redirecting (the login page and the home redirect). */
export async function findCurrentUser(): Promise<PageUser | null> {
  return getCurrentUser();
}

/** Where a user lands after signing in. */
export function homePathFor(role: Role): string {
  return role === 'admin' ? '/admin' : role === 'reviewer' ? '/review' : '/annotate';
}
