/**
 * The review queue: reviewers (and admins) accept, reject or correct submitted annotations.
 *
 * Nothing is overwritten: every decision is a new Review row holding the answer in effect before
 * it (`before`: the original answer or the latest correction) and, for a correction, the
 * corrected answer. The annotation row itself never changes. What consumers read
 * (effectiveAnswerSql, isRejectedSql): the latest correction wins, a rejected answer is left out.
 *
 * A rejection returns the task to the queue: its submitted count goes down by one (a DONE task is
 * OPEN again), so one more annotator answers it. The rejected annotation stays, so its author is
 * never served the task again (an annotator answers a task once) and the history keeps it. A
 * rejection is final: a rejected answer cannot be reviewed again (its slot was given back).
 */
import { Prisma } from '../../generated/prisma/client';
import { db } from '../../db';
import { AppError } from '../../errors';
import { findAnswerProblems, ZAnswer, type Answer, type RatingForm } from '../../../lib/forms/schema';
import { readStoredForm } from '../projects';

export type ReviewDecision = 'ACCEPT' | 'REJECT' | 'CORRECT';

/** The answer consumers use for annotation `alias`: its latest correction, else the original. */
export function effectiveAnswerSql(alias: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`coalesce((SELECT rv."correctedAnswer" FROM "Review" rv WHERE rv."annotationId" = ${alias}.id AND rv.decision = 'CORRECT' ORDER BY rv.id DESC LIMIT 1), ${alias}.answer)`;
}

/** Whether a reviewer rejected annotation `alias` (then consumers leave it out). */
export function isRejectedSql(alias: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`EXISTS (SELECT 1 FROM "Review" rv WHERE rv."annotationId" = ${alias}.id AND rv.decision = 'REJECT')`;
}

export type ReviewItem = {
  annotationId: number;
  projectId: number;
  taskId: number;
  form: RatingForm;
  prompt: { text: string; messages: { role: string; content: string }[] | null };
  completions: { id: number; text: string }[];
  /** The answer in effect (the latest correction, or the original). */
  answer: Answer;
  submittedAt: Date;
  timeSpentMs: number;
  /** Annotations of this project still waiting for a first review (this one included). */
  pending: number;
};

type ItemRow = {
  annotationId: number;
  projectId: number;
  taskId: number;
  form: unknown;
  promptText: string;
  promptMessages: unknown;
  completions: { id: number; text: string }[];
  answer: unknown;
  submittedAt: Date;
  timeSpentMs: number;
  pending: number;
};

function toItem(row: ItemRow): ReviewItem {
  const messages = Array.isArray(row.promptMessages) ? (row.promptMessages as { role: string; content: string }[]) : null;
  return {
    annotationId: row.annotationId,
    projectId: row.projectId,
    taskId: row.taskId,
    form: readStoredForm(row.form),
    prompt: { text: row.promptText, messages },
    completions: row.completions,
    answer: ZAnswer.parse(row.answer ?? {}),
    submittedAt: row.submittedAt,
    timeSpentMs: row.timeSpentMs,
    pending: row.pending,
  };
}

const itemColumns = Prisma.sql`
  a.id AS "annotationId", a."projectId", a."taskId", p.form, pr.text AS "promptText", pr.messages AS "promptMessages",
  (SELECT coalesce(json_agg(json_build_object('id', c.id, 'text', c.text) ORDER BY o.ord), '[]'::json)
     FROM unnest(t."completionIds") WITH ORDINALITY AS o(id, ord) JOIN "Completion" c ON c.id = o.id) AS completions,
  ${effectiveAnswerSql(Prisma.sql`a`)} AS answer, a."createdAt" AS "submittedAt", a."timeSpentMs"`;

/** Submitted, not on a gold task (those are scored), never reviewed, not the reviewer's own. */
function pendingConditions(project: Prisma.Sql, reviewerId: string): Prisma.Sql {
  return Prisma.sql`a."projectId" = ${project} AND a.status = 'SUBMITTED' AND a."userId" <> ${reviewerId}
    AND NOT EXISTS (SELECT 1 FROM "Review" r WHERE r."annotationId" = a.id)
    AND NOT EXISTS (SELECT 1 FROM "GoldTask" g WHERE g."taskId" = a."taskId")`;
}

