'use client';
/**
 * The round form's data options, in the snapshot form's words: where labels come from, the
 * minimum agreement (typed in %, stored as 0-1) and weight by confidence. The round's snapshot is
 * taken with them.
 */
import type { RoundConfig } from '@/server/jobs/contracts';
import { LabelSourceField, MIN_AGREEMENT_HELP, MIN_AGREEMENT_LABEL, WeightByConfidenceField, weightExplanation } from '../datasets/data-options';
import type { FieldErrors } from './field-errors';
import { NumberField } from './form-fields';

/** 0.6 -> 60 (not 60.00000000000001), so the field shows what was typed. */
function toPercent(share: number | null): number | null {
  return share === null || Number.isNaN(share) ? share : Number((share * 100).toPrecision(12));
}

export function DataFields({ draft, onChange, errors }: { draft: RoundConfig; onChange: (draft: RoundConfig) => void; errors: FieldErrors }) {
  return (
    <fieldset className="space-y-3 rounded-md border border-slate-200 p-3" data-testid="round-data-fields">
      <legend className="px-1 text-xs font-semibold uppercase tracking-wide text-slate-500">Data</legend>
      <LabelSourceField value={draft.labelSource} onChange={(labelSource) => onChange({ ...draft, labelSource })} name="round-label-source" testIdPrefix="round-field" />
      <div className="max-w-md">
        <NumberField
          label={MIN_AGREEMENT_LABEL}
          testId="round-field-minAgreement"
          isNullable
          value={toPercent(draft.minAgreement)}
          onChange={(percent) => onChange({ ...draft, minAgreement: percent === null ? null : percent / 100 })}
          error={errors.minAgreement}
          hint={MIN_AGREEMENT_HELP}
        />
      </div>
      <WeightByConfidenceField
        checked={draft.weightByConfidence}
        onChange={(weightByConfidence) => onChange({ ...draft, weightByConfidence })}
        testId="round-field-weightByConfidence"
        explanation={weightExplanation('Every preference pair') + " The reward model's and DPO's losses count each pair that much."}
      />
    </fieldset>
  );
}
