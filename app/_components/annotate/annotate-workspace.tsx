'use client';
/**
 * The keyboard-first rating page: the task on screen, its rating form, the guidelines, and the
 * shortcuts. Which task is on screen and the requests that answer it live in useTaskQueue
 * (use-task-queue.ts); this component renders them and maps keys to them.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Question } from '@/lib/forms/schema';
import { GuidelinesPanel, useGuidelinesOpen } from '../guidelines-drawer';
import { answerSlot, findNumberTarget, isPerCompletion, listScoreSlots, nextSlotIndex, placeInRanking, isSlotAnswered, type ScoreSlot } from './answer-draft';
import { useTaskQueue, type AnnotateProject } from './use-task-queue';
import { TaskPanel, TaskSkeleton } from './task-panel';
import { FlagDialog } from './flag-dialog';
import { ShortcutsHelp } from './shortcuts-help';
import { ProgressBars } from './progress-bars';
import { RecentPanel } from './recent-panel';
import { PausedPanel } from './paused-panel';

export type { AnnotateProject, TaskView } from './use-task-queue';

const TYPING_TAGS = new Set(['INPUT', 'TEXTAREA', 'SELECT']);

function isTypingTarget(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (TYPING_TAGS.has(target.tagName) || target.isContentEditable);
}

export function AnnotateWorkspace({ project }: { project: AnnotateProject }) {
  const form = project.form;
  const {
    queue,
    queueRef,
    progress,
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
    flag: sendFlag,
    undo,
    changeDraft,
    checkAgain,
    retryFetch,
  } = useTaskQueue(project);
  const isPaused = pause !== null;
  /** The card the annotator moved to (Tab, arrows, a click); none when a task appears, so nothing looks chosen. */
  const [focusedIndex, setFocusedIndex] = useState<number | null>(null);
  const [selectedRankId, setSelectedRankId] = useState<number | null>(null);
  /** Where number keys go: one scored cell (see listScoreSlots). A ref too: keys come faster than renders. */
  const [activeSlotKey, setActiveSlotKeyState] = useState<string | null>(null);
  const activeSlotRef = useRef<string | null>(null);
  const setActiveSlotKey = useCallback((key: string | null) => {
    activeSlotRef.current = key;
    setActiveSlotKeyState(key);
  }, []);
  const [isDiffShown, setIsDiffShown] = useState(false);
  const [isFlagOpen, setIsFlagOpen] = useState(false);
  const [isHelpOpen, setIsHelpOpen] = useState(false);
  const [isGuidelinesOpen, setIsGuidelinesOpen] = useGuidelinesOpen();
  const cardRefs = useRef<(HTMLElement | null)[]>([]);
  const taskContainerRef = useRef<HTMLDivElement | null>(null);

  const currentTaskId = queue.current?.task.taskId;
  const currentClientId = queue.current?.clientId;
  const completions = queue.current?.task.completions;
  const slots = useMemo<ScoreSlot[]>(() => (completions ? listScoreSlots(form, completions) : []), [form, completions]);
  const slotsRef = useRef(slots);
  slotsRef.current = slots;

  // A new task on screen: it starts at its top, with the keyboard on the page (not on a response,
  // which would read as a choice), no ranking selection, and number keys on its first scored cell.
  useEffect(() => {
    setFocusedIndex(null);
    setSelectedRankId(null);
    setActiveSlotKey(slotsRef.current[0]?.key ?? null);
    if (currentClientId === undefined) return;
    window.scrollTo({ top: 0, left: 0, behavior: 'instant' });
    taskContainerRef.current?.focus({ preventScroll: true });
  }, [currentClientId, setActiveSlotKey]);

  // A pause closes what was open over the task (the task itself is gone).
  useEffect(() => {
    if (!isPaused) return;
    setIsFlagOpen(false);
    setIsHelpOpen(false);
  }, [isPaused]);

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

  /** The annotator moved to a card: it has the keyboard, and number keys go to its first open cell unless already in it. */
  const onFocusCompletion = useCallback(
    (index: number) => {
      setFocusedIndex(index);
      const inCard = slotsRef.current.filter((slot) => slot.completionIndex === index);
      if (!inCard.length || inCard.some((slot) => slot.key === activeSlotRef.current)) return;
      const draft = queueRef.current.current?.draft;
      setActiveSlotKey((inCard.find((slot) => draft && !isSlotAnswered(draft, slot)) ?? inCard[0]).key);
    },
    [queueRef, setActiveSlotKey],
  );

  const focusCompletion = useCallback(
    (index: number) => {
      const count = queueRef.current.current?.task.completions.length ?? 0;
      if (!count) return;
      const clamped = (index + count) % count;
      onFocusCompletion(clamped);
      cardRefs.current[clamped]?.focus({ preventScroll: true });
      cardRefs.current[clamped]?.scrollIntoView({ block: 'nearest' });
    },
    [queueRef, onFocusCompletion],
  );

  /** Makes a score slot active; when it is in another card, that card gets the keyboard. */
  const activateSlot = useCallback(
    (slot: ScoreSlot, from: ScoreSlot | null) => {
      setActiveSlotKey(slot.key);
      if (!from || from.completionIndex !== slot.completionIndex) focusCompletion(slot.completionIndex);
    },
    [setActiveSlotKey, focusCompletion],
  );

  /** A number key: answer the active score slot and move to the next open one; else place a ranking item, or set a strength. */
  const applyNumber = useCallback(
    (n: number) => {
      const view = queueRef.current.current;
      if (!view) return;
      const allSlots = slotsRef.current;
      if (allSlots.length) {
        let index = allSlots.findIndex((slot) => slot.key === activeSlotRef.current);
        if (index < 0)
          index = Math.max(
            0,
            allSlots.findIndex((slot) => !isSlotAnswered(view.draft, slot)),
          );
        const slot = allSlots[index];
        const next = answerSlot(view.draft, slot, n);
        if (!next) return;
        changeDraft(slot.questionId, next);
        const following = allSlots[nextSlotIndex(allSlots, { ...view.draft, [slot.questionId]: next }, index)];
        if (following.key !== slot.key) activateSlot(following, slot);
        return;
      }
      if (!numberTarget) return;
      const d = view.draft[numberTarget.id];
      if (numberTarget.type === 'ranking' && d?.type === 'ranking') {
        if (n < 1 || n > d.order.length) return;
        const completions = view.task.completions;
        const id = selectedRankId ?? (focusedIndex !== null ? completions[focusedIndex]?.id : completions.find((c) => !d.order.includes(c.id))?.id) ?? null;
        if (id === null || id === undefined) return;
        const order = placeInRanking(d.order, id, n - 1);
        changeDraft(numberTarget.id, { ...d, order });
        if (selectedRankId === null) {
          const nextUnplaced = completions.findIndex((c) => !order.includes(c.id));
          if (nextUnplaced >= 0) focusCompletion(nextUnplaced);
        }
      } else if (numberTarget.type === 'pairwise' && d?.type === 'pairwise') {
        if (n >= 1 && n <= 3 && (d.choice === 'A' || d.choice === 'B')) changeDraft(numberTarget.id, { ...d, strength: n });
      }
    },
    [queueRef, numberTarget, focusedIndex, focusCompletion, changeDraft, selectedRankId, activateSlot],
  );

  const choosePairwise = useCallback(
    (choice: 'A' | 'B' | 'tie' | 'both_bad') => {
      const view = queueRef.current.current;
      if (!view || !pairwiseQuestion) return;
      if (choice === 'tie' && !pairwiseQuestion.allowTie) return;
      if (choice === 'both_bad' && !pairwiseQuestion.allowBothBad) return;
      const d = view.draft[pairwiseQuestion.id];
      if (d?.type !== 'pairwise') return;
      changeDraft(pairwiseQuestion.id, { ...d, choice });
      // The chosen response comes into view, marked (see TaskPanel), so the key visibly did something.
      const index = choice === 'A' ? 0 : choice === 'B' ? 1 : -1;
      if (index >= 0) cardRefs.current[index]?.scrollIntoView({ block: 'nearest' });
    },
    [queueRef, pairwiseQuestion, changeDraft],
  );

  const moveSelectedRank = useCallback(
    (delta: number) => {
      const view = queueRef.current.current;
      if (!view || !rankingQuestion || selectedRankId === null) return false;
      const d = view.draft[rankingQuestion.id];
      if (d?.type !== 'ranking') return false;
      const from = d.order.indexOf(selectedRankId);
      if (from < 0) return true; // not placed yet: a number key places it
      changeDraft(rankingQuestion.id, { ...d, order: placeInRanking(d.order, selectedRankId, from + delta) });
      return true;
    },
    [queueRef, rankingQuestion, selectedRankId, changeDraft],
  );

  /** ↑ ↓ without a ranking selection: the previous / next score slot, else the previous / next card. */
  const moveVertically = useCallback(
    (delta: number) => {
      const allSlots = slotsRef.current;
      if (!allSlots.length) {
        focusCompletion((focusedIndex ?? (delta > 0 ? -1 : 0)) + delta);
        return;
      }
      const index = allSlots.findIndex((slot) => slot.key === activeSlotRef.current);
      const target = allSlots[Math.max(0, Math.min(allSlots.length - 1, index < 0 ? 0 : index + delta))];
      activateSlot(target, index < 0 ? null : allSlots[index]);
    },
    [focusCompletion, focusedIndex, activateSlot],
  );

  /** The card of the active score slot: where ← → start from before any card has the keyboard. */
  const activeCompletionIndex = useCallback(() => slotsRef.current.find((slot) => slot.key === activeSlotRef.current)?.completionIndex ?? null, []);

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
      else if (key === 'd') setIsDiffShown((shown) => !shown);
      else if (key === 'ArrowLeft') focusCompletion((focusedIndex ?? activeCompletionIndex() ?? 0) - 1);
      else if (key === 'ArrowRight') focusCompletion((focusedIndex ?? activeCompletionIndex() ?? -1) + 1);
      else if (key === 'ArrowUp') {
        if (!moveSelectedRank(-1)) moveVertically(-1);
      } else if (key === 'ArrowDown') {
        if (!moveSelectedRank(1)) moveVertically(1);
      } else return false;
      return true;
    },
    [submit, applyNumber, choosePairwise, skip, undo, moveSelectedRank, moveVertically, focusCompletion, focusedIndex, queueRef, activeCompletionIndex],
  );

  useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      if (isFlagOpen || event.isComposing) return;
      // Paused: no task, so no rating key does anything; only G (the guidelines) still works.
      if (isPaused) {
        if (!isTypingTarget(event.target) && !event.altKey && !event.ctrlKey && !event.metaKey && event.key.toLowerCase() === 'g') setIsGuidelinesOpen((open) => !open);
        return;
      }
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
  }, [isFlagOpen, isHelpOpen, isPaused, submit, runShortcut, setIsGuidelinesOpen]);

  // ───────────── render ─────────────
  const current = queue.current;
  const isEmpty = !current && queue.isExhausted && queue.upcoming.length === 0;

  return (
    <div ref={taskContainerRef} tabIndex={-1} data-testid="task-container" className="mx-auto flex max-w-7xl flex-col gap-4 px-4 py-4 outline-none min-[1600px]:max-w-[min(100%,120rem)]">
      <div className="flex flex-wrap items-center gap-x-6 gap-y-2">
        <h1 className="text-lg font-semibold tracking-tight">{project.name}</h1>
        <ProgressBars progress={progress} sessionDone={sessionDone} isQueueEmpty={isEmpty} />
        <div className="ml-auto flex items-center gap-2">
          {!isPaused && (
            <button
              type="button"
              data-testid="undo-button"
              disabled={!canUndo}
              onClick={() => void undo()}
              className="rounded-md border border-slate-200 bg-white px-2.5 py-1 text-sm text-slate-700 hover:bg-slate-50 disabled:cursor-not-allowed disabled:opacity-40"
              title="Undo your last action: submit, skip or flag (U)"
            >
              ↶ Undo <kbd className="ml-1 font-mono text-xs opacity-60">U</kbd>
            </button>
          )}
          <button type="button" onClick={() => setIsGuidelinesOpen((open) => !open)} className="rounded-md border border-slate-200 bg-white px-2.5 py-1 text-sm text-slate-700 hover:bg-slate-50">
            Guidelines <kbd className="ml-1 font-mono text-xs opacity-60">G</kbd>
          </button>
          {!isPaused && (
            <button
              type="button"
              onClick={() => setIsHelpOpen(true)}
              className="rounded-md border border-slate-200 bg-white px-2.5 py-1 text-sm text-slate-700 hover:bg-slate-50"
              aria-label="Keyboard shortcuts"
            >
              <kbd className="font-mono text-xs">?</kbd>
            </button>
          )}
        </div>
      </div>

      <div className="flex items-start gap-4">
        <main className="flex min-w-0 flex-1 flex-col gap-4">
          {pause ? (
            <PausedPanel pause={pause} isChecking={isCheckingPause} checkError={fetchError} onCheckAgain={() => void checkPause()} />
          ) : current ? (
            <TaskPanel
              key={current.clientId}
              view={current}
              perCompletionQuestions={perCompletionQuestions}
              taskQuestions={taskQuestions}
              focusedIndex={focusedIndex}
              onFocusCompletion={onFocusCompletion}
              cardRefs={cardRefs}
              onChangeDraft={changeDraft}
              selectedRankId={selectedRankId}
              onSelectRank={setSelectedRankId}
              activeSlotKey={activeSlotKey}
              onActivateSlot={setActiveSlotKey}
              isDiffShown={isDiffShown}
              onToggleDiff={() => setIsDiffShown((shown) => !shown)}
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
          {!isPaused && <RecentPanel recent={recent} now={now} onReopen={(annotationId) => void undo(annotationId)} />}
        </main>

        <GuidelinesPanel guidelines={project.guidelines} isOpen={isGuidelinesOpen} onClose={() => setIsGuidelinesOpen(false)} />
      </div>

      {isFlagOpen && <FlagDialog onConfirm={flag} onCancel={() => setIsFlagOpen(false)} />}
      {isHelpOpen && <ShortcutsHelp onClose={() => setIsHelpOpen(false)} />}
    </div>
  );
}
