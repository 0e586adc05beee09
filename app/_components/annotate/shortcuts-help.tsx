'use client';

const SHORTCUTS: [string, string][] = [
  ['1 – 9', 'Score the focused completion (Likert; thumbs: 1 up, 2 down); ranking: move to that place'],
  ['A / B', 'Prefer A / prefer B'],
  ['T / N', 'Tie / both bad'],
  ['Tab, ← →', 'Move between completions'],
  ['↑ ↓', 'Move the selected ranking item'],
  ['Enter', 'Submit (Ctrl/⌘+Enter while typing)'],
  ['S', 'Skip this task'],
  ['F', 'Flag this task (a reason, then Enter)'],
  ['U', 'Undo the last submission while it is unlocked'],
  ['G', 'Show or hide the guidelines'],
  ['?', 'Show or hide these shortcuts'],
  ['Esc', 'Close dialogs, clear the ranking selection'],
];

export function ShortcutsHelp({ onClose }: { onClose: () => void }) {
  return (
    <div className="fixed inset-0 z-40 flex items-center justify-center bg-slate-900/30 p-4" onClick={onClose}>
      <div role="dialog" aria-label="Keyboard shortcuts" data-testid="shortcuts-help" className="w-full max-w-lg rounded-2xl bg-white p-6 shadow-xl" onClick={(event) => event.stopPropagation()}>
        <div className="mb-4 flex items-center justify-between">
          <h2 className="text-base font-semibold">Keyboard shortcuts</h2>
          <button type="button" onClick={onClose} className="text-sm text-slate-500 hover:text-slate-900">
            Close <kbd className="ml-1 rounded border px-1 font-mono text-xs">?</kbd>
          </button>
        </div>
        <dl className="grid grid-cols-[7rem_1fr] gap-x-4 gap-y-2 text-sm">
          {SHORTCUTS.map(([keys, action]) => (
            <div key={keys} className="contents">
              <dt>
                <kbd className="rounded border border-slate-300 bg-slate-50 px-1.5 py-0.5 font-mono text-xs">{keys}</kbd>
              </dt>
              <dd className="text-slate-600">{action}</dd>
            </div>
          ))}
        </dl>
      </div>
    </div>
  );
}
