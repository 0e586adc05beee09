/**
 * What an import would write, without writing: the format, counts, the first prompts, the
 * judgements and whether the project's form can hold them, or the errors.
 */
import { findImportProject } from './find-import-project';
import { parseImportFile } from './parse-import-file';
import { planJudgements } from './plan-judgements';
import type { ChatMessage, CsvMapping, ImportErrorUnit, ImportFormat, ImportJudgement, ImportLineError, ImportLimits } from './types';

/** Preview texts are cut to this many characters (the full texts are imported). */
const PREVIEW_TEXT_CHARS = 2000;
const PREVIEW_PROMPTS = 5;

export type ImportPreview = {
  format: ImportFormat | null;
  isValid: boolean;
  promptCount: number;
  completionCount: number;
  taskCount: number;
  sample: {
    line: number;
    text: string;
    messages: ChatMessage[] | null;
    externalId: string | null;
    split: 'TRAIN' | 'HELDOUT';
    completions: string[];
    judgement: ImportJudgement | null;
  }[];
  /** The file's judgements: whose name they would carry, how many tasks get one, and why the form cannot hold them (or null). */
  judgements: { annotatorName: string | null; count: number; problem: string | null };
  /** A CSV file's header, for the column-mapping step; null for JSON files. */
  csvColumns: string[] | null;
  errors: ImportLineError[];
  errorCount: number;
  /** Whether error numbers are file lines or JSON array indexes. */
  errorUnit: ImportErrorUnit;
};

const cut = (text: string) => (text.length > PREVIEW_TEXT_CHARS ? `${text.slice(0, PREVIEW_TEXT_CHARS)}…` : text);

export async function previewImport(options: { projectId: number; fileName: string; content: string; format?: ImportFormat; mapping?: CsvMapping; limits?: ImportLimits }): Promise<ImportPreview> {
  const project = await findImportProject(options.projectId);
  const parsed = parseImportFile({ ...options, completionsPerTask: project.completionsPerTask, isPairwiseForm: project.isPairwiseForm });
  const empty = { promptCount: 0, completionCount: 0, taskCount: 0, sample: [], judgements: { annotatorName: null, count: 0, problem: null } };
  if (!parsed.isValid) {
    return { format: parsed.format, isValid: false, ...empty, csvColumns: parsed.csvColumns, errors: parsed.errors, errorCount: parsed.errorCount, errorUnit: parsed.unit };
  }
  const plan = planJudgements({
    form: project.form,
    format: parsed.format,
    prompts: parsed.prompts,
    completionsPerTask: project.completionsPerTask,
    isWholePromptTask: parsed.taskShape === 'whole-prompt',
  });
  return {
    format: parsed.format,
    isValid: true,
    promptCount: parsed.prompts.length,
    completionCount: parsed.completionCount,
    taskCount: parsed.taskCount,
    sample: parsed.prompts.slice(0, PREVIEW_PROMPTS).map((prompt) => ({
      line: prompt.line,
      text: cut(prompt.text),
      messages: prompt.messages?.map((m) => ({ ...m, content: cut(m.content) })) ?? null,
      externalId: prompt.externalId,
      split: prompt.split,
      completions: prompt.completions.map(cut),
      judgement: prompt.judgement ?? null,
    })),
    judgements: { annotatorName: plan.annotator?.name ?? null, count: plan.count, problem: plan.problem },
    csvColumns: parsed.csvColumns,
    errors: [],
    errorCount: 0,
    errorUnit: 'line',
  };
}
