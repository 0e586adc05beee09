'use client';
import { useState } from 'react';
import { authClient } from '../_lib/auth-client';
import { useIsHydrated } from './use-is-hydrated';

/** Email + password sign-in; on success a full navigation to the user's home page by role. */
export function LoginForm() {
  const [error, setError] = useState<string | null>(null);
  const [isPending, setIsPending] = useState(false);
  const isHydrated = useIsHydrated();

  async function signIn(event: React.FormEvent<HTMLFormElement>) {
    // A plain submit handler, not a form action: React resets a form after its action, which
    // would clear the email on every failed attempt.
    event.preventDefault();
    const formData = new FormData(event.currentTarget);
    setError(null);
    setIsPending(true);
    const email = String(formData.get('email') ?? '').trim();
    const password = String(formData.get('password') ?? '');
    const { data, error: failure } = await authClient.signIn.email({ email, password });
    if (failure || !data) {
      setIsPending(false);
      setError(describeSignInError(failure?.status));
      return;
    }
    const role = (data.user as { role?: string | null }).role;
    // The same homes as homePathFor (app/_lib/require-user.ts, server-only).
    window.location.assign(role === 'admin' ? '/admin' : role === 'reviewer' ? '/review' : '/annotate');
  }

  return (
    <form onSubmit={signIn} method="post" className="mt-6 flex flex-col gap-4">
      <label className="flex flex-col gap-1 text-sm font-medium text-slate-700">
        Email
        <input
          name="email"
          type="email"
          required
          autoComplete="username"
          autoFocus
          data-testid="login-email"
          className="rounded-md border border-slate-300 px-3 py-2 font-normal outline-none focus:border-indigo-500 focus:ring-2 focus:ring-indigo-100"
        />
      </label>
      <label className="flex flex-col gap-1 text-sm font-medium text-slate-700">
        Password
        <input
          name="password"
          type="password"
          required
          autoComplete="current-password"
          data-testid="login-password"
          className="rounded-md border border-slate-300 px-3 py-2 font-normal outline-none focus:border-indigo-500 focus:ring-2 focus:ring-indigo-100"
        />
      </label>
      {error && (
        <p role="alert" data-testid="login-error" className="rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-800">
          {error}
        </p>
      )}
      <button
        type="submit"
        disabled={isPending || !isHydrated}
        data-testid="login-submit"
        className="rounded-md bg-indigo-600 px-3 py-2 text-sm font-medium text-white hover:bg-indigo-500 disabled:opacity-60"
      >
        {isPending ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}

function describeSignInError(status: number | undefined): string {
  if (status === 429) return 'Too many attempts, wait a minute';
  if (status === 401 || status === 400) return 'Wrong email or password';
  if (status === 403) return 'This account is disabled';
  return 'Sign-in failed. Try again.';
}
