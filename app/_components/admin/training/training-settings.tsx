'use client';
/** Generation settings, the round schedule and auto-continue, saved together; secrets beside them. */
import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import { ZGenerationSettings, ZRoundSchedule, type GenerationSettings } from '@/server/jobs/contracts';
import { useToast } from '../../toast';
import { ErrorBox } from '../error-box';
import { buttonClass, cardClass } from '../ui';
import { prefixErrors, validate, type FieldErrors } from './field-errors';
import { CheckboxField } from './form-fields';
import { GenerationFields } from './generation-fields';
import { ScheduleFields, scheduleDraftOf, scheduleOf, type ScheduleDraft } from './schedule-fields';
import { SecretForm } from './secret-form';
import type { TrainingSettings } from './training-types';

/** `initial` seeds the form once; `secrets` stays live (setting one must not reset unsaved edits). */
export function TrainingSettingsPanel({ projectId, initial, secrets }: { projectId: number; initial: TrainingSettings; secrets: TrainingSettings['secrets'] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [generation, setGeneration] = useState<GenerationSettings>(initial.generation);
  const [schedule, setSchedule] = useState<ScheduleDraft>(scheduleDraftOf(initial.roundSchedule));
  const [autoContinue, setAutoContinue] = useState(initial.autoContinue);
  const [errors, setErrors] = useState<FieldErrors>({});
  const save = useMutation(
    trpc.training.updateSettings.mutationOptions({
      onSuccess: async () => {
        toast.show('Training settings saved', 'success');
        await queryClient.invalidateQueries(trpc.training.pathFilter());
      },
    }),
  );

  const submit = () => {
    const checkedGeneration = validate(ZGenerationSettings, generation);
    const checkedSchedule = validate(ZRoundSchedule, scheduleOf(schedule));
    setErrors({ ...prefixErrors('generation', checkedGeneration.errors), ...prefixErrors('schedule', checkedSchedule.errors) });
    if (checkedGeneration.data && checkedSchedule.data) save.mutate({ projectId, generation: checkedGeneration.data, roundSchedule: checkedSchedule.data, autoContinue });
  };

  return (
    <section className={`${cardClass} space-y-3 p-4`} data-testid="training-settings">
      <h2 className="text-sm font-semibold">Generation and schedule</h2>
      <form
        className="space-y-3"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <GenerationFields settings={generation} onChange={setGeneration} errors={errors} />
        <ScheduleFields draft={schedule} onChange={setSchedule} errors={errors} />
        <CheckboxField
          label="Auto-continue"
          hint="promoting a policy queues a generate job, so the next round's tasks appear by themselves"
          testId="settings-auto-continue"
          checked={autoContinue}
          onChange={setAutoContinue}
        />
        {Object.keys(errors).length > 0 && (
          <p className="text-sm text-rose-700" role="alert" data-testid="training-settings-invalid">
            Some settings need fixing before they can be saved.
          </p>
        )}
        <ErrorBox error={save.error} testId="training-settings-error" />
        <button type="submit" className={buttonClass} data-testid="training-settings-save" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save settings'}
        </button>
      </form>
      <SecretForm projectId={projectId} secrets={secrets} suggestedName={generation.source.kind === 'openai' ? (generation.source.apiKeySecret ?? 'OPENAI_API_KEY') : 'OPENAI_API_KEY'} />
    </section>
  );
}
