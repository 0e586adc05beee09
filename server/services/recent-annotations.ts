/** The admin's table of recent annotations: newest first, filtered, paged by id. */
import { db } from '../db';
import { ZAnswer } from '../../lib/forms/schema';
import type { AnnotationStatus } from '../generated/prisma/enums';

const PROMPT_EXCERPT_CHARS = 200;
const COMPLETION_EXCERPT_CHARS = 160;

export function excerpt(text: string, length = PROMPT_EXCERPT_CHARS): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > length ? `${flat.slice(0, length)}…` : flat;
}

/**
 * `cursor` is the id of the last row of the previous page. Ids grow with time, so "newest first"
 * is id order, and a page stays stable while new annotations arrive.
 */
export async function listRecentAnnotations(options: { projectId: number; userId?: string; status?: AnnotationStatus; limit: number; cursor?: number }) {
  const rows = await db.annotation.findMany({
    where: {
      projectId: options.projectId,
      ...(options.userId ? { userId: options.userId } : {}),
      ...(options.status ? { status: options.status } : {}),
      ...(options.cursor ? { id: { lt: options.cursor } } : {}),
    },
    orderBy: { id: 'desc' },
    take: options.limit + 1,
    select: {
      id: true,
      taskId: true,
      status: true,
      answer: true,
      flagReason: true,
      timeSpentMs: true,
      createdAt: true,
      user: { select: { id: true, name: true } },
      task: { select: { completionIds: true, prompt: { select: { text: true } } } },
    },
  });
  const page = rows.slice(0, options.limit);
  const excerpts = await findCompletionExcerpts([...new Set(page.flatMap((row) => row.task.completionIds))]);
  return {
    items: page.map((row) => {
      const answer = ZAnswer.safeParse(row.answer);
      return {
        id: row.id,
        taskId: row.taskId,
        userId: row.user.id,
        annotatorName: row.user.name,
        status: row.status,
        answer: answer.success ? answer.data : null,
        flagReason: row.flagReason,
        timeSpentMs: row.timeSpentMs,
        createdAt: row.createdAt,
        completionIds: row.task.completionIds,
        completions: row.task.completionIds.map((id) => ({ id, excerpt: excerpts.get(id) ?? '' })),
        promptExcerpt: excerpt(row.task.prompt.text),
      };
    }),
    nextCursor: rows.length > options.limit ? page[page.length - 1].id : null,
  };
}

/**
 * The start of each completion's text, by id. Only the start is read from the database (a
 * completion may be a megabyte; a table row shows a line of it).
 */
export async function findCompletionExcerpts(ids: number[], length = COMPLETION_EXCERPT_CHARS): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.$queryRaw<{ id: number; head: string }[]>`SELECT id, left(text, ${length + 200}::int) AS head FROM "Completion" WHERE id = ANY(${ids}::int[])`;
  return new Map(rows.map((row) => [row.id, excerpt(row.head, length)]));
}
