'use client';
/**
 * The project's arenas and leaderboard, polled fast (3 s) while an arena's job is queued or running
 * (its tasks appear when it finishes) and slowly (15 s) otherwise, to follow new votes.
 */
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import type { ArenaRow } from './arena-types';

const ACTIVE_POLL_MS = 3_000;
const IDLE_POLL_MS = 15_000;

function hasActiveJob(arenas: ArenaRow[] | undefined): boolean {
  return (arenas ?? []).some((a) => a.job?.status === 'QUEUED' || a.job?.status === 'RUNNING');
}

export function useArenas(projectId: number) {
  const trpc = useTRPC();
  return useQuery({ ...trpc.arena.list.queryOptions({ projectId }), refetchInterval: (query) => (hasActiveJob(query.state.data) ? ACTIVE_POLL_MS : IDLE_POLL_MS) });
}

export function useArenaLeaderboard(projectId: number) {
  const trpc = useTRPC();
  return useQuery({ ...trpc.arena.leaderboard.queryOptions({ projectId }), refetchInterval: IDLE_POLL_MS });
}

/** "1093 (1071–1115)": a score with its interval, rounded to whole points as the arenas show them. */
export function formatScore(score: number | null, lower: number | null, upper: number | null): string {
  if (score === null) return '—';
  return lower === null || upper === null ? `${Math.round(score)}` : `${Math.round(score)} (${Math.round(lower)}–${Math.round(upper)})`;
}
