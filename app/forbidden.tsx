import Link from 'next/link';
import { findCurrentUser, homePathFor } from './_lib/require-user';

/**
 * What `forbidden()` renders (HTTP 403): a signed-in user opened a page of another role, e.g. an
 * annotator on /admin. They are signed in, so the sign-in page would not help: say so, and link
 * back to their own work.
 */
export default async function Forbidden() {
  const user = await findCurrentUser();
  const home = user ? homePathFor(user.role) : '/login';
  return (
    <main className="mx-auto max-w-xl px-4 py-16" data-testid="not-allowed">
      <h1 className="text-xl font-semibold text-slate-900">Not allowed</h1>
      <p className="mt-3 text-sm text-slate-600">{user ? `You are signed in as ${user.email}, and this page is for admins only.` : 'This page is for admins only.'} Ask an admin if you need access.</p>
      <Link href={home} data-testid="not-allowed-home" className="mt-6 inline-block rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500">
        {user?.role === 'annotator' ? 'Back to annotating' : 'Back to your work'}
      </Link>
    </main>
  );
}
