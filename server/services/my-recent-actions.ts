/**
 * The rating page's "Recent" list: my last actions in a project (submitted, skipped, flagged),
 * newest first, with until when each can be undone (reopened from the list). Loaded once per page
 * visit; the page adds its own actions to it as they are saved. One query on the (userId,
 * createdAt) index.
 */
import { db } from '../db';
import type { AnnotationStatus } from '../generated/prisma/enums';
import { excerpt } from './recent-annotations';

export type MyRecentAction = { annotationId: number; taskId: number; status: AnnotationStatus; createdAt: Date; undoableUntil: Date; promptExcerpt: string };

/** How many of my own actions the rating page lists. */
export const MY_RECENT_ACTIONS = 10;
const EXCERPT_CHARS = 120;

export async function listMyRecentActions(options: { userId: string; projectId: number }): Promise<MyRecentAction[]> {
  const rows = await db.$queryRaw<(Omit<MyRecentAction, 'promptExcerpt'> & { promptText: string })[]>`
    SELECT a.id AS "annotationId", a."taskId", a.status::text AS status, a."createdAt",
      a."createdAt" + make_interval(secs => p."undoSeconds") AS "undoableUntil",
      left(pr.text, ${EXCERPT_CHARS * 4}::int) AS "promptText"
    FROM "Annotation" a
    JOIN "Project" p ON p.id = a."projectId"
    JOIN "Task" t ON t.id = a."taskId"
    JOIN "Prompt" pr ON pr.id = t."promptId"
    WHERE a."userId" = ${options.userId} AND a."projectId" = ${options.projectId}::int
    ORDER BY a."createdAt" DESC, a.id DESC
    LIMIT ${MY_RECENT_ACTIONS}::int`;
  return rows.map(({ promptText, ...row }) => ({ ...row, promptExcerpt: excerpt(promptText, EXCERPT_CHARS) }));
}
