import { z } from 'zod';
import { annotatorProcedure, createTRPCRouter } from '../trpc';
import { findNextTask } from '../../services/find-next-task';
import { findQueueProgress } from '../../services/queue-progress';
import { ZTaskView } from '../../services/task-view';
import { ZDbId, ZProjectId } from '../../../lib/validation';

export const ZNextTaskInput = z.object({
  projectId: ZProjectId,
  /** Tasks the client already has (on screen, prefetched): never returned again by this call. */
  excludeTaskIds: z.array(ZDbId).max(50).default([]),
});
export type TNextTaskInput = z.infer<typeof ZNextTaskInput>;

export const ZQueueProgressInput = z.object({
  projectId: ZProjectId,
  /** The browser's `new Date().getTimezoneOffset()`, so "today" starts at the annotator's midnight. */
  tzOffsetMinutes: z
    .number()
    .int()
    .min(-14 * 60)
    .max(14 * 60)
    .optional(),
});
export const ZQueueProgress = z.object({
  doneToday: z.number().int(),
  doneTotal: z.number().int(),
  /** Tasks of the project I submitted, skipped or flagged: with `remaining`, my whole queue. */
  handledTotal: z.number().int(),
  remaining: z.number().int(),
});

export const queueRouter = createTRPCRouter({
  /** Leases the next task (or returns the one I still hold); null when nothing is left for me. A mutation: it writes a lease. */
  next: annotatorProcedure
    .input(ZNextTaskInput)
    .output(ZTaskView.nullable())
    .mutation(({ ctx, input }) => findNextTask({ userId: ctx.user.id, projectId: input.projectId, excludeTaskIds: input.excludeTaskIds })),

  progress: annotatorProcedure
    .input(ZQueueProgressInput)
    .output(ZQueueProgress)
    .query(({ ctx, input }) => findQueueProgress({ userId: ctx.user.id, projectId: input.projectId, tzOffsetMinutes: input.tzOffsetMinutes })),
});
