'use client';
/**
 * Creating a project: name, guidelines, the rating form (a preset or a custom set of questions),
 * overlap, completions per task, and the lease/undo windows. The server validates everything;
 * the same checks run here first so mistakes show before submitting.
 */
import { useMemo, useState } from 'react';
import { useRouter } from 'next/navigation';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import { FORM_PRESETS, ZRatingForm, checkCompletionsPerTask, type Question } from '@/lib/forms/schema';
import { ErrorBox } from './error-box';
import { FormBuilder, QUESTION_TYPE_LABELS } from './form-builder';
import { GuidelinesEditor } from './guidelines-editor';
import { buttonClass, cardClass, inputClass, labelClass } from './ui';

type Preset = keyof typeof FORM_PRESETS;
type PresetChoice = Preset | 'custom';

const PRESET_LABELS: Record<PresetChoice, string> = {
  pairwise: 'Pairwise (A / B / tie / both bad)',
  likert: 'Likert score',
  ranking: 'Ranking',
  thumbs: 'Thumbs up / down',
  custom: 'Custom…',
};

/** How many completions a task shows by default for each preset. */
const DEFAULT_COMPLETIONS: Record<Preset, number> = { pairwise: 2, likert: 1, thumbs: 1, ranking: 3 };

function presetQuestions(preset: Preset): Question[] {
  return ZRatingForm.parse(FORM_PRESETS[preset]).questions;
}

/** A sensible k for a custom form: what its most demanding question needs. */
function defaultCompletionsFor(questions: Question[]): number {
  const types = new Set(questions.map((q) => q.type));
  if (types.has('pairwise')) return 2;
  if (types.has('ranking')) return 3;
  return 1;
}

