'use client';
/** The round form's groups past PEFT: training, reward model, DPO or RL, evaluation and serving. */
import type { RoundConfig } from '@/server/jobs/contracts';
import type { FieldErrors } from './field-errors';
import { FieldGroup, NumberField, SelectField, TextField } from './form-fields';

type GroupProps = { draft: RoundConfig; onChange: (draft: RoundConfig) => void; errors: FieldErrors };

const asNumber = (value: number | null) => value ?? Number.NaN;

export function TrainingFields({ draft, onChange, errors }: GroupProps) {
  return (
    <FieldGroup title="Training">
      <NumberField label="Learning rate" testId="round-field-learningRate" value={draft.learningRate} onChange={(v) => onChange({ ...draft, learningRate: asNumber(v) })} error={errors.learningRate} />
      <NumberField label="Epochs" testId="round-field-epochs" value={draft.epochs} onChange={(v) => onChange({ ...draft, epochs: asNumber(v) })} error={errors.epochs} />
      <NumberField label="Batch size" testId="round-field-batchSize" value={draft.batchSize} onChange={(v) => onChange({ ...draft, batchSize: asNumber(v) })} error={errors.batchSize} />
      <NumberField label="Seed" testId="round-field-seed" value={draft.seed} onChange={(v) => onChange({ ...draft, seed: asNumber(v) })} error={errors.seed} />
      <TextField
        label="Checkpoint name"
        testId="round-field-checkpointName"
        value={draft.checkpointName ?? ''}
        placeholder="round-<n>"
        onChange={(v) => onChange({ ...draft, checkpointName: v.trim() === '' ? null : v.trim() })}
        error={errors.checkpointName}
      />
      <NumberField
        label="Fewest preference pairs"
        testId="round-field-minPairs"
        value={draft.minPairs}
        onChange={(v) => onChange({ ...draft, minPairs: asNumber(v) })}
        error={errors.minPairs}
        hint="the round stops early with fewer"
      />
    </FieldGroup>
  );
}

export function RewardFields({ draft, onChange, errors }: GroupProps) {
  const set = (patch: Partial<RoundConfig['reward']>) => onChange({ ...draft, reward: { ...draft.reward, ...patch } });
  return (
    <FieldGroup title="Reward model">
      <NumberField
        label="Learning rate"
        testId="round-field-reward.learningRate"
        value={draft.reward.learningRate}
        onChange={(v) => set({ learningRate: asNumber(v) })}
        error={errors['reward.learningRate']}
      />
      <NumberField label="Epochs" testId="round-field-reward.epochs" value={draft.reward.epochs} onChange={(v) => set({ epochs: asNumber(v) })} error={errors['reward.epochs']} />
      <NumberField label="Batch size" testId="round-field-reward.batchSize" value={draft.reward.batchSize} onChange={(v) => set({ batchSize: asNumber(v) })} error={errors['reward.batchSize']} />
    </FieldGroup>
  );
}

export function DpoFields({ draft, onChange, errors }: GroupProps) {
  return (
    <FieldGroup title="DPO">
      <NumberField
        label="Beta β"
        testId="round-field-dpo.beta"
        value={draft.dpo.beta}
        onChange={(v) => onChange({ ...draft, dpo: { beta: asNumber(v) } })}
        error={errors['dpo.beta']}
        hint="how far from the reference policy"
      />
    </FieldGroup>
  );
}

export function RlFields({ draft, onChange, errors }: GroupProps) {
  const set = (patch: Partial<RoundConfig['rl']>) => onChange({ ...draft, rl: { ...draft.rl, ...patch } });
  return (
    <FieldGroup title="Online RL (RLOO)">
      <NumberField
        label="Samples per prompt"
        testId="round-field-rl.samplesPerPrompt"
        value={draft.rl.samplesPerPrompt}
        onChange={(v) => set({ samplesPerPrompt: asNumber(v) })}
        error={errors['rl.samplesPerPrompt']}
      />
      <NumberField
        label="Prompts per iteration"
        testId="round-field-rl.promptsPerIteration"
        value={draft.rl.promptsPerIteration}
        onChange={(v) => set({ promptsPerIteration: asNumber(v) })}
        error={errors['rl.promptsPerIteration']}
      />
      <NumberField label="Iterations" testId="round-field-rl.iterations" value={draft.rl.iterations} onChange={(v) => set({ iterations: asNumber(v) })} error={errors['rl.iterations']} />
      <NumberField label="KL coefficient" testId="round-field-rl.klCoef" value={draft.rl.klCoef} onChange={(v) => set({ klCoef: asNumber(v) })} error={errors['rl.klCoef']} />
      <NumberField label="Clip range" testId="round-field-rl.clipRange" value={draft.rl.clipRange} onChange={(v) => set({ clipRange: asNumber(v) })} error={errors['rl.clipRange']} />
      <NumberField label="Max new tokens" testId="round-field-rl.maxNewTokens" value={draft.rl.maxNewTokens} onChange={(v) => set({ maxNewTokens: asNumber(v) })} error={errors['rl.maxNewTokens']} />
    </FieldGroup>
  );
}

const QUANTIZATIONS: { value: RoundConfig['servingQuantization']; label: string }[] = [
  { value: 'none', label: 'None' },
  { value: 'int8', label: 'int8' },
  { value: 'nf4', label: 'NF4 (4-bit)' },
];

export function EvaluationFields({ draft, onChange, errors }: GroupProps) {
  return (
    <FieldGroup title="Evaluation and serving">
      <NumberField
        label="Held-out prompts evaluated"
        testId="round-field-evalPrompts"
        value={draft.evalPrompts}
        onChange={(v) => onChange({ ...draft, evalPrompts: asNumber(v) })}
        error={errors.evalPrompts}
      />
      <SelectField
        label="Serving quantization"
        testId="round-field-servingQuantization"
        value={draft.servingQuantization}
        options={QUANTIZATIONS}
        onChange={(servingQuantization) => onChange({ ...draft, servingQuantization })}
        error={errors.servingQuantization}
        hint="an extra smaller copy, with its quality change"
      />
    </FieldGroup>
  );
}
