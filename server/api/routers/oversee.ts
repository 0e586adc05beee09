/** What admins see of the work on a project: stats, recent annotations, flagged tasks. */
import { z } from 'zod';
import { ZAnswer, ZQuestion } from '../../../lib/forms/schema';
import { getAnswerCharts } from '../../services/answer-charts';
import { listFlaggedTasks } from '../../services/flagged-tasks';
import { getProjectStats } from '../../services/project-stats';
import { listRecentAnnotations } from '../../services/recent-annotations';
import { reopenTask } from '../../services/reopen-task';
import { getTaskDetail } from '../../services/task-detail';
import { adminProcedure, createTRPCRouter } from '../trpc';
import { ZDbId, ZProjectId, ZProjectInput, ZSafeText } from '../../../lib/validation';

const ZAnnotationStatus = z.enum(['SUBMITTED', 'SKIPPED', 'FLAGGED']);
const ZTaskStatus = z.enum(['OPEN', 'DONE', 'FLAGGED']);

export const ZProjectStats = z.object({
  tasksByStatus: z.object({ OPEN: z.number(), DONE: z.number(), FLAGGED: z.number() }),
  taskCount: z.number(),
  annotationsByAnnotator: z.array(
    z.object({ userId: z.string(), name: z.string(), email: z.string(), submitted: z.number(), skipped: z.number(), flagged: z.number(), medianTimeMs: z.number().nullable() }),
  ),
  submittedCount: z.number(),
  skipCount: z.number(),
  flagCount: z.number(),
  /** Median time of a submitted annotation, over all annotators (null before the first). */
  medianTimeMs: z.number().nullable(),
});

export const ZRecentAnnotationsInput = z.object({
  projectId: ZProjectId,
  userId: ZSafeText(200).min(1).optional(),
  status: ZAnnotationStatus.optional(),
  limit: z.number().int().min(1).max(100).default(50),
  cursor: ZDbId.optional(),
});
export type TRecentAnnotationsInput = z.infer<typeof ZRecentAnnotationsInput>;

export const ZRecentAnnotations = z.object({
  items: z.array(
    z.object({
      id: z.number(),
      taskId: z.number(),
      userId: z.string(),
      annotatorName: z.string(),
      status: ZAnnotationStatus,
      answer: ZAnswer.nullable(),
      flagReason: z.string().nullable(),
      timeSpentMs: z.number(),
      createdAt: z.date(),
      /** Display order of the task (A = first). */
      completionIds: z.array(z.number()),
      /** The same completions in display order, each with the start of its text. */
      completions: z.array(z.object({ id: z.number(), excerpt: z.string() })),
      promptExcerpt: z.string(),
    }),
  ),
  nextCursor: z.number().nullable(),
});

export const ZFlaggedTask = z.object({
  taskId: z.number(),
  submittedCount: z.number(),
  updatedAt: z.date(),
  completionIds: z.array(z.number()),
  promptExcerpt: z.string(),
  flags: z.array(z.object({ annotationId: z.number(), userId: z.string(), annotatorName: z.string(), reason: z.string(), createdAt: z.date() })),
});

export const ZTaskDetailInput = z.object({ projectId: ZProjectId, taskId: ZDbId });

export const ZTaskDetail = z.object({
  taskId: z.number(),
  projectId: z.number(),
  status: ZTaskStatus,
  submittedCount: z.number(),
  overlap: z.number(),
  createdAt: z.date(),
  prompt: z.object({
    text: z.string(),
    messages: z.array(z.object({ role: z.string(), content: z.string() })).nullable(),
    split: z.enum(['TRAIN', 'HELDOUT']),
    externalId: z.string().nullable(),
  }),
  /** In display order: index 0 was shown first ("A"). */
  completions: z.array(z.object({ id: z.number(), text: z.string(), source: z.enum(['MODEL', 'IMPORT', 'HUMAN_EDIT', 'API']) })),
  /** The project's form, to put the answers into words. */
  questions: z.array(ZQuestion),
  annotations: z.array(
    z.object({
      id: z.number(),
      userId: z.string(),
      annotatorName: z.string(),
      status: ZAnnotationStatus,
      answer: ZAnswer.nullable(),
      flagReason: z.string().nullable(),
      timeSpentMs: z.number(),
      createdAt: z.date(),
    }),
  ),
});

const ZCount = z.number().int().min(0);
export const ZAnswerCharts = z.object({
  submittedCount: ZCount,
  questions: z.array(
    z.object({
      questionId: z.string(),
      label: z.string(),
      type: z.enum(['pairwise', 'thumbs', 'likert', 'ranking']),
      options: z.array(z.object({ key: z.string(), label: z.string(), count: ZCount })),
      positions: z.array(z.object({ position: z.number().int(), count: ZCount })).nullable(),
    }),
  ),
  timeline: z.object({
    unit: z.enum(['hour', 'day']),
    points: z.array(z.object({ start: z.date(), submitted: ZCount, skipped: ZCount, flagged: ZCount })),
  }),
});

export const overseeRouter = createTRPCRouter({
  projectStats: adminProcedure
    .input(ZProjectInput)
    .output(ZProjectStats)
    .query(({ input }) => getProjectStats(input)),

  recentAnnotations: adminProcedure
    .input(ZRecentAnnotationsInput)
    .output(ZRecentAnnotations)
    .query(({ input }) => listRecentAnnotations(input)),

  /** One task with its prompt, responses in display order and every answer given to it. */
  taskDetail: adminProcedure
    .input(ZTaskDetailInput)
    .output(ZTaskDetail)
    .query(({ input }) => getTaskDetail(input)),

  /** Choice counts, picks by display position and annotations over time, for the overview's charts. */
  answerCharts: adminProcedure
    .input(ZProjectInput)
    .output(ZAnswerCharts)
    .query(({ input }) => getAnswerCharts(input)),

  flaggedTasks: adminProcedure
    .input(ZProjectInput)
    .output(z.array(ZFlaggedTask))
    .query(({ input }) => listFlaggedTasks(input)),

  /** FLAGGED -> OPEN (or DONE when it already has its overlap); the flags stay for audit. */
  reopenTask: adminProcedure
    .input(z.object({ taskId: ZDbId }))
    .output(z.object({ taskId: z.number(), status: ZTaskStatus }))
    .mutation(({ input }) => reopenTask(input)),
});