export function ProjectCreateForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [guidelines, setGuidelines] = useState('');
  const [preset, setPreset] = useState<PresetChoice>('pairwise');
  const [customQuestions, setCustomQuestions] = useState<Question[]>(() => presetQuestions('pairwise'));
  const [overlap, setOverlap] = useState(1);
  const [completionsPerTask, setCompletionsPerTask] = useState(2);
  const [leaseSeconds, setLeaseSeconds] = useState(900);
  const [undoSeconds, setUndoSeconds] = useState(300);

  const questions = preset === 'custom' ? customQuestions : presetQuestions(preset);
  const localProblems = useMemo(() => {
    const parsed = ZRatingForm.safeParse({ questions });
    // The schema's messages are sentences; a question's problem says which question (counted from 1).
    if (!parsed.success)
      return parsed.error.issues.map((issue) => (issue.path[0] === 'questions' && typeof issue.path[1] === 'number' ? `Question ${issue.path[1] + 1}: ${issue.message}` : issue.message));
    const problem = checkCompletionsPerTask(parsed.data, completionsPerTask);
    return problem ? [problem] : [];
  }, [questions, completionsPerTask]);

  const create = useMutation(
    trpc.projects.create.mutationOptions({
      onSuccess: async (project) => {
        await queryClient.invalidateQueries(trpc.projects.adminList.queryFilter());
        // A new project has no tasks yet: importing them is the next step.
        router.push(`/admin/projects/${project.id}?tab=import`);
      },
    }),
  );

  const choosePreset = (choice: PresetChoice) => {
    if (choice === 'custom') {
      // Start the builder from what was selected, so a preset can be tweaked rather than rebuilt.
      if (preset !== 'custom') setCustomQuestions(presetQuestions(preset));
    } else {
      setCompletionsPerTask(DEFAULT_COMPLETIONS[choice]);
    }
    setPreset(choice);
  };

  const changeCustomQuestions = (next: Question[]) => {
    const hadPairwise = customQuestions.some((q) => q.type === 'pairwise');
    const hadRanking = customQuestions.some((q) => q.type === 'ranking');
    const addsPairwise = !hadPairwise && next.some((q) => q.type === 'pairwise');
    const addsRanking = !hadRanking && next.some((q) => q.type === 'ranking');
    if (addsPairwise || addsRanking) setCompletionsPerTask(defaultCompletionsFor(next));
    setCustomQuestions(next);
  };

  const draft = { name, guidelines, form: { questions }, overlap, completionsPerTask, leaseSeconds, undoSeconds };
  // The server's answer holds for what was sent: once the admin edits anything, it no longer shows.
  const draftKey = JSON.stringify(draft);
  const [submittedKey, setSubmittedKey] = useState<string | null>(null);
  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    setSubmittedKey(draftKey);
    create.mutate(draft);
  };

  return (
    <form onSubmit={submit} className="grid gap-6 lg:grid-cols-[1fr_20rem]" noValidate>
      <div className="space-y-5">
        <section className={`${cardClass} space-y-4 p-4`}>
          <label className="block">
            <span className={labelClass}>Name</span>
            <input data-testid="project-name" className={inputClass} value={name} maxLength={200} onChange={(e) => setName(e.target.value)} placeholder="Helpfulness pairs, round 1" />
          </label>
          <div>
            <span className={labelClass}>Guidelines (markdown)</span>
            <div className="mt-1">
              <GuidelinesEditor value={guidelines} onChange={setGuidelines} />
            </div>
          </div>
        </section>

        <section className={`${cardClass} space-y-3 p-4`}>
          <div className="flex items-end gap-3">
            <label className="block w-72">
              <span className={labelClass}>Rating form</span>
              <select data-testid="project-preset" className={inputClass} value={preset} onChange={(e) => choosePreset(e.target.value as PresetChoice)}>
                {(Object.keys(PRESET_LABELS) as PresetChoice[]).map((choice) => (
                  <option key={choice} value={choice}>
                    {PRESET_LABELS[choice]}
                  </option>
                ))}
              </select>
            </label>
            <p className="pb-2 text-xs text-slate-500">A form may combine several questions: choose “Custom…” to build one.</p>
          </div>
          {preset === 'custom' ? (
            <FormBuilder questions={customQuestions} onChange={changeCustomQuestions} />
          ) : (
            <ul className="space-y-1 text-sm" data-testid="preset-questions">
              {questions.map((q) => (
                <li key={q.id} className="rounded bg-slate-50 px-2 py-1">
                  <span className="mr-2 rounded bg-slate-200 px-1.5 py-0.5 text-xs">{QUESTION_TYPE_LABELS[q.type]}</span>
                  {q.label}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>

      {/* Sticky, so Create stays in view while a long custom form is built. */}
      <aside className="space-y-4 lg:sticky lg:top-16 lg:self-start">
        <section className={`${cardClass} space-y-3 p-4`}>
          <label className="block">
            <span className={labelClass}>Overlap</span>
            <input data-testid="project-overlap" type="number" min={1} max={50} className={inputClass} value={overlap} onChange={(e) => setOverlap(Number(e.target.value))} />
            <span className="text-xs text-slate-500">Different annotators who answer each task.</span>
          </label>
          <label className="block">
            <span className={labelClass}>Completions per task</span>
            <input
              data-testid="project-completions-per-task"
              type="number"
              min={1}
              max={9}
              className={inputClass}
              value={completionsPerTask}
              onChange={(e) => setCompletionsPerTask(Number(e.target.value))}
            />
            <span className="text-xs text-slate-500">1 for Likert/thumbs, 2 for pairwise, k for ranking.</span>
          </label>
          <details className="text-sm">
            <summary className="cursor-pointer text-xs font-medium text-slate-600">Advanced</summary>
            <div className="mt-2 space-y-3">
              <label className="block">
                <span className={labelClass}>Lease (seconds)</span>
                <input data-testid="project-lease-seconds" type="number" min={10} className={inputClass} value={leaseSeconds} onChange={(e) => setLeaseSeconds(Number(e.target.value))} />
                <span className="text-xs text-slate-500">An abandoned task returns to the queue after this.</span>
              </label>
              <label className="block">
                <span className={labelClass}>Undo window (seconds)</span>
                <input data-testid="project-undo-seconds" type="number" min={0} className={inputClass} value={undoSeconds} onChange={(e) => setUndoSeconds(Number(e.target.value))} />
              </label>
            </div>
          </details>
        </section>

        {localProblems.length > 0 && (
          <ul className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-xs text-amber-900" data-testid="project-form-problems">
            {localProblems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        )}
        <ErrorBox error={submittedKey === draftKey ? create.error : null} testId="project-create-error" />
        <button type="submit" data-testid="project-create-submit" className={`${buttonClass} w-full justify-center`} disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create project'}
        </button>
      </aside>
    </form>
  );
}
