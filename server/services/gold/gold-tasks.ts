/**
 * Gold (check) tasks, as an admin manages them: mark a task with its expected answer and a
 * tolerance, unmark it, import many at once, the project's mixing and pause settings, and the
 * annotators paused for low gold accuracy (resuming one is audited).
 *
 * Marking a task gold takes it out of regular work: it stays OPEN with no counted answers for as
 * long as it is gold (a trigger keeps those two columns; see the gold_and_review migration), so
 * every annotator can be served it once. Unmarking counts its submitted answers again.
 */
import { z } from 'zod';
import { db } from '../../db';
import { AppError } from '../../errors';
import { findAnswerProblems, ZAnswer, type Answer } from '../../../lib/forms/schema';
import { ZDbId } from '../../../lib/validation';
import { readStoredForm } from '../projects';
import { writeAuditLog } from '../audit-log';
import { DEFAULT_ACCURACY_THRESHOLD, DEFAULT_MIN_GOLD_ANSWERS, DEFAULT_MIX_RATE, forgetGoldInfo } from './pick-gold-task';

/** How far an answer may be from the expected one and still count as correct. */
export const ZGoldTolerance = z.object({
  /** Likert and attribute scores: allowed distance from each expected score. */
  score: z.number().int().min(0).max(9).default(0),
  /** Rankings: allowed Kendall distance (discordant pairs) from the expected order. */
  ranking: z.number().int().min(0).max(45).default(0),
});
export type GoldTolerance = z.infer<typeof ZGoldTolerance>;

export const ZGoldSettings = z.object({
  mixRate: z.number().min(0).max(0.5),
  accuracyThreshold: z.number().min(0).max(1),
  minGoldAnswers: z.number().int().min(1).max(1000),
});
export type GoldSettingsValues = z.infer<typeof ZGoldSettings>;

export const MAX_GOLD_IMPORT_LINES = 1000;

type TaskForGold = { id: number; projectId: number; completionIds: number[]; status: string; form: unknown };

/** Problems of an expected answer; critique and edit questions are never scored, so never required. */
function expectedAnswerProblems(form: unknown, completionIds: number[], expected: Answer) {
  const parsed = readStoredForm(form);
  const optional = new Set(parsed.questions.filter((q) => q.type === 'critique' || q.type === 'edit').map((q) => q.id));
  const problems = findAnswerProblems(parsed, completionIds, expected).filter((p) => !(optional.has(p.questionId) && p.message.includes('required')));
  if (Object.keys(expected).length === 0) problems.push({ questionId: '', message: 'the expected answer answers no question' });
  return problems;
}

async function loadTasks(projectId: number, taskIds: number[]): Promise<Map<number, TaskForGold>> {
  const tasks = await db.task.findMany({ where: { id: { in: taskIds }, projectId }, select: { id: true, projectId: true, completionIds: true, status: true, project: { select: { form: true } } } });
  return new Map(tasks.map((t) => [t.id, { id: t.id, projectId: t.projectId, completionIds: t.completionIds, status: t.status, form: t.project.form }]));
}

type GoldInput = { taskId: number; expected: Answer; tolerance: GoldTolerance };

/** Validates every item first (all or nothing), then marks them in one transaction. */
async function markMany(options: { projectId: number; items: GoldInput[]; actorId: string }): Promise<number> {
  const { projectId, items } = options;
  const tasks = await loadTasks(
    projectId,
    items.map((i) => i.taskId),
  );
  for (const [index, item] of items.entries()) {
    const where = items.length > 1 ? `Line ${index + 1}: ` : '';
    const task = tasks.get(item.taskId);
    if (!task) throw new AppError('NOT_FOUND', `${where}No task ${item.taskId} in project ${projectId}`);
    if (task.status === 'FLAGGED') throw new AppError('CONFLICT', `${where}Task ${item.taskId} is flagged: reopen it before making it a gold task`);
    const problems = expectedAnswerProblems(task.form, task.completionIds, item.expected);
    if (problems.length > 0) throw new AppError('BAD_REQUEST', `${where}Invalid expected answer: ${problems[0].questionId}: ${problems[0].message}`, { problems });
  }
  await db.$transaction(async (tx) => {
    for (const item of items) {
      await tx.goldTask.upsert({
        where: { taskId: item.taskId },
        create: { taskId: item.taskId, projectId, expected: item.expected, tolerance: item.tolerance, createdById: options.actorId },
        update: { expected: item.expected, tolerance: item.tolerance },
        select: { taskId: true },
      });
    }
    // Out of regular work: open, nothing counted (the trigger holds it so while isGold stays set).
    await tx.task.updateMany({ where: { id: { in: items.map((i) => i.taskId) }, isGold: false }, data: { isGold: true, status: 'OPEN', submittedCount: 0 } });
    await writeAuditLog(tx, { actorId: options.actorId, action: 'gold.mark', targetId: String(projectId), details: { tasks: items.length } });
  });
  forgetGoldInfo(projectId);
  return items.length;
}

