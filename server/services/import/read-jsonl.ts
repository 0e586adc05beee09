/**
 * JSON records, from JSONL (one object a line; line numbers count every line of the file, from 1;
 * blank lines are ignored) or from a JSON array (`[ {...}, ... ]`; errors name the item's 0-based
 * index). The format is the one chosen, or detected from the first record; every record must then
 * have a shape that format accepts.
 */
import { describeType, isObject } from './fields';
import { PromptGrouper } from './group-prompts';
import { acceptsShape, detectShape, EXPECTED_SHAPE_LIST, EXPECTED_SHAPES, readRecord, SHAPE_FIELDS, type JsonFormat, type RecordOutcome } from './read-records';
import type { ImportLimits, LineErrors, ParsedPrompt } from './types';

export type { JsonFormat };

type Collected = { format: JsonFormat | null; prompts: ParsedPrompt[] };

/** Feeds records one by one; knows the file's format once the first record names it. */
class RecordCollector {
  private format: JsonFormat | null;
  private readonly prompts: ParsedPrompt[] = [];
  private readonly grouper = new PromptGrouper();
  private isGrouped = false;

  constructor(
    chosen: JsonFormat | null,
    private readonly limits: ImportLimits,
    private readonly errors: LineErrors,
  ) {
    this.format = chosen;
  }

  add(line: number, record: unknown) {
    if (!isObject(record)) {
      this.errors.add(line, `expected a JSON object, got ${describeType(record)}`);
      return;
    }
    const shape = detectShape(record);
    const found = Object.keys(record).slice(0, 12);
    if (!shape) {
      this.errors.add(line, `found keys: ${found.join(', ') || 'none'}; expected ${EXPECTED_SHAPES}`, { kind: 'keys', found, expected: EXPECTED_SHAPE_LIST });
      return;
    }
    this.format ??= shape;
    if (!acceptsShape(this.format, shape)) {
      const expected = this.format === 'sft' ? [SHAPE_FIELDS['jsonl-single'], SHAPE_FIELDS.messages] : [SHAPE_FIELDS[this.format]];
      this.errors.add(line, `this record has ${SHAPE_FIELDS[shape]}, but the file's records have ${expected.join(' or ')} (format ${this.format})`, { kind: 'keys', found, expected });
      return;
    }
    const outcome: RecordOutcome = readRecord({ line, record, limits: this.limits, errors: this.errors }, shape, this.format);
    if (outcome?.kind === 'single') {
      this.isGrouped = true;
      this.grouper.add(outcome.value);
    } else if (outcome) this.prompts.push(...outcome.value);
  }

  result(): Collected {
    return { format: this.format, prompts: this.isGrouped ? this.grouper.prompts() : this.prompts };
  }
}

export function readJsonl(content: string, limits: ImportLimits, errors: LineErrors, chosen: JsonFormat | null = null): Collected {
  const collector = new RecordCollector(chosen, limits, errors);
  let start = 0;
  for (let line = 1; start <= content.length; line += 1) {
    const end = content.indexOf('\n', start);
    const stop = end < 0 ? content.length : end;
    const raw = content.slice(start, stop > start && content.charCodeAt(stop - 1) === 13 ? stop - 1 : stop);
    start = stop + 1;
    if (!raw.trim()) continue;
    let record: unknown;
    try {
      record = JSON.parse(raw);
    } catch (error) {
      errors.add(line, `invalid JSON (${error instanceof Error ? error.message : 'parse error'})`);
      continue;
    }
    collector.add(line, record);
  }
  return collector.result();
}

/** A .json file holding one array of records; errors point at the item's 0-based index. */
export function readJsonArray(content: string, limits: ImportLimits, errors: LineErrors, chosen: JsonFormat | null = null): Collected {
  let items: unknown;
  try {
    items = JSON.parse(content);
  } catch (error) {
    errors.add(0, `invalid JSON (${error instanceof Error ? error.message : 'parse error'})`);
    return { format: chosen, prompts: [] };
  }
  if (!Array.isArray(items)) {
    errors.add(0, `expected a JSON array of records, got ${describeType(items)}`);
    return { format: chosen, prompts: [] };
  }
  const collector = new RecordCollector(chosen, limits, errors);
  items.forEach((item, index) => collector.add(index, item));
  return collector.result();
}
