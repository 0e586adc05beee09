'use client';
/**
 * One task on the rating page: its prompt (earlier turns of a conversation folded away), the
 * responses with their per-completion controls, the task-level questions, and the answer bar
 * (pairwise choice, Submit, Skip, Flag) that stays at the bottom of the viewport however long the
 * task is. From 1600 px wide, the prompt sits in its own column beside the responses.
 */
import { useState } from 'react';
import type { Question } from '@/lib/forms/schema';
import { MarkdownView } from '../markdown';
import { completionLabel, type QuestionDraft } from './answer-draft';
import { PairwiseControls, PerCompletionControls, TaskQuestions } from './rating-form';
import { ResponseDiff } from './response-diff';
import type { View } from './use-task-queue';

type TaskPanelProps = {
  view: View;
  perCompletionQuestions: Question[];
  taskQuestions: Question[];
  /** The completion whose card has the keyboard (set by the annotator: Tab, arrows, a click), or null. */
  focusedIndex: number | null;
  onFocusCompletion: (index: number) => void;
  cardRefs: React.RefObject<(HTMLElement | null)[]>;
  onChangeDraft: (questionId: string, next: QuestionDraft) => void;
  selectedRankId: number | null;
  onSelectRank: (id: number | null) => void;
  activeSlotKey: string | null;
  onActivateSlot: (key: string) => void;
  isDiffShown: boolean;
  onToggleDiff: () => void;
  onSubmit: () => void;
  onSkip: () => void;
  onFlag: () => void;
};

type Message = { role: string; content: string };

function MessageItem({ message }: { message: Message }) {
  return (
    <li className={`rounded-lg px-3 py-2 ${message.role === 'user' ? 'bg-slate-100' : message.role === 'system' ? 'bg-amber-50 text-sm' : 'bg-indigo-50/60'}`}>
      <div className="mb-0.5 text-[11px] font-semibold tracking-wide text-slate-400 uppercase">{message.role}</div>
      <MarkdownView text={message.content} />
    </li>
  );
}

/** A conversation with everything before the last user turn folded behind a toggle. */
function Conversation({ messages }: { messages: Message[] }) {
  const [isExpanded, setIsExpanded] = useState(false);
  let lastUser = -1;
  messages.forEach((m, i) => {
    if (m.role === 'user') lastUser = i;
  });
  const earlier = Math.max(lastUser, 0);
  const shown = isExpanded ? messages : messages.slice(earlier);
  return (
    <div className="flex flex-col gap-2">
      {earlier > 0 && (
        <button
          type="button"
          data-testid="prompt-earlier-toggle"
          aria-expanded={isExpanded}
          onClick={() => setIsExpanded((open) => !open)}
          className="self-start rounded-md border border-slate-200 bg-white px-2.5 py-1 text-xs text-slate-600 hover:bg-slate-50"
        >
          {isExpanded ? `Hide ${earlier} earlier turn${earlier === 1 ? '' : 's'}` : `Show ${earlier} earlier turn${earlier === 1 ? '' : 's'}`}
        </button>
      )}
      <ol className="flex flex-col gap-2" data-testid="prompt-messages">
        {shown.map((message, i) => (
          <MessageItem key={i} message={message} />
        ))}
      </ol>
    </div>
  );
}

