/** What an import file becomes once parsed: prompts with their completions, or line errors. */

export const IMPORT_FORMATS = ['jsonl', 'jsonl-single', 'hh', 'csv', 'csv-wide'] as const;
/**
 * - `jsonl`: `{"prompt": string | [{role, content}], "completions": string[]}` per line
 * - `jsonl-single`: `{"prompt", "completion"}` per line, grouped by prompt
 * - `hh`: Anthropic HH `{"chosen", "rejected"}` pairs
 * - `csv`: header `prompt,completion`, one completion per row, grouped by prompt
 * - `csv-wide`: header `prompt,completion_1,...,completion_k`
 */
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export const CHAT_ROLES = ['system', 'user', 'assistant'] as const;
export type ChatRole = (typeof CHAT_ROLES)[number];
export type ChatMessage = { role: ChatRole; content: string };

export type ParsedPrompt = {
  /** 1-based line of the file where this prompt first appears. */
  line: number;
  text: string;
  messages: ChatMessage[] | null;
  externalId: string | null;
  split: 'TRAIN' | 'HELDOUT';
  completions: string[];
};

export type ImportLineError = { line: number; message: string };

export type ImportLimits = {
  /** Largest prompt or completion, in UTF-8 bytes. */
  maxFieldBytes: number;
  /** Largest file, in UTF-8 bytes. */
  maxFileBytes: number;
};

export const DEFAULT_IMPORT_LIMITS: ImportLimits = { maxFieldBytes: 1024 * 1024, maxFileBytes: 50 * 1024 * 1024 };

/** How many line errors an answer lists; the total is reported separately. */
export const MAX_REPORTED_ERRORS = 20;

export type ParsedImport =
  | { isValid: true; format: ImportFormat; prompts: ParsedPrompt[]; completionCount: number; taskCount: number }
  | { isValid: false; format: ImportFormat | null; errors: ImportLineError[]; errorCount: number };

/** Errors kept in memory while reading a file (enough to sort and report the first ones). */
const MAX_KEPT_ERRORS = 10_000;

/** Collects line errors while a file is read; reports the first few by line, and the total. */
export class LineErrors {
  private readonly kept: ImportLineError[] = [];
  count = 0;

  add(line: number, message: string) {
    this.count += 1;
    if (this.kept.length < MAX_KEPT_ERRORS) this.kept.push({ line, message });
  }

  get isEmpty() {
    return this.count === 0;
  }

  /** The first errors in file order (a stable sort keeps a line's errors in the order found). */
  first(): ImportLineError[] {
    return [...this.kept].sort((a, b) => a.line - b.line).slice(0, MAX_REPORTED_ERRORS);
  }
}
