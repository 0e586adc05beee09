'use client';
/**
 * The PEFT part of the round form: a mode, then only that mode's fields. Switching between LoRA and
 * QLoRA keeps the adapter settings; the starting values are the usual ones (r 8, α 16, q and v,
 * NF4 in blocks of 64).
 */
import { ZLoraTarget, type LoraTarget } from '@/server/jobs/peft-config';
import type { PeftConfig } from '@/server/jobs/contracts';
import type { FieldErrors } from './field-errors';
import { FieldGroup, NumberField, SelectField } from './form-fields';

type PeftMethod = PeftConfig['method'];
type LoraSettings = { rank: number; alpha: number; dropout: number; targets: LoraTarget[] };

const PEFT_METHODS: { value: PeftMethod; label: string }[] = [
  { value: 'full', label: 'Full fine-tuning' },
  { value: 'lora', label: 'LoRA' },
  { value: 'qlora', label: 'QLoRA (4-bit base)' },
  { value: 'prompt', label: 'Prompt tuning' },
  { value: 'prefix', label: 'Prefix tuning' },
];
const LORA_DEFAULTS: LoraSettings = { rank: 8, alpha: 16, dropout: 0.05, targets: ['q', 'v'] };
const VIRTUAL_TOKENS_DEFAULT = 16;
const TARGET_LABELS: Record<LoraTarget, string> = { q: 'q', k: 'k', v: 'v', o: 'o', fc: 'fc', proj: 'proj' };

function loraOf(peft: PeftConfig): LoraSettings {
  return peft.method === 'lora' || peft.method === 'qlora' ? { rank: peft.rank, alpha: peft.alpha, dropout: peft.dropout, targets: peft.targets } : LORA_DEFAULTS;
}

function switchMethod(peft: PeftConfig, method: PeftMethod): PeftConfig {
  switch (method) {
    case 'full':
      return { method };
    case 'lora':
      return { method, ...loraOf(peft) };
    case 'qlora':
      return { method, ...loraOf(peft), scheme: peft.method === 'qlora' ? peft.scheme : 'nf4', blockSize: peft.method === 'qlora' ? peft.blockSize : 64 };
    case 'prompt':
    case 'prefix':
      return { method, numVirtualTokens: peft.method === 'prompt' || peft.method === 'prefix' ? peft.numVirtualTokens : VIRTUAL_TOKENS_DEFAULT };
  }
}

const asNumber = (value: number | null) => value ?? Number.NaN;

export function PeftFields({ peft, onChange, errors }: { peft: PeftConfig; onChange: (peft: PeftConfig) => void; errors: FieldErrors }) {
  return (
    <FieldGroup title="Parameter-efficient fine-tuning" testId="round-peft">
      <SelectField label="Mode" testId="round-field-peft.method" value={peft.method} options={PEFT_METHODS} onChange={(method) => onChange(switchMethod(peft, method))} error={errors['peft.method']} />
      {(peft.method === 'lora' || peft.method === 'qlora') && (
        <>
          <NumberField label="Rank r" testId="round-field-peft.rank" value={peft.rank} onChange={(v) => onChange({ ...peft, rank: asNumber(v) })} error={errors['peft.rank']} hint="4–16 is typical" />
          <NumberField
            label="Alpha α"
            testId="round-field-peft.alpha"
            value={peft.alpha}
            onChange={(v) => onChange({ ...peft, alpha: asNumber(v) })}
            error={errors['peft.alpha']}
            hint="the update is scaled by α / r"
          />
          <NumberField label="Dropout" testId="round-field-peft.dropout" value={peft.dropout} onChange={(v) => onChange({ ...peft, dropout: asNumber(v) })} error={errors['peft.dropout']} />
          <fieldset className="sm:col-span-2 lg:col-span-4">
            <legend className="mb-1 text-xs font-medium text-slate-600">Target projections</legend>
            <div className="flex flex-wrap gap-3">
              {ZLoraTarget.options.map((target) => (
                <label key={target} className="flex items-center gap-1 text-sm">
                  <input
                    type="checkbox"
                    data-testid={`round-field-peft.targets-${target}`}
                    checked={peft.targets.includes(target)}
                    onChange={(e) =>
                      onChange({ ...peft, targets: e.target.checked ? ZLoraTarget.options.filter((t) => t === target || peft.targets.includes(t)) : peft.targets.filter((t) => t !== target) })
                    }
                  />
                  <span className="font-mono">{TARGET_LABELS[target]}</span>
                </label>
              ))}
            </div>
            {errors['peft.targets'] && (
              <span className="mt-0.5 block text-xs text-rose-700" role="alert" data-testid="round-field-peft.targets-error">
                {errors['peft.targets']}
              </span>
            )}
          </fieldset>
        </>
      )}
      {peft.method === 'qlora' && (
        <>
          <SelectField
            label="4-bit scheme"
            testId="round-field-peft.scheme"
            value={peft.scheme}
            options={[
              { value: 'nf4', label: 'NF4 (normal float)' },
              { value: 'absmax4', label: 'Absmax 4-bit' },
            ]}
            onChange={(scheme) => onChange({ ...peft, scheme })}
            error={errors['peft.scheme']}
          />
          <NumberField
            label="Block size"
            testId="round-field-peft.blockSize"
            value={peft.blockSize}
            onChange={(v) => onChange({ ...peft, blockSize: asNumber(v) })}
            error={errors['peft.blockSize']}
            hint="weights per scale; QLoRA uses 64"
          />
        </>
      )}
      {(peft.method === 'prompt' || peft.method === 'prefix') && (
        <NumberField
          label={peft.method === 'prompt' ? 'Virtual tokens (prompt length)' : 'Prefix length'}
          testId="round-field-peft.numVirtualTokens"
          value={peft.numVirtualTokens}
          onChange={(v) => onChange({ ...peft, numVirtualTokens: asNumber(v) })}
          error={errors['peft.numVirtualTokens']}
        />
      )}
    </FieldGroup>
  );
}
