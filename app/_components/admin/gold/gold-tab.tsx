'use client';
/**
 * A project's gold (check) tasks: how often they are mixed in and when annotators are paused,
 * the gold tasks with their expected answers, adding one by task id or importing many (JSONL),
 * and each annotator's gold accuracy, with a Resume button for those paused.
 */
import { useEffect, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import type { Answer } from '@/lib/forms/schema';
import { useToast } from '../../toast';
import { ErrorBox } from '../error-box';
import { buttonClass, cardClass, inputClass, labelClass, smallButtonClass, tableClass, tdClass, thClass } from '../ui';

const percent = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)}%`);

function GoldSettingsForm({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const settings = useQuery(trpc.gold.settings.queryOptions({ projectId }));
  const [form, setForm] = useState({ mixRate: '10', accuracyThreshold: '80', minGoldAnswers: '5' });
  useEffect(() => {
    if (settings.data)
      setForm({
        mixRate: String(Math.round(settings.data.mixRate * 100)),
        accuracyThreshold: String(Math.round(settings.data.accuracyThreshold * 100)),
        minGoldAnswers: String(settings.data.minGoldAnswers),
      });
  }, [settings.data]);
  const save = useMutation(
    trpc.gold.updateSettings.mutationOptions({
      onSuccess: async () => {
        toast.show('Gold settings saved', 'success');
        await queryClient.invalidateQueries(trpc.gold.pathFilter());
      },
    }),
  );
  return (
    <form
      className={`${cardClass} grid gap-3 p-4 sm:grid-cols-4 sm:items-end`}
      data-testid="gold-settings"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ projectId, mixRate: Number(form.mixRate) / 100, accuracyThreshold: Number(form.accuracyThreshold) / 100, minGoldAnswers: Number(form.minGoldAnswers) });
      }}
    >
      <label>
        <span className={labelClass}>Gold share of served tasks (%)</span>
        <input data-testid="gold-mix-rate" type="number" min={0} max={50} className={inputClass} value={form.mixRate} onChange={(e) => setForm({ ...form, mixRate: e.target.value })} />
      </label>
      <label>
        <span className={labelClass}>Pause below accuracy (%)</span>
        <input
          data-testid="gold-threshold"
          type="number"
          min={0}
          max={100}
          className={inputClass}
          value={form.accuracyThreshold}
          onChange={(e) => setForm({ ...form, accuracyThreshold: e.target.value })}
        />
      </label>
      <label>
        <span className={labelClass}>After at least (gold answers)</span>
        <input data-testid="gold-minimum" type="number" min={1} className={inputClass} value={form.minGoldAnswers} onChange={(e) => setForm({ ...form, minGoldAnswers: e.target.value })} />
      </label>
      <button type="submit" className={buttonClass} disabled={save.isPending} data-testid="gold-settings-save">
        Save
      </button>
      <div className="sm:col-span-4">
        <ErrorBox error={save.error} />
      </div>
    </form>
  );
}

function AccuracyTable({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const accuracy = useQuery(trpc.gold.accuracy.queryOptions({ projectId }));
  const resume = useMutation(
    trpc.gold.resume.mutationOptions({
      onSuccess: async () => {
        toast.show('Resumed: their gold accuracy counts afresh', 'success');
        await queryClient.invalidateQueries(trpc.gold.pathFilter());
      },
      onError: (error) => toast.show(error.message, 'error'),
    }),
  );
  if (accuracy.error) return <ErrorBox error={accuracy.error} />;
  if (!accuracy.data) return <p className="text-sm text-slate-500">Loading gold accuracy…</p>;
  if (accuracy.data.length === 0) return <p className="text-sm text-slate-500">No gold answers yet.</p>;
  return (
    <table className={tableClass} data-testid="gold-accuracy">
      <thead>
        <tr>
          <th className={thClass}>Annotator</th>
          <th className={thClass}>Gold answered</th>
          <th className={thClass}>Correct</th>
          <th className={thClass}>Accuracy</th>
          <th className={thClass}>State</th>
        </tr>
      </thead>
      <tbody>
        {accuracy.data.map((row) => (
          <tr key={row.userId} data-testid={`gold-accuracy-${row.name}`}>
            <td className={tdClass}>{row.name}</td>
            <td className={tdClass}>{row.goldAnswered}</td>
            <td className={tdClass}>{row.goldCorrect}</td>
            <td className={tdClass}>{percent(row.accuracy)}</td>
            <td className={tdClass}>
              {row.paused ? (
                <span className="flex items-center gap-2">
                  <span className="rounded bg-amber-100 px-1.5 py-0.5 text-xs text-amber-800">paused</span>
                  <button type="button" className={smallButtonClass} data-testid={`gold-resume-${row.name}`} onClick={() => resume.mutate({ projectId, userId: row.userId })}>
                    Resume
                  </button>
                </span>
              ) : (
                <span className="text-xs text-slate-500">active</span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function AddGold({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [taskId, setTaskId] = useState('');
  const [expected, setExpected] = useState('{"preference": {"type": "pairwise", "choice": "A"}}');
  const [tolerance, setTolerance] = useState({ score: '0', ranking: '0' });
  const [jsonl, setJsonl] = useState('');
  const [parseError, setParseError] = useState<string | null>(null);
  const onSuccess = async () => {
    await queryClient.invalidateQueries(trpc.gold.pathFilter());
  };
  const mark = useMutation(trpc.gold.mark.mutationOptions({ onSuccess: async () => (toast.show('Gold task saved', 'success'), onSuccess()) }));
  const importMany = useMutation(trpc.gold.import.mutationOptions({ onSuccess: async (r) => (toast.show(`${r.imported} gold tasks imported`, 'success'), onSuccess()) }));
  return (
    <div className="grid gap-4 md:grid-cols-2">
      <form
        className={`${cardClass} space-y-2 p-4`}
        data-testid="gold-add"
        onSubmit={(e) => {
          e.preventDefault();
          try {
            setParseError(null);
            mark.mutate({ projectId, taskId: Number(taskId), expected: JSON.parse(expected) as Answer, tolerance: { score: Number(tolerance.score), ranking: Number(tolerance.ranking) } });
          } catch {
            setParseError('The expected answer is not valid JSON');
          }
        }}
      >
        <h3 className="text-sm font-semibold text-slate-800">Mark a task as gold</h3>
        <label className="block">
          <span className={labelClass}>Task id</span>
          <input data-testid="gold-task-id" className={inputClass} inputMode="numeric" value={taskId} onChange={(e) => setTaskId(e.target.value)} />
        </label>
        <label className="block">
          <span className={labelClass}>Expected answer (JSON, keyed by question id; completion ids as in the task)</span>
          <textarea data-testid="gold-expected" className={`${inputClass} font-mono`} rows={4} value={expected} onChange={(e) => setExpected(e.target.value)} />
        </label>
        <div className="grid grid-cols-2 gap-2">
          <label>
            <span className={labelClass}>Score tolerance</span>
            <input type="number" min={0} max={9} className={inputClass} value={tolerance.score} onChange={(e) => setTolerance({ ...tolerance, score: e.target.value })} />
          </label>
          <label>
            <span className={labelClass}>Ranking tolerance (Kendall)</span>
            <input type="number" min={0} max={45} className={inputClass} value={tolerance.ranking} onChange={(e) => setTolerance({ ...tolerance, ranking: e.target.value })} />
          </label>
        </div>
        {parseError && <p className="text-sm text-red-700">{parseError}</p>}
        <ErrorBox error={mark.error} />
        <button type="submit" className={buttonClass} disabled={mark.isPending} data-testid="gold-add-submit">
          Save gold task
        </button>
      </form>
      <form
        className={`${cardClass} space-y-2 p-4`}
        onSubmit={(e) => {
          e.preventDefault();
          importMany.mutate({ projectId, content: jsonl });
        }}
      >
        <h3 className="text-sm font-semibold text-slate-800">Import gold tasks (JSONL)</h3>
        <p className="text-xs text-slate-500">
          One line per task: <code>{'{"taskId": 12, "expected": {...}, "tolerance": {"score": 1, "ranking": 0}}'}</code>. All lines or none.
        </p>
        <textarea
          data-testid="gold-import"
          aria-label="Gold tasks to import, one JSON object per line"
          className={`${inputClass} font-mono`}
          rows={6}
          value={jsonl}
          onChange={(e) => setJsonl(e.target.value)}
        />
        <ErrorBox error={importMany.error} />
        <button type="submit" className={buttonClass} disabled={importMany.isPending || !jsonl.trim()}>
          Import
        </button>
      </form>
    </div>
  );
}

function GoldTaskList({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const tasks = useQuery(trpc.gold.list.queryOptions({ projectId }));
  const unmark = useMutation(
    trpc.gold.unmark.mutationOptions({
      onSuccess: async (r) => {
        toast.show(`Task #${r.taskId} is a regular task again`, 'success');
        await queryClient.invalidateQueries(trpc.gold.pathFilter());
      },
      onError: (error) => toast.show(error.message, 'error'),
    }),
  );
  if (tasks.error) return <ErrorBox error={tasks.error} />;
  if (!tasks.data) return <p className="text-sm text-slate-500">Loading gold tasks…</p>;
  if (tasks.data.length === 0) return <p className="text-sm text-slate-500">No gold tasks yet.</p>;
  return (
    <table className={tableClass} data-testid="gold-tasks">
      <thead>
        <tr>
          <th className={thClass}>Task</th>
          <th className={thClass}>Prompt</th>
          <th className={thClass}>Expected</th>
          <th className={thClass}>Answered</th>
          <th className={thClass}>Correct</th>
          <th className={thClass} />
        </tr>
      </thead>
      <tbody>
        {tasks.data.map((task) => (
          <tr key={task.taskId} data-testid={`gold-task-${task.taskId}`}>
            <td className={`${tdClass} font-mono text-xs`}>#{task.taskId}</td>
            <td className={`${tdClass} max-w-xs truncate`} title={task.promptText}>
              {task.promptText}
            </td>
            <td className={`${tdClass} font-mono text-xs`}>
              {JSON.stringify(task.expected)}
              {(task.tolerance.score > 0 || task.tolerance.ranking > 0) && <span className="ml-1 text-slate-500">± {JSON.stringify(task.tolerance)}</span>}
            </td>
            <td className={tdClass}>{task.answered}</td>
            <td className={tdClass}>{percent(task.answered ? task.correct / task.answered : null)}</td>
            <td className={tdClass}>
              <button type="button" className={smallButtonClass} onClick={() => unmark.mutate({ taskId: task.taskId })}>
                Unmark
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function GoldTab({ projectId }: { projectId: number }) {
  return (
    <div className="space-y-6" data-testid="gold-tab">
      <section className="space-y-2">
        <h2 className="text-base font-semibold text-slate-900">Gold accuracy by annotator</h2>
        <p className="text-xs text-slate-500">Gold tasks look like any other task to annotators. Below the threshold an annotator is paused in this project until you resume them.</p>
        <AccuracyTable projectId={projectId} />
      </section>
      <section className="space-y-2">
        <h2 className="text-base font-semibold text-slate-900">Settings</h2>
        <GoldSettingsForm projectId={projectId} />
      </section>
      <section className="space-y-2">
        <h2 className="text-base font-semibold text-slate-900">Gold tasks</h2>
        <GoldTaskList projectId={projectId} />
        <AddGold projectId={projectId} />
      </section>
    </div>
  );
}
