'use client';
/**
 * The arena on the Training tab: start an arena among policy versions, follow its job, and the
 * leaderboard of people's blind votes beside the versions' offline metrics (in the versions table).
 */
import { useState } from 'react';
import { ErrorBox } from '../error-box';
import { formatDateTime, formatNumber } from '../format';
import { JobProgress } from '../training/job-progress';
import { StatusBadge, isActiveStatus } from '../training/status-badge';
import { buttonClass, cardClass } from '../ui';
import { ArenaForm } from './arena-form';
import { ArenaLeaderboard } from './arena-leaderboard';
import type { ArenaRow } from './arena-types';
import { useArenaLeaderboard, useArenas } from './use-arena';

function ArenaLine({ arena }: { arena: ArenaRow }) {
  const job = arena.job;
  return (
    <li className="flex flex-wrap items-center gap-x-3 gap-y-1 py-1.5 text-sm" data-testid={`arena-${arena.id}`}>
      <span className="font-medium">{arena.name}</span>
      <span className="text-slate-600">{arena.versions.map((v) => v.name).join(' vs ')}</span>
      {job && <StatusBadge status={job.status} testId={`arena-status-${arena.id}`} />}
      {job && isActiveStatus(job.status) && <JobProgress progress={job.progress} testId={`arena-progress-${arena.id}`} />}
      {job?.status === 'FAILED' && <span className="text-xs text-rose-700">{job.error}</span>}
      <span className="text-xs text-slate-500">
        {formatNumber(arena.tasks)} tasks, {formatNumber(arena.votes)} votes · {formatDateTime(arena.createdAt)}
      </span>
    </li>
  );
}

export function ArenaPanel({ projectId, policies }: { projectId: number; policies: { id: number; name: string }[] }) {
  const arenas = useArenas(projectId);
  const board = useArenaLeaderboard(projectId);
  const [isFormOpen, setIsFormOpen] = useState(false);

  return (
    <section className={`${cardClass} space-y-3 p-3`} data-testid="arena-panel" aria-labelledby="arena-heading">
      <div className="flex items-center gap-3">
        <h2 id="arena-heading" className="mr-auto text-sm font-semibold">
          Arena: versions ranked by blind votes
        </h2>
        <button
          type="button"
          className={buttonClass}
          data-testid="arena-open-form"
          disabled={policies.length < 2 || isFormOpen}
          onClick={() => setIsFormOpen(true)}
          title={policies.length < 2 ? 'An arena needs two policy versions' : undefined}
        >
          Start an arena
        </button>
      </div>
      {isFormOpen && <ArenaForm projectId={projectId} policies={policies} onClose={() => setIsFormOpen(false)} />}
      <ErrorBox error={arenas.error ?? board.error} testId="arena-error" />
      {arenas.data && arenas.data.length > 0 && (
        <ul className="divide-y divide-slate-100" data-testid="arena-list">
          {arenas.data.map((arena) => (
            <ArenaLine key={arena.id} arena={arena} />
          ))}
        </ul>
      )}
      {board.data ? <ArenaLeaderboard board={board.data} /> : !board.error && <p className="text-sm text-slate-500">Loading the leaderboard…</p>}
    </section>
  );
}
