/**
 * The training router's outputs as the UI sees them (type-only: nothing of the server reaches the
 * browser bundle).
 */
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@/server/api/root';

type TrainingOutputs = inferRouterOutputs<AppRouter>['training'];

export type TrainingOverview = TrainingOutputs['overview'];
export type RoundRow = TrainingOverview['runs'][number];
export type VersionRow = TrainingOverview['versions'][number];
export type JobRow = TrainingOverview['jobs'][number];
export type RoundDetail = TrainingOutputs['round'];
export type ComparedVersion = TrainingOutputs['compare'][number];
export type TrainingSettings = TrainingOutputs['settings'];
export type WorkersAndQueue = TrainingOutputs['workers'];

export type JobStatus = RoundRow['status'];
