'use client';
/**
 * The rating page's queue: which task is on screen, which ones are fetched behind it, and the
 * requests that answer them (submit, skip, flag, undo).
 *
 * Flow: the current task is shown while the next one is already fetched (leased to me), so an
 * answer swaps to it at once and the request finishes in the background. A submission that leaves
 * nothing behind the new current task is sent as `annotations.submitAndNext`, which stores the
 * answer and leases the following task in the same request: once the first two tasks are loaded,
 * rating costs one round trip per task. Skips and flags, rarer, refill through `queue.next`.
 *
 * Never twice, never skipped: every request for a task excludes the ones the page holds (on
 * screen, fetched, in flight), a task already held is dropped when it arrives, and a lease the
 * page drops comes back through queue.next, which first returns tasks I still hold.
 *
 * Each task view gets one client id when it is shown: a double Enter or a retried request sends
 * the same id, and the server keeps one annotation (and a retried submitAndNext gets the same next
 * task, the one its first copy leased). Time spent runs from display to submit. If a request
 * fails for a reason the annotator can fix, the task comes back with its answer; if the task
 * already has enough answers (CONFLICT), we just move on.
 *
 * Undo takes back the last action, whatever it was (submit, skip, flag), while the project's undo
 * window is open; the "Recent" list (my last ten actions) can reopen any of them inside its window.
 * The list is loaded once and then kept here from the answers of submit, skip and flag (each says
 * until when it can be undone): no request per task beyond the one that saves it.
 *
 * Paused (my accuracy on the project's check tasks fell below its threshold): the queue refuses me
 * with a structured error, from queue.next or from the "next" half of submitAndNext (whose answer
 * is stored all the same). The page then drops what it holds, fetches nothing more on its own, and
 * says so (`pause`); `checkPause` asks once more when the annotator wants. No toast names the task
 * whose answer brought the pause: which tasks are checks stays hidden.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@/server/api/root';
import { findAnswerProblems, type Answer, type AnswerProblem, type RatingForm } from '@/lib/forms/schema';
import { useTRPC, useTRPCClient } from '../../_trpc/react';
import { useToast } from '../toast';
import { createDraft, draftFromAnswer, draftToAnswer, findIncompleteRanking, type Draft, type QuestionDraft } from './answer-draft';
import { describeError, withRetries, type PauseInfo } from './task-errors';

export type AnnotateProject = { id: number; name: string; guidelines: string; form: RatingForm; completionsPerTask: number };

type RouterOutputs = inferRouterOutputs<AppRouter>;
/** A task as the queue serves it: prompt, completions in display order, lease. */
export type TaskView = NonNullable<RouterOutputs['queue']['next']>;
/** One of my recent actions, as the Recent list shows it. */
export type RecentAction = RouterOutputs['annotations']['recent'][number];

/** How many recent actions the page lists (the server sends as many). */
const RECENT_LIMIT = 10;

function promptExcerpt(text: string, length = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > length ? `${flat.slice(0, length)}…` : flat;
}

/** One showing of a task: its own client id, display time, draft answer, and whether the annotator changed it. */
export type View = { task: TaskView; clientId: string; shownAt: number; draft: Draft; isEdited: boolean };

export type QueueState = {
  current: View | null;
  /** Tasks already fetched (and leased to me) to show next. */
  upcoming: TaskView[];
  /** The last fetch found nothing: show the empty state once the current task is done. */
  isExhausted: boolean;
};

/**
 * The second press of a double Enter (or click) lands on the task that replaced the one just
 * sent; a task untouched and on screen for less than this is not submitted.
 */
const DOUBLE_SUBMIT_MS = 500;

/** "preference" + "an answer is required" -> "Which response is better? — an answer is required". */
function describeProblem(form: RatingForm, problem: AnswerProblem): string {
  const question = form.questions.find((q) => q.id === problem.questionId);
  return `${question?.label ?? problem.questionId} — ${problem.message}`;
}

function toDate(value: unknown): Date | null {
  if (value instanceof Date) return value;
  if (typeof value === 'string' || typeof value === 'number') return new Date(value);
  return null;
}

const isHeld = (taskId: number, state: QueueState, pending: Set<number>) => state.current?.task.taskId === taskId || state.upcoming.some((u) => u.taskId === taskId) || pending.has(taskId);

