'use client';
import { useState } from 'react';

/** Asks why a task is flagged; Enter confirms, Escape cancels. */
export function FlagDialog({ onConfirm, onCancel }: { onConfirm: (reason: string) => void; onCancel: () => void }) {
  const [reason, setReason] = useState('');
  const confirm = () => {
    if (reason.trim()) onConfirm(reason.trim());
  };
  return (
    <div className="fixed inset-0 z-40 flex items-center justify-center bg-scrim p-4" onClick={onCancel}>
      <div role="dialog" aria-label="Flag this task" data-testid="flag-dialog" className="w-full max-w-md rounded-2xl bg-white p-6 shadow-xl" onClick={(event) => event.stopPropagation()}>
        <h2 className="text-base font-semibold">Flag this task</h2>
        <p className="mt-1 text-sm text-slate-500">It leaves the queue until an admin looks at it. What is wrong?</p>
        <input
          autoFocus
          data-testid="flag-reason"
          value={reason}
          maxLength={1000}
          onChange={(event) => setReason(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter') {
              event.preventDefault();
              confirm();
            } else if (event.key === 'Escape') {
              event.preventDefault();
              onCancel();
            }
          }}
          placeholder="e.g. the prompt is unreadable, personal data, broken completion"
          className="mt-4 w-full rounded-md border border-slate-300 px-3 py-2 text-sm outline-none focus:border-indigo-500 focus:ring-2 focus:ring-indigo-100"
        />
        <div className="mt-4 flex justify-end gap-2">
          <button type="button" onClick={onCancel} className="rounded-md px-3 py-1.5 text-sm text-slate-600 hover:bg-slate-100">
            Cancel <kbd className="ml-1 font-mono text-xs opacity-60">Esc</kbd>
          </button>
          <button
            type="button"
            data-testid="flag-confirm"
            disabled={!reason.trim()}
            onClick={confirm}
            className="rounded-md bg-amber-800 px-3 py-1.5 text-sm font-medium text-white hover:bg-amber-900 disabled:opacity-50"
          >
            Flag <kbd className="ml-1 font-mono text-xs opacity-70">Enter</kbd>
          </button>
        </div>
      </div>
    </div>
  );
}
