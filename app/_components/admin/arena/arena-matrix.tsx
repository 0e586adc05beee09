'use client';
/**
 * The win-rate matrix: how often the row version beat the column version, over the votes that
 * were not ties, as a table whose cells are shaded by that rate (a heatmap) and also say it in
 * words, with the counts behind it.
 */
import type { ArenaLeaderboard } from './arena-types';

/**
 * 50%: the card's own colour; towards the win colour when the row wins, the loss colour when it
 * loses. Both are theme colours (app/globals.css: light tints under dark text, dark tints under
 * light text in the dark theme), so the numbers in the cell keep their contrast at any rate.
 */
function shade(rate: number | null): string {
  if (rate === null) return 'transparent';
  const strength = Math.round(Math.abs(rate - 0.5) * 2 * 100);
  return `color-mix(in oklab, var(${rate >= 0.5 ? '--color-heat-win' : '--color-heat-loss'}) ${strength}%, var(--color-white))`;
}

export function ArenaMatrix({ board }: { board: ArenaLeaderboard }) {
  const { versions, matrix } = board;
  if (versions.length < 2) return null;
  return (
    <div className="overflow-x-auto">
      <table className="border-collapse text-xs" data-testid="arena-matrix">
        <caption className="mb-1 text-left text-xs font-medium text-slate-700">Win rate of the row version against the column version (ties left out)</caption>
        <thead>
          <tr>
            <th scope="col" className="px-2 py-1 text-left font-semibold text-slate-500">
              <span className="sr-only">Row version</span>
            </th>
            {versions.map((v) => (
              <th key={v.versionId} scope="col" className="px-2 py-1 text-center font-semibold text-slate-600">
                {v.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {versions.map((row, r) => (
            <tr key={row.versionId}>
              <th scope="row" className="px-2 py-1 text-left font-semibold text-slate-600">
                {row.name}
              </th>
              {versions.map((column, c) => {
                const cell = matrix[r][c];
                if (!cell) {
                  return (
                    <td key={column.versionId} className="border border-slate-100 bg-slate-50 px-2 py-1 text-center text-slate-300">
                      <span aria-hidden="true">·</span>
                    </td>
                  );
                }
                const words = cell.winRate === null ? 'no decisive votes' : `${Math.round(cell.winRate * 100)}%`;
                const counts = `${cell.wins} won, ${cell.losses} lost, ${cell.ties} tied`;
                return (
                  <td
                    key={column.versionId}
                    className="border border-slate-100 px-2 py-1 text-center text-slate-900 tabular-nums"
                    style={{ backgroundColor: shade(cell.winRate) }}
                    title={`${row.name} against ${column.name}: ${counts}`}
                    data-testid={`arena-cell-${row.versionId}-${column.versionId}`}
                  >
                    <span className="font-medium">{words}</span>
                    <span className="block text-[10px] text-slate-800">
                      {cell.wins}–{cell.losses}
                      {cell.ties > 0 ? `, ${cell.ties} tie${cell.ties === 1 ? '' : 's'}` : ''}
                    </span>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
