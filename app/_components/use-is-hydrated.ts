'use client';
import { useSyncExternalStore } from 'react';

const subscribe = () => () => {};

/**
 * False during server rendering and hydration, true once React runs in the browser. Buttons whose
 * work is JavaScript stay disabled until then, so an early click is never silently lost (and a
 * login form is never submitted natively, with the password in the URL).
 */
export function useIsHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
