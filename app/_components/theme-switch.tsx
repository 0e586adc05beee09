'use client';
import { useEffect, useSyncExternalStore } from 'react';
import { THEME_CHOICES, readThemeChoice, saveThemeChoice, applyThemeChoice, type ThemeChoice } from './theme';

const LABELS: Record<ThemeChoice, string> = { system: 'System', light: 'Light', dark: 'Dark' };

/** Listeners of the saved choice in this tab (the storage event covers other tabs). */
const listeners = new Set<() => void>();
function subscribe(listener: () => void) {
  listeners.add(listener);
  window.addEventListener('storage', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', listener);
  };
}

/** System / Light / Dark, remembered in this browser; "System" follows the OS setting live. */
export function ThemeSwitch({ className = '' }: { className?: string }) {
  const choice = useSyncExternalStore(subscribe, readThemeChoice, () => 'system' as const);

  useEffect(() => {
    applyThemeChoice(choice);
    if (choice !== 'system') return;
    const query = window.matchMedia('(prefers-color-scheme: dark)');
    const follow = () => applyThemeChoice('system');
    query.addEventListener('change', follow);
    return () => query.removeEventListener('change', follow);
  }, [choice]);

  return (
    <label className={`flex items-center gap-1.5 text-sm text-slate-600 ${className}`}>
      <span className="sr-only sm:not-sr-only">Theme</span>
      <select
        data-testid="theme-switch"
        value={choice}
        onChange={(event) => {
          saveThemeChoice(THEME_CHOICES.find((value) => value === event.target.value) ?? 'system');
          for (const listener of listeners) listener();
        }}
        className="rounded-md border border-slate-300 bg-white px-1.5 py-1 text-sm text-slate-700"
      >
        {THEME_CHOICES.map((value) => (
          <option key={value} value={value}>
            {LABELS[value]}
          </option>
        ))}
      </select>
    </label>
  );
}
