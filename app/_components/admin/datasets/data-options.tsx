'use client';
/**
 * The data options wherever annotations are consumed (the snapshot form, the round form, the round
 * page): where labels come from, the minimum agreement and weight by confidence, in the same words
 * everywhere.
 */
import { labelClass } from '../ui';

export type LabelSource = 'all' | 'majority' | 'dawid-skene';

/** The label sources, each in words with one line on what it keeps. */
export const LABEL_SOURCES: { value: LabelSource; label: string; explanation: string }[] = [
  { value: 'all', label: 'Every answer', explanation: "Each annotator's answer is its own record; a task answered three times gives three pairs, agreeing or not." },
  { value: 'majority', label: 'Majority vote', explanation: 'One record per task, with the choice most of its annotators made on the first preference question; tied tasks are left out.' },
  {
    value: 'dawid-skene',
    label: 'Dawid-Skene consensus',
    explanation: 'One record per task, with the choice a model that weighs each annotator by their estimated reliability finds most likely.',
  },
];

export const LABELS_TITLE = 'Labels';
export const MIN_AGREEMENT_LABEL = 'Minimum agreement (%)';
export const MIN_AGREEMENT_HELP =
  'Drops tasks where fewer than this share of annotators gave the most common answer to the first preference or ranking question (answers a reviewer rejected do not count).';
export const WEIGHT_LABEL = 'Weight by confidence';

/** What a weight is, after "<what> gets a weight from 0 to 1, ...". */
export function weightExplanation(what: string): string {
  return `${what} gets a weight from 0 to 1, the confidence of its label: the share of votes for a majority, the Dawid-Skene probability, or for every answer the share of its task that agrees with it.`;
}

/** A snapshot's data options in words, from its stored filters: source, agreement floor, weights ("Majority vote, agreement ≥ 60%, weighted"). */
export function dataOptionsSummary(filters: { labelSource?: 'majority' | 'dawid-skene'; minAgreement?: number; weightByConfidence?: boolean }): string {
  const source = filters.labelSource === 'majority' ? 'Majority vote' : filters.labelSource === 'dawid-skene' ? 'Dawid-Skene' : 'Every answer';
  const agreement = filters.minAgreement !== undefined ? `, agreement ≥ ${Math.round(filters.minAgreement * 100)}%` : '';
  return `${source}${agreement}${filters.weightByConfidence ? ', weighted' : ''}`;
}

/** The label-source radios; test ids `<testIdPrefix>-label-<value>`. */
export function LabelSourceField({ value, onChange, name, testIdPrefix }: { value: LabelSource; onChange: (value: LabelSource) => void; name: string; testIdPrefix: string }) {
  return (
    <fieldset>
      <legend className={labelClass}>{LABELS_TITLE}</legend>
      <div className="space-y-1">
        {LABEL_SOURCES.map((source) => (
          <label key={source.value} className="block text-sm">
            <input type="radio" name={name} checked={value === source.value} onChange={() => onChange(source.value)} data-testid={`${testIdPrefix}-label-${source.value}`} />{' '}
            <span className="font-medium">{source.label}</span>
            <span className="block pl-5 text-xs text-slate-500">{source.explanation}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** The weight-by-confidence checkbox, with what a weight is and what it does here. */
export function WeightByConfidenceField({ checked, onChange, testId, explanation }: { checked: boolean; onChange: (checked: boolean) => void; testId: string; explanation: string }) {
  return (
    <label className="block text-sm">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} data-testid={testId} /> {WEIGHT_LABEL}
      <span className="block pl-5 text-xs text-slate-500">{explanation}</span>
    </label>
  );
}
