'use client';
/**
 * The overview's answer charts (recharts): how often each choice was picked, picks by display
 * position (left vs right: position bias), and annotations over time. Every chart has a caption,
 * an aria-label with its numbers, and a table of the same numbers, so the figures can be read
 * without seeing the bars. Colours are Tailwind's theme variables, which the dark theme remaps.
 */
import { useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { Bar, BarChart, CartesianGrid, Cell, Tooltip, XAxis, YAxis } from 'recharts';
import type { AppRouter } from '@/server/api/root';
import { useTRPC } from '@/app/_trpc/react';
import { ErrorBox } from './error-box';
import { formatCount, formatShare } from './format';
import { cardClass } from './ui';

type Charts = inferRouterOutputs<AppRouter>['oversee']['answerCharts'];
type QuestionChart = Charts['questions'][number];
type Timeline = Charts['timeline'];

/** Swatch classes and the same colours as fills; the classes also make Tailwind emit the variables. */
const PALETTE = [
  { swatch: 'bg-indigo-500', fill: 'var(--color-indigo-500)' },
  { swatch: 'bg-sky-500', fill: 'var(--color-sky-500)' },
  { swatch: 'bg-slate-400', fill: 'var(--color-slate-400)' },
  { swatch: 'bg-amber-500', fill: 'var(--color-amber-500)' },
  { swatch: 'bg-emerald-500', fill: 'var(--color-emerald-500)' },
  { swatch: 'bg-rose-500', fill: 'var(--color-rose-500)' },
  { swatch: 'bg-violet-500', fill: 'var(--color-violet-500)' },
  { swatch: 'bg-teal-500', fill: 'var(--color-teal-500)' },
  { swatch: 'bg-orange-500', fill: 'var(--color-orange-500)' },
];
const STATUS_SERIES = [
  { key: 'submitted', label: 'Submitted', swatch: 'bg-indigo-500', fill: 'var(--color-indigo-500)' },
  { key: 'skipped', label: 'Skipped', swatch: 'bg-slate-400', fill: 'var(--color-slate-400)' },
  { key: 'flagged', label: 'Flagged', swatch: 'bg-amber-500', fill: 'var(--color-amber-500)' },
] as const;

const AXIS_TICK = { fontSize: 10, fill: 'var(--color-slate-500)' };
const GRID_STROKE = 'var(--color-slate-200)';
const TOOLTIP_STYLE = { backgroundColor: 'var(--color-white)', borderColor: 'var(--color-slate-200)', color: 'var(--color-slate-900)', fontSize: 12 };

const ordinal = (n: number) => `${n}${n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th'}`;

export function AnswerCharts({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const charts = useQuery(trpc.oversee.answerCharts.queryOptions({ projectId }));
  if (charts.error) return <ErrorBox error={charts.error} />;
  if (!charts.data) return <p className="text-sm text-slate-500">Loading charts…</p>;
  const { questions, timeline } = charts.data;
  const choiceCharts = questions.filter((q) => q.options.length > 0);
  const positionCharts = questions.filter((q) => q.positions !== null);
  return (
    <section className={cardClass} data-testid="answer-charts">
      <h2 className="border-b border-slate-200 px-3 py-2 text-sm font-semibold">
        Answers <span className="font-normal text-slate-500">({formatCount(charts.data.submittedCount)} submitted)</span>
      </h2>
      <div className="grid gap-4 p-3 lg:grid-cols-2">
        {choiceCharts.map((q) => (
          <ChoiceChart key={`choice-${q.questionId}`} question={q} />
        ))}
        {positionCharts.map((q) => (
          <PositionChart key={`position-${q.questionId}`} question={q} />
        ))}
        <div className="lg:col-span-2">
          <TimelineChart timeline={timeline} />
        </div>
      </div>
    </section>
  );
}

type Row = { key: string; label: string; count: number };

/** A caption, the bars (with their numbers in the aria-label), and a table of the numbers. */
function CountsFigure({ testId, caption, note, rows }: { testId: string; caption: string; note?: string; rows: Row[] }) {
  const total = rows.reduce((sum, row) => sum + row.count, 0);
  const summary = `${caption}: ${rows.map((row) => `${row.label} ${formatCount(row.count)} (${formatShare(row.count, total)})`).join(', ')}`;
  return (
    <figure className="min-w-0" data-testid={testId}>
      <figcaption className="mb-1 text-xs">
        <span className="font-medium text-slate-700">{caption}</span>
        {note && <span className="block text-slate-500">{note}</span>}
      </figcaption>
      <div role="img" aria-label={summary} data-testid={`${testId}-image`}>
        <BarChart responsive style={{ width: '100%', height: 160 }} data={rows} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={GRID_STROKE} strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="label" tick={AXIS_TICK} interval={0} />
          <YAxis width={48} tick={AXIS_TICK} allowDecimals={false} tickFormatter={(v: number) => formatCount(v)} />
          <Tooltip contentStyle={TOOLTIP_STYLE} cursor={{ fill: 'var(--color-slate-100)' }} formatter={(value) => [typeof value === 'number' ? formatCount(value) : String(value), 'Count']} />
          <Bar dataKey="count" isAnimationActive={false}>
            {rows.map((row, i) => (
              <Cell key={row.key} fill={PALETTE[i % PALETTE.length].fill} />
            ))}
          </Bar>
        </BarChart>
      </div>
      <table className="mt-1 w-full text-xs" data-testid={`${testId}-table`}>
        <thead className="sr-only">
          <tr>
            <th>Choice</th>
            <th>Count</th>
            <th>Share</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={row.key} className="border-t border-slate-100">
              <td className="py-0.5">
                <span className={`mr-1.5 inline-block size-2.5 rounded-sm ${PALETTE[i % PALETTE.length].swatch}`} aria-hidden="true" />
                {row.label}
              </td>
              <td className="py-0.5 text-right tabular-nums" data-testid={`${testId}-count-${row.key}`}>
                {formatCount(row.count)}
              </td>
              <td className="w-16 py-0.5 text-right tabular-nums text-slate-500" data-testid={`${testId}-share-${row.key}`}>
                {formatShare(row.count, total)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

function ChoiceChart({ question }: { question: QuestionChart }) {
  const unit = question.type === 'pairwise' ? 'answers' : question.type === 'thumbs' ? 'votes, one per response' : 'scores, one per response';
  return (
    <CountsFigure testId={`choice-chart-${question.questionId}`} caption={`${question.label} — how often each choice was picked`} note={`Counted over submitted ${unit}.`} rows={question.options} />
  );
}

function PositionChart({ question }: { question: QuestionChart }) {
  const positions = question.positions ?? [];
  const isPairwise = question.type === 'pairwise';
  const rows = positions.map((p) => ({
    key: String(p.position),
    label: isPairwise ? (p.position === 1 ? 'Left (A, shown first)' : 'Right (B, shown second)') : `Shown ${ordinal(p.position)}${p.position === 1 ? ' (left)' : ''}`,
    count: p.count,
  }));
  const note = isPairwise
    ? 'Picks of the response shown on the left vs the right; ties and "both bad" are left out. Without position bias the shares tend to be equal.'
    : 'Where the top-ranked response was shown. Without position bias the shares tend to be equal.';
  return <CountsFigure testId={`position-chart-${question.questionId}`} caption={`${question.label} — left vs right`} note={note} rows={rows} />;
}

function bucketLabel(start: Date, unit: Timeline['unit']): string {
  const iso = start.toISOString();
  return unit === 'day' ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 13)}:00`;
}

function TimelineChart({ timeline }: { timeline: Timeline }) {
  const caption = `Annotations per ${timeline.unit} (UTC)`;
  if (timeline.points.length === 0) {
    return (
      <figure data-testid="timeline-chart">
        <figcaption className="text-xs font-medium text-slate-700">{caption}</figcaption>
        <p className="py-2 text-sm text-slate-500">No annotations yet.</p>
      </figure>
    );
  }
  const rows = timeline.points.map((p) => ({ label: bucketLabel(p.start, timeline.unit), submitted: p.submitted, skipped: p.skipped, flagged: p.flagged }));
  const totals = STATUS_SERIES.map((s) => rows.reduce((sum, row) => sum + row[s.key], 0));
  const busiest = rows.reduce((best, row) => (row.submitted + row.skipped + row.flagged > best.submitted + best.skipped + best.flagged ? row : best), rows[0]);
  const summary = `${caption}, from ${rows[0].label} to ${rows[rows.length - 1].label}: ${STATUS_SERIES.map((s, i) => `${formatCount(totals[i])} ${s.label.toLowerCase()}`).join(', ')}; busiest ${timeline.unit} ${busiest.label} with ${formatCount(busiest.submitted + busiest.skipped + busiest.flagged)}`;
  return (
    <figure className="min-w-0" data-testid="timeline-chart">
      <figcaption className="mb-1 flex flex-wrap items-center gap-3 text-xs">
        <span className="font-medium text-slate-700">{caption}</span>
        {STATUS_SERIES.map((s, i) => (
          <span key={s.key} className="flex items-center gap-1 text-slate-500">
            <span className={`inline-block size-2.5 rounded-sm ${s.swatch}`} aria-hidden="true" />
            {s.label}{' '}
            <span className="tabular-nums" data-testid={`timeline-total-${s.key}`}>
              {formatCount(totals[i])}
            </span>
          </span>
        ))}
      </figcaption>
      <div role="img" aria-label={summary} data-testid="timeline-chart-image">
        <BarChart responsive style={{ width: '100%', height: 180 }} data={rows} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={GRID_STROKE} strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="label" tick={AXIS_TICK} minTickGap={24} />
          <YAxis width={48} tick={AXIS_TICK} allowDecimals={false} tickFormatter={(v: number) => formatCount(v)} />
          <Tooltip
            contentStyle={TOOLTIP_STYLE}
            cursor={{ fill: 'var(--color-slate-100)' }}
            formatter={(value, name) => [typeof value === 'number' ? formatCount(value) : String(value), String(name)]}
          />
          {STATUS_SERIES.map((s) => (
            <Bar key={s.key} dataKey={s.key} name={s.label} stackId="status" fill={s.fill} isAnimationActive={false} />
          ))}
        </BarChart>
      </div>
      <details className="mt-1 text-xs">
        <summary className="cursor-pointer text-slate-500 hover:text-slate-800">The numbers per {timeline.unit}</summary>
        <table className="mt-1 w-full" data-testid="timeline-table">
          <thead>
            <tr className="text-left text-slate-500">
              <th className="py-0.5 font-medium">{timeline.unit === 'day' ? 'Day' : 'Hour'} (UTC)</th>
              {STATUS_SERIES.map((s) => (
                <th key={s.key} className="py-0.5 text-right font-medium">
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.label} className="border-t border-slate-100" data-testid={`timeline-row-${row.label}`}>
                <td className="py-0.5">{row.label}</td>
                {STATUS_SERIES.map((s) => (
                  <td key={s.key} className="py-0.5 text-right tabular-nums">
                    {formatCount(row[s.key])}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
