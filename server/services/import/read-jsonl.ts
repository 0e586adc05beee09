/**
 * JSONL files: one JSON object a line. The format is detected from the first object that names
 * its fields (`completions`, `completion`, or `chosen`/`rejected`); every line must then follow it.
 * Blank lines are ignored; line numbers count every line of the file, from 1.
 */
import { describeType, findTextProblem, readCompletion, readExternalId, readPrompt, readSplit } from './fields';
import { PromptGrouper } from './group-prompts';
import { parseHhTurns, splitHhPair } from './hh';
import type { ImportFormat, ImportLimits, LineErrors, ParsedPrompt } from './types';

type JsonlFormat = Extract<ImportFormat, 'jsonl' | 'jsonl-single' | 'hh'>;

const FORMAT_FIELDS: Record<JsonlFormat, string> = {
  jsonl: '{"prompt", "completions": [...]}',
  'jsonl-single': '{"prompt", "completion"}',
  hh: '{"chosen", "rejected"}',
};

function detectFormat(record: Record<string, unknown>): JsonlFormat | null {
  if ('chosen' in record || 'rejected' in record) return 'hh';
  if ('completions' in record) return 'jsonl';
  if ('completion' in record) return 'jsonl-single';
  return null;
}

type LineContext = { line: number; record: Record<string, unknown>; limits: ImportLimits; errors: LineErrors };

function readCommonFields(context: LineContext) {
  const externalId = readExternalId(context.record);
  const split = readSplit(context.record.split);
  if (!externalId.isValid) context.errors.add(context.line, externalId.message);
  if (!split.isValid) context.errors.add(context.line, split.message);
  return externalId.isValid && split.isValid ? { externalId: externalId.value, split: split.value } : null;
}

function readMultiCompletionLine(context: LineContext): ParsedPrompt | null {
  const { line, record, limits, errors } = context;
  const prompt = readPrompt(record.prompt, limits);
  if (!prompt.isValid) errors.add(line, prompt.message);
  const completions: string[] = [];
  let isValid = prompt.isValid;
  if (!Array.isArray(record.completions)) {
    errors.add(line, record.completions === undefined ? 'missing field "completions"' : `"completions" must be a list of strings, not ${describeType(record.completions)}`);
    isValid = false;
  } else {
    for (const [index, value] of record.completions.entries()) {
      const completion = readCompletion(value, `"completions"[${index}]`, limits);
      if (completion.isValid) completions.push(completion.value);
      else {
        errors.add(line, completion.message);
        isValid = false;
      }
    }
  }
  const common = readCommonFields(context);
  if (!isValid || !common || !prompt.isValid) return null;
  return { line, text: prompt.value.text, messages: prompt.value.messages, ...common, completions };
}

function readHhLine(context: LineContext): ParsedPrompt | null {
  const { line, record, limits, errors } = context;
  let isValid = true;
  for (const field of ['chosen', 'rejected'] as const) {
    const value = record[field];
    const problem =
      value === undefined ? `missing field "${field}"` : typeof value !== 'string' ? `"${field}" must be a string, not ${describeType(value)}` : findTextProblem(value, `"${field}"`, limits);
    if (problem) {
      errors.add(line, problem);
      isValid = false;
    }
  }
  const common = readCommonFields(context);
  if (!isValid || !common || typeof record.chosen !== 'string' || typeof record.rejected !== 'string') return null;
  const split = splitHhPair(record.chosen, record.rejected);
  if (!split) {
    errors.add(line, '"chosen" and "rejected" share no "\\n\\nAssistant:" turn to split the prompt from the replies');
    return null;
  }
  return { line, text: split.prompt, messages: parseHhTurns(split.prompt), ...common, completions: [split.chosen, split.rejected] };
}

export function readJsonl(content: string, limits: ImportLimits, errors: LineErrors): { format: JsonlFormat | null; prompts: ParsedPrompt[] } {
  const lines = content.split('\n');
  let format: JsonlFormat | null = null;
  const prompts: ParsedPrompt[] = [];
  const grouper = new PromptGrouper();

  for (let index = 0; index < lines.length; index += 1) {
    const line = index + 1;
    const raw = lines[index].endsWith('\r') ? lines[index].slice(0, -1) : lines[index];
    if (!raw.trim()) continue;
    let record: unknown;
    try {
      record = JSON.parse(raw);
    } catch (error) {
      errors.add(line, `invalid JSON (${error instanceof Error ? error.message : 'parse error'})`);
      continue;
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      errors.add(line, `expected a JSON object, got ${describeType(record)}`);
      continue;
    }
    const fields = record as Record<string, unknown>;
    const lineFormat = detectFormat(fields);
    if (!lineFormat) {
      errors.add(line, `expected ${Object.values(FORMAT_FIELDS).join(' or ')}`);
      continue;
    }
    format ??= lineFormat;
    if (lineFormat !== format) {
      errors.add(line, `this line is ${FORMAT_FIELDS[lineFormat]} but the file is ${FORMAT_FIELDS[format]} (from its first record)`);
      continue;
    }
    const context: LineContext = { line, record: fields, limits, errors };
    if (format === 'jsonl') {
      const prompt = readMultiCompletionLine(context);
      if (prompt) prompts.push(prompt);
    } else if (format === 'hh') {
      const prompt = readHhLine(context);
      if (prompt) prompts.push(prompt);
    } else {
      const prompt = readPrompt(fields.prompt, limits);
      if (!prompt.isValid) errors.add(line, prompt.message);
      const completion = readCompletion(fields.completion, '"completion"', limits);
      if (!completion.isValid) errors.add(line, completion.message);
      const common = readCommonFields(context);
      if (prompt.isValid && completion.isValid && common) grouper.add({ line, ...prompt.value, ...common, completion: completion.value });
    }
  }
  return { format, prompts: format === 'jsonl-single' ? grouper.prompts() : prompts };
}
