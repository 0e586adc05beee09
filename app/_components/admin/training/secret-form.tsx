'use client';
/**
 * Project secrets (an endpoint's API key): write-only. The server only ever says which names are
 * set and when; the value typed here goes out once and is cleared from the form.
 */
import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import { useToast } from '../../toast';
import { ErrorBox } from '../error-box';
import { formatDateTime } from '../format';
import { buttonClass, smallButtonClass } from '../ui';
import { TextField } from './form-fields';
import type { TrainingSettings } from './training-types';

export function SecretForm({ projectId, secrets, suggestedName }: { projectId: number; secrets: TrainingSettings['secrets']; suggestedName: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [name, setName] = useState(suggestedName);
  const [value, setValue] = useState('');
  const setSecret = useMutation(
    trpc.training.setSecret.mutationOptions({
      onSuccess: async (outcome) => {
        toast.show(outcome.isSet ? `Secret ${outcome.name} saved` : `Secret ${outcome.name} removed`, 'success');
        setValue('');
        await queryClient.invalidateQueries(trpc.training.settings.queryFilter({ projectId }));
      },
    }),
  );
  const existing = secrets.find((secret) => secret.name === name);

  return (
    <fieldset className="rounded-md border border-slate-200 p-3" data-testid="secret-form">
      <legend className="px-1 text-xs font-semibold uppercase tracking-wide text-slate-500">Secrets</legend>
      <div className="grid items-end gap-3 sm:grid-cols-[1fr_1fr_auto]">
        <TextField label="Name" testId="secret-name" value={name} onChange={setName} />
        <TextField label={existing ? 'New value (replaces the stored one)' : 'Value'} type="password" testId="secret-value" value={value} onChange={setValue} />
        <button type="button" className={buttonClass} data-testid="secret-save" disabled={!name || !value || setSecret.isPending} onClick={() => setSecret.mutate({ projectId, name, value })}>
          Save secret
        </button>
      </div>
      <p className="mt-1 text-xs text-slate-500" data-testid="secret-status">
        {name ? (existing ? `${name} is set (updated ${formatDateTime(existing.updatedAt)}).` : `${name} is not set.`) : 'Name the secret.'}
      </p>
      <ErrorBox error={setSecret.error} testId="secret-error" />
      {secrets.length > 0 && (
        <ul className="mt-2 space-y-1 text-sm">
          {secrets.map((secret) => (
            <li key={secret.name} className="flex items-center gap-2" data-testid={`secret-${secret.name}`}>
              <span className="font-mono">{secret.name}</span>
              <span className="text-xs text-slate-500">set · {formatDateTime(secret.updatedAt)}</span>
              <button type="button" className={smallButtonClass} onClick={() => setSecret.mutate({ projectId, name: secret.name, value: null })} data-testid={`secret-remove-${secret.name}`}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
    </fieldset>
  );
}
