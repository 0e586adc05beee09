import Link from 'next/link';
import { findCurrentUser } from '../_lib/require-user';
import { SignOutButton } from './sign-out-button';
import { ThemeSwitch } from './theme-switch';
import { HeaderMenu } from './header-menu';

/** The top bar: product name, nav by role, the signed-in user's name, the theme switch, sign-out. */
export async function AppHeader() {
  const user = await findCurrentUser();
  return (
    <header className="sticky top-0 z-30 border-b border-slate-200 bg-white/90 backdrop-blur">
      <div className="relative mx-auto flex min-h-12 max-w-7xl items-center gap-6 px-4 py-1.5">
        <Link href="/" className="flex items-center gap-2 rounded-md font-semibold tracking-tight text-slate-900">
          <span className="inline-block size-5 rounded-md bg-gradient-to-br from-indigo-500 to-violet-500" aria-hidden />
          Feedloop
        </Link>
        {user ? (
          <HeaderMenu>
            <nav className="flex flex-col gap-1 text-sm lg:flex-row lg:items-center" aria-label="Main">
              {user.role === 'admin' && (
                <>
                  <NavLink href="/admin" testId="nav-projects">
                    Projects
                  </NavLink>
                  <NavLink href="/admin/users" testId="nav-users">
                    Users
                  </NavLink>
                  <NavLink href="/admin/workers" testId="nav-workers">
                    Workers
                  </NavLink>
                </>
              )}
              {(user.role === 'admin' || user.role === 'reviewer') && (
                <NavLink href="/review" testId="nav-review">
                  Review
                </NavLink>
              )}
              <NavLink href="/annotate" testId="nav-annotate">
                Annotate
              </NavLink>
            </nav>
            <div className="flex flex-wrap items-center gap-3 border-t border-slate-200 pt-3 text-sm lg:ml-auto lg:border-0 lg:pt-0">
              <span className="text-slate-600" data-testid="nav-user">
                {user.name}
                <span className="ml-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600">{user.role}</span>
              </span>
              <ThemeSwitch />
              <SignOutButton />
            </div>
          </HeaderMenu>
        ) : (
          <ThemeSwitch className="ml-auto" />
        )}
      </div>
    </header>
  );
}

function NavLink({ href, testId, children }: { href: string; testId: string; children: React.ReactNode }) {
  return (
    <Link href={href} data-testid={testId} className="rounded-md px-2.5 py-1.5 text-slate-600 hover:bg-slate-100 hover:text-slate-900">
      {children}
    </Link>
  );
}
