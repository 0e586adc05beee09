import { requireUser } from '../_lib/require-user';

/** Every annotate page needs a signed-in user (annotators and admins alike). */
export default async function AnnotateLayout({ children }: { children: React.ReactNode }) {
  await requireUser();
  return children;
}
