'use client';
/** The active policy and the round's main actions: start a round, generate tasks, reset to base. */
import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import { useToast } from '../../toast';
import { ErrorBox } from '../error-box';
import { buttonClass, cardClass, secondaryButtonClass } from '../ui';
import { ConfirmDialog } from './confirm-dialog';
import type { VersionRow } from './training-types';

export function TrainingHeader({ projectId, activePolicy, isFormOpen, onStartRound }: { projectId: number; activePolicy: VersionRow | null; isFormOpen: boolean; onStartRound: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [isConfirmingReset, setIsConfirmingReset] = useState(false);
  const refresh = () => queryClient.invalidateQueries(trpc.training.pathFilter());
  const generate = useMutation(
    trpc.training.generate.mutationOptions({
      onSuccess: async (job) => {
        toast.show(`Generate job #${job.id} queued`, 'success');
        await refresh();
      },
    }),
  );
  const reset = useMutation(
    trpc.training.resetToBase.mutationOptions({
      onSuccess: async () => {
        setIsConfirmingReset(false);
        toast.show('Completions now come from the built-in base model', 'success');
        await refresh();
      },
    }),
  );

  return (
    <section className={`${cardClass} space-y-2 p-4`}>
      <div className="flex flex-wrap items-center gap-3">
        <div className="mr-auto">
          <div className="text-xs text-slate-500">Active policy</div>
          <div className="text-base font-semibold" data-testid="active-policy">
            {activePolicy ? activePolicy.name : 'built-in base model'}
          </div>
        </div>
        <button type="button" className={buttonClass} data-testid="start-round-button" onClick={onStartRound} disabled={isFormOpen} aria-expanded={isFormOpen}>
          Start round
        </button>
        <button type="button" className={secondaryButtonClass} data-testid="generate-tasks-button" onClick={() => generate.mutate({ projectId })} disabled={generate.isPending}>
          {generate.isPending ? 'Queuing…' : 'Generate tasks'}
        </button>
        <button type="button" className={secondaryButtonClass} data-testid="reset-to-base-button" onClick={() => setIsConfirmingReset(true)} disabled={!activePolicy}>
          Reset to base model
        </button>
      </div>
      <ErrorBox error={generate.error} testId="generate-error" />
      {isConfirmingReset && (
        <ConfirmDialog
          title="Reset to the base model?"
          confirmLabel="Reset"
          isPending={reset.isPending}
          onConfirm={() => reset.mutate({ projectId })}
          onCancel={() => setIsConfirmingReset(false)}
          testId="reset-dialog"
        >
          <p>New completions will come from the built-in base model. {activePolicy?.name} is archived and can be promoted again later.</p>
          <ErrorBox error={reset.error} />
        </ConfirmDialog>
      )}
    </section>
  );
}
