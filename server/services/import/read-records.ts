/**
 * One JSON record (a JSONL line or a JSON array item) of any of the JSON shapes: which shape it is,
 * and what it becomes. A record either adds one completion to a prompt that records share
 * (`single`: grouped by prompt) or stands for whole prompts of its own (`prompts`: a pair, an
 * OASST tree's sibling groups, a Label Studio task).
 */
import { describeType, findTextProblem, isObject, readCompletion, readExternalId, readPrompt, readSplit, renderMessagesAsText } from './fields';
import type { SingleCompletionRecord } from './group-prompts';
import { parseHhTurns, splitHhPair } from './hh';
import { readLabelStudioTask } from './read-label-studio';
import { readOasstTree } from './read-oasst';
import type { ChatMessage, ImportFormat, ImportLimits, LineErrors, ParsedPrompt } from './types';

export type RecordShape = Extract<ImportFormat, 'jsonl' | 'jsonl-single' | 'messages' | 'hh' | 'trl-preference' | 'trl-kto' | 'oasst' | 'label-studio'>;
export type JsonFormat = RecordShape | 'sft';

/** The keys each shape is recognised by, in words, for error messages ("found keys: ...; expected ..."). */
export const SHAPE_FIELDS: Record<RecordShape, string> = {
  jsonl: 'prompt and completions',
  'jsonl-single': 'prompt and completion',
  messages: 'messages',
  hh: 'chosen and rejected',
  'trl-preference': 'prompt, chosen and rejected',
  'trl-kto': 'prompt, completion and label',
  oasst: 'message_tree_id and prompt (an Open-Assistant tree)',
  'label-studio': 'data and annotations (a Label Studio task)',
};
export const EXPECTED_SHAPE_LIST = Object.values(SHAPE_FIELDS);
/** "prompt and completions (or prompt and completion; messages; ...)". */
export const EXPECTED_SHAPES = `${EXPECTED_SHAPE_LIST[0]} (or ${EXPECTED_SHAPE_LIST.slice(1).join('; ')})`;

/** The shapes a chosen format accepts (a detected file accepts its own shape only). */
const ACCEPTED_SHAPES: Record<JsonFormat, RecordShape[]> = {
  jsonl: ['jsonl'],
  'jsonl-single': ['jsonl-single'],
  messages: ['messages'],
  sft: ['jsonl-single', 'messages'],
  hh: ['hh'],
  'trl-preference': ['trl-preference', 'hh'],
  'trl-kto': ['trl-kto'],
  oasst: ['oasst'],
  'label-studio': ['label-studio'],
};

export function detectShape(record: Record<string, unknown>): RecordShape | null {
  if ('message_tree_id' in record || (isObject(record.prompt) && 'replies' in record.prompt)) return 'oasst';
  if (isObject(record.data) && ('annotations' in record || 'answer1' in record.data)) return 'label-studio';
  if ('chosen' in record || 'rejected' in record) return 'prompt' in record || Array.isArray(record.chosen) ? 'trl-preference' : 'hh';
  if ('completion' in record && 'label' in record) return 'trl-kto';
  if ('completions' in record) return 'jsonl';
  if ('completion' in record) return 'jsonl-single';
  if ('messages' in record) return 'messages';
  return null;
}

export function acceptsShape(format: JsonFormat, shape: RecordShape): boolean {
  return ACCEPTED_SHAPES[format].includes(shape);
}

export type RecordContext = { line: number; record: Record<string, unknown>; limits: ImportLimits; errors: LineErrors };
export type RecordOutcome = { kind: 'single'; value: SingleCompletionRecord } | { kind: 'prompts'; value: ParsedPrompt[] } | null;

function readCommonFields(context: RecordContext) {
  const externalId = readExternalId(context.record);
  const split = readSplit(context.record.split);
  if (!externalId.isValid) context.errors.add(context.line, externalId.message);
  if (!split.isValid) context.errors.add(context.line, split.message);
  return externalId.isValid && split.isValid ? { externalId: externalId.value, split: split.value } : null;
}

/** A list of chat messages (TRL conversational fields), or the message of why not. */
function readMessages(value: unknown, label: string, context: RecordContext): ChatMessage[] | null {
  const read = readPrompt(value, context.limits);
  if (!read.isValid) {
    context.errors.add(context.line, read.message.replaceAll('"prompt"', label));
    return null;
  }
  return read.value.messages ?? [{ role: 'user', content: read.value.text }];
}

/** A completion given as a string or as [{role: "assistant", content}] (TRL's conversational form). */
function readCompletionValue(value: unknown, label: string, context: RecordContext): string | null {
  if (Array.isArray(value)) {
    const messages = readMessages(value, label, context);
    if (!messages) return null;
    return messages.length === 1 && messages[0].role === 'assistant' ? messages[0].content : renderMessagesAsText(messages);
  }
  const completion = readCompletion(value, label, context.limits);
  if (!completion.isValid) {
    context.errors.add(context.line, completion.message);
    return null;
  }
  return completion.value;
}

function readKtoLabel(value: unknown, context: RecordContext): 'up' | 'down' | null {
  if (value === true || value === 'true') return 'up';
  if (value === false || value === 'false') return 'down';
  context.errors.add(context.line, `"label" must be true or false, not ${describeType(value)}`);
  return null;
}

