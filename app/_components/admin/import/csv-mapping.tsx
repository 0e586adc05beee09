'use client';
/**
 * The CSV column-mapping step: a dropdown per field, built from the file's header. The mapping is
 * complete once a prompt column and either a completion column or chosen + rejected are picked;
 * until then the preview shows the file as detected.
 */
import { labelClass } from '../ui';

export type CsvMappingDraft = { prompt: string; completion: string; chosen: string; rejected: string; label: string };
export type CsvMappingInput = { prompt: string; completion?: string; chosen?: string; rejected?: string; label?: string };

export const EMPTY_MAPPING: CsvMappingDraft = { prompt: '', completion: '', chosen: '', rejected: '', label: '' };

const FIELDS: { key: keyof CsvMappingDraft; label: string }[] = [
  { key: 'prompt', label: 'Prompt' },
  { key: 'completion', label: 'Completion' },
  { key: 'chosen', label: 'Chosen' },
  { key: 'rejected', label: 'Rejected' },
  { key: 'label', label: 'Label (good / bad)' },
];

/** The mapping to send, or null while it is incomplete. */
export function toMappingInput(draft: CsvMappingDraft): CsvMappingInput | null {
  if (!draft.prompt) return null;
  const hasPair = !!draft.chosen && !!draft.rejected;
  if (!hasPair && !draft.completion) return null;
  const pick = (value: string) => value || undefined;
  return hasPair ? { prompt: draft.prompt, chosen: draft.chosen, rejected: draft.rejected } : { prompt: draft.prompt, completion: draft.completion, label: pick(draft.label) };
}

export function CsvMappingStep({ columns, draft, onChange }: { columns: string[]; draft: CsvMappingDraft; onChange: (next: CsvMappingDraft) => void }) {
  return (
    <fieldset className="space-y-2" data-testid="import-mapping">
      <legend className={labelClass}>Map the CSV columns</legend>
      <p className="text-xs text-slate-500">Pick the prompt column, then a completion column (with an optional label column) or the chosen and rejected columns.</p>
      <div className="flex flex-wrap gap-3">
        {FIELDS.map((field) => (
          <label key={field.key} className="text-xs text-slate-700">
            <span className="block">{field.label}</span>
            <select
              data-testid={`import-mapping-${field.key}`}
              className="mt-0.5 rounded-md border border-slate-300 px-2 py-1 text-sm"
              value={draft[field.key]}
              onChange={(e) => onChange({ ...draft, [field.key]: e.target.value })}
            >
              <option value="">—</option>
              {columns.map((column) => (
                <option key={column} value={column}>
                  {column}
                </option>
              ))}
            </select>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
