/**
 * Feedback collected outside the annotation UI (a production app's thumbs, a script's scores):
 * each item becomes a prompt, its completion(s) and a task; a rating becomes an annotation by the
 * "api-feedback" pseudo-annotator, counted on the task like any other answer.
 *
 * Knows nothing of HTTP (the route validates and answers). All items are written in one
 * transaction, or none. An item's externalId makes retries safe: it is stored on the prompt (and in
 * the annotation's clientId), and a second item with an externalId the project already has is a
 * CONFLICT that names the rows written the first time. A per-project advisory lock serialises
 * ingestion, so two copies of one request racing each other cannot both pass that check.
 */
import { API_FEEDBACK_USER_ID } from '../../services/pseudo-annotators';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client';
import { db } from '../../db';
import { AppError } from '../../errors';
import { readStoredForm } from '../../services/projects';
import { CHAT_ROLES, type ChatMessage } from '../../services/import/types';
import { renderMessagesAsText } from '../../services/import/fields';
import type { Answer, RatingForm } from '../../../lib/forms/schema';
import { ZSafeText } from '../../../lib/validation';

/** The pseudo-annotator that API ratings are recorded under: a banned account, so nobody signs in as it. */
export const API_FEEDBACK_USER = { id: API_FEEDBACK_USER_ID, name: 'API feedback', email: 'api-feedback@feedloop.invalid' } as const;
export const MAX_FEEDBACK_ITEMS = 1000;
const MAX_TEXT = 200_000;

const ZText = ZSafeText(MAX_TEXT, `at most ${MAX_TEXT} characters`).refine((text) => text.trim().length > 0, 'must not be blank');
const ZChatMessage = z.object({ role: z.enum(CHAT_ROLES), content: ZSafeText(MAX_TEXT) }).strict();

export const ZFeedbackRating = z.union(
  [z.object({ thumbs: z.enum(['up', 'down']) }).strict(), z.object({ score: z.number().int('must be an integer') }).strict(), z.object({ choice: z.enum(['a', 'b']) }).strict()],
  { error: 'must be {"thumbs": "up" | "down"}, {"score": <integer>} or {"choice": "a" | "b"}' },
);

export const ZFeedbackItem = z
  .object({
    /** The prompt: text, or chat messages [{role, content}]. */
    prompt: z.union([ZText, z.array(ZChatMessage).min(1).max(500)], { error: 'must be a non-blank string or a list of {role, content} messages' }),
    /** The completion, for projects that show one per task. */
    completion: ZText.optional(),
    /** The completions in display order, for projects that show several (pairwise: [a, b]). */
    completions: z.array(ZText).min(2).max(9).optional(),
    /** thumbs → a thumbs question; score → a Likert question; choice → a pairwise question ("a" is completions[0]). */
    rating: ZFeedbackRating.optional(),
    /** Your id for this item: sending it again is refused with 409 and the rows already written. */
    externalId: ZSafeText(200).trim().min(1).optional(),
  })
  .strict();
export type FeedbackItem = z.infer<typeof ZFeedbackItem>;

/** One item, or `{ "items": [...] }` of up to 1,000. Items are checked one by one, so a refusal can name the index. */
export const ZFeedbackBody = z.union([z.object({ items: z.array(z.unknown()).min(1).max(MAX_FEEDBACK_ITEMS) }).strict(), z.record(z.string(), z.unknown()).refine((item) => !('items' in item))]);

export type FeedbackRow = { index: number; externalId: string | null; promptId: number; taskId: number; completionIds: number[]; annotationId: number | null };

type ProjectShape = { id: number; form: RatingForm; completionsPerTask: number; overlap: number };

/** Checks the body item by item; the first bad one is a BAD_REQUEST naming its index and reason. */
export function parseFeedbackItems(body: unknown): FeedbackItem[] {
  const parsed = ZFeedbackBody.safeParse(body);
  // A body with "items" is a batch, whatever else it holds; any other object is one item.
  const isBatch = typeof body === 'object' && body !== null && 'items' in body;
  if (!parsed.success || (isBatch && !('items' in parsed.data && Array.isArray(parsed.data.items) && Object.keys(parsed.data).length === 1))) {
    throw new AppError('BAD_REQUEST', `Send one item or {"items": [...]} with 1 to ${MAX_FEEDBACK_ITEMS} items`);
  }
  const raw = isBatch && Array.isArray(parsed.data.items) ? parsed.data.items : [parsed.data];
  return raw.map((item, index) => {
    const result = ZFeedbackItem.safeParse(item);
    if (!result.success) {
      const issue = result.error.issues[0];
      const reason = `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`;
      throw new AppError('BAD_REQUEST', `Item ${index}: ${reason}`, { index, reason });
    }
    return result.data;
  });
}

