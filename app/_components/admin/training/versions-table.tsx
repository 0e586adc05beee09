'use client';
/**
 * Model versions, newest first: policies and reward models with their lineage, size and key
 * metrics. Policies can be ticked for comparison and promoted (promoting an older one is a rollback).
 */
import { type ReactNode, useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import { useToast } from '../../toast';
import { ErrorBox } from '../error-box';
import { formatBytes, formatDateTime, formatNumber } from '../format';
import { buttonClass, cardClass, smallButtonClass, tableClass, tdClass, thClass } from '../ui';
import { ConfirmDialog } from './confirm-dialog';
import { KEY_METRIC_LABELS, KEY_METRIC_NAMES, readKeyMetrics } from './training-json';
import type { RoundRow, VersionRow } from './training-types';

export const MAX_COMPARED = 4;
const STATUS_WORDS: Record<VersionRow['status'], string> = { ACTIVE: 'Active', CANDIDATE: 'Candidate', ARCHIVED: 'Archived' };
const STATUS_TONES: Record<VersionRow['status'], string> = { ACTIVE: 'bg-emerald-100 text-emerald-800', CANDIDATE: 'bg-sky-100 text-sky-800', ARCHIVED: 'bg-slate-100 text-slate-600' };

export function VersionsTable({
  versions,
  runs,
  selectedIds,
  onToggle,
  onCompare,
  arenaCell,
}: {
  versions: VersionRow[];
  runs: RoundRow[];
  selectedIds: number[];
  onToggle: (versionId: number) => void;
  onCompare: () => void;
  /** A policy's arena score, shown beside its offline metrics. */
  arenaCell?: (version: VersionRow) => ReactNode;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [promoting, setPromoting] = useState<VersionRow | null>(null);
  const promote = useMutation(
    trpc.training.promote.mutationOptions({
      onSuccess: async (outcome) => {
        toast.show(`${promoting?.name ?? 'The version'} is now the active policy${outcome.generateJobId ? `; generate job #${outcome.generateJobId} queued` : ''}`, 'success');
        setPromoting(null);
        await queryClient.invalidateQueries(trpc.training.pathFilter());
      },
    }),
  );
  const nameOf = (id: number | null) => (id === null ? 'base model' : (versions.find((v) => v.id === id)?.name ?? `#${id}`));
  const roundOf = (runId: number | null) => (runId === null ? '—' : `Round ${runs.find((r) => r.id === runId)?.number ?? `#${runId}`}`);
  const activeVersion = versions.find((v) => v.kind === 'POLICY' && v.status === 'ACTIVE');

  return (
    <section className={`${cardClass} overflow-x-auto`} data-testid="versions-table">
      <div className="flex items-center gap-3 border-b border-slate-200 px-3 py-2">
        <h2 className="mr-auto text-sm font-semibold">Model versions</h2>
        <span className="text-xs text-slate-500">{selectedIds.length === 0 ? 'Tick two policies to compare them' : `${selectedIds.length} selected`}</span>
        <button type="button" className={buttonClass} data-testid="compare-button" disabled={selectedIds.length < 2} onClick={onCompare}>
          Compare
        </button>
      </div>
      {versions.length === 0 ? (
        <p className="px-3 py-4 text-sm text-slate-500">No versions yet: a round that succeeds registers a policy and a reward model.</p>
      ) : (
        <table className={tableClass}>
          <thead>
            <tr>
              <th className={thClass}>
                <span className="sr-only">Compare</span>
              </th>
              <th className={thClass}>Name</th>
              <th className={thClass}>Kind</th>
              <th className={thClass}>Status</th>
              <th className={thClass}>Parent</th>
              <th className={thClass}>Round</th>
              <th className={`${thClass} text-right`}>Size</th>
              <th className={thClass}>Quantization</th>
              <th className={thClass}>Created</th>
              {KEY_METRIC_NAMES.map((key) => (
                <th key={key} className={`${thClass} text-right`}>
                  {KEY_METRIC_LABELS[key]}
                </th>
              ))}
              {arenaCell && <th className={`${thClass} text-right`}>Arena score (95% CI)</th>}
              <th className={thClass}>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {versions.map((version) => {
              const isPolicy = version.kind === 'POLICY';
              const isSelected = selectedIds.includes(version.id);
              const keyMetrics = readKeyMetrics(version.metrics);
              return (
                <tr key={version.id} data-testid={`version-row-${version.id}`} data-status={version.status} className={version.status === 'ACTIVE' && isPolicy ? 'bg-emerald-50' : undefined}>
                  <td className={tdClass}>
                    {isPolicy && (
                      <input
                        type="checkbox"
                        aria-label={`Compare ${version.name}`}
                        data-testid={`version-select-${version.id}`}
                        checked={isSelected}
                        disabled={!isSelected && selectedIds.length >= MAX_COMPARED}
                        onChange={() => onToggle(version.id)}
                      />
                    )}
                  </td>
                  <td className={`${tdClass} font-medium`}>{version.name}</td>
                  <td className={tdClass}>{isPolicy ? 'Policy' : 'Reward model'}</td>
                  <td className={tdClass}>
                    <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${STATUS_TONES[version.status]}`} data-testid={`version-status-${version.id}`}>
                      {STATUS_WORDS[version.status]}
                    </span>
                  </td>
                  <td className={tdClass}>{nameOf(version.parentId)}</td>
                  <td className={tdClass}>{roundOf(version.runId)}</td>
                  <td className={`${tdClass} text-right tabular-nums`}>{formatBytes(version.sizeBytes)}</td>
                  <td className={tdClass}>{version.quantization ?? 'none'}</td>
                  <td className={`${tdClass} whitespace-nowrap`}>{formatDateTime(version.createdAt)}</td>
                  {KEY_METRIC_NAMES.map((key) => (
                    <td key={key} className={`${tdClass} text-right tabular-nums`}>
                      {formatNumber(keyMetrics[key])}
                    </td>
                  ))}
                  {arenaCell && <td className={`${tdClass} text-right`}>{isPolicy ? arenaCell(version) : '—'}</td>}
                  <td className={`${tdClass} text-right`}>
                    {isPolicy && version.status !== 'ACTIVE' && (
                      <button type="button" className={smallButtonClass} data-testid={`promote-${version.id}`} onClick={() => setPromoting(version)}>
                        {activeVersion && activeVersion.createdAt > version.createdAt ? 'Roll back to this' : 'Promote'}
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {promoting && (
        <ConfirmDialog
          title={`Promote ${promoting.name}?`}
          confirmLabel="Promote"
          isPending={promote.isPending}
          onConfirm={() => promote.mutate({ versionId: promoting.id })}
          onCancel={() => {
            setPromoting(null);
            promote.reset();
          }}
          testId="promote-dialog"
        >
          <p>
            New completions will come from <strong>{promoting.name}</strong>
            {activeVersion ? `; ${activeVersion.name} is archived and can be promoted again to roll back.` : ' instead of the built-in base model.'}
          </p>
          <ErrorBox error={promote.error} testId="promote-error" />
        </ConfirmDialog>
      )}
    </section>
  );
}
