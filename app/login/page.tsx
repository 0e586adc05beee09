import { redirect } from 'next/navigation';
import { findCurrentUser, homePathFor } from '../_lib/require-user';
import { LoginForm } from '../_components/login-form';

export const metadata = { title: 'Sign in · Feedloop' };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ reason?: string }> }) {
  const { reason } = await searchParams;
  const user = await findCurrentUser();
  // Signed-in users go to work, unless they were just sent here for lacking the admin role.
  if (user && reason !== 'forbidden') redirect(homePathFor(user.role));
  return (
    <main className="flex min-h-[calc(100vh-3rem)] items-center justify-center px-4">
      <div className="w-full max-w-sm rounded-2xl border border-slate-200 bg-white p-8 shadow-sm">
        <h1 className="text-xl font-semibold tracking-tight">Sign in</h1>
        <p className="mt-1 text-sm text-slate-500">Use the account your admin created for you.</p>
        {reason === 'forbidden' && <p className="mt-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">That page is for admins. Sign in with an admin account.</p>}
        <LoginForm />
      </div>
    </main>
  );
}
