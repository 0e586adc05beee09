'use client';
/** A version's arena score beside its offline metrics in the versions table, or "not in an arena". */
import { formatScore, useArenaLeaderboard } from './use-arena';

export function ArenaScoreCell({ projectId, versionId }: { projectId: number; versionId: number }) {
  const board = useArenaLeaderboard(projectId);
  const entry = board.data?.versions.find((v) => v.versionId === versionId);
  let text: string;
  if (!board.data) text = '…';
  else if (!entry) text = 'not in an arena';
  else if (entry.score === null) text = 'no votes yet';
  else text = `${formatScore(entry.score, entry.lower, entry.upper)} · ${entry.games} games`;
  return (
    <span className={`whitespace-nowrap tabular-nums ${entry?.score != null ? '' : 'text-slate-400'}`} data-testid={`arena-score-${versionId}`}>
      {text}
    </span>
  );
}
