'use client';
import { useState } from 'react';
import { authClient } from '../_lib/auth-client';
import { useIsHydrated } from './use-is-hydrated';

export function SignOutButton() {
  const [isPending, setIsPending] = useState(false);
  const isHydrated = useIsHydrated();
  return (
    <button
      type="button"
      data-testid="nav-signout"
      disabled={isPending || !isHydrated}
      className="rounded-md border border-slate-300 px-2.5 py-1 text-slate-700 hover:bg-slate-100 disabled:opacity-50"
      onClick={async () => {
        setIsPending(true);
        await authClient.signOut();
        // A full navigation: server components re-render without the session, caches are dropped.
        window.location.assign('/login');
      }}
    >
      Sign out
    </button>
  );
}