/** The answer a rating stands for in this project's form, or why it cannot be stored. */
function buildAnswer(project: ProjectShape, rating: NonNullable<FeedbackItem['rating']>, completionIds: number[]): Answer | string {
  const questions = project.form.questions;
  if ('thumbs' in rating) {
    const q = questions.find((x) => x.type === 'thumbs');
    if (!q) return "the project's form has no thumbs question";
    if (completionIds.length !== 1) return 'a thumbs rating needs a project with one completion per task';
    return { [q.id]: { type: 'thumbs', votes: { [String(completionIds[0])]: rating.thumbs } } };
  }
  if ('score' in rating) {
    const q = questions.find((x) => x.type === 'likert');
    if (!q || q.type !== 'likert') return "the project's form has no Likert (score) question";
    if (completionIds.length !== 1) return 'a score needs a project with one completion per task';
    if (rating.score < q.min || rating.score > q.max) return `rating.score must be between ${q.min} and ${q.max}`;
    return { [q.id]: { type: 'likert', scores: { [String(completionIds[0])]: rating.score } } };
  }
  const q = questions.find((x) => x.type === 'pairwise');
  if (!q) return "the project's form has no pairwise question";
  return { [q.id]: { type: 'pairwise', choice: rating.choice === 'a' ? 'A' : 'B' } };
}

function completionTextsOf(project: ProjectShape, item: FeedbackItem): string[] | string {
  if (project.completionsPerTask === 1) {
    if (item.completions) return 'this project shows one completion per task: send "completion", not "completions"';
    if (item.completion === undefined) return 'missing field "completion"';
    return [item.completion];
  }
  if (item.completion !== undefined) return `this project shows ${project.completionsPerTask} completions per task: send "completions": [...]`;
  if (!item.completions || item.completions.length !== project.completionsPerTask) return `"completions" must hold exactly ${project.completionsPerTask} completions`;
  return item.completions;
}

type Tx = Prisma.TransactionClient;

async function reserveIds(tx: Tx, table: 'Prompt' | 'Completion' | 'Task' | 'Annotation', count: number): Promise<number[]> {
  if (count === 0) return [];
  const rows = await tx.$queryRaw<{ id: number }[]>`SELECT nextval(pg_get_serial_sequence(${`"${table}"`}, 'id'))::int AS id FROM generate_series(1, ${count}::int)`;
  return rows.map((row) => row.id).sort((a, b) => a - b);
}

async function ensureFeedbackUser(tx: Tx) {
  await tx.$executeRaw`
    INSERT INTO "user" (id, name, email, "emailVerified", role, banned, "banReason", "createdAt", "updatedAt")
    VALUES (${API_FEEDBACK_USER.id}, ${API_FEEDBACK_USER.name}, ${API_FEEDBACK_USER.email}, false, 'annotator', true, 'Records ratings sent through /api/v1; cannot sign in', (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC'))
    ON CONFLICT (id) DO NOTHING`;
}