function readMultiCompletion(context: RecordContext): ParsedPrompt | null {
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

/** HH strings: the shared conversation is the prompt, the differing last replies the completions; chosen first. */
function readHhPair(context: RecordContext): ParsedPrompt | null {
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
  return { line, text: split.prompt, messages: parseHhTurns(split.prompt), ...common, completions: [split.chosen, split.rejected], judgement: { type: 'order', order: [0, 1] } };
}

const sameMessage = (a: ChatMessage, b: ChatMessage) => a.role === b.role && a.content === b.content;

/**
 * TRL preference pairs. With "prompt": chosen and rejected are the replies (strings, or lists of
 * assistant messages). Without it (TRL's implicit prompt): chosen and rejected are whole
 * conversations, and the messages they share from the start are the prompt.
 */
function readTrlPreference(context: RecordContext): ParsedPrompt | null {
  const { line, record, limits, errors } = context;
  if (!('prompt' in record) && typeof record.chosen === 'string') return readHhPair(context);
  const common = readCommonFields(context);
  if ('prompt' in record) {
    const prompt = readPrompt(record.prompt, limits);
    if (!prompt.isValid) errors.add(line, prompt.message);
    const chosen = readCompletionValue(record.chosen, '"chosen"', context);
    const rejected = readCompletionValue(record.rejected, '"rejected"', context);
    if (!prompt.isValid || chosen === null || rejected === null || !common) return null;
    return { line, ...prompt.value, ...common, completions: [chosen, rejected], judgement: { type: 'order', order: [0, 1] } };
  }
  const chosen = readMessages(record.chosen, '"chosen"', context);
  const rejected = Array.isArray(record.rejected) ? readMessages(record.rejected, '"rejected"', context) : null;
  if (!Array.isArray(record.rejected)) errors.add(line, `without "prompt", "rejected" must be a conversation like "chosen", not ${describeType(record.rejected)}`);
  if (!chosen || !rejected || !common) return null;
  let shared = 0;
  while (shared < chosen.length && shared < rejected.length && sameMessage(chosen[shared], rejected[shared])) shared += 1;
  if (shared === 0 || shared === chosen.length || shared === rejected.length) {
    errors.add(line, `without "prompt", "chosen" and "rejected" must share the first message(s) (the prompt) and then differ; they share ${shared} of ${chosen.length} and ${rejected.length}`);
    return null;
  }
  const promptMessages = chosen.slice(0, shared);
  const reply = (messages: ChatMessage[]) => {
    const rest = messages.slice(shared);
    return rest.length === 1 && rest[0].role === 'assistant' ? rest[0].content : renderMessagesAsText(rest);
  };
  return {
    line,
    text: renderMessagesAsText(promptMessages),
    messages: promptMessages,
    ...common,
    completions: [reply(chosen), reply(rejected)],
    judgement: { type: 'order', order: [0, 1] },
  };
}

/** `{"messages": [...]}`: everything before the final assistant message is the prompt. */
function readMessagesRecord(context: RecordContext, label: 'up' | null): SingleCompletionRecord | null {
  const messages = readMessages(context.record.messages, '"messages"', context);
  const common = readCommonFields(context);
  if (!messages || !common) return null;
  const last = messages.at(-1);
  if (messages.length < 2 || last?.role !== 'assistant' || !last.content) {
    context.errors.add(context.line, '"messages" must end with a non-empty assistant message (the completion) after at least one prompt message');
    return null;
  }
  const promptMessages = messages.slice(0, -1);
  return { line: context.line, text: renderMessagesAsText(promptMessages), messages: promptMessages, ...common, completion: last.content, label };
}

function readSingle(context: RecordContext, label: 'up' | 'down' | null): SingleCompletionRecord | null {
  const prompt = readPrompt(context.record.prompt, context.limits);
  if (!prompt.isValid) context.errors.add(context.line, prompt.message);
  const completion = readCompletionValue(context.record.completion, '"completion"', context);
  const common = readCommonFields(context);
  if (!prompt.isValid || completion === null || !common) return null;
  return { line: context.line, ...prompt.value, ...common, completion, label };
}

/** Reads a record of a known shape; `format` is the file's (so "sft" marks every completion as a demonstration). */
export function readRecord(context: RecordContext, shape: RecordShape, format: JsonFormat): RecordOutcome {
  const single = (value: SingleCompletionRecord | null): RecordOutcome => (value ? { kind: 'single', value } : null);
  const prompts = (value: ParsedPrompt | ParsedPrompt[] | null): RecordOutcome => (value ? { kind: 'prompts', value: Array.isArray(value) ? value : [value] } : null);
  const demonstration = format === 'sft' ? 'up' : null;
  switch (shape) {
    case 'jsonl':
      return prompts(readMultiCompletion(context));
    case 'jsonl-single':
      return single(readSingle(context, demonstration));
    case 'messages':
      return single(readMessagesRecord(context, demonstration));
    case 'trl-kto': {
      const label = readKtoLabel(context.record.label, context);
      const record = readSingle(context, label);
      return label ? single(record) : null;
    }
    case 'hh':
      return prompts(readHhPair(context));
    case 'trl-preference':
      return prompts(readTrlPreference(context));
    case 'oasst':
      return prompts(readOasstTree(context));
    case 'label-studio':
      return prompts(readLabelStudioTask(context));
  }
}