export async function markGoldTask(options: { projectId: number; taskId: number; expected: Answer; tolerance: GoldTolerance; actorId: string }) {
  await markMany({ projectId: options.projectId, items: [options], actorId: options.actorId });
  return { taskId: options.taskId };
}

/** The task goes back to regular work: its submitted answers (not rejected ones) count again. */
export async function unmarkGoldTask(options: { taskId: number; actorId: string }) {
  const gold = await db.goldTask.findUnique({ where: { taskId: options.taskId }, select: { projectId: true } });
  if (!gold) throw new AppError('NOT_FOUND', `Task ${options.taskId} is not a gold task`);
  await db.$transaction(async (tx) => {
    await tx.goldTask.delete({ where: { taskId: options.taskId } });
    await tx.$executeRaw`
      UPDATE "Task" t SET "isGold" = false,
        "submittedCount" = c.n,
        status = CASE WHEN t.status = 'FLAGGED' THEN t.status WHEN c.n >= p.overlap THEN 'DONE'::"TaskStatus" ELSE 'OPEN'::"TaskStatus" END
      FROM "Project" p,
        (SELECT count(*)::int AS n FROM "Annotation" a WHERE a."taskId" = ${options.taskId}::int AND a.status = 'SUBMITTED'
           AND NOT EXISTS (SELECT 1 FROM "Review" r WHERE r."annotationId" = a.id AND r.decision = 'REJECT')) c
      WHERE t.id = ${options.taskId}::int AND p.id = t."projectId"`;
    await writeAuditLog(tx, { actorId: options.actorId, action: 'gold.unmark', targetId: String(gold.projectId), details: { taskId: options.taskId } });
  });
  forgetGoldInfo(gold.projectId);
  return { taskId: options.taskId };
}

const ZGoldImportLine = z.object({ taskId: ZDbId, expected: ZAnswer, tolerance: ZGoldTolerance.default({ score: 0, ranking: 0 }) });

