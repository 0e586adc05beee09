'use client';
/**
 * Importing prompts and completions from a file: read it in the browser (gunzipping .gz with
 * DecompressionStream), ask the server for a preview, then commit. The import is all-or-nothing
 * on the server; a bad line comes back with its number and reason.
 */
import { useRef, useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import { MarkdownView } from '../markdown';
import { ErrorBox, readImportProblems, type ImportProblem } from './error-box';
import { buttonClass, cardClass, labelClass, tableClass, tdClass, thClass } from './ui';

type LoadedFile = { fileName: string; content: string; bytes: number };

/** The file's text; `.gz` files are decompressed first and lose the suffix (the format is in the inner name). */
async function readImportFile(file: File): Promise<LoadedFile> {
  if (file.name.toLowerCase().endsWith('.gz')) {
    const stream = file.stream().pipeThrough(new DecompressionStream('gzip'));
    const content = await new Response(stream).text();
    return { fileName: file.name.slice(0, -3), content, bytes: new Blob([content]).size };
  }
  const content = await file.text();
  return { fileName: file.name, content, bytes: file.size };
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function ProjectImport({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const inputRef = useRef<HTMLInputElement>(null);
  const [loaded, setLoaded] = useState<LoadedFile | null>(null);
  const [readError, setReadError] = useState<string | null>(null);
  const preview = useMutation(trpc.imports.preview.mutationOptions());
  const commit = useMutation(
    trpc.imports.commit.mutationOptions({
      onSuccess: async () => {
        await Promise.all([
          queryClient.invalidateQueries(trpc.oversee.pathFilter()),
          queryClient.invalidateQueries(trpc.projects.adminList.queryFilter()),
        ]);
      },
    }),
  );

  const chooseFile = async (file: File | undefined) => {
    preview.reset();
    commit.reset();
    setLoaded(null);
    setReadError(null);
    if (!file) return;
    try {
      const next = await readImportFile(file);
      setLoaded(next);
      preview.mutate({ projectId, fileName: next.fileName, content: next.content });
    } catch (error) {
      setReadError(`Could not read ${file.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  const problems: ImportProblem[] = preview.data && !preview.data.isValid ? preview.data.errors : readImportProblems(preview.error);
  const problemCount = preview.data && !preview.data.isValid ? preview.data.errorCount : problems.length;
  const commitProblems = readImportProblems(commit.error);
  const canCommit = !!loaded && !!preview.data?.isValid && !commit.isPending && !commit.data;

  return (
    <div className="space-y-4">
      <section className={`${cardClass} space-y-2 p-4`}>
        <label className="block">
          <span className={labelClass}>File</span>
          <input
            ref={inputRef}
            data-testid="import-file"
            type="file"
            accept=".jsonl,.csv,.json,.gz"
            className="mt-1 block text-sm file:mr-3 file:rounded-md file:border-0 file:bg-slate-900 file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-white hover:file:bg-slate-700"
            onChange={(e) => void chooseFile(e.target.files?.[0])}
          />
        </label>
        <p className="text-xs text-slate-500">
          JSONL <code>{'{"prompt": …, "completions": [ … ]}'}</code>, JSONL one completion per line <code>{'{"prompt", "completion"}'}</code>, Anthropic HH{' '}
          <code>{'{"chosen", "rejected"}'}</code>, or CSV with <code>prompt,completion</code> / <code>prompt,completion_1..k</code>. Gzipped files are fine. Nothing is
          written until you commit, and a file with a bad line is rejected whole.
        </p>
        {loaded && (
          <p className="text-xs text-slate-600">
            {loaded.fileName} · {formatBytes(loaded.bytes)}
            {preview.isPending && ' · checking…'}
          </p>
        )}
        {readError && <ErrorBox error={new Error(readError)} />}
      </section>

      {problems.length > 0 && <ImportProblems problems={problems} total={problemCount} testId="import-errors" />}
      {problems.length === 0 && preview.error && <ErrorBox error={preview.error} testId="import-errors" />}

      {preview.data?.isValid && (
        <section className={`${cardClass} overflow-hidden`} data-testid="import-preview">
          <div className="flex flex-wrap items-center gap-x-6 gap-y-1 border-b border-slate-200 px-3 py-2 text-sm">
            <span>
              Format: <strong data-testid="import-preview-format">{preview.data.format}</strong>
            </span>
            <span>
              Prompts: <strong data-testid="import-preview-prompts" className="tabular-nums">{preview.data.promptCount}</strong>
            </span>
            <span>
              Completions: <strong className="tabular-nums">{preview.data.completionCount}</strong>
            </span>
            <span>
              Tasks: <strong data-testid="import-preview-tasks" className="tabular-nums">{preview.data.taskCount}</strong>
            </span>
            <span className="flex-1" />
            <button type="button" data-testid="import-commit" className={buttonClass} disabled={!canCommit} onClick={() => loaded && commit.mutate({ projectId, fileName: loaded.fileName, content: loaded.content })}>
              {commit.isPending ? 'Importing…' : commit.data ? 'Imported' : `Import ${preview.data.taskCount} tasks`}
            </button>
          </div>
          <table className={tableClass}>
            <thead>
              <tr>
                <th className={`${thClass} w-2/5`}>Prompt</th>
                <th className={thClass}>Completions</th>
              </tr>
            </thead>
            <tbody>
              {preview.data.sample.map((row, i) => (
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
                      {row.completions.map((completion, j) => (
                        <li key={j} className="flex gap-2">
                          <span className="mt-0.5 text-xs text-slate-400">{j + 1}.</span>
                          <TextCell text={completion} />
                        </li>
                      ))}
                    </ol>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {preview.data.promptCount > preview.data.sample.length && (
            <p className="border-t border-slate-100 px-3 py-1.5 text-xs text-slate-500">
              First {preview.data.sample.length} of {preview.data.promptCount} prompts.
            </p>
          )}
        </section>
      )}

      {commitProblems.length > 0 ? <ImportProblems problems={commitProblems} testId="import-commit-errors" /> : <ErrorBox error={commit.error} testId="import-commit-errors" />}
      {commit.data && (
        <div className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900" data-testid="import-result">
          Imported <strong className="tabular-nums">{commit.data.promptCount}</strong> prompts, <strong className="tabular-nums">{commit.data.completionCount}</strong> completions and{' '}
          <strong className="tabular-nums" data-testid="import-result-tasks">{commit.data.taskCount}</strong> tasks (import #{commit.data.importId}).
        </div>
      )}
    </div>
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

function ImportProblems({ problems, total, testId }: { problems: ImportProblem[]; total?: number; testId: string }) {
  const count = total ?? problems.length;
  return (
    <section role="alert" className="rounded-md border border-red-200 bg-red-50 text-sm text-red-900" data-testid={testId}>
      <p className="border-b border-red-200 px-3 py-2 font-medium">
        Nothing was imported: {count} problem{count === 1 ? '' : 's'} found{count > problems.length ? `, the first ${problems.length} below` : ''}. Fix the file and choose it again.
      </p>
      <table className={tableClass}>
        <tbody>
          {problems.map((problem, i) => (
            <tr key={i}>
              <td className="w-20 px-3 py-1 align-top font-mono text-xs tabular-nums">line {problem.line}</td>
              <td className="px-3 py-1">{problem.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
