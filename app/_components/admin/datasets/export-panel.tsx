'use client';
/**
 * One snapshot's export: format and encoding pickers with the options the format takes, a
 * preview of its first rows (computed by the same exporter as the download) and the download
 * link. Every value is rendered as text; nothing from the data is ever HTML.
 */
import { useMemo, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import { ErrorBox } from '../error-box';
import { StartExportButton } from './export-jobs';
import { buttonClass, cardClass, inputClass, labelClass, tableClass, tdClass, thClass } from '../ui';

type Options = { split: 'all' | 'train' | 'test'; rankingPairs: 'all' | 'adjacent'; includeTies: boolean; includeBothBad: boolean; margin: boolean; ktoThreshold: string };
const DEFAULT_OPTIONS: Options = { split: 'all', rankingPairs: 'all', includeTies: false, includeBothBad: false, margin: false, ktoThreshold: '' };

/** A cell's text: strings as they are (cut for the table), anything else as JSON. */
function cellText(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}

/** The download URL (the edge's dataset-export route), with only the options the format takes. */
export function exportUrl(snapshotId: number, format: string, encoding: string, options: Options, allowed: string[]): string {
  const params = new URLSearchParams({ format, encoding });
  if (allowed.includes('split') && options.split !== 'all') params.set('split', options.split);
  if (allowed.includes('rankingPairs') && options.rankingPairs !== 'all') params.set('rankingPairs', options.rankingPairs);
  if (allowed.includes('includeTies') && options.includeTies) params.set('includeTies', 'true');
  if (allowed.includes('includeBothBad') && options.includeBothBad) params.set('includeBothBad', 'true');
  if (allowed.includes('margin') && options.margin) params.set('margin', 'true');
  if (allowed.includes('ktoThreshold') && options.ktoThreshold !== '') params.set('ktoThreshold', options.ktoThreshold);
  return `/api/datasets/${snapshotId}/export?${params.toString()}`;
}

export function ExportPanel({ snapshotId }: { snapshotId: number }) {
  const trpc = useTRPC();
  const formats = useQuery(trpc.datasets.formats.queryOptions());
  const [format, setFormat] = useState('trl-preference');
  const [encoding, setEncoding] = useState('jsonl');
  const [options, setOptions] = useState<Options>(DEFAULT_OPTIONS);
  const info = formats.data?.find((f) => f.format === format);
  const allowed = info?.options ?? [];
  const encodings = info?.encodings ?? ['jsonl'];
  const chosenEncoding = encodings.includes(encoding as (typeof encodings)[number]) ? encoding : encodings[0];
  const threshold = options.ktoThreshold === '' ? undefined : Number(options.ktoThreshold);
  const previewInput = useMemo(
    () => ({
      snapshotId,
      format: format as 'raw',
      options: {
        split: options.split,
        rankingPairs: options.rankingPairs,
        includeTies: options.includeTies,
        includeBothBad: options.includeBothBad,
        margin: options.margin,
        ...(threshold !== undefined && Number.isFinite(threshold) ? { ktoThreshold: threshold } : {}),
      },
    }),
    [snapshotId, format, options, threshold],
  );
  const preview = useQuery(trpc.datasets.preview.queryOptions(previewInput, { enabled: !!info }));
  const set = <K extends keyof Options>(key: K, value: Options[K]) => setOptions((o) => ({ ...o, [key]: value }));
  const url = exportUrl(snapshotId, format, chosenEncoding, options, allowed);

  if (formats.error) return <ErrorBox error={formats.error} />;
  return (
    <div className={`${cardClass} space-y-3 p-4`} data-testid="export-panel">
      <h3 className="text-sm font-semibold text-slate-800">Export snapshot #{snapshotId}</h3>
      <div className="grid gap-3 sm:grid-cols-3">
        <label className="block">
          <span className={labelClass}>Format</span>
          <select className={inputClass} value={format} onChange={(e) => setFormat(e.target.value)} data-testid="export-format">
            {formats.data?.map((f) => (
              <option key={f.format} value={f.format}>
                {f.label}
              </option>
            ))}
          </select>
        </label>
        <label className="block">
          <span className={labelClass}>Encoding</span>
          <select className={inputClass} value={chosenEncoding} onChange={(e) => setEncoding(e.target.value)} data-testid="export-encoding">
            {encodings.map((e) => (
              <option key={e} value={e}>
                {e}
              </option>
            ))}
          </select>
        </label>
        {allowed.includes('split') && (
          <label className="block">
            <span className={labelClass}>Split</span>
            <select className={inputClass} value={options.split} onChange={(e) => set('split', e.target.value as Options['split'])} data-testid="export-split">
              <option value="all">train and test</option>
              <option value="train">train only</option>
              <option value="test">test only</option>
            </select>
          </label>
        )}
      </div>
      {info && <p className="text-xs text-slate-500">{info.description}</p>}
      <div className="flex flex-wrap gap-4 text-sm">
        {allowed.includes('rankingPairs') && (
          <label>
            Rankings:{' '}
            <select value={options.rankingPairs} onChange={(e) => set('rankingPairs', e.target.value as Options['rankingPairs'])} data-testid="export-ranking-pairs">
              <option value="all">all ordered pairs</option>
              <option value="adjacent">adjacent pairs only</option>
            </select>
          </label>
        )}
        {allowed.includes('includeTies') && (
          <label>
            <input type="checkbox" checked={options.includeTies} onChange={(e) => set('includeTies', e.target.checked)} /> keep ties
          </label>
        )}
        {allowed.includes('includeBothBad') && (
          <label>
            <input type="checkbox" checked={options.includeBothBad} onChange={(e) => set('includeBothBad', e.target.checked)} /> keep &ldquo;both bad&rdquo;
          </label>
        )}
        {allowed.includes('margin') && format !== 'hh' && (
          <label>
            <input type="checkbox" checked={options.margin} onChange={(e) => set('margin', e.target.checked)} data-testid="export-margin" /> write margin
          </label>
        )}
        {allowed.includes('ktoThreshold') && (
          <label>
            KTO threshold:{' '}
            <input
              type="number"
              step="0.5"
              className="w-20 rounded border border-slate-300 px-1"
              value={options.ktoThreshold}
              placeholder="midpoint"
              onChange={(e) => set('ktoThreshold', e.target.value)}
            />
          </label>
        )}
      </div>
      <div className="flex flex-wrap items-center gap-2">
        <a href={url} download className={buttonClass} data-testid="export-download">
          Download {chosenEncoding}
        </a>
        <StartExportButton input={{ ...previewInput, encoding: chosenEncoding as 'jsonl' }} />
      </div>
      <div>
        <h4 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">Preview (first {preview.data?.rows.length ?? 0} rows)</h4>
        {preview.error && <ErrorBox error={preview.error} />}
        {preview.data && preview.data.rows.length === 0 && <p className="text-sm text-slate-500">This format has no rows in this snapshot.</p>}
        {preview.data && preview.data.rows.length > 0 && (
          <div className="max-h-96 overflow-auto">
            <table className={tableClass} data-testid="export-preview">
              <thead>
                <tr>
                  {preview.data.columns.map((c) => (
                    <th key={c} className={thClass}>
                      {c}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {preview.data.rows.map((row, i) => (
                  <tr key={i}>
                    {preview.data.columns.map((c) => (
                      <td key={c} className={`${tdClass} whitespace-pre-wrap font-mono text-xs`}>
                        {cellText(row[c])}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </div>
  );
}
