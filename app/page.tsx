import { redirect } from 'next/navigation';
import { findCurrentUser, homePathFor } from './_lib/require-user';

/** The home page only sends people where they work: admins to /admin, annotators to /annotate. */
export default async function HomePage() {
  const user = await findCurrentUser();
  redirect(user ? homePathFor(user.role) : '/login');
}
