'use client';
/**
 * "Start round": every setting of ZRoundConfig (the data options too: labels, minimum agreement,
 * weights), starting from the project's last-used values.
 * The browser validates with the server's own schema, so field errors appear next to their inputs
 * before anything is sent; what the server still refuses shows in the error box.
 */
import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import { ZRoundConfig, type RoundConfig } from '@/server/jobs/contracts';
import { useToast } from '../../toast';
import { ErrorBox } from '../error-box';
import { buttonClass, cardClass, secondaryButtonClass } from '../ui';
import { validate, type FieldErrors } from './field-errors';
import { DataFields } from './round-data-fields';
import { SelectField } from './form-fields';
import { PeftFields } from './peft-fields';
import { DpoFields, EvaluationFields, RewardFields, RlFields, TrainingFields } from './round-method-fields';

const METHODS: { value: RoundConfig['method']; label: string }[] = [
  { value: 'sft', label: 'SFT (supervised on preferred answers)' },
  { value: 'dpo', label: 'DPO (direct preference optimisation)' },
  { value: 'rl', label: 'Online RL (RLOO against the reward model)' },
];

export function RoundForm({ projectId, initial, onClose }: { projectId: number; initial: RoundConfig; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [draft, setDraft] = useState<RoundConfig>(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [hasTriedSubmit, setHasTriedSubmit] = useState(false);
  const start = useMutation(
    trpc.training.startRound.mutationOptions({
      onSuccess: async (started) => {
        toast.show(`Round ${started.number} queued`, 'success');
        await queryClient.invalidateQueries(trpc.training.pathFilter());
        onClose();
      },
    }),
  );

  // After a first submit, errors follow each edit, so a fixed field loses its message at once.
  const change = (next: RoundConfig) => {
    setDraft(next);
    if (hasTriedSubmit) setErrors(validate(ZRoundConfig, next).errors ?? {});
  };
  const submit = () => {
    setHasTriedSubmit(true);
    const result = validate(ZRoundConfig, draft);
    setErrors(result.errors ?? {});
    if (result.data) start.mutate({ projectId, config: result.data });
  };
  const groupProps = { draft, onChange: change, errors };

  return (
    <form
      aria-label="Start a training round"
      data-testid="round-form"
      className={`${cardClass} space-y-3 p-4`}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <div className="flex items-center justify-between">
        <h2 className="text-sm font-semibold">Start a training round</h2>
        <button type="button" className={secondaryButtonClass} data-testid="round-form-defaults" onClick={() => change(ZRoundConfig.parse({}))}>
          Reset to defaults
        </button>
      </div>
      <div className="max-w-md">
        <SelectField label="Policy method" testId="round-field-method" value={draft.method} options={METHODS} onChange={(method) => change({ ...draft, method })} error={errors.method} />
      </div>
      <DataFields {...groupProps} />
      <PeftFields peft={draft.peft} onChange={(peft) => change({ ...draft, peft })} errors={errors} />
      <TrainingFields {...groupProps} />
      <RewardFields {...groupProps} />
      {draft.method === 'dpo' && <DpoFields {...groupProps} />}
      {draft.method === 'rl' && <RlFields {...groupProps} />}
      <EvaluationFields {...groupProps} />
      {Object.keys(errors).length > 0 && (
        <p className="text-sm text-rose-700" role="alert" data-testid="round-form-invalid">
          {Object.keys(errors).length === 1 ? 'One field needs' : `${Object.keys(errors).length} fields need`} fixing before the round can start.
        </p>
      )}
      <ErrorBox error={start.error} testId="round-form-error" />
      <div className="flex gap-2">
        <button type="submit" className={buttonClass} data-testid="round-form-submit" disabled={start.isPending}>
          {start.isPending ? 'Starting…' : 'Start round'}
        </button>
        <button type="button" className={secondaryButtonClass} data-testid="round-form-cancel" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
