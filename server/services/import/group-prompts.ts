/** Formats with one completion per record (JSONL `completion`, CSV `prompt,completion`) group records by prompt. */
import type { ChatMessage, ParsedPrompt } from './types';

export type SingleCompletionRecord = {
  line: number;
  text: string;
  messages: ChatMessage[] | null;
  externalId: string | null;
  split: 'TRAIN' | 'HELDOUT';
  completion: string;
};

/**
 * Records with the same prompt (same text and, for chats, the same messages) become one prompt,
 * in order of first appearance; the first record's line, id and split describe it.
 */
export class PromptGrouper {
  private readonly byKey = new Map<string, ParsedPrompt>();

  add(record: SingleCompletionRecord) {
    const key = record.messages ? `m:${JSON.stringify(record.messages)}` : `t:${record.text}`;
    const existing = this.byKey.get(key);
    if (existing) {
      existing.completions.push(record.completion);
      return;
    }
    const { completion, ...prompt } = record;
    this.byKey.set(key, { ...prompt, completions: [completion] });
  }

  prompts(): ParsedPrompt[] {
    return [...this.byKey.values()];
  }
}
