/**
 * Export formats: what one line of each looks like, with field names exactly as their consumers
 * read them (TRL's preference / KTO / SFT datasets, Anthropic HH), and the encodings each allows.
 * Pure functions from a snapshot record to rows; the pair logic is server/jobs/training-data.ts.
 */
import { z } from 'zod';
import type { RatingForm } from '../../lib/forms/schema';
import { buildKtoExamples, buildTrainingData, type ChatTurn, type PreferencePair } from '../jobs/training-data';
import { HH_ASSISTANT_MARKER } from '../services/import/hh';
import type { SnapshotRecord } from './snapshots';

export const EXPORT_FORMATS = ['trl-preference', 'trl-preference-chat', 'kto', 'sft', 'sft-messages', 'hh', 'raw'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const EXPORT_ENCODINGS = ['jsonl', 'jsonl.gz', 'csv', 'parquet'] as const;
export type ExportEncoding = (typeof EXPORT_ENCODINGS)[number];

/** Column type of a flat format (CSV and Parquet need a fixed list of columns). */
export type ColumnType = 'string' | 'boolean' | 'double';
export type ExportColumn = { name: string; type: ColumnType; isOptional?: boolean };

export const ZExportOptions = z.object({
  /** Which side of the snapshot's split: 'all' (default), 'train' or 'test'. */
  split: z.enum(['all', 'train', 'test']).default('all'),
  /** Rankings: every ordered pair, or neighbours only. */
  rankingPairs: z.enum(['all', 'adjacent']).default('all'),
  includeTies: z.boolean().default(false),
  includeBothBad: z.boolean().default(false),
  /** Write `margin` on preference rows (pairwise strength, score gap or rank distance). */
  margin: z.boolean().default(false),
  /** KTO: scores above are desirable, below are not; default the scale's midpoint. */
  ktoThreshold: z.number().min(-100).max(100).optional(),
});
export type ExportOptions = z.infer<typeof ZExportOptions>;
export type ExportOptionsInput = z.input<typeof ZExportOptions>;

type FormatInfo = { label: string; description: string; encodings: readonly ExportEncoding[]; options: readonly (keyof ExportOptions)[]; fields: Record<string, string> };
const ALL: readonly ExportEncoding[] = EXPORT_ENCODINGS;
const NESTED: readonly ExportEncoding[] = ['jsonl', 'jsonl.gz'];
const PAIR_OPTIONS = ['split', 'rankingPairs', 'includeTies', 'includeBothBad', 'margin'] as const;

export const FORMAT_INFO: Record<ExportFormat, FormatInfo> = {
  'trl-preference': {
    label: 'TRL preference',
    description: 'Preference pairs with an explicit prompt, for TRL DPOTrainer / RewardTrainer and OpenRLHF.',
    encodings: ALL,
    options: PAIR_OPTIONS,
    fields: {
      prompt: 'the prompt (for an HH conversation: the shared turns ending with "\\n\\nAssistant:")',
      chosen: 'the preferred completion',
      rejected: 'the other completion',
      margin: 'optional: how much better chosen is (strength 1-3, score gap or rank distance; 0 for a kept tie)',
    },
  },
  'trl-preference-chat': {
    label: 'TRL preference (chat)',
    description: 'Preference pairs in conversational form: each field a list of {role, content} messages.',
    encodings: NESTED,
    options: PAIR_OPTIONS,
    fields: { prompt: 'the conversation turns', chosen: 'one assistant turn, preferred', rejected: 'one assistant turn, the other', margin: 'optional, as in trl-preference' },
  },
  kto: {
    label: 'TRL KTO (unpaired)',
    description: 'One completion with a desirable / undesirable label, from thumbs and from scores against a threshold.',
    encodings: ALL,
    options: ['split', 'ktoThreshold'],
    fields: { prompt: 'the prompt', completion: 'one completion', label: 'true when desirable' },
  },
  sft: {
    label: 'SFT (prompt, completion)',
    description: 'Supervised examples: edited answers and top-rated completions.',
    encodings: ALL,
    options: ['split'],
    fields: { prompt: 'the prompt', completion: 'the target completion' },
  },
  'sft-messages': {
    label: 'SFT (messages)',
    description: 'Supervised examples as one conversation ending with the target assistant turn.',
    encodings: NESTED,
    options: ['split'],
    fields: { messages: 'the conversation: prompt turns then the assistant target' },
  },
  hh: {
    label: 'Anthropic HH',
    description: 'Anthropic HH-RLHF layout: whole conversations, chosen and rejected.',
    encodings: ALL,
    options: PAIR_OPTIONS,
    fields: { chosen: '"\\n\\nHuman: ...\\n\\nAssistant: ..." ending with the preferred reply', rejected: 'the same conversation ending with the other reply' },
  },
  raw: {
    label: 'Raw annotations',
    description: 'Every annotation as stored: task, prompt, completions in display order, answers, time, annotator pseudonym.',
    encodings: NESTED,
    options: ['split'],
    fields: {
      annotation_id: 'the annotation',
      task_id: 'the task',
      split: 'train or test',
      prompt: 'prompt text',
      messages: 'prompt turns when it is a conversation, else null',
      completions: 'the task completions in display order: [{id, text}]',
      answers: 'the answer to every question, keyed by question id',
      edited_text: "the annotator's rewrite, or null",
      time_spent_ms: 'time spent on the task',
      status: 'SUBMITTED',
      annotator: 'a stable per-project pseudonym of the annotator',
      created_at: 'when it was submitted (ISO 8601)',
    },
  },
};

/**
 * What `weight` means, for a snapshot taken with "weight by confidence": every row of every format
 * then carries the confidence of the label it came from (dataset-card.ts says how it was computed).
 */
export const WEIGHT_FIELD = 'confidence of the label this row comes from, 0-1 (see Weights)';

/** The columns of a flat format (CSV, Parquet); null for nested formats. `isWeighted`: the snapshot froze weights. */
export function columnsOf(format: ExportFormat, options: ExportOptions, isWeighted = false): ExportColumn[] | null {
  const columns = flatColumnsOf(format, options);
  return columns && isWeighted ? [...columns, { name: 'weight', type: 'double', isOptional: true }] : columns;
}

function flatColumnsOf(format: ExportFormat, options: ExportOptions): ExportColumn[] | null {
  switch (format) {
    case 'trl-preference':
      return [
        { name: 'prompt', type: 'string' },
        { name: 'chosen', type: 'string' },
        { name: 'rejected', type: 'string' },
        ...(options.margin ? [{ name: 'margin', type: 'double' as const, isOptional: true }] : []),
      ];
    case 'kto':
      return [
        { name: 'prompt', type: 'string' },
        { name: 'completion', type: 'string' },
        { name: 'label', type: 'boolean' },
      ];
    case 'sft':
      return [
        { name: 'prompt', type: 'string' },
        { name: 'completion', type: 'string' },
      ];
    case 'hh':
      return [
        { name: 'chosen', type: 'string' },
        { name: 'rejected', type: 'string' },
      ];
    default:
      return null;
  }
}

/** A prompt imported from Anthropic HH: its text is the raw "\n\nHuman: ..." conversation. */
function isHhText(text: string): boolean {
  return text.startsWith('\n\nHuman:');
}

/**
 * The prompt as one string. An HH conversation ends with the assistant marker, so that
 * prompt + completion is the original text character for character (TRL's explicit-prompt
 * form of HH); any other prompt is its text.
 */
function promptString(record: SnapshotRecord): string {
  return isHhText(record.promptText) ? record.promptText + HH_ASSISTANT_MARKER : record.promptText;
}

function promptTurns(record: SnapshotRecord): ChatTurn[] {
  return record.messages ?? [{ role: 'user', content: record.promptText }];
}

function assistantTurn(record: SnapshotRecord, completion: string): ChatTurn {
  // HH completions keep the space after "Assistant:"; a chat turn does not.
  return { role: 'assistant', content: isHhText(record.promptText) ? completion.trim() : completion };
}

/**
 * One side of an HH pair. An HH-imported prompt is rebuilt exactly (prompt text + marker +
 * completion, as server/services/import/hh.ts split it); any other prompt is rendered turn by
 * turn in the same layout.
 */
function hhConversation(record: SnapshotRecord, completion: string): string {
  if (isHhText(record.promptText)) return record.promptText + HH_ASSISTANT_MARKER + completion;
  const turns = promptTurns(record)
    .map((t) => `\n\n${t.role === 'assistant' ? 'Assistant' : 'Human'}: ${t.content}`)
    .join('');
  return `${turns}${HH_ASSISTANT_MARKER} ${completion}`;
}

function pairRow(format: ExportFormat, record: SnapshotRecord, pair: PreferencePair, options: ExportOptions): Record<string, unknown> {
  const margin = options.margin ? { margin: pair.margin } : {};
  if (format === 'hh') return { chosen: hhConversation(record, pair.chosen), rejected: hhConversation(record, pair.rejected) };
  if (format === 'trl-preference-chat') return { prompt: promptTurns(record), chosen: [assistantTurn(record, pair.chosen)], rejected: [assistantTurn(record, pair.rejected)], ...margin };
  return { prompt: promptString(record), chosen: pair.chosen, rejected: pair.rejected, ...margin };
}

/**
 * The rows one annotation contributes to a format, in a fixed order; each with the record's
 * `weight` last when the snapshot froze one (TRL's loaders keep unknown columns and ignore them).
 */
export function rowsOfRecord(options: { format: ExportFormat; form: RatingForm; record: SnapshotRecord; options: ExportOptions; annotatorOf: (userId: string) => string }): Record<string, unknown>[] {
  const rows = unweightedRowsOf(options);
  const { weight } = options.record;
  return weight === null ? rows : rows.map((row) => ({ ...row, weight }));
}

function unweightedRowsOf(options: { format: ExportFormat; form: RatingForm; record: SnapshotRecord; options: ExportOptions; annotatorOf: (userId: string) => string }): Record<string, unknown>[] {
  const { format, form, record } = options;
  const o = options.options;
  switch (format) {
    case 'trl-preference':
    case 'trl-preference-chat':
    case 'hh': {
      const { pairs } = buildTrainingData(form, [record], { rankingPairs: o.rankingPairs, includeTies: o.includeTies, includeBothBad: o.includeBothBad });
      return pairs.map((pair) => pairRow(format, record, pair, o));
    }
    case 'kto':
      return buildKtoExamples(form, [record], { threshold: o.ktoThreshold }).map((k) => ({ prompt: promptString(record), completion: k.completion, label: k.label }));
    case 'sft':
      return buildTrainingData(form, [record]).sft.map((s) => ({ prompt: promptString(record), completion: s.completion }));
    case 'sft-messages':
      return buildTrainingData(form, [record]).sft.map((s) => ({ messages: [...promptTurns(record), assistantTurn(record, s.completion)] }));
    case 'raw':
      return [
        {
          annotation_id: record.annotationId,
          task_id: record.taskId,
          split: record.splitName,
          prompt: record.promptText,
          messages: record.messages,
          completions: record.completionList,
          answers: record.answer,
          edited_text: record.editedText,
          time_spent_ms: record.timeSpentMs,
          status: record.status,
          annotator: options.annotatorOf(record.userId),
          created_at: record.createdAt.toISOString(),
        },
      ];
  }
}

/** File extension of an encoding. */
export function extensionOf(encoding: ExportEncoding): string {
  return encoding;
}

export function contentTypeOf(encoding: ExportEncoding): string {
  switch (encoding) {
    case 'jsonl':
      return 'application/x-ndjson; charset=utf-8';
    case 'jsonl.gz':
      return 'application/gzip';
    case 'csv':
      return 'text/csv; charset=utf-8';
    case 'parquet':
      return 'application/vnd.apache.parquet';
  }
}
