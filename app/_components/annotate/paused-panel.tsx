'use client';
/**
 * What a paused annotator sees instead of a task: why (their answers on the project's check tasks
 * fell below its accuracy threshold), what happens next (an admin reviews and resumes them), and a
 * way back to their projects. It names no task and no count: which tasks are checks stays hidden.
 * "Check again" asks the queue once per press; nothing polls.
 */
import Link from 'next/link';
import type { PauseInfo } from './task-errors';

export function PausedPanel({ pause, isChecking, checkError, onCheckAgain }: { pause: PauseInfo; isChecking: boolean; checkError: string | null; onCheckAgain: () => void }) {
  const threshold = pause.accuracyThreshold === null ? null : `${Math.round(pause.accuracyThreshold * 100)}%`;
  return (
    <section data-testid="paused-panel" aria-labelledby="paused-panel-title" className="flex flex-col gap-4 rounded-2xl border border-amber-300 bg-amber-50 px-6 py-8 text-amber-950">
      <h2 id="paused-panel-title" className="text-lg font-semibold">
        Paused for this project
      </h2>
      <div className="flex max-w-2xl flex-col gap-2 text-sm leading-relaxed">
        <p data-testid="paused-reason">
          Some tasks in this project have a known right answer, to check that answers stay accurate. Your answers on them matched less often than this project requires
          {threshold ? ` (${threshold})` : ''}, so new tasks are not given to you here for now. The answers you already gave are kept.
        </p>
        <p data-testid="paused-next">
          <strong className="font-semibold">What happens next:</strong> an admin reviews your work and resumes you; your tasks then come back on this page. Meanwhile you can rate in your other
          projects, and re-read the guidelines.
        </p>
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <Link href="/annotate" data-testid="paused-projects-link" className="rounded-md bg-amber-800 px-3 py-1.5 text-sm font-medium text-white hover:bg-amber-900">
          Back to your projects
        </Link>
        <button
          type="button"
          data-testid="paused-check-again"
          onClick={onCheckAgain}
          disabled={isChecking}
          className="rounded-md border border-amber-300 bg-white px-3 py-1.5 text-sm text-amber-950 hover:bg-amber-100 disabled:cursor-not-allowed disabled:opacity-60"
        >
          {isChecking ? 'Checking…' : 'Check again'}
        </button>
        {checkError && (
          <p role="status" className="text-sm text-rose-700">
            Could not check just now: {checkError}
          </p>
        )}
      </div>
    </section>
  );
}
