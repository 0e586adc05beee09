/**
 * CSV files (read with papaparse): a header row, then one record a row.
 * - `prompt,completion`: one completion per row; rows with the same prompt form one prompt.
 * - `prompt,completion_1,...,completion_k`: all completions of a prompt on one row (empty cells
 *   are ignored, so prompts may have different counts).
 * Optional columns: `id` (or `external_id`) and `split`; other columns are ignored.
 * The delimiter is taken from the header (comma, else tab, else semicolon). CRLF line ends are
 * read as LF, inside quoted fields too. Line numbers are the file lines where records start.
 */
import Papa from 'papaparse';
import { readCompletion, readExternalId, readPrompt, readSplit } from './fields';
import { PromptGrouper } from './group-prompts';
import { LineErrors, type CsvMapping, type ImportFormat, type ImportLimits, type ParsedPrompt } from './types';

type CsvFormat = Extract<ImportFormat, 'csv' | 'csv-wide'>;
type CsvRow = { line: number; cells: string[] };

function pickDelimiter(content: string): string {
  const headerLine = content.slice(0, content.indexOf('\n') >= 0 ? content.indexOf('\n') : content.length);
  if (headerLine.includes(',')) return ',';
  if (headerLine.includes('\t')) return '\t';
  if (headerLine.includes(';')) return ';';
  return ',';
}

/** Every row with the line it starts on; papaparse's errors become line errors. */
function readRows(content: string, errors: LineErrors): CsvRow[] {
  const rows: CsvRow[] = [];
  let rowStart = 0;
  let countedTo = 0;
  let line = 1;
  Papa.parse<string[]>(content, {
    delimiter: pickDelimiter(content),
    newline: '\n',
    skipEmptyLines: false,
    step(result) {
      // Lines are counted incrementally up to where this row starts, so the whole read stays linear.
      for (; countedTo < rowStart; countedTo += 1) if (content.charCodeAt(countedTo) === 10) line += 1;
      for (const error of result.errors) errors.add(line, `CSV: ${error.message}`);
      rowStart = result.meta.cursor;
      if (result.data.some((cell) => cell.trim() !== '')) rows.push({ line, cells: result.data });
    },
  });
  return rows;
}

type Columns = { format: CsvFormat; prompt: number; completions: number[]; id: number; split: number; width: number };

function readHeader(header: CsvRow, errors: LineErrors): Columns | null {
  const names = header.cells.map((cell) => cell.trim().toLowerCase());
  const prompt = names.indexOf('prompt');
  const numbered = names
    .map((name, index) => ({ index, match: /^completion_?(\d+)$/.exec(name) }))
    .filter((column): column is { index: number; match: RegExpExecArray } => column.match !== null)
    .sort((a, b) => Number(a.match[1]) - Number(b.match[1]))
    .map((column) => column.index);
  const single = names.indexOf('completion');
  if (prompt < 0 || (single < 0 && numbered.length === 0)) {
    const found = header.cells.map((cell) => cell.trim());
    const expected = ['prompt and completion (one completion per row)', 'prompt and completion_1, completion_2, … (one prompt per row)'];
    errors.add(header.line, `found columns: ${found.join(', ')}; expected ${expected.join(' or ')}, or map the columns to prompt, completion, chosen, rejected or label`, {
      kind: 'columns',
      found,
      expected,
    });
    return null;
  }
  const id = names.indexOf('external_id') >= 0 ? names.indexOf('external_id') : names.indexOf('id');
  const base = { prompt, id, split: names.indexOf('split'), width: names.length };
  return numbered.length > 0 ? { ...base, format: 'csv-wide', completions: numbered } : { ...base, format: 'csv', completions: [single] };
}

export function readCsv(content: string, limits: ImportLimits, errors: LineErrors): { format: CsvFormat | null; prompts: ParsedPrompt[] } {
  const rows = readRows(content.replace(/\r\n?/g, '\n'), errors);
  if (rows.length === 0) return { format: null, prompts: [] };
  const columns = readHeader(rows[0], errors);
  if (!columns) return { format: null, prompts: [] };

  const prompts: ParsedPrompt[] = [];
  const grouper = new PromptGrouper();
  for (const { line, cells } of rows.slice(1)) {
    if (cells.length !== columns.width) {
      errors.add(line, `expected ${columns.width} fields as in the header, found ${cells.length} (check the quotes)`);
      continue;
    }
    const prompt = readPrompt(cells[columns.prompt], limits);
    if (!prompt.isValid) errors.add(line, prompt.message);
    const externalId = readExternalId(columns.id >= 0 ? { id: cells[columns.id] } : {});
    if (!externalId.isValid) errors.add(line, externalId.message);
    const split = readSplit(columns.split >= 0 ? cells[columns.split] : undefined);
    if (!split.isValid) errors.add(line, split.message);

    if (columns.format === 'csv') {
      const completion = readCompletion(cells[columns.completions[0]], '"completion"', limits);
      if (!completion.isValid) errors.add(line, completion.message);
      if (prompt.isValid && completion.isValid && externalId.isValid && split.isValid) {
        grouper.add({ line, ...prompt.value, externalId: externalId.value, split: split.value, completion: completion.value });
      }
      continue;
    }
    const completions: string[] = [];
    let isValid = prompt.isValid && externalId.isValid && split.isValid;
    for (const index of columns.completions) {
      if (cells[index] === '') continue;
      const completion = readCompletion(cells[index], `"${rows[0].cells[index].trim()}"`, limits);
      if (completion.isValid) completions.push(completion.value);
      else {
        errors.add(line, completion.message);
        isValid = false;
      }
    }
    if (isValid && prompt.isValid && externalId.isValid && split.isValid) {
      prompts.push({ line, ...prompt.value, externalId: externalId.value, split: split.value, completions });
    }
  }
  return { format: columns.format, prompts: columns.format === 'csv' ? grouper.prompts() : prompts };
}