/** The oldest annotation waiting for review in the project (skipping `excludeAnnotationIds`), or null. */
export async function findNextForReview(options: { projectId: number; reviewerId: string; excludeAnnotationIds?: number[] }): Promise<ReviewItem | null> {
  const project = await db.project.findUnique({ where: { id: options.projectId }, select: { id: true } });
  if (!project) throw new AppError('NOT_FOUND', `No project ${options.projectId}`);
  const excluded = options.excludeAnnotationIds ?? [];
  const rows = await db.$queryRaw<ItemRow[]>`
    SELECT ${itemColumns},
      (SELECT count(*)::int FROM "Annotation" a WHERE ${pendingConditions(Prisma.sql`${options.projectId}::int`, options.reviewerId)}) AS pending
    FROM "Annotation" a
    JOIN "Task" t ON t.id = a."taskId" JOIN "Prompt" pr ON pr.id = t."promptId" JOIN "Project" p ON p.id = a."projectId"
    WHERE ${pendingConditions(Prisma.sql`${options.projectId}::int`, options.reviewerId)} AND NOT (a.id = ANY(${excluded}::int[]))
    ORDER BY a."createdAt", a.id
    LIMIT 1`;
  return rows[0] ? toItem(rows[0]) : null;
}

export type ReviewResult = { reviewId: number; annotationId: number; decision: ReviewDecision; taskReturnedToQueue: boolean };

export async function reviewAnnotation(options: {
  annotationId: number;
  reviewerId: string;
  decision: ReviewDecision;
  reason?: string | null;
  correctedAnswer?: Answer | null;
}): Promise<ReviewResult> {
  const { annotationId, reviewerId, decision } = options;
  const reason = options.reason?.trim() || null;
  if (decision === 'REJECT' && !reason) throw new AppError('BAD_REQUEST', 'Say why the answer is rejected');
  if (decision === 'CORRECT' && !options.correctedAnswer) throw new AppError('BAD_REQUEST', 'A correction needs the corrected answer');
  if (decision !== 'CORRECT' && options.correctedAnswer) throw new AppError('BAD_REQUEST', 'Only a correction carries an answer');

  return db.$transaction(async (tx) => {
    // Locks the annotation: two reviewers deciding at once are ordered, and see each other's row.
    const [row] = await tx.$queryRaw<
      { id: number; projectId: number; taskId: number; userId: string; status: string; isGold: boolean; form: unknown; completionIds: number[]; before: unknown; isRejected: boolean }[]
    >`
      SELECT a.id, a."projectId", a."taskId", a."userId", a.status::text AS status, t."isGold", p.form, t."completionIds",
        ${effectiveAnswerSql(Prisma.sql`a`)} AS before, ${isRejectedSql(Prisma.sql`a`)} AS "isRejected"
      FROM "Annotation" a JOIN "Task" t ON t.id = a."taskId" JOIN "Project" p ON p.id = a."projectId"
      WHERE a.id = ${annotationId}::int
      FOR UPDATE OF a`;
    if (!row) throw new AppError('NOT_FOUND', `No annotation ${annotationId}`);
    if (row.status !== 'SUBMITTED') throw new AppError('CONFLICT', 'Only submitted answers are reviewed');
    if (row.isGold) throw new AppError('CONFLICT', 'Answers to gold tasks are scored, not reviewed');
    if (row.userId === reviewerId) throw new AppError('FORBIDDEN', 'You cannot review your own answer');
    if (row.isRejected) throw new AppError('CONFLICT', 'This answer was rejected already; its task went back to the queue');
    if (decision === 'CORRECT' && options.correctedAnswer) {
      const problems = findAnswerProblems(readStoredForm(row.form), row.completionIds, options.correctedAnswer);
      if (problems.length > 0) throw new AppError('BAD_REQUEST', `Invalid answer: ${problems[0].questionId}: ${problems[0].message}`, { problems });
    }
    const review = await tx.review.create({
      data: {
        annotationId,
        projectId: row.projectId,
        reviewerId,
        decision,
        reason,
        correctedAnswer: decision === 'CORRECT' && options.correctedAnswer ? options.correctedAnswer : Prisma.JsonNull,
        before: row.before === null ? Prisma.JsonNull : (row.before as Prisma.InputJsonValue),
      },
      select: { id: true },
    });
    let taskReturnedToQueue = false;
    if (decision === 'REJECT') {
      // One more answer needed: the count goes down, a DONE task is OPEN again (FLAGGED stays out).
      const updated = await tx.$executeRaw`
        UPDATE "Task" SET "submittedCount" = greatest("submittedCount" - 1, 0),
          status = CASE WHEN status = 'DONE' THEN 'OPEN'::"TaskStatus" ELSE status END,
          "updatedAt" = now() AT TIME ZONE 'UTC'
        WHERE id = ${row.taskId}::int`;
      taskReturnedToQueue = updated > 0;
    }
    return { reviewId: review.id, annotationId, decision, taskReturnedToQueue };
  });
}

