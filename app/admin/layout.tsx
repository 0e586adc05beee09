import { requireUser } from '@/app/_lib/require-user';

/** Every page under /admin is for admins only; others are sent to sign in. */
export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  await requireUser('admin');
  return <main className="mx-auto max-w-7xl px-4 py-6">{children}</main>;
}
