/**
 * Parses an import file into prompts and completions (with any judgements), or into line errors.
 * Pure: no database. All-or-nothing: any bad record makes the whole file invalid; the first errors
 * are reported in file order with the total count.
 */
import { findCompletionCountProblem } from '../create-tasks';
import { readCsv, readCsvColumns, readCsvMapped } from './read-csv';
import { readJsonArray, readJsonl, type JsonFormat } from './read-jsonl';
import { DEFAULT_IMPORT_LIMITS, LineErrors, type CsvMapping, type ImportErrorUnit, type ImportFormat, type ImportLimits, type ParsedImport, type ParsedPrompt } from './types';

export type ParseImportOptions = {
  fileName: string;
  content: string;
  completionsPerTask: number;
  /** A pairwise form shows exactly two completions, so an OASST group of another size cannot be one of its tasks. */
  isPairwiseForm?: boolean;
  /** The format chosen by the admin; detected from the content when absent. */
  format?: ImportFormat;
  /** CSV column mapping; implies the `csv-mapped` format. */
  mapping?: CsvMapping;
  limits?: ImportLimits;
};

const CSV_FORMATS: ImportFormat[] = ['csv', 'csv-wide', 'csv-mapped'];

/** A JSON array (a .json file starting with "["), JSONL (.jsonl, .ndjson, .json) or CSV (.csv, .tsv); otherwise by the first character. */
export function detectFileKind(fileName: string, content: string): 'jsonl' | 'json-array' | 'csv' {
  const name = fileName.toLowerCase();
  const first = content.trimStart()[0];
  if (first === '[' && !/\.(csv|tsv)$/.test(name)) return 'json-array';
  if (/\.(jsonl|ndjson|jl|json)$/.test(name)) return 'jsonl';
  if (/\.(csv|tsv)$/.test(name)) return 'csv';
  return first === '{' ? 'jsonl' : 'csv';
}

export function parseImportFile(options: ParseImportOptions): ParsedImport {
  const limits = options.limits ?? DEFAULT_IMPORT_LIMITS;
  const errors = new LineErrors();
  const content = options.content.startsWith('\uFEFF') ? options.content.slice(1) : options.content;
  const chosen = options.mapping ? 'csv-mapped' : options.format;
  const kind = chosen && CSV_FORMATS.includes(chosen) ? 'csv' : chosen ? (content.trimStart().startsWith('[') ? 'json-array' : 'jsonl') : detectFileKind(options.fileName, content);
  const unit: ImportErrorUnit = kind === 'json-array' ? 'index' : 'line';
  const csvColumns = kind === 'csv' ? readCsvColumns(content.slice(0, 64 * 1024)) : null;
  const invalid = (format: ImportFormat | null): ParsedImport => ({ isValid: false, format, errors: errors.first(), errorCount: errors.count, unit, csvColumns });

  const bytes = Buffer.byteLength(content, 'utf8');
  if (bytes > limits.maxFileBytes) {
    errors.add(1, `the file is ${(bytes / (1024 * 1024)).toFixed(1)} MB, over the ${(limits.maxFileBytes / (1024 * 1024)).toFixed(0)} MB limit`);
    return invalid(null);
  }

  // Gzip bytes that reached us as text (a .gz sent without decompressing): say so, rather than "invalid JSON".
  if (content.charCodeAt(0) === 0x1f && (content.charCodeAt(1) === 0x8b || content.charCodeAt(1) === 0xfffd)) {
    errors.add(1, 'the file is gzip-compressed: decompress it first (the Import tab and importFile do this for .gz files)');
    return invalid(null);
  }

  let read: { format: ImportFormat | null; prompts: ParsedPrompt[] };
  if (kind === 'csv') {
    if (chosen === 'csv-mapped' && !options.mapping) {
      errors.add(1, 'the csv-mapped format needs a column mapping (prompt, and completion, completions or chosen + rejected)');
      return invalid('csv-mapped');
    }
    read = options.mapping ? readCsvMapped(content, options.mapping, limits, errors) : readCsv(content, limits, errors);
    if (chosen && chosen !== 'csv-mapped' && read.format && read.format !== chosen) errors.add(1, `the header is ${read.format}, not ${chosen}`);
  } else {
    const jsonFormat = (chosen ?? null) as JsonFormat | null;
    read = kind === 'json-array' ? readJsonArray(content, limits, errors, jsonFormat) : readJsonl(content, limits, errors, jsonFormat);
  }
  const { format, prompts } = read;
  if (errors.isEmpty && prompts.length === 0) errors.add(1, kind === 'csv' && content.trim() ? 'the file has a header but no rows' : 'the file is empty');

  const isWholePromptTask = format === 'oasst';
  if (isWholePromptTask) checkGroupSizes(prompts, options.isPairwiseForm ?? false, errors);
  else checkCompletionCounts(prompts, options.completionsPerTask, errors);

  if (!errors.isEmpty || !format) return invalid(format);
  const completionCount = prompts.reduce((sum, prompt) => sum + prompt.completions.length, 0);
  const taskCount = isWholePromptTask ? prompts.length : completionCount / options.completionsPerTask;
  return { isValid: true, format, prompts, completionCount, taskCount, taskShape: isWholePromptTask ? 'whole-prompt' : 'per-project', csvColumns };
}

function checkCompletionCounts(prompts: ParsedPrompt[], completionsPerTask: number, errors: LineErrors) {
  for (const prompt of prompts) {
    const problem = findCompletionCountProblem(prompt.completions.length, completionsPerTask);
    if (problem) errors.add(prompt.line, `the prompt ${problem}`);
  }
}

function checkGroupSizes(prompts: ParsedPrompt[], isPairwiseForm: boolean, errors: LineErrors) {
  if (!isPairwiseForm) return;
  for (const prompt of prompts) {
    if (prompt.completions.length !== 2) {
      errors.add(prompt.line, `a group of ${prompt.completions.length} ranked replies becomes one task, but this project's pairwise form shows exactly 2 (use a project with a ranking question)`);
    }
  }
}
