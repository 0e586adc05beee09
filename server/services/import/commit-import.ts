/**
 * Writes a parsed import in one transaction: the ImportBatch, its prompts, completions and tasks.
 * All-or-nothing: an invalid file throws before anything is written, and a failure while writing
 * rolls everything back.
 *
 * Rows are written with one multi-row insert per table. Prompt and completion ids are reserved from their
 * sequences first, so the rows that refer to them (completions, tasks) can be built in memory
 * without reading anything back.
 */
import { Prisma } from '../../generated/prisma/client';
import { db } from '../../db';
import { groupIntoTasks } from '../create-tasks';
import { findImportProject } from './find-import-project';
import { createImportError } from './import-errors';
import { parseImportFile } from './parse-import-file';
import type { ChatMessage, ImportFormat, ImportLimits, ParsedPrompt } from './types';

export type ImportResult = { importId: number; format: ImportFormat; promptCount: number; completionCount: number; taskCount: number };

/** Large files take a while; the default interactive-transaction timeout (5 s) is too short. */
const IMPORT_TRANSACTION_TIMEOUT_MS = 10 * 60 * 1000;

type Tx = Prisma.TransactionClient;

async function reserveIds(tx: Tx, table: 'Prompt' | 'Completion', count: number): Promise<number[]> {
  if (count === 0) return [];
  const sequence = `"${table}"`;
  const rows = await tx.$queryRaw<{ id: number }[]>`SELECT nextval(pg_get_serial_sequence(${sequence}, 'id'))::int AS id FROM generate_series(1, ${count}::int)`;
  return rows.map((row) => row.id).sort((a, b) => a - b);
}

export async function commitImport(options: { projectId: number; fileName: string; content: string; userId: string | null; limits?: ImportLimits }): Promise<ImportResult> {
  const project = await findImportProject(options.projectId);
  const parsed = parseImportFile({ fileName: options.fileName, content: options.content, completionsPerTask: project.completionsPerTask, limits: options.limits });
  if (!parsed.isValid) throw createImportError(parsed);
  const { prompts, format } = parsed;

  return db.$transaction(
    async (tx) => {
      const batch = await tx.importBatch.create({
        data: { projectId: project.id, fileName: options.fileName.slice(0, 500), format, promptCount: prompts.length, taskCount: parsed.taskCount, createdById: options.userId },
        select: { id: true },
      });
      const promptIds = await reserveIds(tx, 'Prompt', prompts.length);
      const completionIds = await reserveIds(tx, 'Completion', parsed.completionCount);
      const rows = buildRows({ prompts, promptIds, completionIds, projectId: project.id, importId: batch.id, completionsPerTask: project.completionsPerTask });
      await insertRows(tx, rows);
      return { importId: batch.id, format, promptCount: prompts.length, completionCount: parsed.completionCount, taskCount: rows.tasks.length };
    },
    { timeout: IMPORT_TRANSACTION_TIMEOUT_MS, maxWait: 30_000 },
  );
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
    INSERT INTO "Task" ("projectId", "promptId", "completionIds")
    SELECT project_id, prompt_id, completion_ids::int[]
    FROM unnest(${t.map((r) => r.projectId)}::int[], ${t.map((r) => r.promptId)}::int[], ${t.map((r) => `{${r.completionIds.join(',')}}`)}::text[]) AS x(project_id, prompt_id, completion_ids)`;
}

type PromptRow = { id: number; projectId: number; text: string; messages: ChatMessage[] | null; split: 'TRAIN' | 'HELDOUT'; externalId: string | null; source: string; importId: number };
type CompletionRow = { id: number; promptId: number; text: string; source: 'IMPORT' };
type TaskRow = { projectId: number; promptId: number; completionIds: number[] };

function buildRows(options: { prompts: ParsedPrompt[]; promptIds: number[]; completionIds: number[]; projectId: number; importId: number; completionsPerTask: number }) {
  const prompts: PromptRow[] = [];
  const completions: CompletionRow[] = [];
  const tasks: TaskRow[] = [];
  let nextCompletion = 0;
  options.prompts.forEach((prompt, index) => {
    const promptId = options.promptIds[index];
    prompts.push({
      id: promptId,
      projectId: options.projectId,
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
    for (const group of groupIntoTasks(ids, options.completionsPerTask)) {
      tasks.push({ projectId: options.projectId, promptId, completionIds: group });
    }
  });
  return { prompts, completions, tasks };
}
