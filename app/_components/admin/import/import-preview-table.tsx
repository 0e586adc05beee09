'use client';
/** The preview's first prompts with their completions and what the file judged of them, and the list of problems of a rejected file. */
import { MarkdownView } from '../../markdown';
import type { ImportProblem } from '../error-box';
import { formatCount } from '../format';
import { tableClass, tdClass, thClass } from '../ui';

type Judgement = { type: 'order'; order: number[] } | { type: 'labels'; labels: ('up' | 'down')[] };
export type PreviewRow = {
  line: number;
  text: string;
  messages: { role: string; content: string }[] | null;
  externalId: string | null;
  split: 'TRAIN' | 'HELDOUT';
  completions: string[];
  judgement: Judgement | null;
};

/** What the file says of completion `index`: "chosen", "rank 2", "good", ... or null. */
function describeJudgement(judgement: Judgement | null, index: number): string | null {
  if (!judgement) return null;
  if (judgement.type === 'labels') return judgement.labels[index] === 'up' ? 'good' : 'bad';
  const rank = judgement.order.indexOf(index);
  if (rank < 0) return null;
  if (judgement.order.length === 2) return rank === 0 ? 'chosen' : 'rejected';
  return `rank ${rank + 1}`;
}

export function PreviewTable({ rows }: { rows: PreviewRow[] }) {
  return (
    <table className={tableClass}>
      <thead>
        <tr>
          <th className={`${thClass} w-2/5`}>Prompt</th>
          <th className={thClass}>Completions</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row, i) => (
          <tr key={i}>
            <td className={tdClass}>
              <div className="mb-1 font-mono text-[10px] text-slate-400">
                line {row.line}
                {row.externalId && ` · id ${row.externalId}`}
                {row.split === 'HELDOUT' && ' · held out'}
              </div>
              {row.messages ? (
                <ol className="max-h-64 space-y-1 overflow-y-auto">
                  {row.messages.map((message, j) => (
                    <li key={j}>
                      <span className="text-[10px] font-semibold uppercase text-slate-500">{message.role}</span>
                      <TextCell text={message.content} />
                    </li>
                  ))}
                </ol>
              ) : (
                <TextCell text={row.text} />
              )}
            </td>
            <td className={tdClass}>
              <ol className="space-y-1.5">
                {row.completions.map((completion, j) => {
                  const verdict = describeJudgement(row.judgement, j);
                  return (
                    <li key={j} className="flex gap-2">
                      <span className="mt-0.5 text-xs text-slate-400">{j + 1}.</span>
                      {verdict && (
                        <span data-testid="import-preview-judgement" className="mt-0.5 h-fit rounded bg-slate-100 px-1.5 text-[10px] font-semibold uppercase text-slate-600">
                          {verdict}
                        </span>
                      )}
                      <TextCell text={completion} />
                    </li>
                  );
                })}
              </ol>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Untrusted file content (already cut short by the server): safe markdown, scrollable when long. */
function TextCell({ text }: { text: string }) {
  return (
    <div className="max-h-40 overflow-y-auto text-xs leading-relaxed text-slate-800">
      <MarkdownView text={text} />
    </div>
  );
}

type KeysProblem = { kind: 'keys' | 'columns'; found: string[]; expected: string[] };

/** The `keys` a problem carries when its record has no known shape (see the imports router), or null. */
function readKeys(problem: ImportProblem): KeysProblem | null {
  const keys: unknown = (problem as { keys?: unknown }).keys;
  if (!keys || typeof keys !== 'object' || !('found' in keys) || !('expected' in keys) || !Array.isArray(keys.found) || !Array.isArray(keys.expected)) return null;
  const strings = (values: unknown[]) => values.filter((v): v is string => typeof v === 'string');
  return { kind: 'kind' in keys && keys.kind === 'columns' ? 'columns' : 'keys', found: strings(keys.found), expected: strings(keys.expected) };
}

/** A record of unknown shape as what it has and what it needs; any other problem as its message. */
function KeysOrMessage({ problem, testId }: { problem: ImportProblem; testId: string }) {
  const keys = readKeys(problem);
  if (!keys) return <>{problem.message}</>;
  const noun = keys.kind === 'columns' ? 'columns' : 'keys';
  return (
    <div className="space-y-0.5">
      <div data-testid={`${testId}-found`}>
        Found {noun}: <span className="font-mono text-xs">{keys.found.length > 0 ? keys.found.join(', ') : `no ${noun}`}</span>
      </div>
      <div data-testid={`${testId}-expected`}>
        Expected{keys.expected.length > 1 ? ' one of' : ''}:{' '}
        {keys.expected.map((set, i) => (
          <span key={set}>
            {i > 0 && <span className="text-red-700"> · </span>}
            <span className="font-medium">{set}</span>
          </span>
        ))}
      </div>
      {keys.kind === 'columns' && <div className="text-xs text-red-800">Or map the file's columns to prompt, completion, chosen, rejected or label in the column mapping above.</div>}
    </div>
  );
}

export function ImportProblems({ problems, total, unit = 'line', testId }: { problems: ImportProblem[]; total?: number; unit?: 'line' | 'index'; testId: string }) {
  const count = total ?? problems.length;
  return (
    <section role="alert" className="rounded-md border border-red-200 bg-red-50 text-sm text-red-900" data-testid={testId}>
      <p className="border-b border-red-200 px-3 py-2 font-medium">
        Nothing was imported: {formatCount(count)} problem{count === 1 ? '' : 's'} found{count > problems.length ? `, the first ${problems.length} below` : ''}. Fix the file and choose it again.
      </p>
      <table className={tableClass}>
        <tbody>
          {problems.map((problem, i) => (
            <tr key={i}>
              <td className="w-24 px-3 py-1 align-top font-mono text-xs tabular-nums">{unit === 'index' ? `index ${problem.line}` : `line ${problem.line}`}</td>
              <td className="px-3 py-1">
                <KeysOrMessage problem={problem} testId={`${testId}-${i}`} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
