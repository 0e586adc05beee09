/**
 * A tRPC caller for server components: the same procedures, access rules and error mapping as
 * the HTTP API, with the request's own session cookie.
 */
import 'server-only';
import { cache } from 'react';
import { headers } from 'next/headers';
import { createCaller } from '@/server/api/root';
import { createContext } from '@/server/api/trpc';

/** Memoised per request, so a layout and its page share one context (one session lookup). */
export const getServerCaller = cache(async () => createCaller(await createContext({ headers: await headers() })));
