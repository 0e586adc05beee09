'use client';
/**
 * "Start an arena": two or more policy versions, how many prompts and from which split, and how
 * versions are paired. The worker then writes each version's answers and the blind tasks.
 */
import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import type { ArenaSettings } from '@/server/jobs/contracts';
import { useToast } from '../../toast';
import { ErrorBox } from '../error-box';
import { buttonClass, cardClass, labelClass, secondaryButtonClass } from '../ui';
import { NumberField, SelectField, TextField } from '../training/form-fields';

const SPLITS = [
  { value: 'heldout', label: 'Held-out prompts (never trained on)' },
  { value: 'train', label: 'Train prompts' },
  { value: 'any', label: 'Any prompts' },
] as const;
const PAIRINGS = [
  { value: 'all', label: 'Every pair of versions on every prompt' },
  { value: 'balanced', label: 'One pair per prompt, pairs dealt evenly' },
] as const;

export function ArenaForm({ projectId, policies, onClose }: { projectId: number; policies: { id: number; name: string }[]; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [versionIds, setVersionIds] = useState<number[]>(policies.slice(0, 2).map((p) => p.id));
  const [settings, setSettings] = useState<ArenaSettings>({ promptSplit: 'heldout', prompts: 50, pairing: 'all' });
  const [name, setName] = useState('');
  const create = useMutation(
    trpc.arena.create.mutationOptions({
      onSuccess: async (started) => {
        toast.show(`${started.name} queued (job #${started.jobId})`, 'success');
        await queryClient.invalidateQueries(trpc.arena.pathFilter());
        onClose();
      },
    }),
  );
  const isPromptCountValid = Number.isInteger(settings.prompts) && settings.prompts >= 1 && settings.prompts <= 10_000;
  const toggle = (id: number) => setVersionIds((ids) => (ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id]));

  return (
    <form
      aria-label="Start an arena"
      data-testid="arena-form"
      className={`${cardClass} space-y-3 p-4`}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate({ projectId, versionIds, settings, name: name.trim() || null });
      }}
    >
      <fieldset>
        <legend className={labelClass}>Versions (two or more; annotators never see their names)</legend>
        <div className="flex flex-wrap gap-3">
          {policies.map((p) => (
            <label key={p.id} className="inline-flex items-center gap-1 text-sm">
              <input type="checkbox" data-testid={`arena-version-${p.id}`} checked={versionIds.includes(p.id)} onChange={() => toggle(p.id)} />
              {p.name}
            </label>
          ))}
        </div>
      </fieldset>
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
        <NumberField
          label="Prompts"
          testId="arena-prompts"
          value={settings.prompts}
          error={isPromptCountValid ? undefined : 'a whole number from 1 to 10,000'}
          onChange={(v) => setSettings({ ...settings, prompts: v ?? Number.NaN })}
        />
        <SelectField label="Prompt set" testId="arena-split" value={settings.promptSplit} options={SPLITS} onChange={(v) => setSettings({ ...settings, promptSplit: v })} />
        <SelectField label="Pairing" testId="arena-pairing" value={settings.pairing} options={PAIRINGS} onChange={(v) => setSettings({ ...settings, pairing: v })} />
        <TextField label="Name (optional)" testId="arena-name" value={name} onChange={setName} />
      </div>
      <ErrorBox error={create.error} testId="arena-form-error" />
      <div className="flex gap-2">
        <button type="submit" className={buttonClass} data-testid="arena-submit" disabled={versionIds.length < 2 || !isPromptCountValid || create.isPending}>
          {create.isPending ? 'Starting…' : 'Start arena'}
        </button>
        <button type="button" className={secondaryButtonClass} onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