/** JSONL, one `{"taskId", "expected", "tolerance"?}` per line; all lines or none. */
export async function importGoldTasks(options: { projectId: number; content: string; actorId: string }) {
  const lines = options.content.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new AppError('BAD_REQUEST', 'The file has no lines');
  if (lines.length > MAX_GOLD_IMPORT_LINES) throw new AppError('BAD_REQUEST', `At most ${MAX_GOLD_IMPORT_LINES} gold tasks per import`);
  const items: GoldInput[] = [];
  for (const [index, line] of lines.entries()) {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new AppError('BAD_REQUEST', `Line ${index + 1}: not JSON`);
    }
    const parsed = ZGoldImportLine.safeParse(json);
    if (!parsed.success) throw new AppError('BAD_REQUEST', `Line ${index + 1}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'line'}: ${i.message}`).join('; ')}`);
    items.push(parsed.data);
  }
  if (new Set(items.map((i) => i.taskId)).size !== items.length) throw new AppError('BAD_REQUEST', 'A task appears on more than one line');
  const imported = await markMany({ projectId: options.projectId, items, actorId: options.actorId });
  return { imported };
}

export type GoldTaskRow = {
  taskId: number;
  promptText: string;
  completionIds: number[];
  expected: Answer;
  tolerance: GoldTolerance;
  answered: number;
  correct: number;
  createdAt: Date;
};

export async function listGoldTasks(options: { projectId: number }): Promise<GoldTaskRow[]> {
  const rows = await db.$queryRaw<(Omit<GoldTaskRow, 'expected' | 'tolerance'> & { expected: unknown; tolerance: unknown })[]>`
    SELECT g."taskId", left(pr.text, 300) AS "promptText", t."completionIds", g.expected, g.tolerance, g."createdAt",
      (SELECT count(*)::int FROM "GoldResult" r WHERE r."taskId" = g."taskId") AS answered,
      (SELECT count(*)::int FROM "GoldResult" r WHERE r."taskId" = g."taskId" AND r."isCorrect") AS correct
    FROM "GoldTask" g JOIN "Task" t ON t.id = g."taskId" JOIN "Prompt" pr ON pr.id = t."promptId"
    WHERE g."projectId" = ${options.projectId}::int
    ORDER BY g."taskId"`;
  return rows.map((r) => ({ ...r, expected: ZAnswer.parse(r.expected), tolerance: ZGoldTolerance.parse(r.tolerance) }));
}

export async function getGoldSettings(options: { projectId: number }): Promise<GoldSettingsValues> {
  const project = await db.project.findUnique({ where: { id: options.projectId }, select: { id: true } });
  if (!project) throw new AppError('NOT_FOUND', `No project ${options.projectId}`);
  const row = await db.goldSettings.findUnique({ where: { projectId: options.projectId }, select: { mixRate: true, accuracyThreshold: true, minGoldAnswers: true } });
  return row ?? { mixRate: DEFAULT_MIX_RATE, accuracyThreshold: DEFAULT_ACCURACY_THRESHOLD, minGoldAnswers: DEFAULT_MIN_GOLD_ANSWERS };
}

export async function updateGoldSettings(options: { projectId: number; settings: GoldSettingsValues; actorId: string }): Promise<GoldSettingsValues> {
  await getGoldSettings(options);
  const select = { mixRate: true, accuracyThreshold: true, minGoldAnswers: true } as const;
  const saved = await db.$transaction(async (tx) => {
    const row = await tx.goldSettings.upsert({ where: { projectId: options.projectId }, create: { projectId: options.projectId, ...options.settings }, update: options.settings, select });
    await writeAuditLog(tx, { actorId: options.actorId, action: 'gold.settings', targetId: String(options.projectId), details: { ...options.settings } });
    return row;
  });
  forgetGoldInfo(options.projectId);
  return saved;
}

export type PausedAnnotator = { userId: string; name: string; pausedAt: Date; goldAnswered: number; goldCorrect: number };

export async function listPausedAnnotators(options: { projectId: number }): Promise<PausedAnnotator[]> {
  return db.$queryRaw<PausedAnnotator[]>`
    SELECT p."userId", u.name, p."createdAt" AS "pausedAt", p."goldAnswered", p."goldCorrect"
    FROM "AnnotatorPause" p JOIN "user" u ON u.id = p."userId"
    WHERE p."projectId" = ${options.projectId}::int AND p."clearedAt" IS NULL
    ORDER BY p."createdAt"`;
}

/** Clears the pause in force (kept, with who cleared it and when); accuracy counts afresh from now. */
export async function resumeAnnotator(options: { projectId: number; userId: string; actorId: string }) {
  const cleared = await db.$transaction(async (tx) => {
    const { count } = await tx.annotatorPause.updateMany({
      where: { projectId: options.projectId, userId: options.userId, clearedAt: null },
      data: { clearedAt: new Date(), clearedById: options.actorId },
    });
    if (count === 0) return 0;
    await writeAuditLog(tx, { actorId: options.actorId, action: 'annotator.resume', targetId: options.userId, details: { projectId: options.projectId } });
    return count;
  });
  if (cleared === 0) throw new AppError('NOT_FOUND', 'This annotator is not paused in this project');
  forgetGoldInfo(options.projectId);
  return { userId: options.userId, resumed: true };
}
