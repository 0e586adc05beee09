'use client';
/** Per annotator: agreement with others, Dawid-Skene accuracy, gold accuracy, review acceptance, median time, speed outliers, position bias. */
import { formatDuration } from '../format';
import { tableClass, tdClass, thClass } from '../ui';
import { formatCount, formatPercent, formatPValue, formatStatistic } from './quality-format';
import type { QualityAnnotators } from './types';

export function AnnotatorQualityTable({ quality }: { quality: QualityAnnotators }) {
  if (quality.annotators.length === 0) return <p className="text-sm text-slate-500">No submitted answers yet.</p>;
  return (
    <div className="overflow-x-auto">
      <table className={tableClass} data-testid="annotator-quality-table">
        <thead>
          <tr>
            <th className={thClass}>Annotator</th>
            <th className={`${thClass} text-right`}>Answers</th>
            <th className={`${thClass} text-right`}>Agreement with others</th>
            <th className={`${thClass} text-right`}>Mean κ</th>
            <th className={`${thClass} text-right`}>Est. accuracy</th>
            <th className={`${thClass} text-right`}>Gold accuracy</th>
            <th className={`${thClass} text-right`}>Review acceptance</th>
            <th className={`${thClass} text-right`}>Median time</th>
            <th className={`${thClass} text-right`}>Too fast</th>
            <th className={`${thClass} text-right`}>First shown picked</th>
            <th className={`${thClass} text-right`}>p</th>
          </tr>
        </thead>
        <tbody>
          {quality.annotators.map((a) => (
            <tr key={a.userId} data-testid={`quality-row-${a.userId}`}>
              <td className={tdClass}>{a.name}</td>
              <td className={`${tdClass} text-right tabular-nums`} data-testid="quality-submitted">
                {formatCount(a.submitted)}
              </td>
              <td className={`${tdClass} text-right tabular-nums`} data-testid="quality-agreement">
                {formatPercent(a.agreement)}
                {a.comparisons > 0 && <span className="ml-1 text-xs text-slate-500">of {formatCount(a.comparisons)}</span>}
              </td>
              <td className={`${tdClass} text-right tabular-nums`} data-testid="quality-kappa">
                {formatStatistic(a.meanKappa)}
              </td>
              <td className={`${tdClass} text-right tabular-nums`} data-testid="quality-accuracy">
                {formatPercent(a.estimatedAccuracy)}
              </td>
              <td className={`${tdClass} text-right tabular-nums`} data-testid="quality-gold">
                {formatPercent(a.goldAccuracy)}
                {a.goldAnswered > 0 && <span className="ml-1 text-xs text-slate-500">of {formatCount(a.goldAnswered)}</span>}
              </td>
              <td className={`${tdClass} text-right tabular-nums`} data-testid="quality-review">
                {formatPercent(a.reviewAcceptance)}
                {a.reviewed > 0 && <span className="ml-1 text-xs text-slate-500">of {formatCount(a.reviewed)}</span>}
              </td>
              <td className={`${tdClass} text-right tabular-nums`} data-testid="quality-median-time">
                {formatDuration(a.medianTimeMs)}
              </td>
              <td className={`${tdClass} text-right tabular-nums`} data-testid="quality-fast">
                {formatCount(a.fastAnswers)}
              </td>
              <td className={`${tdClass} text-right tabular-nums`} data-testid="quality-first-share">
                {a.positionBias ? `${formatCount(a.positionBias.firstPicks)} / ${formatCount(a.positionBias.picks)} (${formatPercent(a.positionBias.share)})` : '—'}
              </td>
              <td className={`${tdClass} text-right tabular-nums`} data-testid="quality-bias-p">
                {a.positionBias && a.positionBias.picks > 0 ? formatPValue(a.positionBias.pValue) : '—'}
                {a.positionBias?.isFlagged && <span className="ml-1 rounded bg-amber-100 px-1 text-xs text-amber-800">biased</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="mt-1 text-xs text-slate-500">
        Agreement with others: the share of their answers matching a co-annotator&apos;s on the same task. Est. accuracy: Dawid-Skene. Too fast: answers quicker than reading the prompt and responses
        at {formatCount(quality.readingCharsPerSecond)} characters a second. First shown picked: a two-sided binomial test against chance, flagged below p = 0.01.
      </p>
    </div>
  );
}
