/**
 * What an annotator sees of a task: the prompt, the completions in their stored display order,
 * and when the lease on it runs out. Services that hand out a task (next, undo) end their SQL
 * with TASK_VIEW_COLUMNS over `t` (Task), `pr` (Prompt) and `l` (the lease: "taskId", "expiresAt").
 */
import { z } from 'zod';
import { Prisma } from '../generated/prisma/client';

export const ZTaskView = z.object({
  taskId: z.number().int(),
  projectId: z.number().int(),
  prompt: z.object({
    text: z.string(),
    /** Chat messages when the prompt is a conversation, else null. */
    messages: z.array(z.object({ role: z.string(), content: z.string() })).nullable(),
  }),
  /** In display order: index 0 is shown first (and is "A" in a pairwise question). */
  completions: z.array(z.object({ id: z.number().int(), text: z.string() })),
  leaseExpiresAt: z.date(),
});
export type TaskView = z.infer<typeof ZTaskView>;

/**
 * Timestamps are stored as UTC in `timestamp without time zone` columns (Prisma's convention);
 * comparing them with now() would depend on the session's TimeZone, so raw SQL uses this.
 */
export const NOW_UTC_TEXT = `(now() AT TIME ZONE 'UTC')`;
export const NOW_UTC = Prisma.raw(NOW_UTC_TEXT);

/** The columns as SQL text, for the statements of the hot path (server/hot-path-sql.ts). */
export const TASK_VIEW_COLUMNS_TEXT = `
  t.id AS "taskId",
  t."projectId" AS "projectId",
  pr.text AS "promptText",
  pr.messages AS "promptMessages",
  l."expiresAt" AS "leaseExpiresAt",
  (SELECT coalesce(json_agg(json_build_object('id', c.id, 'text', c.text) ORDER BY o.ord), '[]'::json)
     FROM unnest(t."completionIds") WITH ORDINALITY AS o(id, ord)
     JOIN "Completion" c ON c.id = o.id) AS completions`;

export const TASK_VIEW_COLUMNS = Prisma.raw(TASK_VIEW_COLUMNS_TEXT);

export type TaskViewRow = {
  taskId: number;
  projectId: number;
  promptText: string;
  promptMessages: unknown;
  leaseExpiresAt: Date;
  completions: { id: number; text: string }[];
};

const ZMessages = ZTaskView.shape.prompt.shape.messages;

export function toTaskView(row: TaskViewRow): TaskView {
  const messages = ZMessages.safeParse(row.promptMessages ?? null);
  return {
    taskId: row.taskId,
    projectId: row.projectId,
    prompt: { text: row.promptText, messages: messages.success ? messages.data : null },
    completions: row.completions,
    leaseExpiresAt: row.leaseExpiresAt,
  };
}
