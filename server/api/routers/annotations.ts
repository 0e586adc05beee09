import { z } from 'zod';
import { annotatorProcedure, createTRPCRouter } from '../trpc';
import { ZAnswer } from '../../../lib/forms/schema';
import { submitAndFindNext, submitAnnotation } from '../../services/submit-annotation';
import { flagTask, MAX_FLAG_REASON_LENGTH, skipTask } from '../../services/skip-or-flag-task';
import { findUndoableAnnotation, undoAnnotation } from '../../services/undo-annotation';
import { listMyRecentActions } from '../../services/my-recent-actions';
import { ZTaskView } from '../../services/task-view';
import { ZDbId, ZProjectInput, ZSafeText } from '../../../lib/validation';
import { ZNextTaskInput } from './queue';

const ZClientId = z.uuid();
/** Milliseconds the annotator spent on the task (clamped server-side to one hour). */
const ZTimeSpentMs = z.number().int().min(0);

export const ZSubmitAnnotationInput = z.object({ clientId: ZClientId, taskId: ZDbId, answer: ZAnswer, timeSpentMs: ZTimeSpentMs });
export type TSubmitAnnotationInput = z.infer<typeof ZSubmitAnnotationInput>;
export const ZSubmitAnnotationOutput = z.object({ annotationId: z.number().int(), undoableUntil: z.date() });

export const ZSubmitAndNextInput = ZSubmitAnnotationInput.extend({
  /** Tasks the client already has (on screen, prefetched): never returned as `next`. */
  excludeTaskIds: ZNextTaskInput.shape.excludeTaskIds,
});
export type TSubmitAndNextInput = z.infer<typeof ZSubmitAndNextInput>;
export const ZSubmitAndNextOutput = ZSubmitAnnotationOutput.extend({ next: ZTaskView.nullable() });

export const ZSkipTaskInput = z.object({ clientId: ZClientId, taskId: ZDbId, timeSpentMs: ZTimeSpentMs });
export const ZFlagTaskInput = z.object({ clientId: ZClientId, taskId: ZDbId, reason: ZSafeText(MAX_FLAG_REASON_LENGTH).trim().min(1), timeSpentMs: ZTimeSpentMs });
export const ZSetAsideOutput = ZSubmitAnnotationOutput;

const ZAnnotationStatus = z.enum(['SUBMITTED', 'SKIPPED', 'FLAGGED']);
export const ZUndoInput = ZProjectInput.extend({
  /** One of my recent actions (from `recent`) to take back; absent: my last action in the project. */
  annotationId: ZDbId.optional(),
});
export const ZUndoOutput = z.object({ task: ZTaskView, undone: z.object({ annotationId: z.number().int(), status: ZAnnotationStatus }) });
export const ZMyRecentAction = z.object({
  annotationId: z.number().int(),
  taskId: z.number().int(),
  status: ZAnnotationStatus,
  createdAt: z.date(),
  undoableUntil: z.date(),
  promptExcerpt: z.string(),
});

export const annotationsRouter = createTRPCRouter({
  /** Idempotent per clientId: a retry returns the same annotationId. */
  submit: annotatorProcedure
    .input(ZSubmitAnnotationInput)
    .output(ZSubmitAnnotationOutput)
    .mutation(({ ctx, input }) => submitAnnotation({ userId: ctx.user.id, ...input })),

  /**
   * submit, then queue.next in the task's project, in one request: the rating page's one round
   * trip per task. Same rules and idempotency as submit; a retry returns the same next task.
   */
  submitAndNext: annotatorProcedure
    .input(ZSubmitAndNextInput)
    .output(ZSubmitAndNextOutput)
    .mutation(({ ctx, input }) => submitAndFindNext({ userId: ctx.user.id, ...input })),

  skip: annotatorProcedure
    .input(ZSkipTaskInput)
    .output(ZSetAsideOutput)
    .mutation(({ ctx, input }) => skipTask({ userId: ctx.user.id, ...input })),

  /** Takes the task out of the queue for everyone until an admin reopens it. */
  flag: annotatorProcedure
    .input(ZFlagTaskInput)
    .output(ZSetAsideOutput)
    .mutation(({ ctx, input }) => flagTask({ userId: ctx.user.id, ...input })),

  /**
   * Takes back my last action in the project (a submission, a skip or a flag), or the one named,
   * while its undo window is open; the task is leased back to me.
   */
  undo: annotatorProcedure
    .input(ZUndoInput)
    .output(ZUndoOutput)
    .mutation(({ ctx, input }) => undoAnnotation({ userId: ctx.user.id, projectId: input.projectId, annotationId: input.annotationId })),

  /** My last actions in the project, newest first, each with until when it can be undone. */
  recent: annotatorProcedure
    .input(ZProjectInput)
    .output(z.array(ZMyRecentAction))
    .query(({ ctx, input }) => listMyRecentActions({ userId: ctx.user.id, projectId: input.projectId })),

  /** My last action in the project while it can still be undone, else null. */
  last: annotatorProcedure
    .input(ZProjectInput)
    .output(ZSubmitAnnotationOutput.nullable())
    .query(({ ctx, input }) => findUndoableAnnotation({ userId: ctx.user.id, projectId: input.projectId })),
});
