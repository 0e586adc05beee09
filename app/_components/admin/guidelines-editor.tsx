'use client';
/** A markdown textarea with a Write / Preview switch; the preview uses the app's safe renderer. */
import { useState } from 'react';
import { MarkdownView } from '../markdown';
import { inputClass } from './ui';

export function GuidelinesEditor({ value, onChange, testId = 'project-guidelines' }: { value: string; onChange: (value: string) => void; testId?: string }) {
  const [isPreview, setPreview] = useState(false);
  const tab = (active: boolean) => `rounded-t-md px-3 py-1 text-xs font-medium ${active ? 'border border-b-0 border-slate-300 bg-white text-slate-900' : 'text-slate-500 hover:text-slate-800'}`;
  return (
    <div>
      <div className="flex gap-1">
        <button type="button" className={tab(!isPreview)} onClick={() => setPreview(false)}>
          Write
        </button>
        <button type="button" className={tab(isPreview)} onClick={() => setPreview(true)} data-testid={`${testId}-preview-tab`}>
          Preview
        </button>
      </div>
      {/* The textarea stays mounted (hidden in preview) so tests and the browser keep its value and focus. */}
      <textarea
        data-testid={testId}
        className={`${inputClass} min-h-40 font-mono text-xs ${isPreview ? 'hidden' : ''}`}
        value={value}
        placeholder={'# How to rate\n\nPrefer the response that is **helpful**, **honest** and **harmless**.'}
        onChange={(e) => onChange(e.target.value)}
      />
      {isPreview && (
        <div className="min-h-40 rounded-md border border-slate-300 bg-white p-3 text-sm" data-testid={`${testId}-preview`}>
          {value.trim() ? <MarkdownView text={value} /> : <p className="text-slate-400">Nothing to preview.</p>}
        </div>
      )}
    </div>
  );
}
