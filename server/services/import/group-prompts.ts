/** Formats with one completion per record (JSONL `completion`, CSV `prompt,completion`) group records by prompt. */
import type { ChatMessage, ParsedPrompt } from './types';

export type SingleCompletionRecord = {
  line: number;
  text: string;
  messages: ChatMessage[] | null;
  externalId: string | null;
  split: 'TRAIN' | 'HELDOUT';
  completion: string;
  /** A judgement of this completion alone (KTO label, SFT demonstration), or null. */
  label?: 'up' | 'down' | null;
};

/**
 * Records with the same prompt (same text and, for chats, the same messages) become one prompt,
 * in order of first appearance; the first record's line, id and split describe it.
 */
export class PromptGrouper {
  private readonly byKey = new Map<string, ParsedPrompt & { labels: ('up' | 'down' | null)[] }>();

  add(record: SingleCompletionRecord) {
    const key = record.messages ? `m:${JSON.stringify(record.messages)}` : `t:${record.text}`;
    const existing = this.byKey.get(key);
    if (existing) {
      existing.completions.push(record.completion);
      existing.labels.push(record.label ?? null);
      return;
    }
    const { completion, label, ...prompt } = record;
    this.byKey.set(key, { ...prompt, completions: [completion], labels: [label ?? null] });
  }

  /** The prompts; labelled completions give a `labels` judgement (every record of a labelled file has one). */
  prompts(): ParsedPrompt[] {
    return [...this.byKey.values()].map(({ labels, ...prompt }) => {
      const isLabelled = labels.every((label) => label !== null);
      return isLabelled ? { ...prompt, judgement: { type: 'labels', labels: labels as ('up' | 'down')[] } } : prompt;
    });
  }
}