export async function ingestFeedback(options: { projectId: number; items: FeedbackItem[] }): Promise<FeedbackRow[]> {
  const stored = await db.project.findUnique({ where: { id: options.projectId }, select: { id: true, form: true, completionsPerTask: true, overlap: true } });
  if (!stored) throw new AppError('NOT_FOUND', `No project ${options.projectId}`);
  const project: ProjectShape = { ...stored, form: readStoredForm(stored.form) };

  // Everything that can be refused is refused before the transaction.
  const seen = new Map<string, number>();
  const planned = options.items.map((item, index) => {
    const refuse = (reason: string) => new AppError('BAD_REQUEST', `Item ${index}: ${reason}`, { index, reason });
    const texts = completionTextsOf(project, item);
    if (typeof texts === 'string') throw refuse(texts);
    if (item.rating) {
      const problem = buildAnswer(
        project,
        item.rating,
        texts.map((_, i) => i + 1),
      );
      if (typeof problem === 'string') throw refuse(problem);
    }
    if (item.externalId !== undefined) {
      const first = seen.get(item.externalId);
      if (first !== undefined) throw refuse(`externalId "${item.externalId}" is also item ${first}'s`);
      seen.set(item.externalId, index);
    }
    const messages: ChatMessage[] | null = typeof item.prompt === 'string' ? null : item.prompt;
    return { item, texts, messages, text: messages ? renderMessagesAsText(messages) : (item.prompt as string) };
  });

  return db.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`api-feedback:${project.id}`}))`;
      const externalIds = [...seen.keys()];
      if (externalIds.length > 0) {
        const existing = await findExisting(tx, project.id, externalIds);
        if (existing.length > 0) {
          throw new AppError('CONFLICT', `${existing.length} item(s) were already received (same externalId): nothing was written`, { existing });
        }
      }
      await ensureFeedbackUser(tx);
      const completionCount = planned.reduce((sum, p) => sum + p.texts.length, 0);
      const rated = planned.filter((p) => p.item.rating).length;
      const [promptIds, completionIds, taskIds, annotationIds] = await Promise.all([
        reserveIds(tx, 'Prompt', planned.length),
        reserveIds(tx, 'Completion', completionCount),
        reserveIds(tx, 'Task', planned.length),
        reserveIds(tx, 'Annotation', rated),
      ]);
      let nextCompletion = 0;
      let nextAnnotation = 0;
      const now = new Date();
      const rows = planned.map((p, index) => {
        const ids = p.texts.map(() => completionIds[nextCompletion++]);
        const answer = p.item.rating ? buildAnswer(project, p.item.rating, ids) : null;
        const annotationId = answer ? annotationIds[nextAnnotation++] : null;
        return { index, p, promptId: promptIds[index], taskId: taskIds[index], completionIds: ids, answer: typeof answer === 'string' ? null : answer, annotationId };
      });
      await tx.prompt.createMany({
        data: rows.map((r) => ({
          id: r.promptId,
          projectId: project.id,
          text: r.p.text,
          messages: r.p.messages ?? undefined,
          externalId: r.p.item.externalId ?? null,
          source: 'api',
          createdAt: now,
        })),
      });
      await tx.completion.createMany({ data: rows.flatMap((r) => r.p.texts.map((text, i) => ({ id: r.completionIds[i], promptId: r.promptId, text, source: 'API' as const, createdAt: now }))) });
      await tx.task.createMany({
        data: rows.map((r) => {
          const submittedCount = r.annotationId === null ? 0 : 1;
          return {
            id: r.taskId,
            projectId: project.id,
            promptId: r.promptId,
            completionIds: r.completionIds,
            submittedCount,
            status: submittedCount >= project.overlap ? ('DONE' as const) : ('OPEN' as const),
            createdAt: now,
          };
        }),
      });
      const annotations = rows.flatMap((r) =>
        r.annotationId === null || r.answer === null
          ? []
          : [
              {
                id: r.annotationId,
                clientId: r.p.item.externalId !== undefined ? `api-feedback:${project.id}:${r.p.item.externalId}` : `api-feedback:${randomUUID()}`,
                taskId: r.taskId,
                projectId: project.id,
                userId: API_FEEDBACK_USER.id,
                status: 'SUBMITTED' as const,
                answer: r.answer,
                createdAt: now,
              },
            ],
      );
      if (annotations.length > 0) await tx.annotation.createMany({ data: annotations });
      return rows.map((r) => ({ index: r.index, externalId: r.p.item.externalId ?? null, promptId: r.promptId, taskId: r.taskId, completionIds: r.completionIds, annotationId: r.annotationId }));
    },
    { timeout: 60_000, maxWait: 30_000 },
  );
}

async function findExisting(tx: Tx, projectId: number, externalIds: string[]) {
  return tx.$queryRaw<{ externalId: string; promptId: number; taskId: number | null; annotationId: number | null }[]>`
    SELECT p."externalId", p.id AS "promptId", t.id AS "taskId", a.id AS "annotationId"
    FROM "Prompt" p
    LEFT JOIN LATERAL (SELECT id FROM "Task" WHERE "promptId" = p.id ORDER BY id LIMIT 1) t ON true
    LEFT JOIN LATERAL (SELECT id FROM "Annotation" WHERE "taskId" = t.id AND "userId" = ${API_FEEDBACK_USER.id} LIMIT 1) a ON true
    WHERE p."projectId" = ${projectId}::int AND p.source = 'api' AND p."externalId" = ANY(${externalIds}::text[])
    ORDER BY p.id`;
}
