/**
 * Writes a parsed import in one transaction: the ImportBatch, its prompts, completions and tasks,
 * and (when asked) the file's judgements as SUBMITTED annotations of the source's pseudo-annotator.
 * All-or-nothing: an invalid file, or judgements the project's form cannot hold, throw before
 * anything is written, and a failure while writing rolls everything back.
 *
 * Rows are written with one multi-row insert per table. Prompt, completion and task ids are
 * reserved from their sequences first, so the rows that refer to them (completions, tasks,
 * annotations) can be built in memory without reading anything back.
 *
 * An imported answer counts like a submitted one (see submit-annotation.ts): its task is written
 * with submittedCount 1, and DONE when that reaches the project's overlap.
 */
import { Prisma } from '../../generated/prisma/client';
import { db } from '../../db';
import { AppError } from '../../errors';
import type { Answer, RatingForm } from '../../../lib/forms/schema';
import { groupIntoTasks, shuffleWithCrypto } from '../create-tasks';
import { findImportProject } from './find-import-project';
import { createImportError } from './import-errors';
import { parseImportFile } from './parse-import-file';
import { buildImportedAnswer, planJudgements } from './plan-judgements';
import type { ChatMessage, CsvMapping, ImportAnnotator, ImportFormat, ImportLimits, ParsedPrompt } from './types';

export type ImportResult = {
  importId: number;
  format: ImportFormat;
  promptCount: number;
  completionCount: number;
  taskCount: number;
  /** Judgements written as annotations, and whose name they carry (null when none). */
  annotationCount: number;
  annotatorName: string | null;
};

export type CommitImportOptions = {
  projectId: number;
  fileName: string;
  content: string;
  userId: string | null;
  format?: ImportFormat;
  mapping?: CsvMapping;
  /** Write the file's judgements as annotations (default true). */
  importJudgements?: boolean;
  limits?: ImportLimits;
};

/** Large files take a while; the default interactive-transaction timeout (5 s) is too short. */
const IMPORT_TRANSACTION_TIMEOUT_MS = 10 * 60 * 1000;

type Tx = Prisma.TransactionClient;

async function reserveIds(tx: Tx, table: 'Prompt' | 'Completion' | 'Task', count: number): Promise<number[]> {
  if (count === 0) return [];
  const sequence = `"${table}"`;
  const rows = await tx.$queryRaw<{ id: number }[]>`SELECT nextval(pg_get_serial_sequence(${sequence}, 'id'))::int AS id FROM generate_series(1, ${count}::int)`;
  return rows.map((row) => row.id).sort((a, b) => a - b);
}

export async function commitImport(options: CommitImportOptions): Promise<ImportResult> {
  const project = await findImportProject(options.projectId);
  const parsed = parseImportFile({
    fileName: options.fileName,
    content: options.content,
    completionsPerTask: project.completionsPerTask,
    isPairwiseForm: project.isPairwiseForm,
    format: options.format,
    mapping: options.mapping,
    limits: options.limits,
  });
  if (!parsed.isValid) throw createImportError(parsed);
  const { prompts, format } = parsed;
  const isWholePromptTask = parsed.taskShape === 'whole-prompt';
  const plan = planJudgements({ form: project.form, format, prompts, completionsPerTask: project.completionsPerTask, isWholePromptTask });
  const isJudging = (options.importJudgements ?? true) && plan.annotator !== null;
  if (isJudging && plan.problem) throw new AppError('BAD_REQUEST', `Nothing was imported: ${plan.problem}`, { judgementProblem: plan.problem, format });

  return db.$transaction(
    async (tx) => {
      const batch = await tx.importBatch.create({
        data: { projectId: project.id, fileName: options.fileName.slice(0, 500), format, promptCount: prompts.length, taskCount: parsed.taskCount, createdById: options.userId },
        select: { id: true },
      });
      const promptIds = await reserveIds(tx, 'Prompt', prompts.length);
      const completionIds = await reserveIds(tx, 'Completion', parsed.completionCount);
      const taskIds = await reserveIds(tx, 'Task', parsed.taskCount);
      const annotator = isJudging ? plan.annotator : null;
      if (annotator) await ensureImportAnnotator(tx, annotator);
      const rows = buildRows({
        prompts,
        promptIds,
        completionIds,
        taskIds,
        project,
        importId: batch.id,
        isWholePromptTask,
        annotatorId: annotator?.id ?? null,
      });
      await insertRows(tx, rows);
      return {
        importId: batch.id,
        format,
        promptCount: prompts.length,
        completionCount: parsed.completionCount,
        taskCount: rows.tasks.length,
        annotationCount: rows.annotations.length,
        annotatorName: rows.annotations.length > 0 && annotator ? annotator.name : null,
      };
    },
    { timeout: IMPORT_TRANSACTION_TIMEOUT_MS, maxWait: 30_000 },
  );
}

/**
 * The pseudo-annotator of a source: an annotator account that is banned and has no credentials,
 * so it can never sign in; it exists so imported answers have an author like any other answer.
 */
async function ensureImportAnnotator(tx: Tx, annotator: ImportAnnotator) {
  await tx.user.upsert({
    where: { id: annotator.id },
    create: {
      id: annotator.id,
      name: annotator.name,
      email: `${annotator.id}@imported.feedloop.invalid`,
      role: 'annotator',
      banned: true,
      banReason: 'Imported judgements: this account cannot sign in',
    },
    update: { banned: true },
    select: { id: true },
  });
}

