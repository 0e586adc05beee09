/** The arena router's outputs as the UI sees them (type-only). */
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@/server/api/root';

type ArenaOutputs = inferRouterOutputs<AppRouter>['arena'];

export type ArenaLeaderboard = ArenaOutputs['leaderboard'];
export type LeaderboardVersion = ArenaLeaderboard['versions'][number];
export type MatrixCell = NonNullable<ArenaLeaderboard['matrix'][number][number]>;
export type ArenaRow = ArenaOutputs['list'][number];
