import { requireUser } from '../_lib/require-user';

/** The review queue is for reviewers and admins; annotators get the not-allowed page. */
export default async function ReviewLayout({ children }: { children: React.ReactNode }) {
  await requireUser('reviewer');
  return <main className="mx-auto max-w-5xl px-4 py-6">{children}</main>;
}
