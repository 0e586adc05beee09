'use client';
/** The leaderboard: versions ranked by Bradley-Terry score with 95% intervals, the interval chart and the win-rate matrix. */
import { formatNumber } from '../format';
import { tableClass, tdClass, thClass } from '../ui';
import { ArenaCiChart } from './arena-ci-chart';
import { ArenaMatrix } from './arena-matrix';
import type { ArenaLeaderboard as Board } from './arena-types';

export function ArenaLeaderboard({ board }: { board: Board }) {
  if (board.versions.length === 0) return <p className="text-sm text-slate-500">No arena yet: start one to rank versions by people&apos;s votes.</p>;
  return (
    <div className="space-y-3" data-testid="arena-leaderboard">
      <p className="text-xs text-slate-500">
        {formatNumber(board.votes)} votes. Scores are Bradley-Terry strengths on the Elo scale (400 points = 10:1 odds), the versions with votes averaging 1000; intervals from{' '}
        {formatNumber(board.bootstrapRounds)} bootstrap resamples of the votes. Ties and &quot;both bad&quot; count half a win each.
      </p>
      <table className={tableClass}>
        <thead>
          <tr>
            <th className={thClass}>Rank</th>
            <th className={thClass}>Version</th>
            <th className={`${thClass} text-right`}>Score</th>
            <th className={`${thClass} text-right`}>95% interval</th>
            <th className={`${thClass} text-right`}>Won</th>
            <th className={`${thClass} text-right`}>Lost</th>
            <th className={`${thClass} text-right`}>Tied</th>
            <th className={`${thClass} text-right`}>Games</th>
          </tr>
        </thead>
        <tbody>
          {board.versions.map((v) => (
            <tr key={v.versionId} data-testid={`arena-row-${v.versionId}`}>
              <td className={tdClass}>{v.rank ?? '—'}</td>
              <td className={`${tdClass} font-medium`}>
                {v.name}
                {v.status === 'ACTIVE' && <span className="ml-1 rounded-full bg-emerald-100 px-1.5 text-xs text-emerald-800">active</span>}
              </td>
              <td className={`${tdClass} text-right tabular-nums`} data-testid={`arena-row-score-${v.versionId}`}>
                {v.score === null ? 'no votes yet' : Math.round(v.score)}
              </td>
              <td className={`${tdClass} text-right tabular-nums`}>{v.lower === null || v.upper === null ? '—' : `${Math.round(v.lower)} – ${Math.round(v.upper)}`}</td>
              <td className={`${tdClass} text-right tabular-nums`}>{formatNumber(v.wins)}</td>
              <td className={`${tdClass} text-right tabular-nums`}>{formatNumber(v.losses)}</td>
              <td className={`${tdClass} text-right tabular-nums`}>{formatNumber(v.ties)}</td>
              <td className={`${tdClass} text-right tabular-nums`} data-testid={`arena-row-games-${v.versionId}`}>
                {formatNumber(v.games)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="grid gap-3 lg:grid-cols-2">
        <ArenaCiChart versions={board.versions} />
        <ArenaMatrix board={board} />
      </div>
    </div>
  );
}
