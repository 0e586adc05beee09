/** What an import file becomes once parsed: prompts with their completions, or line errors. */

export const IMPORT_FORMATS = ['jsonl', 'jsonl-single', 'messages', 'sft', 'hh', 'trl-preference', 'trl-kto', 'oasst', 'label-studio', 'csv', 'csv-wide', 'csv-mapped'] as const;
/**
 * Records may be JSONL lines or the items of a JSON array (`[ {...}, ... ]` in a .json file).
 * - `jsonl`: `{"prompt": string | [{role, content}], "completions": string[]}`
 * - `jsonl-single`: `{"prompt", "completion"}`, grouped by prompt
 * - `messages`: `{"messages": [{role, content}, ...]}` ending with an assistant reply (the completion)
 * - `sft`: chosen explicitly, never detected: `jsonl-single` or `messages` records whose completions
 *   are demonstrations, imported as a thumbs-up judgement each
 * - `hh`: Anthropic HH `{"chosen", "rejected"}` pairs (chosen beats rejected)
 * - `trl-preference`: TRL `{"prompt", "chosen", "rejected"}`, strings or [{role, content}] lists, or
 *   without "prompt" when chosen and rejected are whole conversations sharing the prompt
 * - `trl-kto`: TRL `{"prompt", "completion", "label": true | false}`, grouped by prompt
 * - `oasst`: Open-Assistant message trees, one a line: every group of ranked sibling replies is one task
 * - `label-studio`: a JSON array of Label Studio pairwise tasks (`data.prompt`, `data.answer1`, `data.answer2`)
 * - `csv`: header `prompt,completion`, one completion per row, grouped by prompt
 * - `csv-wide`: header `prompt,completion_1,...,completion_k`
 * - `csv-mapped`: any CSV header, with the columns mapped by the admin (see CsvMapping)
 */
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export const CHAT_ROLES = ['system', 'user', 'assistant'] as const;
export type ChatRole = (typeof CHAT_ROLES)[number];
export type ChatMessage = { role: ChatRole; content: string };

/**
 * A judgement the file carries about a prompt's completions, by index into `completions`:
 * - `order`: best first (a preference pair is [chosen, rejected]; an OASST group is sorted by rank);
 * - `labels`: good or bad per completion (KTO labels, SFT demonstrations).
 */
export type ImportJudgement = { type: 'order'; order: number[] } | { type: 'labels'; labels: ('up' | 'down')[] };

export type ParsedPrompt = {
  /** 1-based line of the file where this prompt first appears (for JSON arrays: the 0-based item index). */
  line: number;
  text: string;
  messages: ChatMessage[] | null;
  externalId: string | null;
  split: 'TRAIN' | 'HELDOUT';
  completions: string[];
  judgement?: ImportJudgement | null;
};

/**
 * A record or header of no known shape: the keys (or CSV columns) it has, and the sets one of the
 * formats needs ("prompt and completions"), so the page can show both side by side.
 */
export type ImportKeysProblem = { kind: 'keys' | 'columns'; found: string[]; expected: string[] };

export type ImportLineError = { line: number; message: string; keys?: ImportKeysProblem };

/** Where errors point: a line of the file, or an index into a JSON array. */
export type ImportErrorUnit = 'line' | 'index';

/** CSV columns (header names) mapped to fields; `completions` lists several completion columns. */
export type CsvMapping = {
  prompt: string;
  completion?: string;
  completions?: string[];
  chosen?: string;
  rejected?: string;
  label?: string;
  id?: string;
  split?: string;
};

/** The pseudo-annotator each source's judgements are recorded under (a banned account: it never signs in; ids start with IMPORTED_USER_ID_PREFIX, see ../pseudo-annotators.ts). */
export const IMPORT_ANNOTATORS = {
  hh: { id: 'imported-hh', name: 'Imported (Anthropic HH)' },
  trl: { id: 'imported-trl', name: 'Imported (TRL)' },
  oasst: { id: 'imported-oasst', name: 'Imported (Open-Assistant)' },
  'label-studio': { id: 'imported-label-studio', name: 'Imported (Label Studio)' },
  csv: { id: 'imported-csv', name: 'Imported (CSV)' },
} as const;
export type ImportAnnotator = (typeof IMPORT_ANNOTATORS)[keyof typeof IMPORT_ANNOTATORS];

/** Whose name a format's judgements carry; null for formats without judgements. */
export function findImportAnnotator(format: ImportFormat): ImportAnnotator | null {
  switch (format) {
    case 'hh':
      return IMPORT_ANNOTATORS.hh;
    case 'trl-preference':
    case 'trl-kto':
    case 'sft':
      return IMPORT_ANNOTATORS.trl;
    case 'oasst':
      return IMPORT_ANNOTATORS.oasst;
    case 'label-studio':
      return IMPORT_ANNOTATORS['label-studio'];
    case 'csv-mapped':
      return IMPORT_ANNOTATORS.csv;
    default:
      return null;
  }
}

export type ImportLimits = {
  /** Largest prompt or completion, in UTF-8 bytes. */
  maxFieldBytes: number;
  /** Largest file, in UTF-8 bytes. */
  maxFileBytes: number;
};

export const DEFAULT_IMPORT_LIMITS: ImportLimits = { maxFieldBytes: 1024 * 1024, maxFileBytes: 50 * 1024 * 1024 };

/** How many line errors an answer lists; the total is reported separately. */
export const MAX_REPORTED_ERRORS = 20;

/**
 * `taskShape`: `per-project` splits each prompt's completions into tasks of the project's size;
 * `whole-prompt` makes each prompt one task (an OASST sibling group, whatever its size).
 */
export type ParsedImport =
  | {
      isValid: true;
      format: ImportFormat;
      prompts: ParsedPrompt[];
      completionCount: number;
      taskCount: number;
      taskShape: 'per-project' | 'whole-prompt';
      /** Column names of a CSV file's header (for the mapping step), else null. */
      csvColumns: string[] | null;
    }
  | { isValid: false; format: ImportFormat | null; errors: ImportLineError[]; errorCount: number; unit: ImportErrorUnit; csvColumns: string[] | null };

/** Errors kept in memory while reading a file (enough to sort and report the first ones). */
const MAX_KEPT_ERRORS = 10_000;

/** Collects line errors while a file is read; reports the first few by line, and the total. */
export class LineErrors {
  private readonly kept: ImportLineError[] = [];
  count = 0;

  add(line: number, message: string, keys?: ImportKeysProblem) {
    this.count += 1;
    if (this.kept.length < MAX_KEPT_ERRORS) this.kept.push(keys ? { line, message, keys } : { line, message });
  }

  get isEmpty() {
    return this.count === 0;
  }

  /** The first errors in file order (a stable sort keeps a line's errors in the order found). */
  first(): ImportLineError[] {
    return [...this.kept].sort((a, b) => a.line - b.line).slice(0, MAX_REPORTED_ERRORS);
  }
}