export type ReviewHistoryEntry = {
  reviewId: number;
  decision: ReviewDecision;
  reason: string | null;
  reviewer: { id: string; name: string };
  before: Answer | null;
  after: Answer | null;
  createdAt: Date;
};

export type AnnotationHistory = { annotationId: number; original: Answer | null; submittedAt: Date; current: Answer | null; isRejected: boolean; reviews: ReviewHistoryEntry[] };

/** Every review of an annotation, oldest first: who, when, the answer before and after. */
export async function findAnnotationHistory(options: { annotationId: number }): Promise<AnnotationHistory> {
  const annotation = await db.annotation.findUnique({ where: { id: options.annotationId }, select: { id: true, answer: true, createdAt: true, status: true } });
  if (!annotation || annotation.status !== 'SUBMITTED') throw new AppError('NOT_FOUND', `No submitted annotation ${options.annotationId}`);
  const reviews = await db.$queryRaw<
    { id: number; decision: ReviewDecision; reason: string | null; reviewerId: string; reviewerName: string | null; before: unknown; correctedAnswer: unknown; createdAt: Date }[]
  >`
    SELECT r.id, r.decision::text AS decision, r.reason, r."reviewerId", u.name AS "reviewerName", r.before, r."correctedAnswer", r."createdAt"
    FROM "Review" r LEFT JOIN "user" u ON u.id = r."reviewerId"
    WHERE r."annotationId" = ${options.annotationId}::int ORDER BY r.id`;
  const parse = (value: unknown) => (value === null || value === undefined ? null : ZAnswer.parse(value));
  const original = parse(annotation.answer);
  const entries: ReviewHistoryEntry[] = reviews.map((r) => {
    const before = parse(r.before);
    return {
      reviewId: r.id,
      decision: r.decision,
      reason: r.reason,
      reviewer: { id: r.reviewerId, name: r.reviewerName ?? 'unknown' },
      before,
      after: r.decision === 'CORRECT' ? parse(r.correctedAnswer) : r.decision === 'REJECT' ? null : before,
      createdAt: r.createdAt,
    };
  });
  const lastCorrection = [...entries].reverse().find((e) => e.decision === 'CORRECT');
  return {
    annotationId: annotation.id,
    original,
    submittedAt: annotation.createdAt,
    current: lastCorrection?.after ?? original,
    isRejected: entries.some((e) => e.decision === 'REJECT'),
    reviews: entries,
  };
}

/** Projects with their count of annotations waiting for review: the review page's project picker. */
export async function listReviewProjects(options: { reviewerId: string }): Promise<{ projectId: number; name: string; pending: number }[]> {
  return db.$queryRaw<{ projectId: number; name: string; pending: number }[]>`
    SELECT p.id AS "projectId", p.name,
      (SELECT count(*)::int FROM "Annotation" a WHERE ${pendingConditions(Prisma.sql`p.id`, options.reviewerId)}) AS pending
    FROM "Project" p ORDER BY p.id`;
}
