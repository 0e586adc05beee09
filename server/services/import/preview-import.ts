/** What an import would write, without writing: the detected format, counts, the first prompts, or the errors. */
import { findImportProject } from './find-import-project';
import { parseImportFile } from './parse-import-file';
import type { ChatMessage, ImportFormat, ImportLineError, ImportLimits } from './types';

/** Preview texts are cut to this many characters (the full texts are imported). */
const PREVIEW_TEXT_CHARS = 2000;
const PREVIEW_PROMPTS = 5;

export type ImportPreview = {
  format: ImportFormat | null;
  isValid: boolean;
  promptCount: number;
  completionCount: number;
  taskCount: number;
  sample: { line: number; text: string; messages: ChatMessage[] | null; externalId: string | null; split: 'TRAIN' | 'HELDOUT'; completions: string[] }[];
  errors: ImportLineError[];
  errorCount: number;
};

const cut = (text: string) => (text.length > PREVIEW_TEXT_CHARS ? `${text.slice(0, PREVIEW_TEXT_CHARS)}…` : text);

export async function previewImport(options: { projectId: number; fileName: string; content: string; limits?: ImportLimits }): Promise<ImportPreview> {
  const project = await findImportProject(options.projectId);
  const parsed = parseImportFile({ fileName: options.fileName, content: options.content, completionsPerTask: project.completionsPerTask, limits: options.limits });
  if (!parsed.isValid) {
    return { format: parsed.format, isValid: false, promptCount: 0, completionCount: 0, taskCount: 0, sample: [], errors: parsed.errors, errorCount: parsed.errorCount };
  }
  return {
    format: parsed.format,
    isValid: true,
    promptCount: parsed.prompts.length,
    completionCount: parsed.completionCount,
    taskCount: parsed.taskCount,
    sample: parsed.prompts.slice(0, PREVIEW_PROMPTS).map((prompt) => ({
      ...prompt,
      text: cut(prompt.text),
      messages: prompt.messages?.map((m) => ({ ...m, content: cut(m.content) })) ?? null,
      completions: prompt.completions.map(cut),
    })),
    errors: [],
    errorCount: 0,
  };
}
