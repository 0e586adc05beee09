'use client';
/**
 * Take a snapshot: a name and the filters (dates, annotators, question, agreement, flagged,
 * split), where its labels come from (every answer, majority vote, Dawid-Skene) and whether rows
 * carry a confidence weight. The server validates; its zod issues show under the form in words.
 */
import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import { useToast } from '../../toast';
import { ErrorBox } from '../error-box';
import { buttonClass, cardClass, inputClass, labelClass } from '../ui';
import { LabelSourceField, MIN_AGREEMENT_HELP, MIN_AGREEMENT_LABEL, WeightByConfidenceField, weightExplanation, type LabelSource } from './data-options';

/** A datetime-local value as a Date, or undefined when empty; an unreadable one stays a string so the server names it. */
function toDate(value: string): Date | undefined {
  return value ? new Date(value) : undefined;
}

export function SnapshotForm({ projectId, onCreated }: { projectId: number; onCreated: (snapshotId: number) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const project = useQuery(trpc.projects.get.queryOptions({ projectId }));
  const stats = useQuery(trpc.oversee.projectStats.queryOptions({ projectId }));
  const [name, setName] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [annotatorIds, setAnnotatorIds] = useState<string[]>([]);
  const [questionId, setQuestionId] = useState('');
  const [minAgreement, setMinAgreement] = useState('');
  const [excludeFlagged, setExcludeFlagged] = useState(true);
  const [labelSource, setLabelSource] = useState<LabelSource>('all');
  const [weightByConfidence, setWeightByConfidence] = useState(false);
  const [splitMode, setSplitMode] = useState<'prompt' | 'hash'>('prompt');
  const [testPercent, setTestPercent] = useState('10');
  const [seed, setSeed] = useState('1');
  const create = useMutation(
    trpc.datasets.create.mutationOptions({
      onSuccess: async (snapshot) => {
        toast.show(`Snapshot #${snapshot.id} taken: ${snapshot.counts.annotations ?? 0} annotations`, 'success');
        await queryClient.invalidateQueries(trpc.datasets.list.queryFilter({ projectId }));
        onCreated(snapshot.id);
      },
    }),
  );
  const questions = project.data?.form.questions ?? [];
  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    create.mutate({
      projectId,
      name: name.trim() || undefined,
      filters: {
        from: toDate(from),
        to: toDate(to),
        annotatorIds: annotatorIds.length ? annotatorIds : undefined,
        questionId: questionId || undefined,
        minAgreement: minAgreement === '' ? undefined : Number(minAgreement) / 100,
        excludeFlagged,
        labelSource,
        weightByConfidence: weightByConfidence || undefined,
        split: splitMode === 'prompt' ? { mode: 'prompt' } : { mode: 'hash', testPercent: Number(testPercent), seed: Number(seed) },
      },
    });
  };
  return (
    <form onSubmit={submit} noValidate className={`${cardClass} space-y-3 p-4`} data-testid="snapshot-form">
      <h3 className="text-sm font-semibold text-slate-800">Take a snapshot</h3>
      <p className="text-xs text-slate-500">Freezes the settled annotations (submitted, past the undo window) that match these filters.</p>
      <div className="grid gap-3 sm:grid-cols-2">
        <label className="block">
          <span className={labelClass}>Name</span>
          <input className={inputClass} value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. Round 3 data" data-testid="snapshot-name" />
        </label>
        <label className="block">
          <span className={labelClass}>Question answered</span>
          <select className={inputClass} value={questionId} onChange={(e) => setQuestionId(e.target.value)} data-testid="snapshot-question">
            <option value="">Any</option>
            {questions.map((q) => (
              <option key={q.id} value={q.id}>
                {q.label}
              </option>
            ))}
          </select>
        </label>
        <label className="block">
          <span className={labelClass}>Created from</span>
          <input type="datetime-local" className={inputClass} value={from} onChange={(e) => setFrom(e.target.value)} data-testid="snapshot-from" />
        </label>
        <label className="block">
          <span className={labelClass}>Created until</span>
          <input type="datetime-local" className={inputClass} value={to} onChange={(e) => setTo(e.target.value)} data-testid="snapshot-to" />
        </label>
        <label className="block">
          <span className={labelClass}>{MIN_AGREEMENT_LABEL}</span>
          <input
            type="number"
            className={inputClass}
            value={minAgreement}
            onChange={(e) => setMinAgreement(e.target.value)}
            placeholder="no minimum"
            aria-describedby="snapshot-agreement-help"
            data-testid="snapshot-agreement"
          />
          <span id="snapshot-agreement-help" className="mt-1 block text-xs text-slate-500">
            {MIN_AGREEMENT_HELP}
          </span>
        </label>
        <fieldset>
          <legend className={labelClass}>Train / test split</legend>
          <label className="mr-3 text-sm">
            <input type="radio" checked={splitMode === 'prompt'} onChange={() => setSplitMode('prompt')} /> the project&apos;s held-out prompts
          </label>
          <label className="text-sm">
            <input type="radio" checked={splitMode === 'hash'} onChange={() => setSplitMode('hash')} data-testid="snapshot-split-hash" /> a share of prompts
          </label>
          {splitMode === 'hash' && (
            <div className="mt-2 flex gap-2">
              <label className="block">
                <span className={labelClass}>Test %</span>
                <input type="number" className={inputClass} value={testPercent} onChange={(e) => setTestPercent(e.target.value)} data-testid="snapshot-test-percent" />
              </label>
              <label className="block">
                <span className={labelClass}>Seed</span>
                <input type="number" className={inputClass} value={seed} onChange={(e) => setSeed(e.target.value)} />
              </label>
            </div>
          )}
        </fieldset>
      </div>
      {(stats.data?.annotationsByAnnotator.length ?? 0) > 0 && (
        <fieldset>
          <legend className={labelClass}>Annotators (none checked: everyone)</legend>
          <div className="flex flex-wrap gap-3">
            {stats.data?.annotationsByAnnotator.map((a) => (
              <label key={a.userId} className="text-sm">
                <input
                  type="checkbox"
                  checked={annotatorIds.includes(a.userId)}
                  onChange={(e) => setAnnotatorIds((ids) => (e.target.checked ? [...ids, a.userId] : ids.filter((id) => id !== a.userId)))}
                />{' '}
                {a.name} ({a.submitted})
              </label>
            ))}
          </div>
        </fieldset>
      )}
      <LabelSourceField value={labelSource} onChange={setLabelSource} name="snapshot-label-source" testIdPrefix="snapshot" />
      <WeightByConfidenceField checked={weightByConfidence} onChange={setWeightByConfidence} testId="snapshot-weight" explanation={weightExplanation('Every exported row')} />
      <label className="block text-sm">
        <input type="checkbox" checked={excludeFlagged} onChange={(e) => setExcludeFlagged(e.target.checked)} /> Leave out flagged tasks
      </label>
      {create.error && <ErrorBox error={create.error} testId="snapshot-error" />}
      <button type="submit" className={buttonClass} disabled={create.isPending} data-testid="snapshot-create">
        {create.isPending ? 'Taking snapshot…' : 'Take snapshot'}
      </button>
    </form>
  );
}
