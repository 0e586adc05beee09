'use client';
/**
 * The keyboard-first rating page.
 *
 * Flow: the current task is shown while the next one is already fetched (`queue.next` excluding
 * what is on screen), so submitting swaps to it at once and the submission finishes in the
 * background. Each task view gets one client id when it is shown: a double Enter or a retried
 * request sends the same id, and the server keeps one annotation. Time spent runs from display
 * to submit. If a submission fails for a reason the annotator can fix, the task comes back with
 * its answer; if the task already has enough answers, we just move on.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@/server/api/root';
import { findAnswerProblems, type Answer, type Question, type RatingForm } from '@/lib/forms/schema';
import { useTRPC, useTRPCClient } from '../../_trpc/react';
import { useToast } from '../toast';
import { MarkdownView } from '../markdown';
import { completionLabel, createDraft, draftFromAnswer, draftToAnswer, findNumberTarget, isPerCompletion, moveInOrder, type Draft, type QuestionDraft } from './answer-draft';
import { describeError, withRetries } from './task-errors';
import { PerCompletionControls, TaskQuestions } from './rating-form';
import { FlagDialog } from './flag-dialog';
import { ShortcutsHelp } from './shortcuts-help';

export type AnnotateProject = { id: number; name: string; guidelines: string; form: RatingForm; completionsPerTask: number };

type RouterOutputs = inferRouterOutputs<AppRouter>;
/** A task as the queue serves it: prompt, completions in display order, lease. */
export type TaskView = NonNullable<RouterOutputs['queue']['next']>;

/** One showing of a task: its own client id, display time, draft answer, and whether the annotator changed it. */
type View = { task: TaskView; clientId: string; shownAt: number; draft: Draft; isEdited: boolean };

/**
 * The second press of a double Enter (or click) lands on the task that replaced the one just
 * sent; a task untouched and on screen for less than this is not submitted.
 */
const DOUBLE_SUBMIT_MS = 500;

type QueueState = {
  current: View | null;
  /** Tasks already fetched (and leased to me) to show next. */
  upcoming: TaskView[];
  /** The last fetch found nothing: show the empty state once the current task is done. */
  isExhausted: boolean;
};

const TYPING_TAGS = new Set(['INPUT', 'TEXTAREA', 'SELECT']);

function isTypingTarget(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (TYPING_TAGS.has(target.tagName) || target.isContentEditable);
}

/** "preference: an answer is required" -> "Which response is better?: an answer is required". */
function describeProblem(form: RatingForm, problem: string): string {
  const [id, ...rest] = problem.split(': ');
  const question = form.questions.find((q) => q.id === id);
  return question ? `${question.label} — ${rest.join(': ')}` : problem;
}

function toDate(value: unknown): Date | null {
  if (value instanceof Date) return value;
  if (typeof value === 'string' || typeof value === 'number') return new Date(value);
  return null;
}

