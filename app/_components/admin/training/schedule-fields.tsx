'use client';
/**
 * When rounds start by themselves. Both the count and the cron expression are kept while the admin
 * switches kinds, so flipping to "off" and back loses nothing.
 */
import type { RoundSchedule } from '@/server/jobs/contracts';
import type { FieldErrors } from './field-errors';
import { FieldGroup, NumberField, SelectField, TextField } from './form-fields';

export type ScheduleDraft = { kind: RoundSchedule['kind']; every: number; expression: string };

export function scheduleDraftOf(schedule: RoundSchedule): ScheduleDraft {
  return { kind: schedule.kind, every: schedule.kind === 'annotations' ? schedule.every : 200, expression: schedule.kind === 'cron' ? schedule.expression : '0 3 * * *' };
}

export function scheduleOf(draft: ScheduleDraft): RoundSchedule {
  if (draft.kind === 'annotations') return { kind: 'annotations', every: draft.every };
  if (draft.kind === 'cron') return { kind: 'cron', expression: draft.expression };
  return { kind: 'off' };
}

const KINDS: { value: RoundSchedule['kind']; label: string }[] = [
  { value: 'off', label: 'Off (start rounds by hand)' },
  { value: 'annotations', label: 'Every N new annotations' },
  { value: 'cron', label: 'On a cron schedule' },
];

export function ScheduleFields({ draft, onChange, errors }: { draft: ScheduleDraft; onChange: (draft: ScheduleDraft) => void; errors: FieldErrors }) {
  return (
    <FieldGroup title="Round schedule" testId="schedule-fields">
      <SelectField label="Start rounds" testId="schedule-field-kind" value={draft.kind} options={KINDS} onChange={(kind) => onChange({ ...draft, kind })} />
      {draft.kind === 'annotations' && (
        <NumberField
          label="Annotations between rounds"
          testId="schedule-field-every"
          value={draft.every}
          onChange={(v) => onChange({ ...draft, every: v ?? Number.NaN })}
          error={errors['schedule.every']}
        />
      )}
      {draft.kind === 'cron' && (
        <TextField
          label="Cron expression"
          testId="schedule-field-expression"
          value={draft.expression}
          onChange={(expression) => onChange({ ...draft, expression })}
          error={errors['schedule.expression']}
          hint="minute hour day month weekday, e.g. 0 3 * * *"
        />
      )}
    </FieldGroup>
  );
}
