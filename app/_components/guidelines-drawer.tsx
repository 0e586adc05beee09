'use client';
/**
 * The project's guidelines beside the task: a sticky column from 1024 px, and below that a drawer
 * that slides over the page from the right (the column has no room on a tablet or a phone). The
 * G key and the Guidelines button toggle both; Escape or the close button folds the drawer.
 */
import { useEffect, useRef, useState } from 'react';
import { MarkdownView } from './markdown';

const WIDE_QUERY = '(min-width: 1024px)';

/**
 * Whether the guidelines show: open by default beside the task on a wide screen, closed on a narrow
 * one (the drawer would cover the task). The server renders "open" (it cannot know the width);
 * the drawer waits for the browser's answer, so a phone never flashes it.
 */
export function useGuidelinesOpen(): [boolean, React.Dispatch<React.SetStateAction<boolean>>] {
  const [isOpen, setIsOpen] = useState(true);
  useEffect(() => {
    if (!window.matchMedia(WIDE_QUERY).matches) setIsOpen(false);
  }, []);
  return [isOpen, setIsOpen];
}

export function GuidelinesPanel({ guidelines, isOpen, onClose }: { guidelines: string; isOpen: boolean; onClose: () => void }) {
  const closeRef = useRef<HTMLButtonElement>(null);
  // Set in the same commit as useGuidelinesOpen's first answer, so both land in one render.
  const [isMeasured, setIsMeasured] = useState(false);
  useEffect(() => setIsMeasured(true), []);
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;
  const body = guidelines.trim() ? <MarkdownView text={guidelines} className="text-sm" /> : <p className="text-sm text-slate-500">No guidelines for this project.</p>;
  const isDrawerShown = isOpen && isMeasured;

  // The drawer takes the focus when it opens (a keyboard user lands in it), and Escape folds it.
  useEffect(() => {
    if (!isDrawerShown || window.matchMedia(WIDE_QUERY).matches) return;
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    closeRef.current?.focus();
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onCloseRef.current();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => {
      window.removeEventListener('keydown', onKeyDown);
      previous?.focus();
    };
  }, [isDrawerShown]);

  if (!isOpen) return null;
  return (
    <>
      <aside
        data-testid="guidelines-panel"
        aria-label="Guidelines"
        className="sticky top-16 hidden max-h-[calc(100vh-5rem)] w-80 shrink-0 overflow-y-auto rounded-2xl border border-slate-200 bg-white p-4 shadow-sm lg:block"
      >
        <h2 className="mb-2 text-xs font-semibold uppercase tracking-wider text-slate-600">Guidelines</h2>
        {body}
      </aside>
      {isDrawerShown && (
        <div className="fixed inset-0 z-40 lg:hidden">
          <div className="absolute inset-0 bg-scrim" aria-hidden="true" onClick={onClose} />
          <div
            role="dialog"
            aria-modal="true"
            aria-labelledby="guidelines-drawer-title"
            data-testid="guidelines-drawer"
            className="absolute inset-y-0 right-0 flex w-[min(24rem,90vw)] flex-col border-l border-slate-200 bg-white shadow-xl"
          >
            <div className="flex items-center justify-between border-b border-slate-200 px-4 py-3">
              <h2 id="guidelines-drawer-title" className="text-base font-semibold text-slate-900">
                Guidelines
              </h2>
              <button
                ref={closeRef}
                type="button"
                data-testid="guidelines-drawer-close"
                onClick={onClose}
                className="rounded-md border border-slate-300 px-2.5 py-1 text-sm text-slate-700 hover:bg-slate-100"
              >
                Close <kbd className="ml-1 font-mono text-xs">Esc</kbd>
              </button>
            </div>
            <div className="flex-1 overflow-y-auto p-4">{body}</div>
          </div>
        </div>
      )}
    </>
  );
}