export function AnnotateWorkspace({ project }: { project: AnnotateProject }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const toast = useToast();
  const form = project.form;

  const [queue, setQueue] = useState<QueueState>({ current: null, upcoming: [], isExhausted: false });
  const [focusedIndex, setFocusedIndex] = useState(0);
  const [selectedRankId, setSelectedRankId] = useState<number | null>(null);
  const [isFlagOpen, setIsFlagOpen] = useState(false);
  const [isHelpOpen, setIsHelpOpen] = useState(false);
  const [isGuidelinesOpen, setIsGuidelinesOpen] = useState(true);
  const [undoableUntil, setUndoableUntil] = useState<Date | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const [fetchError, setFetchError] = useState<string | null>(null);

  // Handlers read the latest state through refs: key presses can come faster than renders.
  const queueRef = useRef(queue);
  queueRef.current = queue;
  const isFetchingRef = useRef(false);
  /** Tasks whose submit/skip/flag is in flight: never fetch them again as "next". */
  const pendingTaskIds = useRef(new Set<number>());
  const pendingRequests = useRef(new Set<Promise<unknown>>());
  /** My answers in this session, to prefill a task brought back by undo. */
  const answersByTask = useRef(new Map<number, Answer>());
  const cardRefs = useRef<(HTMLElement | null)[]>([]);

  // Progress is counted on the server now and then (at start, every minute, when the queue runs
  // out, after an undo) and moved locally after each saved answer: counting open tasks after every
  // submit would put a count over the whole project on the annotation path.
  const progressQuery = useQuery({ ...trpc.queue.progress.queryOptions({ projectId: project.id }), refetchInterval: 60_000 });
  const lastQuery = useQuery(trpc.annotations.last.queryOptions({ projectId: project.id }));

  useEffect(() => {
    const until = toDate(lastQuery.data?.undoableUntil);
    if (lastQuery.data !== undefined) setUndoableUntil(until);
  }, [lastQuery.data]);

  // A clock only while an undo is possible, so the button locks when the window closes.
  useEffect(() => {
    if (!undoableUntil) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [undoableUntil]);
  const canUndo = undoableUntil !== null && undoableUntil.getTime() > now;

  const makeView = useCallback((task: TaskView, draft?: Draft): View => ({ task, clientId: crypto.randomUUID(), shownAt: performance.now(), draft: draft ?? createDraft(form, task.completions), isEdited: false }), [form]);

  const refreshProgress = useCallback(() => {
    void queryClient.invalidateQueries({ queryKey: trpc.queue.progress.queryKey({ projectId: project.id }) });
  }, [queryClient, trpc, project.id]);
  const countSaved = useCallback(
    (kind: 'submitted' | 'skipped' | 'flagged') => {
      queryClient.setQueryData(trpc.queue.progress.queryKey({ projectId: project.id }), (old) =>
        old && {
          doneToday: old.doneToday + (kind === 'submitted' ? 1 : 0),
          doneTotal: old.doneTotal + (kind === 'submitted' ? 1 : 0),
          remaining: Math.max(0, old.remaining - 1),
        },
      );
    },
    [queryClient, trpc, project.id],
  );

  // ───────────── fetching: keep one task on screen and one ready behind it ─────────────
  const needsFetch = !queue.isExhausted && (queue.current === null || queue.upcoming.length === 0);
  const fetchNext = useCallback(async (): Promise<boolean> => {
    if (isFetchingRef.current) return false;
    isFetchingRef.current = true;
    try {
      const state = queueRef.current;
      const exclude = [...(state.current ? [state.current.task.taskId] : []), ...state.upcoming.map((t) => t.taskId), ...pendingTaskIds.current];
      const task = await client.queue.next.mutate({ projectId: project.id, excludeTaskIds: exclude });
      setFetchError(null);
      if (!task) {
        setQueue((prev) => ({ ...prev, isExhausted: true }));
        // The exact count once the last answers are saved.
        void Promise.allSettled([...pendingRequests.current]).then(refreshProgress);
        return false;
      }
      // The screen changed while the request was out (an undo, a restore): ask again.
      const latest = queueRef.current;
      const isKnown = (t: number, state: QueueState) => state.current?.task.taskId === t || state.upcoming.some((u) => u.taskId === t) || pendingTaskIds.current.has(t);
      if (isKnown(task.taskId, latest)) return true;
      setQueue((prev) => {
        if (isKnown(task.taskId, prev)) return prev;
        if (!prev.current) return { ...prev, current: makeView(task) };
        return { ...prev, upcoming: [...prev.upcoming, task] };
      });
      return false;
    } catch (error) {
      setFetchError(describeError(error).message);
      return false;
    } finally {
      isFetchingRef.current = false;
    }
  }, [client, project.id, makeView, refreshProgress]);

  const [fetchTick, setFetchTick] = useState(0);
  const ignoredFetches = useRef(0);
  useEffect(() => {
    if (!needsFetch || fetchError) return;
    void fetchNext().then((isIgnored) => {
      ignoredFetches.current = isIgnored ? ignoredFetches.current + 1 : 0;
      // A server that keeps offering a task already on screen would loop: stop after a few tries.
      if (isIgnored && ignoredFetches.current <= 3) setFetchTick((t) => t + 1);
    });
  }, [needsFetch, fetchError, fetchNext, fetchTick, queue.current?.task.taskId]);

  // A new task on screen: focus its first completion, clear the ranking selection.
  const currentTaskId = queue.current?.task.taskId;
  const currentClientId = queue.current?.clientId;
  useEffect(() => {
    setFocusedIndex(0);
    setSelectedRankId(null);
  }, [currentClientId]);

  /** Shows the next fetched task (or nothing, which triggers a fetch). */
  const advance = useCallback(() => {
    setQueue((prev) => {
      const [next, ...rest] = prev.upcoming;
      return { ...prev, current: next ? makeView(next) : null, upcoming: rest };
    });
  }, [makeView]);

  /** Puts a task whose request failed back on screen; what was showing goes next. */
  const restore = useCallback((view: View) => {
    setQueue((prev) => ({ ...prev, current: { ...view, shownAt: performance.now() }, upcoming: prev.current ? [prev.current.task, ...prev.upcoming] : prev.upcoming }));
  }, []);

  /**
   * Sends a submit/skip/flag for a view that has already left the screen. Conflicts (the task
   * has enough answers, the lease is gone) move on; fixable errors bring the task back.
   */
  const sendInBackground = useCallback(
    <T,>(view: View, send: () => Promise<T>, onSaved: (result: T) => void) => {
      const taskId = view.task.taskId;
      pendingTaskIds.current.add(taskId);
      const request = withRetries(send)
        .then(onSaved)
        .catch((error: unknown) => {
          const info = describeError(error);
          if (info.code === 'CONFLICT' || info.code === 'NOT_FOUND') {
            toast.show(`Task #${taskId}: ${info.message}. Moved on.`, 'info');
            refreshProgress();
          } else {
            toast.show(`Could not save task #${taskId}: ${info.message}`, 'error');
            restore(view);
          }
        })
        .finally(() => {
          pendingTaskIds.current.delete(taskId);
          pendingRequests.current.delete(request);
        });
      pendingRequests.current.add(request);
    },
    [toast, restore, refreshProgress],
  );

  const submit = useCallback(() => {
    const view = queueRef.current.current;
    if (!view || pendingTaskIds.current.has(view.task.taskId)) return;
    if (!view.isEdited && performance.now() - view.shownAt < DOUBLE_SUBMIT_MS) return;
    const answer = draftToAnswer(form, view.draft, view.task.completions);
    const problems = findAnswerProblems(form, view.task.completions.map((c) => c.id), answer);
    if (problems.length) {
      toast.show(describeProblem(form, problems[0]), 'error');
      return;
    }
    const timeSpentMs = Math.round(performance.now() - view.shownAt);
    advance();
    sendInBackground(
      view,
      () => client.annotations.submit.mutate({ clientId: view.clientId, taskId: view.task.taskId, answer, timeSpentMs }),
      (result) => {
        countSaved('submitted');
        answersByTask.current.set(view.task.taskId, answer);
        setUndoableUntil(toDate(result.undoableUntil));
        setNow(Date.now());
      },
    );
  }, [form, toast, advance, sendInBackground, client, countSaved]);

  const skip = useCallback(() => {
    const view = queueRef.current.current;
    if (!view || pendingTaskIds.current.has(view.task.taskId)) return;
    const timeSpentMs = Math.round(performance.now() - view.shownAt);
    advance();
    sendInBackground(view, () => client.annotations.skip.mutate({ clientId: view.clientId, taskId: view.task.taskId, timeSpentMs }), () => countSaved('skipped'));
  }, [advance, sendInBackground, client, countSaved]);

  const flag = useCallback(
    (reason: string) => {
      setIsFlagOpen(false);
      const view = queueRef.current.current;
      if (!view || pendingTaskIds.current.has(view.task.taskId)) return;
      const timeSpentMs = Math.round(performance.now() - view.shownAt);
      advance();
      sendInBackground(view, () => client.annotations.flag.mutate({ clientId: view.clientId, taskId: view.task.taskId, reason, timeSpentMs }), () => {
        countSaved('flagged');
        toast.show('Flagged. Thanks — an admin will look at it.', 'success');
      });
    },
    [advance, sendInBackground, client, toast, countSaved],
  );

  const isUndoing = useRef(false);
  const undo = useCallback(async () => {
    if (isUndoing.current) return;
    isUndoing.current = true;
    try {
      // The submission being undone may still be on its way.
      await Promise.allSettled([...pendingRequests.current]);
      const result = await client.annotations.undo.mutate({ projectId: project.id });
      const task = result.task;
      const previous = answersByTask.current.get(task.taskId);
      const draft = previous ? draftFromAnswer(form, previous, task.completions) : undefined;
      setQueue((prev) => {
        const keep = (t: TaskView) => t.taskId !== task.taskId;
        const upcoming = [...(prev.current ? [prev.current.task] : []), ...prev.upcoming].filter(keep);
        return { current: makeView(task, draft), upcoming, isExhausted: false };
      });
      answersByTask.current.delete(task.taskId);
      setUndoableUntil(null);
      toast.show('Undone: the task is back.', 'info');
      void lastQuery.refetch();
      refreshProgress();
    } catch (error) {
      toast.show(`Cannot undo: ${describeError(error).message}`, 'error');
    } finally {
      isUndoing.current = false;
    }
  }, [client, project.id, form, makeView, toast, lastQuery, refreshProgress]);

  // ───────────── draft edits ─────────────
  const changeDraft = useCallback((questionId: string, next: QuestionDraft) => {
    setQueue((prev) => {
      if (!prev.current) return prev;
      let draft: Draft = { ...prev.current.draft, [questionId]: next };
      // An untouched "ideal answer" follows the completion chosen in a pairwise question.
      if (next.type === 'pairwise' && (next.choice === 'A' || next.choice === 'B')) {
        const chosen = prev.current.task.completions[next.choice === 'A' ? 0 : 1];
        for (const [id, d] of Object.entries(draft)) {
          if (d.type === 'edit' && !d.isEdited && chosen) draft = { ...draft, [id]: { ...d, baseCompletionId: chosen.id, text: chosen.text } };
        }
      }
      return { ...prev, current: { ...prev.current, draft, isEdited: true } };
    });
  }, []);

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
  const progress = progressQuery.data;
  const isEmpty = !current && queue.isExhausted && queue.upcoming.length === 0;

  return (
    <div className="mx-auto flex max-w-7xl flex-col gap-4 px-4 py-4">
      <div className="flex flex-wrap items-center gap-x-6 gap-y-2">
        <h1 className="text-lg font-semibold tracking-tight">{project.name}</h1>
        <div className="flex items-center gap-4 text-sm text-slate-600">
          <span>
            Done today <strong data-testid="progress-done-today" className="font-semibold text-slate-900 tabular-nums">{progress?.doneToday ?? '–'}</strong>
          </span>
          <span>
            Remaining <strong data-testid="progress-remaining" className="font-semibold text-slate-900 tabular-nums">{progress?.remaining ?? '–'}</strong>
          </span>
        </div>
        <div className="ml-auto flex items-center gap-2">
          <button type="button" data-testid="undo-button" disabled={!canUndo} onClick={() => void undo()} className="rounded-md border border-slate-200 bg-white px-2.5 py-1 text-sm text-slate-700 hover:bg-slate-50 disabled:cursor-not-allowed disabled:opacity-40" title="Undo the last submission (U)">
            ↶ Undo <kbd className="ml-1 font-mono text-xs opacity-60">U</kbd>
          </button>
          <button type="button" onClick={() => setIsGuidelinesOpen((open) => !open)} className="rounded-md border border-slate-200 bg-white px-2.5 py-1 text-sm text-slate-700 hover:bg-slate-50">
            Guidelines <kbd className="ml-1 font-mono text-xs opacity-60">G</kbd>
          </button>
          <button type="button" onClick={() => setIsHelpOpen(true)} className="rounded-md border border-slate-200 bg-white px-2.5 py-1 text-sm text-slate-700 hover:bg-slate-50" aria-label="Keyboard shortcuts">
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
              <button type="button" onClick={() => setQueue((prev) => ({ ...prev, isExhausted: false }))} className="mt-2 rounded-md border border-slate-200 px-3 py-1.5 text-sm hover:bg-slate-50">
                Check again
              </button>
            </div>
          ) : fetchError ? (
            <div className="rounded-2xl border border-rose-200 bg-rose-50 p-6 text-sm text-rose-900">
              Could not load the next task: {fetchError}
              <button type="button" onClick={() => setFetchError(null)} className="ml-3 underline">
                Retry
              </button>
            </div>
          ) : (
            <TaskSkeleton />
          )}
          {currentTaskId !== undefined && <p className="text-right text-xs text-slate-400">Task #{currentTaskId}</p>}
        </main>

        {isGuidelinesOpen && (
          <aside data-testid="guidelines-panel" className="sticky top-16 hidden max-h-[calc(100vh-5rem)] w-80 shrink-0 overflow-y-auto rounded-2xl border border-slate-200 bg-white p-4 shadow-sm lg:block">
            <h2 className="mb-2 text-xs font-semibold uppercase tracking-wider text-slate-400">Guidelines</h2>
            {project.guidelines.trim() ? <MarkdownView text={project.guidelines} className="text-sm" /> : <p className="text-sm text-slate-400">No guidelines for this project.</p>}
          </aside>
        )}
      </div>

      {isFlagOpen && <FlagDialog onConfirm={flag} onCancel={() => setIsFlagOpen(false)} />}
      {isHelpOpen && <ShortcutsHelp onClose={() => setIsHelpOpen(false)} />}
    </div>
  );
}

