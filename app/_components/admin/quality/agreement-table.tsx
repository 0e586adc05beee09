'use client';
/** Agreement per question: alpha at the question's level of measurement, percent agreement and the mean pairwise kappa, each with its 95% bootstrap interval. */
import { tableClass, tdClass, thClass } from '../ui';
import { formatCount, formatEstimate } from './quality-format';
import type { QualityAgreement } from './types';

const LEVEL_NOTE: Record<string, string> = { nominal: 'nominal', ordinal: 'ordinal', interval: 'interval (rank positions)', ratio: 'ratio' };

export function AgreementTable({ agreement }: { agreement: QualityAgreement }) {
  if (agreement.measures.length === 0) return <p className="text-sm text-slate-500">This form has no question agreement can be measured on (critiques and edits are free text).</p>;
  return (
    <div className="overflow-x-auto">
      <table className={tableClass} data-testid="agreement-table">
        <thead>
          <tr>
            <th className={thClass}>Question</th>
            <th className={thClass}>Level</th>
            <th className={`${thClass} text-right`}>Units (2+ annotators)</th>
            <th className={`${thClass} text-right`}>Krippendorff&apos;s α</th>
            <th className={`${thClass} text-right`}>Agreement</th>
            <th className={`${thClass} text-right`}>Mean Cohen&apos;s κ</th>
          </tr>
        </thead>
        <tbody>
          {agreement.measures.map((m) => (
            <tr key={m.key} data-testid={`agreement-row-${m.key}`}>
              <td className={tdClass}>{m.label}</td>
              <td className={tdClass}>{LEVEL_NOTE[m.level] ?? m.level}</td>
              <td className={`${tdClass} text-right tabular-nums`} data-testid="agreement-units">
                {formatCount(m.units)}
              </td>
              <td className={`${tdClass} text-right tabular-nums`} data-testid="agreement-alpha">
                {formatEstimate(m.alpha)}
              </td>
              <td className={`${tdClass} text-right tabular-nums`} data-testid="agreement-percent">
                {formatEstimate(m.percentAgreement)}
              </td>
              <td className={`${tdClass} text-right tabular-nums`} data-testid="agreement-kappa">
                {formatEstimate(m.meanKappa)}
                {m.kappaWeights === 'quadratic' && <span className="ml-1 text-xs text-slate-500">(quadratic weights)</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="mt-1 text-xs text-slate-500">Brackets: 95% bootstrap interval over tasks. Agreement: the share of annotator pairs on a task who gave the same answer.</p>
    </div>
  );
}
