'use client';
/** One task on the rating page: its prompt, the completions with their per-completion controls, the task-level questions and the action buttons. */
import type { Question } from '@/lib/forms/schema';
import { MarkdownView } from '../markdown';
import { completionLabel, type QuestionDraft } from './answer-draft';
import { PerCompletionControls, TaskQuestions } from './rating-form';
import type { View } from './use-task-queue';

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
  onSubmit,
  onSkip,
  onFlag,
}: TaskPanelProps) {
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
