'use client';
/**
 * The training overview, polled fast (2 s) while a round or job is queued or running, so stages
 * and curves move live, and slowly (15 s) otherwise, to notice rounds started by a schedule.
 */
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import { isActiveStatus } from './status-badge';
import type { TrainingOverview } from './training-types';

const ACTIVE_POLL_MS = 2_000;
const IDLE_POLL_MS = 15_000;

export function hasActiveWork(overview: TrainingOverview | undefined): boolean {
  if (!overview) return false;
  return overview.runs.some((run) => isActiveStatus(run.status)) || overview.jobs.some((job) => isActiveStatus(job.status));
}

export function useTrainingOverview(projectId: number) {
  const trpc = useTRPC();
  return useQuery({
    ...trpc.training.overview.queryOptions({ projectId }),
    refetchInterval: (query) => (hasActiveWork(query.state.data) ? ACTIVE_POLL_MS : IDLE_POLL_MS),
  });
}
