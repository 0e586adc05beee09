/** Evaluation samples side by side: the prompt, the previous policy's answer and the new one, with their judged scores. */
import { formatNumber } from '../format';
import { tableClass, tdClass, thClass } from '../ui';
import type { EvaluationSample } from './training-json';

function Score({ judge, reward }: { judge: number | null; reward: number | null }) {
  if (judge === null && reward === null) return null;
  return (
    <div className="mt-1 text-xs text-slate-500">
      {judge !== null && <span className="mr-2">judge {formatNumber(judge)}</span>}
      {reward !== null && <span>reward {formatNumber(reward)}</span>}
    </div>
  );
}

export function EvalSamples({
  samples,
  previousLabel = 'Previous policy',
  newLabel = 'New policy',
  testId = 'eval-samples',
}: {
  samples: EvaluationSample[];
  previousLabel?: string;
  newLabel?: string;
  testId?: string;
}) {
  if (samples.length === 0) return <p className="text-sm text-slate-500">No evaluation samples stored.</p>;
  return (
    <table className={`${tableClass} table-fixed`} data-testid={testId}>
      <thead>
        <tr>
          <th className={`${thClass} w-1/4`}>Prompt</th>
          <th className={thClass}>{previousLabel}</th>
          <th className={thClass}>{newLabel}</th>
        </tr>
      </thead>
      <tbody>
        {samples.map((sample, i) => (
          <tr key={`${i}-${sample.prompt}`}>
            <td className={`${tdClass} whitespace-pre-wrap break-words text-slate-600`}>{sample.prompt}</td>
            <td className={`${tdClass} whitespace-pre-wrap break-words`}>
              {sample.previous}
              <Score judge={sample.judgePrevious} reward={sample.rewardPrevious} />
            </td>
            <td className={`${tdClass} whitespace-pre-wrap break-words`}>
              {sample.next}
              <Score judge={sample.judgeNew} reward={sample.rewardNew} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
