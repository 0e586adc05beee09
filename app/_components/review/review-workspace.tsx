'use client';
/**
 * The review queue: pick a project, then review its answers oldest first. Keys: A accepts, R
 * rejects (asks for a reason), C corrects (edit the answer as JSON in the form's answer shape),
 * S skips to the next one. Each decision writes one review row; the history below shows them all.
 */
import { useCallback, useEffect, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import type { Answer } from '@/lib/forms/schema';
import { MarkdownView } from '../markdown';
import { useToast } from '../toast';
import { buttonClass, cardClass, inputClass, labelClass, secondaryButtonClass } from '../admin/ui';
import { AnswerSummary } from './answer-summary';

type Mode = 'idle' | 'reject' | 'correct';

export function ReviewWorkspace() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const projects = useQuery(trpc.review.projects.queryOptions());
  const [projectId, setProjectId] = useState<number | null>(null);
  const [skipped, setSkipped] = useState<number[]>([]);
  const [mode, setMode] = useState<Mode>('idle');
  const [reason, setReason] = useState('');
  const [correction, setCorrection] = useState('');
  const [lastReviewedId, setLastReviewedId] = useState<number | null>(null);

  useEffect(() => {
    if (projectId === null && projects.data?.length) setProjectId((projects.data.find((p) => p.pending > 0) ?? projects.data[0]).projectId);
  }, [projects.data, projectId]);

  const item = useQuery({ ...trpc.review.next.queryOptions({ projectId: projectId ?? 1, excludeAnnotationIds: skipped }), enabled: projectId !== null });
  const current = item.data ?? null;
  // The answer just reviewed: its whole history (every review, who and when).
  const history = useQuery({ ...trpc.review.history.queryOptions({ annotationId: lastReviewedId ?? 1 }), enabled: lastReviewedId !== null });

  const decide = useMutation(
    trpc.review.decide.mutationOptions({
      onSuccess: async (result) => {
        setLastReviewedId(result.annotationId);
        toast.show(result.decision === 'ACCEPT' ? 'Accepted' : result.decision === 'REJECT' ? 'Rejected: the task is back in the queue' : 'Correction saved', 'success');
        setMode('idle');
        setReason('');
        await queryClient.invalidateQueries(trpc.review.pathFilter());
      },
      onError: (error) => toast.show(error.message, 'error'),
    }),
  );

  const accept = useCallback(() => {
    if (current && !decide.isPending) decide.mutate({ annotationId: current.annotationId, decision: 'ACCEPT' });
  }, [current, decide]);
  const startCorrect = useCallback(() => {
    if (!current) return;
    setCorrection(JSON.stringify(current.answer, null, 2));
    setMode('correct');
  }, [current]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (mode !== 'idle' || !current || event.ctrlKey || event.metaKey || event.altKey) return;
      const target = event.target as HTMLElement | null;
      if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT')) return;
      const key = event.key.toLowerCase();
      if (key === 'a') accept();
      else if (key === 'r') setMode('reject');
      else if (key === 'c') startCorrect();
      else if (key === 's') setSkipped((s) => [...s, current.annotationId]);
      else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [mode, current, accept, startCorrect]);

  const submitReject = () => current && decide.mutate({ annotationId: current.annotationId, decision: 'REJECT', reason });
  const submitCorrect = () => {
    if (!current) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(correction);
    } catch {
      toast.show('The corrected answer is not valid JSON', 'error');
      return;
    }
    decide.mutate({ annotationId: current.annotationId, decision: 'CORRECT', correctedAnswer: parsed as Answer, reason: reason || undefined });
  };

  return (
    <div className="space-y-4" data-testid="review-workspace">
      <div className="flex flex-wrap items-end gap-3">
        <h1 className="text-xl font-semibold text-slate-900">Review</h1>
        <label className="ml-auto">
          <span className={labelClass}>Project</span>
          <select
            data-testid="review-project"
            className={inputClass}
            value={projectId ?? ''}
            onChange={(e) => {
              setProjectId(Number(e.target.value));
              setSkipped([]);
              setMode('idle');
            }}
          >
            {projects.data?.map((p) => (
              <option key={p.projectId} value={p.projectId}>
                {p.name} ({p.pending} to review)
              </option>
            ))}
          </select>
        </label>
      </div>
      {projects.error && <p className="text-sm text-red-700">{projects.error.message}</p>}
      {item.isLoading && <p className="text-sm text-slate-500">Loading…</p>}
      {projectId !== null && item.data === null && (
        <p className={`${cardClass} p-6 text-center text-sm text-slate-500`} data-testid="review-empty">
          Nothing left to review in this project.
        </p>
      )}
      {current && (
        <article className="space-y-4" data-testid="review-item" data-annotation-id={current.annotationId}>
          <p className="text-xs text-slate-500" data-testid="review-pending">
            {current.pending} waiting · answer #{current.annotationId} · task #{current.taskId} · {Math.round(current.timeSpentMs / 1000)} s spent
          </p>
          <section className={`${cardClass} p-4`}>
            <h2 className="mb-2 text-xs font-semibold uppercase tracking-wide text-slate-500">Prompt</h2>
            {current.prompt.messages ? (
              current.prompt.messages.map((m, i) => (
                <div key={i} className="mb-2">
                  <span className="text-xs font-semibold text-slate-500">{m.role}</span>
                  <MarkdownView text={m.content} />
                </div>
              ))
            ) : (
              <MarkdownView text={current.prompt.text} />
            )}
          </section>
          <div className={`grid gap-3 ${current.completions.length > 1 ? 'md:grid-cols-2' : ''}`}>
            {current.completions.map((c, i) => (
              <section key={c.id} className={`${cardClass} p-4`} data-testid={`review-completion-${i}`}>
                <h2 className="mb-2 text-xs font-semibold uppercase tracking-wide text-slate-500">Response {String.fromCharCode(65 + i)}</h2>
                <MarkdownView text={c.text} />
              </section>
            ))}
          </div>
          <section className={`${cardClass} p-4`}>
            <h2 className="mb-2 text-xs font-semibold uppercase tracking-wide text-slate-500">The answer</h2>
            <AnswerSummary form={current.form} answer={current.answer} completions={current.completions} testId="review-answer" />
          </section>

          {mode === 'idle' && (
            <div className="flex flex-wrap gap-2">
              <button type="button" className={buttonClass} data-testid="review-accept" onClick={accept} disabled={decide.isPending}>
                Accept <kbd className="text-xs opacity-70">A</kbd>
              </button>
              <button type="button" className={secondaryButtonClass} data-testid="review-reject" onClick={() => setMode('reject')}>
                Reject <kbd className="text-xs opacity-70">R</kbd>
              </button>
              <button type="button" className={secondaryButtonClass} data-testid="review-correct" onClick={startCorrect}>
                Correct <kbd className="text-xs opacity-70">C</kbd>
              </button>
              <button type="button" className={secondaryButtonClass} data-testid="review-skip" onClick={() => setSkipped((s) => [...s, current.annotationId])}>
                Skip <kbd className="text-xs opacity-70">S</kbd>
              </button>
            </div>
          )}
          {mode === 'reject' && (
            <form
              className={`${cardClass} space-y-2 p-4`}
              onSubmit={(e) => {
                e.preventDefault();
                submitReject();
              }}
            >
              <label className="block">
                <span className={labelClass}>Why is this answer rejected? The task goes back to the queue for another annotator.</span>
                <input data-testid="review-reason" className={inputClass} value={reason} onChange={(e) => setReason(e.target.value)} autoFocus maxLength={1000} />
              </label>
              <div className="flex gap-2">
                <button type="submit" className={buttonClass} data-testid="review-reject-confirm" disabled={!reason.trim() || decide.isPending}>
                  Reject
                </button>
                <button type="button" className={secondaryButtonClass} onClick={() => setMode('idle')}>
                  Cancel
                </button>
              </div>
            </form>
          )}
          {mode === 'correct' && (
            <form
              className={`${cardClass} space-y-2 p-4`}
              onSubmit={(e) => {
                e.preventDefault();
                submitCorrect();
              }}
            >
              <label className="block">
                <span className={labelClass}>The corrected answer (JSON, keyed by question id; completion ids as in the task)</span>
                <textarea data-testid="review-correction" className={`${inputClass} font-mono`} rows={8} value={correction} onChange={(e) => setCorrection(e.target.value)} autoFocus />
              </label>
              <label className="block">
                <span className={labelClass}>Note (optional)</span>
                <input className={inputClass} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={1000} />
              </label>
              <div className="flex gap-2">
                <button type="submit" className={buttonClass} data-testid="review-correct-confirm" disabled={decide.isPending}>
                  Save correction
                </button>
                <button type="button" className={secondaryButtonClass} onClick={() => setMode('idle')}>
                  Cancel
                </button>
              </div>
            </form>
          )}
        </article>
      )}
      {history.data && history.data.reviews.length > 0 && (
        <section className={`${cardClass} p-4`} data-testid="review-history">
          <h2 className="mb-2 text-xs font-semibold uppercase tracking-wide text-slate-500">
            History of answer #{history.data.annotationId}
            {history.data.isRejected ? ' (rejected)' : ''}
          </h2>
          <ol className="space-y-2 text-sm">
            {history.data.reviews.map((r) => (
              <li key={r.reviewId}>
                <span className="font-medium">{r.decision.toLowerCase()}</span> by {r.reviewer.name} on {r.createdAt.toLocaleString()}
                {r.reason && <span className="text-slate-600"> — {r.reason}</span>}
              </li>
            ))}
          </ol>
        </section>
      )}
    </div>
  );
}
