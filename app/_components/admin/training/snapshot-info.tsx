/** The dataset snapshot a round trained on: its id, the data options it was taken with, content hash and counts. */
import { dataOptionsSummary } from '../datasets/data-options';
import { formatDateTime, formatNumber } from '../format';
import { flattenNumbers, isRecord } from './training-json';
import type { RoundDetail } from './training-types';

/** The data options a snapshot's stored filters record (labels, minimum agreement, weights). */
function dataOptionsOf(filters: unknown): Parameters<typeof dataOptionsSummary>[0] {
  if (!isRecord(filters)) return {};
  return {
    ...((filters.labelSource === 'majority' || filters.labelSource === 'dawid-skene') && { labelSource: filters.labelSource }),
    ...(typeof filters.minAgreement === 'number' && { minAgreement: filters.minAgreement }),
    ...(filters.weightByConfidence === true && { weightByConfidence: true }),
  };
}

export function SnapshotInfo({ snapshot, metrics }: { snapshot: RoundDetail['snapshot']; metrics: unknown }) {
  // The run's own metrics repeat the counts and hash; they survive the snapshot row being deleted.
  const fromMetrics = isRecord(metrics) && isRecord(metrics.snapshot) ? metrics.snapshot : null;
  const counts = flattenNumbers(snapshot?.counts ?? fromMetrics);
  const contentHash = snapshot?.contentHash ?? (fromMetrics && typeof fromMetrics.contentHash === 'string' ? fromMetrics.contentHash : null);
  if (!snapshot && !fromMetrics) return <p className="text-sm text-slate-500">No snapshot taken yet.</p>;
  return (
    <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-sm sm:grid-cols-4" data-testid="round-snapshot">
      {snapshot && (
        <>
          <dt className="text-slate-500">Snapshot</dt>
          <dd data-testid="round-snapshot-id">
            #{snapshot.id} · {formatDateTime(snapshot.createdAt)}
          </dd>
        </>
      )}
      {snapshot && (
        <>
          <dt className="text-slate-500">Data</dt>
          <dd data-testid="round-snapshot-data">{dataOptionsSummary(dataOptionsOf(snapshot.filters))}</dd>
        </>
      )}
      {contentHash && (
        <>
          <dt className="text-slate-500">Content hash</dt>
          <dd className="truncate font-mono text-xs" title={contentHash} data-testid="round-snapshot-hash">
            {contentHash.slice(0, 16)}…
          </dd>
        </>
      )}
      {counts.map((leaf) => (
        <div key={leaf.path} className="contents">
          <dt className="text-slate-500">{leaf.path}</dt>
          <dd className="tabular-nums">{formatNumber(leaf.value)}</dd>
        </div>
      ))}
    </dl>
  );
}
