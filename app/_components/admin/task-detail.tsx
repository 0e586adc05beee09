/**
 * One task as an admin reviews it: the prompt (chat turns as on the rating page), the responses
 * in the order the annotators saw them, and every answer given to it, in words. Rendered on the
 * server (no state): prompts and responses are untrusted text, shown through MarkdownView.
 */
import Link from 'next/link';
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@/server/api/root';
import { MarkdownView } from '../markdown';
import { describeAnswer, letterOf } from './answer-words';
import { formatCount, formatDuration } from './format';
import { cardClass, tableClass, tdClass, thClass } from './ui';

export type TaskDetailData = inferRouterOutputs<AppRouter>['oversee']['taskDetail'];

const TASK_STATUS_CLASSES: Record<TaskDetailData['status'], string> = {
  OPEN: 'bg-sky-50 text-sky-800',
  DONE: 'bg-emerald-50 text-emerald-800',
  FLAGGED: 'bg-amber-50 text-amber-800',
};
const ANSWER_STATUS_CLASSES: Record<TaskDetailData['annotations'][number]['status'], string> = {
  SUBMITTED: 'bg-emerald-50 text-emerald-800',
  SKIPPED: 'bg-slate-100 text-slate-600',
  FLAGGED: 'bg-amber-50 text-amber-800',
};
const SOURCE_LABELS: Record<TaskDetailData['completions'][number]['source'], string> = { MODEL: 'model', IMPORT: 'imported', HUMAN_EDIT: 'human edit', API: 'API' };

/** Dates in UTC, so the server's rendering and the reader agree whatever the server's zone. */
function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function TaskDetail({ task, projectName }: { task: TaskDetailData; projectName: string }) {
  const messages = task.prompt.messages;
  const count = task.completions.length;
  const gridColumns = count === 1 ? 'grid-cols-1' : count === 2 ? 'md:grid-cols-2' : 'md:grid-cols-2 xl:grid-cols-3';
  return (
    <div className="space-y-4" data-testid="task-detail">
      <div>
        <Link href={`/admin/projects/${task.projectId}?tab=annotations`} className="text-xs text-slate-500 hover:text-slate-800" data-testid="task-detail-back">
          ← {projectName}
        </Link>
        <h1 className="flex flex-wrap items-center gap-2 text-xl font-semibold tracking-tight">
          Task #{task.taskId}
          <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${TASK_STATUS_CLASSES[task.status]}`} data-testid="task-detail-status">
            {task.status.toLowerCase()}
          </span>
        </h1>
        <p className="text-xs text-slate-500" data-testid="task-detail-summary">
          {formatCount(task.submittedCount)} of {formatCount(task.overlap)} answers submitted · created {formatUtc(task.createdAt)}
          {task.prompt.split === 'HELDOUT' && ' · held-out prompt'}
          {task.prompt.externalId && ` · external id ${task.prompt.externalId}`}
        </p>
      </div>

      <section data-testid="task-detail-prompt" className={`${cardClass} p-4`}>
        <h2 className="mb-2 text-xs font-semibold uppercase tracking-wider text-slate-500">Prompt</h2>
        {messages && messages.length > 0 ? (
          <ol className="flex flex-col gap-2">
            {messages.map((message, i) => (
              <li key={i} className={`rounded-lg px-3 py-2 ${message.role === 'user' ? 'bg-slate-100' : message.role === 'system' ? 'bg-amber-50 text-sm' : 'bg-indigo-50/60'}`}>
                <div className="mb-0.5 text-[11px] font-semibold uppercase tracking-wide text-slate-500">{message.role}</div>
                <MarkdownView text={message.content} />
              </li>
            ))}
          </ol>
        ) : (
          <MarkdownView text={task.prompt.text} />
        )}
      </section>

      <section aria-label="Responses in the order annotators saw them">
        <h2 className="mb-2 text-xs font-semibold uppercase tracking-wider text-slate-500">Responses, in the order annotators saw them</h2>
        <div className={`grid gap-4 ${gridColumns}`}>
          {task.completions.map((completion, index) => (
            <article key={completion.id} data-testid={`task-response-${index}`} className={`${cardClass} flex min-w-0 flex-col overflow-hidden`}>
              <header className="flex items-center gap-2 border-b border-slate-100 px-4 py-2">
                <span className="flex size-6 items-center justify-center rounded-md bg-slate-900 text-xs font-semibold text-white">{letterOf(index)}</span>
                <span className="text-xs text-slate-500">
                  Response {letterOf(index)} · {SOURCE_LABELS[completion.source]}
                </span>
              </header>
              <div className="flex-1 px-4 py-3" data-testid={`task-response-text-${index}`}>
                <MarkdownView text={completion.text} />
              </div>
            </article>
          ))}
        </div>
      </section>

      <section className={`${cardClass} overflow-x-auto`}>
        <h2 className="border-b border-slate-200 px-3 py-2 text-sm font-semibold">
          Answers <span className="font-normal text-slate-500">({formatCount(task.annotations.length)})</span>
        </h2>
        {task.annotations.length === 0 ? (
          <p className="px-3 py-4 text-sm text-slate-500" data-testid="task-answers-empty">
            No one has answered this task yet.
          </p>
        ) : (
          <table className={tableClass} data-testid="task-answers">
            <thead>
              <tr>
                <th className={thClass}>Annotator</th>
                <th className={thClass}>When</th>
                <th className={thClass}>Status</th>
                <th className={thClass}>Answer</th>
                <th className={`${thClass} text-right`}>Time spent</th>
              </tr>
            </thead>
            <tbody>
              {task.annotations.map((annotation) => {
                const words = describeAnswer(annotation.answer, task.completions, task.questions, 120);
                return (
                  <tr key={annotation.id} data-testid={`task-answer-${annotation.id}`}>
                    <td className={`${tdClass} whitespace-nowrap`}>{annotation.annotatorName}</td>
                    <td className={`${tdClass} whitespace-nowrap text-xs text-slate-500`}>{formatUtc(annotation.createdAt)}</td>
                    <td className={tdClass}>
                      <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${ANSWER_STATUS_CLASSES[annotation.status]}`}>{annotation.status.toLowerCase()}</span>
                    </td>
                    <td className={`${tdClass} text-sm`} data-testid={`task-answer-words-${annotation.id}`}>
                      {annotation.status === 'FLAGGED' && <div className="text-amber-800">Flagged: {annotation.flagReason || 'no reason given'}</div>}
                      {annotation.status === 'SKIPPED' && <div className="text-slate-500">Skipped without an answer</div>}
                      {words.map((answer) => (
                        <div key={answer.questionId} className="mb-1 last:mb-0">
                          {words.length > 1 || task.questions.length > 1 ? <div className="text-xs text-slate-500">{answer.label}</div> : null}
                          {answer.lines.map((line, i) => (
                            <div key={i} className="break-words text-slate-800">
                              {line}
                            </div>
                          ))}
                        </div>
                      ))}
                    </td>
                    <td className={`${tdClass} whitespace-nowrap text-right text-xs tabular-nums`}>{formatDuration(annotation.timeSpentMs)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        <p className="px-3 py-2 text-xs text-slate-500">An undone submission is withdrawn with its answer, so it is not listed.</p>
      </section>
    </div>
  );
}
