'use client';
/**
 * The keyboard-first rating page: the task on screen, its rating form, the guidelines, and the
 * shortcuts. Which task is on screen and the requests that answer it live in useTaskQueue
 * (use-task-queue.ts); this component renders them and maps keys to them.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Question } from '@/lib/forms/schema';
import { GuidelinesPanel, useGuidelinesOpen } from '../guidelines-drawer';
import { findNumberTarget, isPerCompletion, moveInOrder } from './answer-draft';
import { useTaskQueue, type AnnotateProject } from './use-task-queue';
import { TaskPanel, TaskSkeleton } from './task-panel';
import { FlagDialog } from './flag-dialog';
import { ShortcutsHelp } from './shortcuts-help';

export type { AnnotateProject, TaskView } from './use-task-queue';

const TYPING_TAGS = new Set(['INPUT', 'TEXTAREA', 'SELECT']);

function isTypingTarget(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (TYPING_TAGS.has(target.tagName) || target.isContentEditable);
}

export function AnnotateWorkspace({ project }: { project: AnnotateProject }) {
  const form = project.form;
  const { queue, queueRef, progress, canUndo, fetchError, submit, skip, flag: sendFlag, undo, changeDraft, checkAgain, retryFetch } = useTaskQueue(project);
  const [focusedIndex, setFocusedIndex] = useState(0);
  const [selectedRankId, setSelectedRankId] = useState<number | null>(null);
  const [isFlagOpen, setIsFlagOpen] = useState(false);
  const [isHelpOpen, setIsHelpOpen] = useState(false);
  const [isGuidelinesOpen, setIsGuidelinesOpen] = useGuidelinesOpen();
  const cardRefs = useRef<(HTMLElement | null)[]>([]);

  // A new task on screen: focus its first completion, clear the ranking selection.
  const currentTaskId = queue.current?.task.taskId;
  const currentClientId = queue.current?.clientId;
  useEffect(() => {
    setFocusedIndex(0);
    setSelectedRankId(null);
  }, [currentClientId]);

  const flag = useCallback(
    (reason: string) => {
      setIsFlagOpen(false);
      sendFlag(reason);
    },
    [sendFlag],
  );

  const perCompletionQuestions = useMemo(() => form.questions.filter(isPerCompletion), [form]);
  const taskQuestions = useMemo(() => form.questions.filter((q) => !isPerCompletion(q)), [form]);
  const numberTarget = useMemo(() => findNumberTarget(form), [form]);
  const pairwiseQuestion = useMemo(() => form.questions.find((q): q is Extract<Question, { type: 'pairwise' }> => q.type === 'pairwise') ?? null, [form]);
  const rankingQuestion = useMemo(() => form.questions.find((q) => q.type === 'ranking') ?? null, [form]);

  const focusCompletion = useCallback((index: number) => {
    const count = queueRef.current.current?.task.completions.length ?? 0;
    if (!count) return;
    const clamped = (index + count) % count;
    setFocusedIndex(clamped);
    cardRefs.current[clamped]?.focus({ preventScroll: true });
    cardRefs.current[clamped]?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, []);

  /** A number key: score the focused completion, place a ranking item, or set a strength. */
  const applyNumber = useCallback(
    (n: number) => {
      const view = queueRef.current.current;
      if (!view || !numberTarget) return;
      const completions = view.task.completions;
      const completion = completions[focusedIndex];
      const d = view.draft[numberTarget.id];
      if (!completion || !d) return;
      const key = String(completion.id);
      const goNext = () => {
        if (focusedIndex < completions.length - 1) focusCompletion(focusedIndex + 1);
      };
      if (numberTarget.type === 'likert' && d.type === 'likert') {
        if (n < numberTarget.min || n > numberTarget.max) return;
        changeDraft(numberTarget.id, { ...d, scores: { ...d.scores, [key]: n } });
        goNext();
      } else if (numberTarget.type === 'thumbs' && d.type === 'thumbs') {
        if (n !== 1 && n !== 2) return;
        changeDraft(numberTarget.id, { ...d, votes: { ...d.votes, [key]: n === 1 ? 'up' : 'down' } });
        goNext();
      } else if (numberTarget.type === 'attributes' && d.type === 'attributes') {
        const scores = d.scores[key] ?? {};
        const attribute = numberTarget.attributes.find((a) => scores[a.name] === undefined) ?? numberTarget.attributes[numberTarget.attributes.length - 1];
        if (n < attribute.min || n > attribute.max) return;
        const nextScores = { ...scores, [attribute.name]: n };
        changeDraft(numberTarget.id, { ...d, scores: { ...d.scores, [key]: nextScores } });
        if (numberTarget.attributes.every((a) => nextScores[a.name] !== undefined)) goNext();
      } else if (numberTarget.type === 'ranking' && d.type === 'ranking') {
        if (n < 1 || n > d.order.length) return;
        changeDraft(numberTarget.id, { ...d, order: moveInOrder(d.order, selectedRankId ?? completion.id, n - 1) });
      } else if (numberTarget.type === 'pairwise' && d.type === 'pairwise') {
        if (n >= 1 && n <= 3 && (d.choice === 'A' || d.choice === 'B')) changeDraft(numberTarget.id, { ...d, strength: n });
      }
    },
    [numberTarget, focusedIndex, focusCompletion, changeDraft, selectedRankId],
  );

  const choosePairwise = useCallback(
    (choice: 'A' | 'B' | 'tie' | 'both_bad') => {
      const view = queueRef.current.current;
      if (!view || !pairwiseQuestion) return;
      if (choice === 'tie' && !pairwiseQuestion.allowTie) return;
      if (choice === 'both_bad' && !pairwiseQuestion.allowBothBad) return;
      const d = view.draft[pairwiseQuestion.id];
      if (d?.type === 'pairwise') changeDraft(pairwiseQuestion.id, { ...d, choice });
    },
    [pairwiseQuestion, changeDraft],
  );

  const moveSelectedRank = useCallback(
    (delta: number) => {
      const view = queueRef.current.current;
      if (!view || !rankingQuestion || selectedRankId === null) return false;
      const d = view.draft[rankingQuestion.id];
      if (d?.type !== 'ranking') return false;
      changeDraft(rankingQuestion.id, { ...d, order: moveInOrder(d.order, selectedRankId, d.order.indexOf(selectedRankId) + delta) });
      return true;
    },
    [rankingQuestion, selectedRankId, changeDraft],
  );

  // ───────────── keys ─────────────
  /** Runs the action of a shortcut key; false when the key means nothing here. */
  const runShortcut = useCallback(
    (key: string): boolean => {
      if (key === 'Enter') submit();
      else if (/^[0-9]$/.test(key)) applyNumber(Number(key));
      else if (key === 'a') choosePairwise('A');
      else if (key === 'b') choosePairwise('B');
      else if (key === 't') choosePairwise('tie');
      else if (key === 'n') choosePairwise('both_bad');
      else if (key === 's') skip();
      else if (key === 'f') {
        if (queueRef.current.current) setIsFlagOpen(true);
      } else if (key === 'u') void undo();
      else if (key === 'g') setIsGuidelinesOpen((open) => !open);
      else if (key === 'ArrowUp' || key === 'ArrowLeft') {
        if (key === 'ArrowLeft' || !moveSelectedRank(-1)) focusCompletion(focusedIndex - 1);
      } else if (key === 'ArrowDown' || key === 'ArrowRight') {
        if (key === 'ArrowRight' || !moveSelectedRank(1)) focusCompletion(focusedIndex + 1);
      } else return false;
      return true;
    },
    [submit, applyNumber, choosePairwise, skip, undo, moveSelectedRank, focusCompletion, focusedIndex],
  );

  useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      if (isFlagOpen || event.isComposing) return;
      const isEnter = event.key === 'Enter';
      if (isTypingTarget(event.target)) {
        // While typing, only Ctrl/Cmd+Enter acts (submit); every other key is text.
        if (isEnter && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          submit();
        }
        return;
      }
      if (event.altKey || ((event.ctrlKey || event.metaKey) && !isEnter)) return;
      if (event.key === '?') {
        event.preventDefault();
        setIsHelpOpen((open) => !open);
        return;
      }
      if (event.key === 'Escape') {
        setIsHelpOpen(false);
        setSelectedRankId(null);
        return;
      }
      if (isHelpOpen) return;
      const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
      const handled = runShortcut(key);
      // Enter on a focused button would also click it: the shortcut wins.
      if (handled) event.preventDefault();
    }
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [isFlagOpen, isHelpOpen, submit, runShortcut]);

  // ───────────── render ─────────────
  const current = queue.current;
  const isEmpty = !current && queue.isExhausted && queue.upcoming.length === 0;

  return (
    <div className="mx-auto flex max-w-7xl flex-col gap-4 px-4 py-4">
      <div className="flex flex-wrap items-center gap-x-6 gap-y-2">
        <h1 className="text-lg font-semibold tracking-tight">{project.name}</h1>
        <div className="flex items-center gap-4 text-sm text-slate-600">
          <span>
            Done today{' '}
            <strong data-testid="progress-done-today" className="font-semibold text-slate-900 tabular-nums">
              {progress?.doneToday ?? '–'}
            </strong>
          </span>
          <span>
            Remaining{' '}
            <strong data-testid="progress-remaining" className="font-semibold text-slate-900 tabular-nums">
              {progress?.remaining ?? '–'}
            </strong>
          </span>
        </div>
        <div className="ml-auto flex items-center gap-2">
          <button
            type="button"
            data-testid="undo-button"
            disabled={!canUndo}
            onClick={() => void undo()}
            className="rounded-md border border-slate-200 bg-white px-2.5 py-1 text-sm text-slate-700 hover:bg-slate-50 disabled:cursor-not-allowed disabled:opacity-40"
            title="Undo the last submission (U)"
          >
            ↶ Undo <kbd className="ml-1 font-mono text-xs opacity-60">U</kbd>
          </button>
          <button type="button" onClick={() => setIsGuidelinesOpen((open) => !open)} className="rounded-md border border-slate-200 bg-white px-2.5 py-1 text-sm text-slate-700 hover:bg-slate-50">
            Guidelines <kbd className="ml-1 font-mono text-xs opacity-60">G</kbd>
          </button>
          <button
            type="button"
            onClick={() => setIsHelpOpen(true)}
            className="rounded-md border border-slate-200 bg-white px-2.5 py-1 text-sm text-slate-700 hover:bg-slate-50"
            aria-label="Keyboard shortcuts"
          >
            <kbd className="font-mono text-xs">?</kbd>
          </button>
        </div>
      </div>

      <div className="flex items-start gap-4">
        <main className="flex min-w-0 flex-1 flex-col gap-4">
          {current ? (
            <TaskPanel
              key={current.clientId}
              view={current}
              perCompletionQuestions={perCompletionQuestions}
              taskQuestions={taskQuestions}
              focusedIndex={focusedIndex}
              onFocusCompletion={setFocusedIndex}
              cardRefs={cardRefs}
              onChangeDraft={changeDraft}
              selectedRankId={selectedRankId}
              onSelectRank={setSelectedRankId}
              onSubmit={submit}
              onSkip={skip}
              onFlag={() => setIsFlagOpen(true)}
            />
          ) : isEmpty ? (
            <div data-testid="empty-queue" className="flex flex-col items-center gap-3 rounded-2xl border border-dashed border-slate-300 bg-white px-6 py-16 text-center">
              <div className="text-3xl">🎉</div>
              <h2 className="text-base font-semibold">Nothing left to rate here</h2>
              <p className="max-w-sm text-sm text-slate-500">Every task in this project is answered or held by someone else. Tasks held too long come back to the queue.</p>
              <button type="button" onClick={checkAgain} className="mt-2 rounded-md border border-slate-200 px-3 py-1.5 text-sm hover:bg-slate-50">
                Check again
              </button>
            </div>
          ) : fetchError ? (
            <div className="rounded-2xl border border-rose-200 bg-rose-50 p-6 text-sm text-rose-900">
              Could not load the next task: {fetchError}
              <button type="button" onClick={retryFetch} className="ml-3 underline">
                Retry
              </button>
            </div>
          ) : (
            <TaskSkeleton />
          )}
          {currentTaskId !== undefined && <p className="text-right text-xs text-slate-400">Task #{currentTaskId}</p>}
        </main>

        <GuidelinesPanel guidelines={project.guidelines} isOpen={isGuidelinesOpen} onClose={() => setIsGuidelinesOpen(false)} />
      </div>

      {isFlagOpen && <FlagDialog onConfirm={flag} onCancel={() => setIsFlagOpen(false)} />}
      {isHelpOpen && <ShortcutsHelp onClose={() => setIsHelpOpen(false)} />}
    </div>
  );
}
