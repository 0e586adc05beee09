/**
 * Parses an import file into prompts and completions, or into line errors. Pure: no database.
 * All-or-nothing: any bad line makes the whole file invalid; the first errors are reported in
 * line order with the total count.
 */
import { findCompletionCountProblem } from '../create-tasks';
import { readCsv } from './read-csv';
import { readJsonl } from './read-jsonl';
import { DEFAULT_IMPORT_LIMITS, LineErrors, type ImportLimits, type ParsedImport, type ParsedPrompt } from './types';

export type ParseImportOptions = { fileName: string; content: string; completionsPerTask: number; limits?: ImportLimits };

/** JSONL by file name (.jsonl, .ndjson, .json) or CSV (.csv, .tsv); otherwise by the first character. */
export function detectFileKind(fileName: string, content: string): 'jsonl' | 'csv' {
  const name = fileName.toLowerCase();
  if (/\.(jsonl|ndjson|jl|json)$/.test(name)) return 'jsonl';
  if (/\.(csv|tsv)$/.test(name)) return 'csv';
  return content.trimStart().startsWith('{') ? 'jsonl' : 'csv';
}

export function parseImportFile(options: ParseImportOptions): ParsedImport {
  const limits = options.limits ?? DEFAULT_IMPORT_LIMITS;
  const errors = new LineErrors();
  const content = options.content.startsWith('\uFEFF') ? options.content.slice(1) : options.content;

  const bytes = Buffer.byteLength(content, 'utf8');
  if (bytes > limits.maxFileBytes) {
    errors.add(1, `the file is ${(bytes / (1024 * 1024)).toFixed(1)} MB, over the ${(limits.maxFileBytes / (1024 * 1024)).toFixed(0)} MB limit`);
    return { isValid: false, format: null, errors: errors.first(), errorCount: errors.count };
  }

  const kind = detectFileKind(options.fileName, content);
  const { format, prompts } = kind === 'jsonl' ? readJsonl(content, limits, errors) : readCsv(content, limits, errors);
  if (errors.isEmpty && prompts.length === 0) errors.add(1, kind === 'csv' && content.trim() ? 'the file has a header but no rows' : 'the file is empty');
  checkCompletionCounts(prompts, options.completionsPerTask, errors);

  if (!errors.isEmpty || !format) return { isValid: false, format, errors: errors.first(), errorCount: errors.count };
  const completionCount = prompts.reduce((sum, prompt) => sum + prompt.completions.length, 0);
  return { isValid: true, format, prompts, completionCount, taskCount: completionCount / options.completionsPerTask };
}

function checkCompletionCounts(prompts: ParsedPrompt[], completionsPerTask: number, errors: LineErrors) {
  for (const prompt of prompts) {
    const problem = findCompletionCountProblem(prompt.completions.length, completionsPerTask);
    if (problem) errors.add(prompt.line, `the prompt ${problem}`);
  }
}
