'use client';
/**
 * Importing prompts and completions, and the judgements other tools recorded about them, from a
 * file: read it in the browser (gunzipping .gz), ask the server for a preview (format, counts,
 * judgements, a CSV header to map), then commit. The import is all-or-nothing on the server; a
 * bad record comes back with its line (or array index) and reason.
 */
import { useRef, useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import { ErrorBox, readErrorData, readImportProblems, type ImportProblem } from './error-box';
import { CsvMappingStep, EMPTY_MAPPING, toMappingInput, type CsvMappingDraft } from './import/csv-mapping';
import { ImportProblems, PreviewTable } from './import/import-preview-table';
import { FORMAT_CHOICES, formatBytes, readImportFile, type FormatChoice, type LoadedFile } from './import/read-import-file';
import { formatCount } from './format';
import { buttonClass, cardClass, labelClass } from './ui';

export function ProjectImport({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const inputRef = useRef<HTMLInputElement>(null);
  const [loaded, setLoaded] = useState<LoadedFile | null>(null);
  const [readError, setReadError] = useState<string | null>(null);
  const [format, setFormat] = useState<FormatChoice>('auto');
  const [mappingDraft, setMappingDraft] = useState<CsvMappingDraft>(EMPTY_MAPPING);
  const [importJudgements, setImportJudgements] = useState(true);
  const preview = useMutation(trpc.imports.preview.mutationOptions());
  const commit = useMutation(
    trpc.imports.commit.mutationOptions({
      onSuccess: async () => {
        await Promise.all([queryClient.invalidateQueries(trpc.oversee.pathFilter()), queryClient.invalidateQueries(trpc.projects.adminList.queryFilter())]);
      },
    }),
  );

  const requestFor = (file: LoadedFile, nextFormat: FormatChoice, draft: CsvMappingDraft) => {
    const mapping = toMappingInput(draft);
    return { projectId, fileName: file.fileName, content: file.content, format: nextFormat === 'auto' || mapping ? undefined : nextFormat, mapping: mapping ?? undefined };
  };
  const refreshPreview = (nextFormat: FormatChoice, draft: CsvMappingDraft) => {
    setFormat(nextFormat);
    setMappingDraft(draft);
    commit.reset();
    if (loaded) preview.mutate(requestFor(loaded, nextFormat, draft));
  };

  const chooseFile = async (file: File | undefined) => {
    preview.reset();
    commit.reset();
    setLoaded(null);
    setReadError(null);
    setMappingDraft(EMPTY_MAPPING);
    if (!file) return;
    try {
      const next = await readImportFile(file);
      setLoaded(next);
      preview.mutate(requestFor(next, format, EMPTY_MAPPING));
    } catch (error) {
      setReadError(error instanceof Error ? error.message : `Could not read ${file.name}: ${String(error)}`);
    }
  };

  const data = preview.data;
  const problems: ImportProblem[] = data && !data.isValid ? data.errors : readImportProblems(preview.error);
  const problemCount = data && !data.isValid ? data.errorCount : problems.length;
  const commitProblems = readImportProblems(commit.error);
  const commitDetails = readErrorData(commit.error)?.details;
  const commitUnit = commitDetails && typeof commitDetails === 'object' && 'unit' in commitDetails && commitDetails.unit === 'index' ? 'index' : 'line';
  const hasJudgements = !!data?.isValid && data.judgements.annotatorName !== null;
  const isJudgementBlocked = hasJudgements && importJudgements && data?.judgements.problem !== null;
  const canCommit = !!loaded && !!data?.isValid && !isJudgementBlocked && !commit.isPending && !commit.data;

  return (
    <div className="space-y-4">
      <section className={`${cardClass} space-y-3 p-4`}>
        <div className="flex flex-wrap items-end gap-4">
          <label className="block">
            <span className={labelClass}>File</span>
            <input
              ref={inputRef}
              data-testid="import-file"
              type="file"
              accept=".jsonl,.csv,.tsv,.json,.gz"
              className="mt-1 block text-sm file:mr-3 file:rounded-md file:border-0 file:bg-slate-900 file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-white hover:file:bg-slate-700"
              onChange={(e) => void chooseFile(e.target.files?.[0])}
            />
          </label>
          <label className="block">
            <span className={labelClass}>Format</span>
            <select
              data-testid="import-format"
              className="mt-1 block rounded-md border border-slate-300 px-2 py-1 text-sm"
              value={format}
              onChange={(e) => refreshPreview(e.target.value as FormatChoice, mappingDraft)}
            >
              {FORMAT_CHOICES.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </label>
        </div>
        <p className="text-xs text-slate-500">
          JSONL or a JSON array of <code>{'{"prompt", "completions"}'}</code>, <code>{'{"prompt", "completion"}'}</code>, <code>{'{"messages"}'}</code>, TRL{' '}
          <code>{'{"prompt", "chosen", "rejected"}'}</code> or KTO <code>{'{"prompt", "completion", "label"}'}</code>, Anthropic HH <code>{'{"chosen", "rejected"}'}</code>, Open-Assistant trees, Label
          Studio pairwise exports, or CSV (map its columns below). Gzipped files are fine. Nothing is written until you commit, and a file with a bad record is rejected whole.
        </p>
        {loaded && (
          <p className="text-xs text-slate-600">
            {loaded.fileName} · {formatBytes(loaded.bytes)}
            {preview.isPending && ' · checking…'}
          </p>
        )}
        {data?.csvColumns && <CsvMappingStep columns={data.csvColumns} draft={mappingDraft} onChange={(draft) => refreshPreview(format, draft)} />}
        {readError && <ErrorBox error={new Error(readError)} testId="import-read-error" />}
      </section>

      {problems.length > 0 && <ImportProblems problems={problems} total={problemCount} unit={data?.errorUnit} testId="import-errors" />}
      {problems.length === 0 && preview.error && <ErrorBox error={preview.error} testId="import-errors" />}

      {data?.isValid && (
        <section className={`${cardClass} overflow-hidden`} data-testid="import-preview">
          <div className="flex flex-wrap items-center gap-x-6 gap-y-1 border-b border-slate-200 px-3 py-2 text-sm">
            <span>
              Format: <strong data-testid="import-preview-format">{data.format}</strong>
            </span>
            <span>
              Prompts:{' '}
              <strong data-testid="import-preview-prompts" className="tabular-nums">
                {formatCount(data.promptCount)}
              </strong>
            </span>
            <span>
              Completions: <strong className="tabular-nums">{formatCount(data.completionCount)}</strong>
            </span>
            <span>
              Tasks:{' '}
              <strong data-testid="import-preview-tasks" className="tabular-nums">
                {formatCount(data.taskCount)}
              </strong>
            </span>
            <span className="flex-1" />
            <button
              type="button"
              data-testid="import-commit"
              className={buttonClass}
              disabled={!canCommit}
              onClick={() => loaded && commit.mutate({ ...requestFor(loaded, format, mappingDraft), importJudgements })}
            >
              {commit.isPending ? 'Importing…' : commit.data ? 'Imported' : `Import ${formatCount(data.taskCount)} task${data.taskCount === 1 ? '' : 's'}`}
            </button>
          </div>
          {hasJudgements && (
            <div className="space-y-1 border-b border-slate-200 px-3 py-2 text-sm">
              <label className="flex items-center gap-2">
                <input type="checkbox" data-testid="import-judgements" checked={importJudgements} onChange={(e) => setImportJudgements(e.target.checked)} />
                <span>
                  Import judgements as annotations by <strong data-testid="import-annotator">{data.judgements.annotatorName}</strong> ({formatCount(data.judgements.count)} task
                  {data.judgements.count === 1 ? '' : 's'}, counted toward the overlap)
                </span>
              </label>
              {data.judgements.problem && (
                <p className={importJudgements ? 'text-red-800' : 'text-slate-500'} data-testid="import-judgement-problem">
                  {data.judgements.problem}
                </p>
              )}
            </div>
          )}
          <PreviewTable rows={data.sample} />
          {data.promptCount > data.sample.length && (
            <p className="border-t border-slate-100 px-3 py-1.5 text-xs text-slate-500">
              First {data.sample.length} of {formatCount(data.promptCount)} prompts.
            </p>
          )}
        </section>
      )}

      {commitProblems.length > 0 ? <ImportProblems problems={commitProblems} unit={commitUnit} testId="import-commit-errors" /> : <ErrorBox error={commit.error} testId="import-commit-errors" />}
      {commit.data && (
        <div className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900" data-testid="import-result">
          Imported <strong className="tabular-nums">{formatCount(commit.data.promptCount)}</strong> prompts, <strong className="tabular-nums">{formatCount(commit.data.completionCount)}</strong>{' '}
          completions and{' '}
          <strong className="tabular-nums" data-testid="import-result-tasks">
            {formatCount(commit.data.taskCount)}
          </strong>{' '}
          tasks (import #{commit.data.importId})
          {commit.data.annotatorName && (
            <>
              , with{' '}
              <strong className="tabular-nums" data-testid="import-result-annotations">
                {formatCount(commit.data.annotationCount)}
              </strong>{' '}
              judgements by {commit.data.annotatorName}
            </>
          )}
          .
        </div>
      )}
    </div>
  );
}