export function useTaskQueue(project: AnnotateProject) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const toast = useToast();
  const form = project.form;

  const [queue, setQueue] = useState<QueueState>({ current: null, upcoming: [], isExhausted: false });
  const [now, setNow] = useState(() => Date.now());
  /** Answers submitted since the page opened (an undone one leaves the count). */
  const [sessionDone, setSessionDone] = useState(0);
  const sessionAnnotationIds = useRef(new Set<number>());
  const [fetchError, setFetchError] = useState<string | null>(null);
  /** Set while the queue refuses me (paused in this project); nothing is fetched on its own meanwhile. */
  const [pause, setPause] = useState<PauseInfo | null>(null);
  const [isCheckingPause, setIsCheckingPause] = useState(false);
  /** submitAndNext requests in flight: each brings the next task, so no queue.next meanwhile. */
  const [refillsInFlight, setRefillsInFlight] = useState(0);

  // Handlers read the latest state through refs: key presses can come faster than renders.
  const queueRef = useRef(queue);
  queueRef.current = queue;
  const isFetchingRef = useRef(false);
  /** Tasks whose submit/skip/flag is in flight: never fetch them again as "next". */
  const pendingTaskIds = useRef(new Set<number>());
  const pendingRequests = useRef(new Set<Promise<unknown>>());
  /** My answers in this session, to prefill a task brought back by undo. */
  const answersByTask = useRef(new Map<number, Answer>());

  // Progress is counted on the server now and then (at start, every minute, when the queue runs
  // out, after an undo) and moved locally after each saved answer: counting open tasks after every
  // submit would put a count over the whole project on the annotation path.
  const progressQuery = useQuery({ ...trpc.queue.progress.queryOptions({ projectId: project.id }), refetchInterval: 60_000 });
  // Loaded once; afterwards only changed here (staleTime: never refetched behind our back).
  const recentKey = useMemo(() => trpc.annotations.recent.queryKey({ projectId: project.id }), [trpc, project.id]);
  const recentQuery = useQuery({ ...trpc.annotations.recent.queryOptions({ projectId: project.id }), staleTime: Number.POSITIVE_INFINITY, refetchOnWindowFocus: false });
  const recent = recentQuery.data ?? [];
  const addRecent = useCallback(
    (action: RecentAction) => {
      queryClient.setQueryData(recentKey, (old) => [action, ...(old ?? []).filter((a) => a.annotationId !== action.annotationId)].slice(0, RECENT_LIMIT));
    },
    [queryClient, recentKey],
  );
  const removeRecent = useCallback(
    (annotationId: number) => {
      queryClient.setQueryData(recentKey, (old) => (old ?? []).filter((a) => a.annotationId !== annotationId));
    },
    [queryClient, recentKey],
  );

  // A clock only while an undo is possible, so the button and the Recent list lock when windows close.
  const latestUndoable = recent.reduce((latest, a) => Math.max(latest, toDate(a.undoableUntil)?.getTime() ?? 0), 0);
  const isAnyUndoable = latestUndoable > now;
  useEffect(() => {
    if (!isAnyUndoable) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [isAnyUndoable]);
  const lastUntil = recent[0] ? toDate(recent[0].undoableUntil) : null;
  const canUndo = lastUntil !== null && lastUntil.getTime() > now;

  const makeView = useCallback(
    (task: TaskView, draft?: Draft): View => ({ task, clientId: crypto.randomUUID(), shownAt: performance.now(), draft: draft ?? createDraft(form, task.completions), isEdited: false }),
    [form],
  );

  const refreshProgress = useCallback(() => {
    void queryClient.invalidateQueries({ queryKey: trpc.queue.progress.queryKey({ projectId: project.id }) });
  }, [queryClient, trpc, project.id]);
  const countSaved = useCallback(
    (kind: 'submitted' | 'skipped' | 'flagged') => {
      queryClient.setQueryData(
        trpc.queue.progress.queryKey({ projectId: project.id }),
        (old) =>
          old && {
            doneToday: old.doneToday + (kind === 'submitted' ? 1 : 0),
            doneTotal: old.doneTotal + (kind === 'submitted' ? 1 : 0),
            handledTotal: old.handledTotal + 1,
            remaining: Math.max(0, old.remaining - 1),
          },
      );
    },
    [queryClient, trpc, project.id],
  );

  /** Every task the page holds: a request for a next task excludes them all. */
  const heldTaskIds = useCallback((): number[] => {
    const state = queueRef.current;
    return [...new Set([...(state.current ? [state.current.task.taskId] : []), ...state.upcoming.map((t) => t.taskId), ...pendingTaskIds.current])];
  }, []);

  /**
   * Places a task the server leased to me: on screen when nothing is, else behind what is
   * fetched. Returns false when the page already holds it (the screen changed while the request
   * was out: an undo, a restore, or another request that got the same held task).
   */
  const placeLeasedTask = useCallback(
    (task: TaskView): boolean => {
      if (isHeld(task.taskId, queueRef.current, pendingTaskIds.current)) return false;
      setQueue((prev) => {
        if (isHeld(task.taskId, prev, pendingTaskIds.current)) return prev;
        if (!prev.current) return { ...prev, current: makeView(task) };
        return { ...prev, upcoming: [...prev.upcoming, task] };
      });
      return true;
    },
    [makeView],
  );

  /**
   * The queue said I am paused: nothing stays on screen or behind it (their leases run out), and
   * the counts and my Recent list are read again (the answer that brought the pause was stored).
   */
  const enterPause = useCallback(
    (info: PauseInfo) => {
      setPause(info);
      setQueue({ current: null, upcoming: [], isExhausted: false });
      refreshProgress();
      void queryClient.invalidateQueries({ queryKey: recentKey });
    },
    [refreshProgress, queryClient, recentKey],
  );

  // ───────────── fetching: keep one task on screen and one ready behind it ─────────────
  const needsFetch = pause === null && !queue.isExhausted && refillsInFlight === 0 && (queue.current === null || queue.upcoming.length === 0);
  /** Returns true when the server offered a task the page already holds (ignored). */
  const fetchNext = useCallback(async (): Promise<boolean> => {
    if (isFetchingRef.current) return false;
    isFetchingRef.current = true;
    try {
      const task = await client.queue.next.mutate({ projectId: project.id, excludeTaskIds: heldTaskIds() });
      setFetchError(null);
      setPause(null);
      if (!task) {
        setQueue((prev) => ({ ...prev, isExhausted: true }));
        // The exact count once the last answers are saved.
        void Promise.allSettled([...pendingRequests.current]).then(refreshProgress);
        return false;
      }
      return !placeLeasedTask(task);
    } catch (error) {
      const info = describeError(error);
      if (info.pause) enterPause(info.pause);
      else setFetchError(info.message);
      return false;
    } finally {
      isFetchingRef.current = false;
    }
  }, [client, project.id, heldTaskIds, placeLeasedTask, refreshProgress, enterPause]);

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
    <T>(view: View, send: () => Promise<T>, onSaved: (result: T) => void, onSettled?: () => void) => {
      const taskId = view.task.taskId;
      pendingTaskIds.current.add(taskId);
      const request = withRetries(send)
        .then(onSaved)
        .catch((error: unknown) => {
          const info = describeError(error);
          if (info.pause) {
            // Only submitAndNext's "next" half says this, after storing the answer: no toast naming the task.
            enterPause(info.pause);
          } else if (info.code === 'CONFLICT' || info.code === 'NOT_FOUND') {
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
          onSettled?.();
        });
      pendingRequests.current.add(request);
    },
    [toast, restore, refreshProgress, enterPause],
  );

  /** A saved action goes to the top of the Recent list (and so becomes what U undoes). */
  const noteAction = useCallback(
    (view: View, status: RecentAction['status'], result: { annotationId: number; undoableUntil: Date }) => {
      addRecent({
        annotationId: result.annotationId,
        taskId: view.task.taskId,
        status,
        createdAt: new Date(),
        undoableUntil: toDate(result.undoableUntil) ?? new Date(),
        promptExcerpt: promptExcerpt(view.task.prompt.text),
      });
      setNow(Date.now());
    },
    [addRecent],
  );

  const submit = useCallback(() => {
    const state = queueRef.current;
    const view = state.current;
    if (!view || pendingTaskIds.current.has(view.task.taskId)) return;
    // An incomplete ranking is said at once, however soon Enter comes: it saves nothing either way.
    const incomplete = findIncompleteRanking(form, view.draft);
    if (incomplete) {
      const left = incomplete.total - incomplete.placed;
      toast.show(`${incomplete.question.label}: place every response before submitting (${incomplete.placed} of ${incomplete.total} placed, ${left} still unranked). Nothing was saved.`, 'error');
      return;
    }
    if (!view.isEdited && performance.now() - view.shownAt < DOUBLE_SUBMIT_MS) return;
    const answer = draftToAnswer(form, view.draft, view.task.completions);
    const problems = findAnswerProblems(
      form,
      view.task.completions.map((c) => c.id),
      answer,
    );
    if (problems.length) {
      toast.show(describeProblem(form, problems[0]), 'error');
      return;
    }
    const timeSpentMs = Math.round(performance.now() - view.shownAt);
    const base = { clientId: view.clientId, taskId: view.task.taskId, answer, timeSpentMs };
    const onSaved = (result: { annotationId: number; undoableUntil: Date }) => {
      countSaved('submitted');
      answersByTask.current.set(view.task.taskId, answer);
      if (!sessionAnnotationIds.current.has(result.annotationId)) {
        sessionAnnotationIds.current.add(result.annotationId);
        setSessionDone((n) => n + 1);
      }
      noteAction(view, 'SUBMITTED', result);
    };
    // The task behind this one goes on screen; when nothing is fetched behind it, the submission
    // brings the next task itself. Computed before advancing, so the exclusion holds every task
    // the page has, this one included.
    const isLastFetched = state.upcoming.length <= 1;
    const excludeTaskIds = heldTaskIds();
    advance();
    if (!isLastFetched) {
      sendInBackground(view, () => client.annotations.submit.mutate(base), onSaved);
      return;
    }
    setRefillsInFlight((n) => n + 1);
    sendInBackground(
      view,
      () => client.annotations.submitAndNext.mutate({ ...base, excludeTaskIds }),
      (result) => {
        onSaved(result);
        if (result.next) placeLeasedTask(result.next);
        else {
          setQueue((prev) => ({ ...prev, isExhausted: true }));
          refreshProgress();
        }
      },
      // Settled either way: a refused submission brought no task, so queue.next takes over.
      () => setRefillsInFlight((n) => n - 1),
    );
  }, [form, toast, advance, sendInBackground, client, countSaved, heldTaskIds, placeLeasedTask, refreshProgress, noteAction]);

  const skip = useCallback(() => {
    const view = queueRef.current.current;
    if (!view || pendingTaskIds.current.has(view.task.taskId)) return;
    const timeSpentMs = Math.round(performance.now() - view.shownAt);
    advance();
    sendInBackground(
      view,
      () => client.annotations.skip.mutate({ clientId: view.clientId, taskId: view.task.taskId, timeSpentMs }),
      (result) => {
        countSaved('skipped');
        noteAction(view, 'SKIPPED', result);
      },
    );
  }, [advance, sendInBackground, client, countSaved, noteAction]);

  const flag = useCallback(
    (reason: string) => {
      const view = queueRef.current.current;
      if (!view || pendingTaskIds.current.has(view.task.taskId)) return;
      const timeSpentMs = Math.round(performance.now() - view.shownAt);
      advance();
      sendInBackground(
        view,
        () => client.annotations.flag.mutate({ clientId: view.clientId, taskId: view.task.taskId, reason, timeSpentMs }),
        (result) => {
          countSaved('flagged');
          noteAction(view, 'FLAGGED', result);
          toast.show('Flagged. Thanks — an admin will look at it.', 'success');
        },
      );
    },
    [advance, sendInBackground, client, toast, countSaved, noteAction],
  );

  const isUndoing = useRef(false);
  /** Takes back my last action (no id), or the named one from the Recent list; its task comes back on screen. */
  const undo = useCallback(
    async (annotationId?: number) => {
      if (isUndoing.current) return;
      isUndoing.current = true;
      try {
        // The action being undone may still be on its way (and the task it brings).
        await Promise.allSettled([...pendingRequests.current]);
        const result = await client.annotations.undo.mutate({ projectId: project.id, ...(annotationId ? { annotationId } : {}) });
        const task = result.task;
        removeRecent(result.undone.annotationId);
        if (sessionAnnotationIds.current.delete(result.undone.annotationId)) setSessionDone((n) => Math.max(0, n - 1));
        const previous = result.undone.status === 'SUBMITTED' ? answersByTask.current.get(task.taskId) : undefined;
        const draft = previous ? draftFromAnswer(form, previous, task.completions) : undefined;
        setQueue((prev) => {
          const keep = (t: TaskView) => t.taskId !== task.taskId;
          const upcoming = [...(prev.current ? [prev.current.task] : []), ...prev.upcoming].filter(keep);
          return { current: makeView(task, draft), upcoming, isExhausted: false };
        });
        answersByTask.current.delete(task.taskId);
        const what = result.undone.status === 'SKIPPED' ? 'skip' : result.undone.status === 'FLAGGED' ? 'flag' : 'answer';
        toast.show(`Undone (${what}): task #${task.taskId} is back.`, 'info');
        refreshProgress();
      } catch (error) {
        toast.show(`Cannot undo: ${describeError(error).message}`, 'error');
      } finally {
        isUndoing.current = false;
      }
    },
    [client, project.id, form, makeView, toast, refreshProgress, removeRecent],
  );

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

  const checkAgain = useCallback(() => setQueue((prev) => ({ ...prev, isExhausted: false })), []);
  const retryFetch = useCallback(() => setFetchError(null), []);
  /** Paused: asks the queue once more (one request per press); a task or an empty queue ends the pause on screen. */
  const checkPause = useCallback(async () => {
    if (isFetchingRef.current) return;
    setIsCheckingPause(true);
    try {
      await fetchNext();
    } finally {
      setIsCheckingPause(false);
    }
  }, [fetchNext]);

  return {
    queue,
    /** The latest queue, for key handlers that run before a render. */
    queueRef,
    progress: progressQuery.data,
    sessionDone,
    recent,
    now,
    canUndo,
    fetchError,
    pause,
    isCheckingPause,
    checkPause,
    submit,
    skip,
    flag,
    undo,
    changeDraft,
    checkAgain,
    retryFetch,
  };
}
