'use client';
/** Recent annotations of a project, newest first, filtered by annotator and status, paged by cursor. */
import { useState } from 'react';
import Link from 'next/link';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { Question } from '@/lib/forms/schema';
import { useTRPC } from '@/app/_trpc/react';
import { describeAnswer, type ShownCompletion } from './answer-words';
import { ErrorBox } from './error-box';
import { formatCount, formatDateTime, formatDuration } from './format';
import { cardClass, inputClass, labelClass, secondaryButtonClass, tableClass, tdClass, thClass } from './ui';

const STATUSES = ['SUBMITTED', 'SKIPPED', 'FLAGGED'] as const;
type Status = (typeof STATUSES)[number];
const PAGE_SIZE = 25;

const STATUS_CLASSES: Record<Status, string> = {
  SUBMITTED: 'bg-emerald-50 text-emerald-800',
  SKIPPED: 'bg-slate-100 text-slate-600',
  FLAGGED: 'bg-amber-50 text-amber-800',
};

export function ProjectAnnotations({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const [userId, setUserId] = useState('');
  const [status, setStatus] = useState<Status | ''>('');
  // The annotator filter lists everyone who has worked on this project.
  const stats = useQuery(trpc.oversee.projectStats.queryOptions({ projectId }));
  // The form gives each answer's question its label and scale.
  const project = useQuery(trpc.projects.get.queryOptions({ projectId }));
  const questions = project.data?.form.questions ?? [];
  const annotations = useInfiniteQuery(
    trpc.oversee.recentAnnotations.infiniteQueryOptions(
      { projectId, userId: userId || undefined, status: status || undefined, limit: PAGE_SIZE },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
  );
  const rows = annotations.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end gap-3">
        <label className="w-56">
          <span className={labelClass}>Annotator</span>
          <select data-testid="annotations-filter-user" className={inputClass} value={userId} onChange={(e) => setUserId(e.target.value)}>
            <option value="">Everyone</option>
            {stats.data?.annotationsByAnnotator.map((a) => (
              <option key={a.userId} value={a.userId}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
        <label className="w-44">
          <span className={labelClass}>Status</span>
          <select data-testid="annotations-filter-status" className={inputClass} value={status} onChange={(e) => setStatus(STATUSES.find((s) => s === e.target.value) ?? '')}>
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.toLowerCase()}
              </option>
            ))}
          </select>
        </label>
      </div>
      {annotations.error && <ErrorBox error={annotations.error} />}
      <div className={`${cardClass} overflow-x-auto`}>
        <table className={tableClass} data-testid="annotations-table">
          <thead>
            <tr>
              <th className={thClass}>When</th>
              <th className={thClass}>Annotator</th>
              <th className={thClass}>Prompt</th>
              <th className={thClass}>Status</th>
              <th className={thClass}>Answer</th>
              <th className={`${thClass} text-right`}>Time</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id} data-testid={`annotation-row-${row.id}`}>
                <td className={`${tdClass} whitespace-nowrap text-xs text-slate-500`}>{formatDateTime(row.createdAt)}</td>
                <td className={`${tdClass} whitespace-nowrap`}>{row.annotatorName}</td>
                <td className={`${tdClass} max-w-xs text-xs`}>
                  <Link
                    href={`/admin/projects/${projectId}/tasks/${row.taskId}`}
                    className="line-clamp-2 text-slate-700 underline decoration-slate-300 underline-offset-2 hover:text-slate-950 hover:decoration-slate-600"
                    title={row.promptExcerpt}
                    data-testid={`annotation-task-link-${row.id}`}
                  >
                    {row.promptExcerpt}
                  </Link>
                </td>
                <td className={tdClass}>
                  <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${STATUS_CLASSES[row.status]}`}>{row.status.toLowerCase()}</span>
                </td>
                <td className={`${tdClass} max-w-md text-xs`} data-testid={`annotation-answer-${row.id}`}>
                  {row.status === 'FLAGGED' && row.flagReason && <div className="text-amber-800">⚑ {row.flagReason}</div>}
                  <AnswerSummary answer={row.answer} completions={row.completions.map((c) => ({ id: c.id, text: c.excerpt }))} questions={questions} />
                </td>
                <td className={`${tdClass} whitespace-nowrap text-right text-xs tabular-nums`}>{formatDuration(row.timeSpentMs)}</td>
              </tr>
            ))}
            {annotations.isSuccess && rows.length === 0 && (
              <tr>
                <td colSpan={6} className="px-3 py-6 text-center text-sm text-slate-500">
                  No annotations{userId || status ? ' match these filters' : ' yet'}.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <div className="flex items-center gap-3">
        {annotations.hasNextPage && (
          <button type="button" className={secondaryButtonClass} data-testid="annotations-more" disabled={annotations.isFetchingNextPage} onClick={() => void annotations.fetchNextPage()}>
            {annotations.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        )}
        {annotations.isPending && <span className="text-sm text-slate-500">Loading…</span>}
        {rows.length > 0 && <span className="text-xs text-slate-500">{formatCount(rows.length)} shown</span>}
      </div>
    </div>
  );
}

/** Each question's answer in words, responses quoted by the start of their text ("B better: “Paris is…”"). */
function AnswerSummary({ answer, completions, questions }: { answer: unknown; completions: ShownCompletion[]; questions: Question[] }) {
  const parts = describeAnswer(answer, completions, questions, 60);
  if (parts.length === 0) return null;
  return (
    <dl className="space-y-0.5">
      {parts.map((part) => (
        <div key={part.questionId}>
          {parts.length > 1 && <dt className="text-slate-400">{part.label}</dt>}
          <dd className="break-words text-slate-800">
            {part.lines.map((line, i) => (
              <div key={i}>{line}</div>
            ))}
          </dd>
        </div>
      ))}
    </dl>
  );
}
