'use client';
import { useEffect, useId, useState } from 'react';
import { usePathname } from 'next/navigation';

/**
 * The header's links and account controls. From 1024 px they sit in one row; below that they fold
 * into a panel under a "Menu" button, so a 390 px phone shows everything (Sign out included)
 * without the bar overflowing. One set of elements serves both layouts, so test ids stay unique.
 */
export function HeaderMenu({ children }: { children: React.ReactNode }) {
  const [isOpen, setIsOpen] = useState(false);
  const panelId = useId();
  const pathname = usePathname();

  // A link followed: the page changed, fold the panel.
  useEffect(() => setIsOpen(false), [pathname]);

  useEffect(() => {
    if (!isOpen) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setIsOpen(false);
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [isOpen]);

  return (
    <>
      <button
        type="button"
        data-testid="header-menu-button"
        aria-expanded={isOpen}
        aria-controls={panelId}
        onClick={() => setIsOpen((open) => !open)}
        className="ml-auto inline-flex items-center gap-1.5 rounded-md border border-slate-300 px-2.5 py-1 text-sm text-slate-700 hover:bg-slate-100 lg:hidden"
      >
        <svg viewBox="0 0 16 16" className="size-4" aria-hidden="true">
          <path d={isOpen ? 'M4 4l8 8M12 4l-8 8' : 'M2 4h12M2 8h12M2 12h12'} stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" fill="none" />
        </svg>
        Menu
      </button>
      <div
        id={panelId}
        data-testid="header-menu"
        className={`${isOpen ? 'flex' : 'hidden'} absolute inset-x-0 top-full flex-col gap-3 border-b border-slate-200 bg-white px-4 py-3 shadow-md lg:static lg:flex lg:flex-1 lg:flex-row lg:items-center lg:gap-6 lg:border-0 lg:bg-transparent lg:p-0 lg:shadow-none`}
      >
        {children}
      </div>
    </>
  );
}
