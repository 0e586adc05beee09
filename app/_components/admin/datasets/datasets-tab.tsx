'use client';
/** The Datasets tab: take a snapshot, list them (counts, short hash, lineage), export one. */
import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import { ErrorBox } from '../error-box';
import { formatDateTime } from '../format';
import { cardClass, smallButtonClass, tableClass, tdClass, thClass } from '../ui';
import { dataOptionsSummary } from './data-options';
import { ExportJobsList } from './export-jobs';
import { ExportPanel } from './export-panel';
import { SnapshotForm } from './snapshot-form';

export function DatasetsTab({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const snapshots = useQuery(trpc.datasets.list.queryOptions({ projectId }));
  const [chosen, setChosen] = useState<number | null>(null);
  const selected = chosen ?? snapshots.data?.[0]?.id ?? null;
  return (
    <div className="space-y-4">
      <SnapshotForm projectId={projectId} onCreated={setChosen} />
      {snapshots.error && <ErrorBox error={snapshots.error} />}
      {snapshots.data && snapshots.data.length === 0 && <p className={`${cardClass} p-4 text-sm text-slate-500`}>No snapshots yet.</p>}
      {snapshots.data && snapshots.data.length > 0 && (
        <div className={`${cardClass} overflow-x-auto`}>
          <table className={tableClass} data-testid="snapshot-list">
            <thead>
              <tr>
                <th className={thClass}>#</th>
                <th className={thClass}>Name</th>
                <th className={thClass}>Taken</th>
                <th className={thClass}>Labels</th>
                <th className={thClass}>Annotations</th>
                <th className={thClass}>Pairs (train / test)</th>
                <th className={thClass}>SFT / KTO</th>
                <th className={thClass}>Hash</th>
                <th className={thClass}>Used by</th>
                <th className={thClass} />
              </tr>
            </thead>
            <tbody>
              {snapshots.data.map((s) => (
                <tr key={s.id} data-testid={`snapshot-row-${s.id}`} className={s.id === selected ? 'bg-indigo-50' : undefined}>
                  <td className={tdClass}>{s.id}</td>
                  <td className={tdClass}>{s.name ?? (s.runs.length ? `Round ${s.runs[0].number} data` : '—')}</td>
                  <td className={`${tdClass} whitespace-nowrap`}>{formatDateTime(s.createdAt)}</td>
                  <td className={`${tdClass} text-xs`} data-testid={`snapshot-labels-${s.id}`}>
                    {dataOptionsSummary(s.filters)}
                  </td>
                  <td className={tdClass} data-testid={`snapshot-annotations-${s.id}`}>
                    {s.counts.annotations ?? 0}
                  </td>
                  <td className={tdClass}>
                    {s.counts.trainPairs ?? 0} / {s.counts.heldoutPairs ?? 0}
                  </td>
                  <td className={tdClass}>
                    {s.counts.sft ?? 0} / {s.counts.kto ?? 0}
                  </td>
                  <td className={`${tdClass} font-mono text-xs`} title={s.contentHash}>
                    {s.contentHash.slice(0, 12)}
                  </td>
                  <td className={`${tdClass} text-xs`}>
                    {s.runs.map((r) => `round ${r.number}`).join(', ')}
                    {s.runs.length && s.versions.length ? '; ' : ''}
                    {s.versions.map((v) => v.name).join(', ')}
                    {!s.runs.length && !s.versions.length && '—'}
                  </td>
                  <td className={tdClass}>
                    <button type="button" className={smallButtonClass} onClick={() => setChosen(s.id)} data-testid={`snapshot-choose-${s.id}`}>
                      Export
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {selected !== null && <ExportPanel key={selected} snapshotId={selected} />}
      <ExportJobsList projectId={projectId} />
    </div>
  );
}
