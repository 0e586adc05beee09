import Link from 'next/link';
import { requireUser } from '@/app/_lib/require-user';

/** Every page under /admin is for admins only: others are sent to sign in, signed-in annotators get the not-allowed page. */
export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  await requireUser('admin');
  return (
    <main className="mx-auto max-w-7xl px-4 py-6">
      <nav aria-label="Admin" className="-mt-2 mb-4 flex justify-end text-xs">
        <Link href="/admin/api-keys" data-testid="nav-api-keys" className="text-slate-500 hover:text-slate-900 hover:underline">
          API keys
        </Link>
      </nav>
      {children}
    </main>
  );
}