/** The header's column names (trimmed), for the mapping step; null when the file has no rows. */
export function readCsvColumns(content: string): string[] | null {
  const errors = new LineErrors();
  const newline = content.indexOf('\n');
  const rows = readRows((newline >= 0 ? content.slice(0, newline) : content).replace(/\r$/, ''), errors);
  return rows[0] ? rows[0].cells.map((cell) => cell.trim()) : null;
}

const LABEL_VALUES: Record<string, 'up' | 'down'> = { true: 'up', '1': 'up', yes: 'up', up: 'up', good: 'up', false: 'down', '0': 'down', no: 'down', down: 'down', bad: 'down' };

/**
 * A CSV read through the admin's column mapping (`csv-mapped`):
 * - chosen + rejected: each row is a preference pair (chosen beats rejected);
 * - completion (+ label): one completion per row grouped by prompt, the label (true/false, 1/0,
 *   yes/no, good/bad, up/down) a thumbs judgement;
 * - completions: several completion columns on one row (empty cells ignored).
 */
export function readCsvMapped(content: string, mapping: CsvMapping, limits: ImportLimits, errors: LineErrors): { format: 'csv-mapped' | null; prompts: ParsedPrompt[] } {
  const rows = readRows(content.replace(/\r\n?/g, '\n'), errors);
  if (rows.length === 0) return { format: null, prompts: [] };
  const names = rows[0].cells.map((cell) => cell.trim());
  const fields: [string, string | undefined][] = [
    ['prompt', mapping.prompt],
    ['completion', mapping.completion],
    ['chosen', mapping.chosen],
    ['rejected', mapping.rejected],
    ['label', mapping.label],
    ['id', mapping.id],
    ['split', mapping.split],
    ...(mapping.completions ?? []).map((name, i): [string, string] => [`completion ${i + 1}`, name]),
  ];
  const index = new Map<string, number>();
  for (const [field, name] of fields) {
    if (name === undefined) continue;
    const at = names.indexOf(name.trim());
    if (at < 0) errors.add(rows[0].line, `the column "${name}" mapped to ${field} is not in the header (found columns: ${names.join(', ')})`);
    else index.set(field, at);
  }
  const isPairs = mapping.chosen !== undefined || mapping.rejected !== undefined;
  if (isPairs && (mapping.chosen === undefined || mapping.rejected === undefined)) errors.add(rows[0].line, 'map both chosen and rejected, or neither');
  const completionColumns = isPairs ? [] : mapping.completion !== undefined ? [mapping.completion] : (mapping.completions ?? []);
  if (!isPairs && completionColumns.length === 0) errors.add(rows[0].line, 'map a completion column (or several, or chosen + rejected)');
  if (mapping.label !== undefined && mapping.completion === undefined) errors.add(rows[0].line, 'a label column needs a single completion column');
  if (!errors.isEmpty) return { format: null, prompts: [] };

  const cell = (cells: string[], field: string) => (index.has(field) ? cells[index.get(field) as number] : undefined);
  const prompts: ParsedPrompt[] = [];
  const grouper = new PromptGrouper();
  for (const { line, cells } of rows.slice(1)) {
    if (cells.length !== names.length) {
      errors.add(line, `expected ${names.length} fields as in the header, found ${cells.length} (check the quotes)`);
      continue;
    }
    const prompt = readPrompt(cell(cells, 'prompt'), limits);
    if (!prompt.isValid) errors.add(line, prompt.message);
    const externalId = readExternalId({ id: cell(cells, 'id') });
    if (!externalId.isValid) errors.add(line, externalId.message);
    const split = readSplit(cell(cells, 'split'));
    if (!split.isValid) errors.add(line, split.message);
    const completions: string[] = [];
    let isValid = prompt.isValid && externalId.isValid && split.isValid;
    const columns = isPairs ? ['chosen', 'rejected'] : mapping.completion !== undefined ? ['completion'] : completionColumns.map((_, i) => `completion ${i + 1}`);
    for (const field of columns) {
      const value = cell(cells, field);
      if (value === '' && columns.length > 2) continue;
      const completion = readCompletion(value, `"${names[index.get(field) as number]}"`, limits);
      if (completion.isValid) completions.push(completion.value);
      else {
        errors.add(line, completion.message);
        isValid = false;
      }
    }
    let label: 'up' | 'down' | null = null;
    if (mapping.label !== undefined) {
      const raw = (cell(cells, 'label') ?? '').trim().toLowerCase();
      label = LABEL_VALUES[raw] ?? null;
      if (!label) {
        errors.add(line, `"${mapping.label}" must be true or false (also 1/0, yes/no, good/bad, up/down), not "${raw.slice(0, 40)}"`);
        isValid = false;
      }
    }
    if (!isValid || !prompt.isValid || !externalId.isValid || !split.isValid) continue;
    const base = { line, ...prompt.value, externalId: externalId.value, split: split.value };
    if (isPairs) prompts.push({ ...base, completions, judgement: { type: 'order', order: [0, 1] } });
    else if (mapping.completion !== undefined) grouper.add({ ...base, completion: completions[0], label });
    else prompts.push({ ...base, completions });
  }
  return { format: 'csv-mapped', prompts: mapping.completion !== undefined && !isPairs ? grouper.prompts() : prompts };
}
