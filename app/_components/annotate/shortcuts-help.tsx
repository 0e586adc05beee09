'use client';

const SHORTCUTS: [string, string][] = [
  ['1 – 9', 'Answer the active question (marked, “keys 1–5”): a Likert score, an attribute score, thumbs (1 up, 2 down); then the next unanswered one becomes active'],
  ['1 – 9 (ranking)', 'Put the selected or focused response in that place (a ranking starts empty: place every response)'],
  ['1 – 3 (pairwise)', 'How much better, once A or B is chosen (when the form asks)'],
  ['A / B', 'Prefer A / prefer B (the chosen response is marked “Chosen”)'],
  ['T / N', 'Tie / both bad'],
  ['↑ ↓', 'Previous / next question; with a ranking item selected, move it up / down'],
  ['← →', 'Previous / next response'],
  ['Tab', 'The browser’s focus order: responses, then their buttons, then the questions below; focusing a question’s buttons makes it the active one'],
  ['D', 'Show or hide the word diff of responses A and B'],
  ['Enter', 'Submit (Ctrl/⌘+Enter while typing)'],
  ['S', 'Skip this task'],
  ['F', 'Flag this task (a reason, then Enter)'],
  ['U', 'Undo your last action (submit, skip or flag) while it is unlocked; older ones: Reopen in Recent'],
  ['G', 'Show or hide the guidelines'],
  ['?', 'Show or hide these shortcuts'],
  ['Esc', 'Close dialogs, clear the ranking selection'],
];

export function ShortcutsHelp({ onClose }: { onClose: () => void }) {
  return (
    <div className="fixed inset-0 z-40 flex items-center justify-center bg-scrim p-4" onClick={onClose}>
      <div role="dialog" aria-label="Keyboard shortcuts" data-testid="shortcuts-help" className="w-full max-w-lg rounded-2xl bg-white p-6 shadow-xl" onClick={(event) => event.stopPropagation()}>
        <div className="mb-4 flex items-center justify-between">
          <h2 className="text-base font-semibold">Keyboard shortcuts</h2>
          <button type="button" onClick={onClose} className="text-sm text-slate-500 hover:text-slate-900">
            Close <kbd className="ml-1 rounded border px-1 font-mono text-xs">?</kbd>
          </button>
        </div>
        <dl className="grid grid-cols-[8.5rem_1fr] gap-x-4 gap-y-2 text-sm">
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
