/** Arenas of model versions: start one, list them, and the leaderboard. Admins only. */
import { z } from 'zod';
import { ZArenaSettings } from '../../jobs/contracts';
import { arenaLeaderboard } from '../../quality/arena-leaderboard';
import { createArena, listArenas } from '../../services/arena';
import { adminProcedure, createTRPCRouter } from '../trpc';
import { ZDbId, ZProjectId, ZProjectInput, ZSafeText } from '../../../lib/validation';

export const ZCreateArenaInput = z.object({
  projectId: ZProjectId,
  versionIds: z.array(ZDbId).min(2).max(8),
  settings: ZArenaSettings.prefault({}),
  name: ZSafeText(100).trim().nullable().default(null),
});
export type TCreateArenaInput = z.infer<typeof ZCreateArenaInput>;

export const arenaRouter = createTRPCRouter({
  create: adminProcedure.input(ZCreateArenaInput).mutation(({ ctx, input }) => createArena({ ...input, userId: ctx.user.id })),
  list: adminProcedure.input(ZProjectInput).query(({ input }) => listArenas(input)),
  leaderboard: adminProcedure.input(ZProjectInput).query(({ input }) => arenaLeaderboard(input.projectId)),
});