/**
 * One INSERT ... SELECT FROM unnest(arrays) per table: a single statement and a single round trip
 * per table, whatever the number of rows (Prisma's createMany splits into many bound statements).
 * A task's display order travels as an array literal because unnest flattens nested arrays.
 */
async function insertRows(tx: Tx, rows: ReturnType<typeof buildRows>) {
  const p = rows.prompts;
  await tx.$executeRaw`
    INSERT INTO "Prompt" (id, "projectId", text, messages, split, "externalId", source, "importId")
    SELECT * FROM unnest(${p.map((r) => r.id)}::int[], ${p.map((r) => r.projectId)}::int[], ${p.map((r) => r.text)}::text[],
      ${p.map((r) => (r.messages ? JSON.stringify(r.messages) : null))}::jsonb[], ${p.map((r) => r.split)}::"PromptSplit"[],
      ${p.map((r) => r.externalId)}::text[], ${p.map((r) => r.source)}::text[], ${p.map((r) => r.importId)}::int[])`;
  const c = rows.completions;
  await tx.$executeRaw`
    INSERT INTO "Completion" (id, "promptId", text, source)
    SELECT * FROM unnest(${c.map((r) => r.id)}::int[], ${c.map((r) => r.promptId)}::int[], ${c.map((r) => r.text)}::text[], ${c.map((r) => r.source)}::"CompletionSource"[])`;
  const t = rows.tasks;
  await tx.$executeRaw`
    INSERT INTO "Task" (id, "projectId", "promptId", "completionIds", "submittedCount", status)
    SELECT id, project_id, prompt_id, completion_ids::int[], submitted_count, status
    FROM unnest(${t.map((r) => r.id)}::int[], ${t.map((r) => r.projectId)}::int[], ${t.map((r) => r.promptId)}::int[],
      ${t.map((r) => `{${r.completionIds.join(',')}}`)}::text[], ${t.map((r) => r.submittedCount)}::int[], ${t.map((r) => r.status)}::"TaskStatus"[])
      AS x(id, project_id, prompt_id, completion_ids, submitted_count, status)`;
  const a = rows.annotations;
  if (a.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO "Annotation" ("clientId", "taskId", "projectId", "userId", status, answer)
    SELECT client_id, task_id, project_id, user_id, 'SUBMITTED', answer
    FROM unnest(${a.map((r) => r.clientId)}::text[], ${a.map((r) => r.taskId)}::int[], ${a.map((r) => r.projectId)}::int[],
      ${a.map((r) => r.userId)}::text[], ${a.map((r) => JSON.stringify(r.answer))}::jsonb[])
      AS x(client_id, task_id, project_id, user_id, answer)`;
}

type PromptRow = { id: number; projectId: number; text: string; messages: ChatMessage[] | null; split: 'TRAIN' | 'HELDOUT'; externalId: string | null; source: string; importId: number };
type CompletionRow = { id: number; promptId: number; text: string; source: 'IMPORT' };
type TaskRow = { id: number; projectId: number; promptId: number; completionIds: number[]; submittedCount: number; status: 'OPEN' | 'DONE' };
type AnnotationRow = { clientId: string; taskId: number; projectId: number; userId: string; answer: Answer };

function buildRows(options: {
  prompts: ParsedPrompt[];
  promptIds: number[];
  completionIds: number[];
  taskIds: number[];
  project: { id: number; completionsPerTask: number; overlap: number; form: RatingForm };
  importId: number;
  isWholePromptTask: boolean;
  annotatorId: string | null;
}) {
  const { project } = options;
  const prompts: PromptRow[] = [];
  const completions: CompletionRow[] = [];
  const tasks: TaskRow[] = [];
  const annotations: AnnotationRow[] = [];
  let nextCompletion = 0;
  options.prompts.forEach((prompt, index) => {
    const promptId = options.promptIds[index];
    prompts.push({
      id: promptId,
      projectId: project.id,
      text: prompt.text,
      messages: prompt.messages,
      split: prompt.split,
      externalId: prompt.externalId,
      source: 'import',
      importId: options.importId,
    });
    const ids = prompt.completions.map((text) => {
      const id = options.completionIds[nextCompletion];
      nextCompletion += 1;
      completions.push({ id, promptId, text, source: 'IMPORT' });
      return id;
    });
    const groups = options.isWholePromptTask ? [shuffleWithCrypto(ids)] : groupIntoTasks(ids, project.completionsPerTask);
    for (const shown of groups) {
      const taskId = options.taskIds[tasks.length];
      const answer = options.annotatorId && prompt.judgement ? buildImportedAnswer({ form: project.form, judgement: prompt.judgement, shown, idOf: (i) => ids[i] }) : null;
      const submittedCount = answer ? 1 : 0;
      tasks.push({ id: taskId, projectId: project.id, promptId, completionIds: shown, submittedCount, status: submittedCount >= project.overlap ? 'DONE' : 'OPEN' });
      if (answer && options.annotatorId) {
        annotations.push({ clientId: `import:${options.importId}:${taskId}`, taskId, projectId: project.id, userId: options.annotatorId, answer });
      }
    }
  });
  return { prompts, completions, tasks, annotations };
}
