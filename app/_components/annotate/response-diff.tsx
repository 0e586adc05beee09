'use client';
/**
 * A word-level diff of two responses, for near-identical answers: what only A has is struck
 * through in a <del>, what only B has is underlined in an <ins>; the marks carry the meaning
 * (strike-through, underline, and the A / B tag read by screen readers), colour only adds to it.
 */
import { useMemo } from 'react';
import { diffWords } from 'diff';

export function ResponseDiff({ a, b, onClose }: { a: string; b: string; onClose: () => void }) {
  const parts = useMemo(() => diffWords(a, b), [a, b]);
  const changed = parts.filter((p) => p.added || p.removed).length;
  return (
    <section data-testid="response-diff" aria-label="Differences between response A and response B" className="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm">
      <div className="mb-2 flex flex-wrap items-center gap-x-4 gap-y-1 text-xs text-slate-500">
        <h2 className="font-semibold tracking-wider text-slate-400 uppercase">Differences A → B</h2>
        <span>
          <del className="rounded bg-rose-100 px-0.5 text-rose-900 decoration-2">only in A</del> struck through,{' '}
          <ins className="rounded bg-emerald-100 px-0.5 text-emerald-900 decoration-2">only in B</ins> underlined
        </span>
        <span>{changed === 0 ? 'The two responses are identical.' : `${changed} change${changed === 1 ? '' : 's'}`}</span>
        <button type="button" onClick={onClose} className="ml-auto rounded-md border border-slate-200 px-2 py-0.5 text-slate-600 hover:bg-slate-50">
          Hide <kbd className="font-mono">D</kbd>
        </button>
      </div>
      <p className="text-sm leading-relaxed whitespace-pre-wrap" data-testid="response-diff-text">
        {parts.map((part, i) =>
          part.removed ? (
            <del key={i} title="only in A" className="rounded bg-rose-100 px-0.5 text-rose-900 line-through decoration-2">
              {part.value}
            </del>
          ) : part.added ? (
            <ins key={i} title="only in B" className="rounded bg-emerald-100 px-0.5 text-emerald-900 underline decoration-2">
              {part.value}
            </ins>
          ) : (
            <span key={i}>{part.value}</span>
          ),
        )}
      </p>
    </section>
  );
}