type TaskPanelProps = {
  view: View;
  perCompletionQuestions: Question[];
  taskQuestions: Question[];
  focusedIndex: number;
  onFocusCompletion: (index: number) => void;
  cardRefs: React.RefObject<(HTMLElement | null)[]>;
  onChangeDraft: (questionId: string, next: QuestionDraft) => void;
  selectedRankId: number | null;
  onSelectRank: (id: number | null) => void;
  onSubmit: () => void;
  onSkip: () => void;
  onFlag: () => void;
};

function TaskPanel({ view, perCompletionQuestions, taskQuestions, focusedIndex, onFocusCompletion, cardRefs, onChangeDraft, selectedRankId, onSelectRank, onSubmit, onSkip, onFlag }: TaskPanelProps) {
  const { task, draft } = view;
  const messages = task.prompt.messages ?? null;
  const count = task.completions.length;
  const gridColumns = count === 1 ? 'grid-cols-1' : count === 2 ? 'md:grid-cols-2' : 'md:grid-cols-2 xl:grid-cols-3';
  return (
    <>
      <section data-testid="task-prompt" className="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm">
        <h2 className="mb-2 text-xs font-semibold uppercase tracking-wider text-slate-400">Prompt</h2>
        {messages && messages.length ? (
          <ol className="flex flex-col gap-2">
            {messages.map((message, i) => (
              <li key={i} className={`rounded-lg px-3 py-2 ${message.role === 'user' ? 'bg-slate-100' : message.role === 'system' ? 'bg-amber-50 text-sm' : 'bg-indigo-50/60'}`}>
                <div className="mb-0.5 text-[11px] font-semibold uppercase tracking-wide text-slate-400">{message.role}</div>
                <MarkdownView text={message.content} />
              </li>
            ))}
          </ol>
        ) : (
          <MarkdownView text={task.prompt.text} />
        )}
      </section>

      <div className={`grid gap-4 ${gridColumns}`}>
        {task.completions.map((completion, index) => (
          <article
            key={completion.id}
            ref={(element) => {
              cardRefs.current[index] = element;
            }}
            tabIndex={0}
            data-testid={`completion-${index}`}
            data-completion-id={completion.id}
            // Focus anywhere in the card (Tab or Shift+Tab onto its buttons) makes it the scored one.
            onFocus={() => onFocusCompletion(index)}
            onMouseDown={() => onFocusCompletion(index)}
            className={`flex min-w-0 flex-col overflow-hidden rounded-2xl border bg-white shadow-sm outline-none transition-shadow ${focusedIndex === index ? 'border-indigo-400 ring-2 ring-indigo-100' : 'border-slate-200'}`}
          >
            <header className="flex items-center gap-2 border-b border-slate-100 px-4 py-2">
              <span className="flex size-6 items-center justify-center rounded-md bg-slate-900 text-xs font-semibold text-white">{completionLabel(index)}</span>
              <span className="text-xs text-slate-400">Response {completionLabel(index)}</span>
            </header>
            <div className="flex-1 px-4 py-3" data-testid={`completion-text-${index}`}>
              <MarkdownView text={completion.text} />
            </div>
            <PerCompletionControls questions={perCompletionQuestions} draft={draft} completion={completion} onChange={onChangeDraft} />
          </article>
        ))}
      </div>

      <TaskQuestions questions={taskQuestions} draft={draft} completions={task.completions} onChange={onChangeDraft} selectedRankId={selectedRankId} onSelectRank={onSelectRank} />

      <div className="flex items-center gap-2">
        <button type="button" data-testid="submit-button" onClick={onSubmit} className="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-500">
          Submit <kbd className="ml-1 font-mono text-xs opacity-70">Enter</kbd>
        </button>
        <button type="button" data-testid="skip-button" onClick={onSkip} className="rounded-lg border border-slate-200 bg-white px-3 py-2 text-sm text-slate-700 hover:bg-slate-50">
          Skip <kbd className="ml-1 font-mono text-xs opacity-60">S</kbd>
        </button>
        <button type="button" data-testid="flag-button" onClick={onFlag} className="rounded-lg border border-slate-200 bg-white px-3 py-2 text-sm text-slate-700 hover:bg-slate-50">
          Flag <kbd className="ml-1 font-mono text-xs opacity-60">F</kbd>
        </button>
      </div>
    </>
  );
}

function TaskSkeleton() {
  return (
    <div className="flex animate-pulse flex-col gap-4" aria-busy="true" aria-label="Loading the next task">
      <div className="h-24 rounded-2xl bg-slate-200/70" />
      <div className="grid gap-4 md:grid-cols-2">
        <div className="h-48 rounded-2xl bg-slate-200/70" />
        <div className="h-48 rounded-2xl bg-slate-200/70" />
      </div>
    </div>
  );
}
