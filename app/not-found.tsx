import Link from 'next/link';
import { findCurrentUser, homePathFor } from './_lib/require-user';

export const metadata = { title: 'Not found · Feedloop' };

/**
 * What `notFound()` renders (HTTP 404): an unknown address or an id that names nothing, e.g.
 * /annotate/999999. Says so in words and links back to where the reader works.
 */
export default async function NotFound() {
  const user = await findCurrentUser();
  const home = user ? homePathFor(user.role) : '/login';
  return (
    <main className="mx-auto max-w-xl px-4 py-16" data-testid="not-found">
      <p className="text-sm font-medium text-slate-600">Error 404</p>
      <h1 className="mt-1 text-xl font-semibold text-slate-900">Page not found</h1>
      <p className="mt-3 text-sm text-slate-600">There is nothing at this address. The project or page may have been deleted, or the link may be mistyped.</p>
      <Link href={home} data-testid="not-found-home" className="mt-6 inline-block rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500">
        {!user ? 'Go to sign-in' : user.role === 'admin' ? 'Back to projects' : 'Back to annotating'}
      </Link>
    </main>
  );
}