export function TaskPanel({
  view,
  perCompletionQuestions,
  taskQuestions,
  focusedIndex,
  onFocusCompletion,
  cardRefs,
  onChangeDraft,
  selectedRankId,
  onSelectRank,
  activeSlotKey,
  onActivateSlot,
  isDiffShown,
  onToggleDiff,
  onSubmit,
  onSkip,
  onFlag,
}: TaskPanelProps) {
  const { task, draft } = view;
  const messages = task.prompt.messages ?? null;
  const count = task.completions.length;
  const gridColumns = count === 1 ? 'grid-cols-1' : count === 2 ? 'md:grid-cols-2' : 'md:grid-cols-2 xl:grid-cols-3';
  const pairwiseQuestion = taskQuestions.find((q): q is Extract<Question, { type: 'pairwise' }> => q.type === 'pairwise') ?? null;
  const pairwiseDraft = pairwiseQuestion ? draft[pairwiseQuestion.id] : undefined;
  const choice = pairwiseDraft?.type === 'pairwise' ? pairwiseDraft.choice : null;
  const chosenIndex = choice === 'A' ? 0 : choice === 'B' ? 1 : null;
  const canDiff = count >= 2;
  return (
    <>
      <div data-testid="task-layout" className="flex flex-col gap-4 min-[1600px]:grid min-[1600px]:grid-cols-[minmax(0,2fr)_minmax(0,3fr)] min-[1600px]:items-start">
        <section
          data-testid="task-prompt"
          className="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm min-[1600px]:sticky min-[1600px]:top-4 min-[1600px]:max-h-[calc(100vh-9rem)] min-[1600px]:overflow-y-auto"
        >
          <h2 className="mb-2 text-xs font-semibold tracking-wider text-slate-400 uppercase">Prompt</h2>
          {messages?.length ? <Conversation messages={messages} /> : <MarkdownView text={task.prompt.text} />}
        </section>

        <div data-testid="task-responses" className="flex min-w-0 flex-col gap-4">
          {isDiffShown && canDiff && <ResponseDiff a={task.completions[0].text} b={task.completions[1].text} onClose={onToggleDiff} />}
          <div className={`grid gap-4 ${gridColumns}`}>
            {task.completions.map((completion, index) => {
              const isChosen = chosenIndex === index;
              const isFocused = focusedIndex === index;
              return (
                <article
                  key={completion.id}
                  ref={(element) => {
                    cardRefs.current[index] = element;
                  }}
                  tabIndex={0}
                  data-testid={`completion-${index}`}
                  data-completion-id={completion.id}
                  data-chosen={isChosen ? 'true' : 'false'}
                  aria-label={`Response ${completionLabel(index)}${isChosen ? ' (chosen)' : ''}`}
                  // Focus anywhere in the card (Tab or Shift+Tab onto its buttons) makes it the scored one.
                  onFocus={() => onFocusCompletion(index)}
                  onMouseDown={() => onFocusCompletion(index)}
                  className={`flex min-w-0 scroll-mt-4 scroll-mb-32 flex-col overflow-hidden rounded-2xl border bg-white shadow-sm outline-none transition-shadow ${
                    isChosen ? 'border-emerald-500 ring-4 ring-emerald-200' : isFocused ? 'border-indigo-400 ring-2 ring-indigo-100' : 'border-slate-200'
                  }`}
                >
                  <header className="flex items-center gap-2 border-b border-slate-100 px-4 py-2">
                    <span className="flex size-6 items-center justify-center rounded-md bg-slate-900 text-xs font-semibold text-white">{completionLabel(index)}</span>
                    <span className="text-xs text-slate-400">Response {completionLabel(index)}</span>
                    {isChosen && (
                      <span data-testid={`chosen-badge-${index}`} className="ml-auto rounded-full bg-emerald-600 px-2 py-0.5 text-xs font-semibold text-white">
                        ✓ Chosen
                      </span>
                    )}
                  </header>
                  <div className="flex-1 px-4 py-3" data-testid={`completion-text-${index}`}>
                    <MarkdownView text={completion.text} />
                  </div>
                  <PerCompletionControls
                    questions={perCompletionQuestions}
                    draft={draft}
                    completion={completion}
                    onChange={onChangeDraft}
                    activeSlotKey={activeSlotKey}
                    onActivateSlot={onActivateSlot}
                  />
                </article>
              );
            })}
          </div>

          <TaskQuestions questions={taskQuestions} draft={draft} completions={task.completions} onChange={onChangeDraft} selectedRankId={selectedRankId} onSelectRank={onSelectRank} />
        </div>
      </div>

      <div
        data-testid="answer-bar"
        className="sticky bottom-0 z-20 flex flex-wrap items-center gap-3 rounded-t-2xl border border-slate-200 bg-white/95 px-4 py-3 shadow-[0_-6px_16px_-8px_rgba(15,23,42,0.18)] backdrop-blur"
      >
        {pairwiseQuestion && pairwiseDraft?.type === 'pairwise' && (
          <div className="min-w-0 flex-1" role="group" aria-label={pairwiseQuestion.label}>
            <PairwiseControls question={pairwiseQuestion} draft={pairwiseDraft} onChange={(next) => onChangeDraft(pairwiseQuestion.id, next)} />
          </div>
        )}
        <div className="ml-auto flex items-center gap-2">
          {canDiff && (
            <button
              type="button"
              data-testid="diff-toggle"
              aria-pressed={isDiffShown}
              onClick={onToggleDiff}
              className={`rounded-lg border px-3 py-2 text-sm ${isDiffShown ? 'border-indigo-600 bg-indigo-50 text-indigo-800' : 'border-slate-200 bg-white text-slate-700 hover:bg-slate-50'}`}
            >
              Diff <kbd className="ml-1 font-mono text-xs opacity-60">D</kbd>
            </button>
          )}
          <button type="button" data-testid="skip-button" onClick={onSkip} className="rounded-lg border border-slate-200 bg-white px-3 py-2 text-sm text-slate-700 hover:bg-slate-50">
            Skip <kbd className="ml-1 font-mono text-xs opacity-60">S</kbd>
          </button>
          <button type="button" data-testid="flag-button" onClick={onFlag} className="rounded-lg border border-slate-200 bg-white px-3 py-2 text-sm text-slate-700 hover:bg-slate-50">
            Flag <kbd className="ml-1 font-mono text-xs opacity-60">F</kbd>
          </button>
          <button type="button" data-testid="submit-button" onClick={onSubmit} className="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-500">
            Submit <kbd className="ml-1 font-mono text-xs opacity-70">Enter</kbd>
          </button>
        </div>
      </div>
    </>
  );
}

export function TaskSkeleton() {
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
