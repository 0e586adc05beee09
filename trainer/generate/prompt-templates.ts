/**
 * Prompt templates (how a project's prompt is worded for the model) and final-answer reading (what
 * self-consistency votes on and disagreement pairs are chosen by).
 *
 * Templates only matter for external instruction-following models. The built-in model knows one
 * format, the plain arithmetic prompt (trainer/domain/arithmetic.ts), so it is sampled with
 * 'plain', which returns the prompt unchanged: a string becomes the single user message that
 * encodePrompt would make of it anyway.
 */
import type { PromptTemplate } from '../../server/jobs/contracts';
import type { ChatMessage } from '../model/chat-template';

/** A project prompt: plain text (one user message) or a conversation. */
export type ProjectPrompt = string | ChatMessage[];

/**
 * The instruction each template adds to the last user message. Reasoning templates also ask for a
 * closing "Answer:" line, so extractFinalAnswer reads the result without guessing.
 */
export const TEMPLATE_INSTRUCTIONS: Record<PromptTemplate, string | null> = {
  plain: null,
  chain_of_thought: 'Think step by step, then give the final answer on the last line as "Answer: <answer>".',
  least_to_most:
    'First break the problem into simpler sub-problems and list them. Then solve them one at a time, in order, using the answers of earlier sub-problems. Give the final answer on the last line as "Answer: <answer>".',
  // Same wording as plain: self-consistency differs after sampling (a majority vote), not in the prompt.
  self_consistency: null,
};

/** The chat messages sent to the model for a project prompt under a template. Never mutates `prompt`. */
export function renderPrompt(template: PromptTemplate, prompt: ProjectPrompt): ChatMessage[] {
  const messages: ChatMessage[] = typeof prompt === 'string' ? [{ role: 'user', content: prompt }] : prompt.map((m) => ({ role: m.role, content: m.content }));
  if (messages.length === 0) throw new RangeError('renderPrompt: the prompt has no messages');
  const instruction = TEMPLATE_INSTRUCTIONS[template];
  if (instruction === null) return messages;

  const lastUser = messages.findLastIndex((m) => m.role === 'user');
  if (lastUser === -1) {
    // A conversation of system/assistant turns only: the instruction becomes the user's turn.
    messages.push({ role: 'user', content: instruction });
  } else {
    const content = messages[lastUser].content.trimEnd();
    messages[lastUser] = { role: 'user', content: content === '' ? instruction : `${content}\n\n${instruction}` };
  }
  return messages;
}

/**
 * The final answer of a completion:
 * - the text after the last "Answer:" (any case, "Final answer:" too, markdown emphasis ignored),
 *   up to the end of its line or the end of its first sentence, trimmed, a trailing period dropped;
 * - else the last number in the text;
 * - else null.
 *
 *   "7 + 8 = 15, write 5 carry 1. 4 + 3 + 1 = 8. Answer: 85"  → "85"
 *   "**Answer:** Paris."                                       → "Paris"
 *   "so the total is 1,250 apples"                             → "1,250"
 */
export function extractFinalAnswer(text: string): string | null {
  const markers = [...text.matchAll(/\banswer\s*[*_]*\s*:/gi)];
  if (markers.length > 0) {
    const last = markers[markers.length - 1];
    const value = readAnswerValue(text.slice((last.index ?? 0) + last[0].length));
    if (value !== null) return value;
  }
  const numbers = [...text.matchAll(NUMBER)];
  return numbers.length > 0 ? numbers[numbers.length - 1][0] : null;
}

/**
 * How answers are compared: case and spacing ignored, and numbers by value ("1,000", "1000" and
 * "1000.0" are one answer). Null for no answer.
 */
export function normalizeAnswer(answer: string | null): string | null {
  if (answer === null) return null;
  const flat = answer.trim().replace(/\s+/g, ' ').toLowerCase();
  const numeric = flat.replace(/^\+/, '');
  if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(numeric) || /^-?(\d+\.?\d*|\.\d+)$/.test(numeric)) {
    const value = Number(numeric.replace(/,/g, ''));
    if (Number.isFinite(value)) return String(value);
  }
  return flat;
}

/** The comparison key of a completion's final answer (normalizeAnswer of extractFinalAnswer). */
export function answerKeyOf(text: string): string | null {
  return normalizeAnswer(extractFinalAnswer(text));
}

/**
 * Self-consistency's choice: the index of the first sample whose final answer is the most common.
 * Ties go to the answer that appears first; samples without an answer do not vote; when none has
 * an answer, 0.
 */
export function majorityIndex(samples: string[]): number {
  if (samples.length === 0) throw new RangeError('majorityIndex: no samples');
  // Map iteration follows insertion order, so on equal counts the earlier answer keeps the lead.
  const votes = new Map<string, { count: number; firstIndex: number }>();
  samples.forEach((sample, index) => {
    const key = answerKeyOf(sample);
    if (key === null) return;
    const entry = votes.get(key);
    if (entry) entry.count++;
    else votes.set(key, { count: 1, firstIndex: index });
  });
  let best: { count: number; firstIndex: number } | null = null;
  for (const entry of votes.values()) if (best === null || entry.count > best.count) best = entry;
  return best === null ? 0 : best.firstIndex;
}

/**
 * A number: digits with optional thousands groups and decimals, and a minus sign only when it is
 * not glued to a word or digit before it ("x = -5" gives -5, "2 - 7" and "5-3" give 7 and 3). A
 * number never starts inside a word or after a dot ("v2", ".5" are not read as 2 and 5).
 */
const NUMBER = /(?<![\w.])-?\d+(?:,\d{3})*(?:\.\d+)?/g;

function readAnswerValue(rest: string): string | null {
  const line = rest.replace(/^[\s*_`]+/, '').split('\n')[0];
  // The first sentence: "85. 4 + 3 = 7" is the answer 85 followed by stray text.
  const sentence = line.split(/\.\s/)[0];
  const value = sentence
    .replace(/[*_`]+\s*$/, '')
    .trim()
    .replace(/\.$/, '')
    .replace(/[*_`]+$/, '')
    .trim();
  return value === '' ? null : value;
}
