/**
 * Anthropic HH pairs (`{"chosen": "\n\nHuman: ...\n\nAssistant: ...", "rejected": ...}`).
 *
 * The representation, chosen so that nothing of the file is lost:
 * - the prompt's `text` is the conversation both sides share, up to (not including) the
 *   "\n\nAssistant:" marker that starts the replies that differ;
 * - each completion is the rest of its side after that marker, exactly as in the file, including
 *   the space that follows the marker (so `text + "\n\nAssistant:" + completion` rebuilds
 *   `chosen` and `rejected` character for character; markdown rendering ignores the space);
 * - the prompt's `messages` are the shared turns as [{role, content}] with each content trimmed,
 *   for display and chat-style exports.
 *
 * The split is at the last marker that lies inside the common prefix of the two sides. For almost
 * every line that is the last "\n\nAssistant:" of each side; in a few real lines the sides differ
 * earlier (one side has extra turns), and the completions then carry those extra turns.
 * The first completion is the chosen one, the second the rejected one; display order is shuffled
 * per task later, so the file's order reveals nothing to annotators.
 */
import type { ChatMessage } from './types';

export const HH_ASSISTANT_MARKER = '\n\nAssistant:';
const TURN_PATTERN = /\n\n(Human|Assistant):/g;

export type HhSplit = { prompt: string; chosen: string; rejected: string };

function commonPrefixLength(a: string, b: string): number {
  const limit = Math.min(a.length, b.length);
  let i = 0;
  while (i < limit && a.charCodeAt(i) === b.charCodeAt(i)) i += 1;
  return i;
}

/** Splits a pair into shared prompt and the two replies, or null when they share no assistant turn. */
export function splitHhPair(chosen: string, rejected: string): HhSplit | null {
  const common = commonPrefixLength(chosen, rejected);
  const lastStart = common - HH_ASSISTANT_MARKER.length;
  if (lastStart < 0) return null;
  const at = chosen.lastIndexOf(HH_ASSISTANT_MARKER, lastStart);
  if (at < 0) return null;
  const cut = at + HH_ASSISTANT_MARKER.length;
  return { prompt: chosen.slice(0, at), chosen: chosen.slice(cut), rejected: rejected.slice(cut) };
}

/** Rebuilds one side of the pair from the stored prompt text and completion. */
export function formatHhConversation(promptText: string, completion: string): string {
  return promptText + HH_ASSISTANT_MARKER + completion;
}

/** The Human/Assistant turns of a conversation, or null when it does not start with a turn marker. */
export function parseHhTurns(conversation: string): ChatMessage[] | null {
  const matches = [...conversation.matchAll(TURN_PATTERN)];
  if (matches.length === 0 || conversation.slice(0, matches[0].index).trim() !== '') return null;
  return matches.map((match, i) => {
    const start = match.index + match[0].length;
    const end = i + 1 < matches.length ? matches[i + 1].index : conversation.length;
    return { role: match[1] === 'Human' ? 'user' : 'assistant', content: conversation.slice(start, end).trim() };
  });
}
