'use client';
/** Editing a project's name, guidelines and overlap (the form and k are fixed once tasks exist). */
import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import { useToast } from '../toast';
import { ErrorBox } from './error-box';
import { GuidelinesEditor } from './guidelines-editor';
import { buttonClass, cardClass, inputClass, labelClass } from './ui';

export type ProjectSettingsValues = { name: string; guidelines: string; overlap: number };

export function ProjectSettings({ projectId, initial }: { projectId: number; initial: ProjectSettingsValues }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [name, setName] = useState(initial.name);
  const [guidelines, setGuidelines] = useState(initial.guidelines);
  const [overlap, setOverlap] = useState(initial.overlap);
  const update = useMutation(
    trpc.projects.update.mutationOptions({
      onSuccess: async () => {
        toast.show('Project saved', 'success');
        await Promise.all([queryClient.invalidateQueries(trpc.projects.pathFilter()), queryClient.invalidateQueries(trpc.oversee.pathFilter())]);
      },
    }),
  );
  return (
    <form
      className={`${cardClass} max-w-3xl space-y-4 p-4`}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        update.mutate({ projectId, name, guidelines, overlap });
      }}
    >
      <label className="block">
        <span className={labelClass}>Name</span>
        <input data-testid="settings-name" className={inputClass} value={name} maxLength={200} onChange={(e) => setName(e.target.value)} />
      </label>
      <div>
        <span className={labelClass}>Guidelines (markdown)</span>
        <div className="mt-1">
          <GuidelinesEditor value={guidelines} onChange={setGuidelines} testId="settings-guidelines" />
        </div>
      </div>
      <label className="block w-40">
        <span className={labelClass}>Overlap</span>
        <input data-testid="settings-overlap" type="number" min={1} className={inputClass} value={overlap} onChange={(e) => setOverlap(Number(e.target.value))} />
      </label>
      <ErrorBox error={update.error} testId="settings-error" />
      <button type="submit" data-testid="settings-save" className={buttonClass} disabled={update.isPending}>
        {update.isPending ? 'Saving…' : 'Save'}
      </button>
    </form>
  );
}
