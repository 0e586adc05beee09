/** Reading and checking one record's fields, shared by the JSONL and CSV readers. */
import { findUnsafeCharacter } from '../../../lib/validation';
import { CHAT_ROLES, type ChatMessage, type ChatRole, type ImportLimits } from './types';

export type FieldResult<T> = { isValid: true; value: T } | { isValid: false; message: string };

const valid = <T>(value: T): FieldResult<T> => ({ isValid: true, value });
const invalid = <T>(message: string): FieldResult<T> => ({ isValid: false, message });

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} bytes`;
}

/** A problem with the size of a text field, or null. Cheap for short strings (the common case). */
export function findSizeProblem(text: string, label: string, limits: ImportLimits): string | null {
  // A UTF-8 character takes at most 3 bytes per UTF-16 code unit, so short strings need no count.
  if (text.length * 3 <= limits.maxFieldBytes) return null;
  const bytes = Buffer.byteLength(text, 'utf8');
  return bytes > limits.maxFieldBytes ? `${label} is ${formatBytes(bytes)}, over the ${formatBytes(limits.maxFieldBytes)} limit` : null;
}

/** A problem with a text field that will be stored (a NUL or broken UTF-16, which PostgreSQL refuses, or its size), or null. */
export function findTextProblem(text: string, label: string, limits: ImportLimits): string | null {
  const unsafe = findUnsafeCharacter(text);
  return unsafe ? `${label} ${unsafe}` : findSizeProblem(text, label, limits);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

const ROLE_LABELS: Record<ChatRole, string> = { system: 'System', user: 'User', assistant: 'Assistant' };

/**
 * The plain text of a chat prompt: a single user message is its content; a longer conversation is
 * rendered turn by turn ("User: ...", "Assistant: ..."), blank-line separated.
 */
export function renderMessagesAsText(messages: ChatMessage[]): string {
  if (messages.length === 1 && messages[0].role === 'user') return messages[0].content;
  return messages.map((m) => `${ROLE_LABELS[m.role]}: ${m.content}`).join('\n\n');
}

/** A prompt is a non-blank string, or a non-empty list of {role, content} messages. */
export function readPrompt(value: unknown, limits: ImportLimits): FieldResult<{ text: string; messages: ChatMessage[] | null }> {
  if (value === undefined) return invalid('missing field "prompt"');
  if (typeof value === 'string') {
    if (!value.trim()) return invalid('"prompt" is empty');
    const textProblem = findTextProblem(value, '"prompt"', limits);
    return textProblem ? invalid(textProblem) : valid({ text: value, messages: null });
  }
  if (!Array.isArray(value)) return invalid(`"prompt" must be a string or a list of {role, content} messages, not ${describeType(value)}`);
  if (value.length === 0) return invalid('"prompt" is an empty list of messages');
  const messages: ChatMessage[] = [];
  for (const [index, item] of value.entries()) {
    const where = `"prompt" message ${index + 1}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return invalid(`${where} must be an object {role, content}`);
    const { role, content } = item as Record<string, unknown>;
    if (typeof role !== 'string' || !(CHAT_ROLES as readonly string[]).includes(role)) return invalid(`${where}: "role" must be one of ${CHAT_ROLES.join(', ')}`);
    if (typeof content !== 'string') return invalid(`${where}: "content" must be a string`);
    const textProblem = findTextProblem(content, where, limits);
    if (textProblem) return invalid(textProblem);
    messages.push({ role: role as ChatRole, content });
  }
  if (!messages.some((m) => m.content.trim())) return invalid('"prompt" messages are all empty');
  return valid({ text: renderMessagesAsText(messages), messages });
}

/** A completion is a non-empty string within the size limit. */
export function readCompletion(value: unknown, label: string, limits: ImportLimits): FieldResult<string> {
  if (value === undefined) return invalid(`missing field ${label}`);
  if (typeof value !== 'string') return invalid(`${label} must be a string, not ${describeType(value)}`);
  if (value.length === 0) return invalid(`${label} is empty`);
  const textProblem = findTextProblem(value, label, limits);
  return textProblem ? invalid(textProblem) : valid(value);
}

/** Optional split: "train" (default) or "heldout" (also "test", "eval", "validation"). */
export function readSplit(value: unknown): FieldResult<'TRAIN' | 'HELDOUT'> {
  if (value === undefined || value === null || value === '') return valid('TRAIN');
  if (typeof value !== 'string') return invalid(`"split" must be a string, not ${describeType(value)}`);
  const normalised = value.trim().toLowerCase();
  if (normalised === 'train') return valid('TRAIN');
  if (['heldout', 'held_out', 'held-out', 'test', 'eval', 'validation'].includes(normalised)) return valid('HELDOUT');
  return invalid(`"split" must be "train" or "heldout", not "${value}"`);
}

/** Optional external id ("id" or "external_id"): a string or a number, kept as a string. */
export function readExternalId(record: Record<string, unknown>): FieldResult<string | null> {
  const value = record.external_id ?? record.id;
  if (value === undefined || value === null || value === '') return valid(null);
  if (typeof value === 'string') {
    const unsafe = findUnsafeCharacter(value);
    if (unsafe) return invalid(`"id" ${unsafe}`);
    return value.length > 500 ? invalid('"id" is longer than 500 characters') : valid(value);
  }
  if (typeof value === 'number' && Number.isFinite(value)) return valid(String(value));
  return invalid(`"id" must be a string or a number, not ${describeType(value)}`);
}
