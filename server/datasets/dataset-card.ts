/**
 * The README.md of a folder export, in the Hugging Face dataset-card layout: a YAML header that
 * `datasets.load_dataset` and the Hub read (configs with data_files per split, task and size
 * categories; `license` is left for the owner to fill in), then prose: what the data is, when the
 * snapshot was taken, its id and hash, counts, and the fields. No export time, so two exports of
 * one snapshot are byte-identical.
 */
import type { ExportEncoding, ExportFormat, ExportOptions } from './formats';
import { FORMAT_INFO, WEIGHT_FIELD } from './formats';
import type { SnapshotSummary, StoredFilters } from './snapshots';

/** The Hub's size buckets. */
export function sizeCategory(rows: number): string {
  if (rows < 1_000) return 'n<1K';
  if (rows < 10_000) return '1K<n<10K';
  if (rows < 100_000) return '10K<n<100K';
  if (rows < 1_000_000) return '100K<n<1M';
  if (rows < 10_000_000) return '1M<n<10M';
  return '10M<n<100M';
}

/** Which answers carry the labels: every answer, or one consensus answer per task. */
function labelSourceLine(filters: StoredFilters): string {
  if (filters.labelSource === 'majority')
    return "- labels: majority vote per task on the form's first pairwise question (one answer per task, the earliest giving the majority choice; tied tasks left out)";
  if (filters.labelSource === 'dawid-skene')
    return "- labels: Dawid-Skene consensus per task on the form's first pairwise question (annotators weighted by their estimated confusion matrices; one answer per task, the earliest giving the consensus choice)";
  return '- labels: every answer (no consensus)';
}

/** What `weight` means and how this snapshot computed it. */
function weightExplanation(filters: StoredFilters): string {
  const question = filters.weightQuestionId ? `\`${filters.weightQuestionId}\`` : 'the first pairwise or ranking question';
  const how =
    filters.labelSource === 'majority'
      ? `the share of the task's votes on ${question} that went to the majority label (2 of 3 agreeing: 0.667)`
      : filters.labelSource === 'dawid-skene'
        ? `the Dawid-Skene posterior probability of the chosen label on ${question}`
        : `the share of the task's answers to ${question} that give the same answer as this row's annotator (the answer itself included: a task's only answer weighs 1, one of two disagreeing answers 0.5; answers rejected by a reviewer are not counted; an answer that skipped the question weighs 1)`;
  return `Every row carries \`weight\`, the confidence of the label it comes from, from 0 to 1: ${how}. A weight belongs to an answer: every row one answer gives (pairs of a ranking, KTO labels, SFT targets) carries it. Weights were frozen when the snapshot was taken; use them to weight each example's loss, or to filter. Trainers that do not know the column ignore it.`;
}

/** A YAML scalar, always double-quoted (JSON strings are valid YAML). */
const yamlString = (text: string) => JSON.stringify(text);

export function buildDatasetCard(options: {
  snapshot: SnapshotSummary;
  format: ExportFormat;
  encoding: ExportEncoding;
  options: ExportOptions;
  rows: { train: number; test: number };
  files: { train: string; test: string };
}): string {
  const { snapshot, format, rows } = options;
  const info = FORMAT_INFO[format];
  const title = snapshot.name ?? `Feedloop snapshot ${snapshot.id}`;
  const isWeighted = snapshot.filters.weightByConfidence === true;
  const fields = [...Object.entries(info.fields).filter(([name]) => name !== 'margin' || options.options.margin), ...(isWeighted ? [['weight', WEIGHT_FIELD]] : [])];
  const filters = snapshot.filters;
  const selection = [
    `- annotations: submitted, settled before ${filters.before}`,
    filters.from ? `- created from ${filters.from}` : null,
    filters.to ? `- created until ${filters.to}` : null,
    filters.annotatorCount ? `- from ${filters.annotatorCount} chosen annotators` : null,
    filters.questionId ? `- answering question \`${filters.questionId}\`` : null,
    labelSourceLine(filters),
    filters.minAgreement !== undefined
      ? `- tasks with agreement at least ${filters.minAgreement} on \`${filters.agreementQuestionId}\` (the share of a task's answers giving its most common answer; answers a reviewer rejected are not counted, corrected ones count as corrected; a task with one answer is kept)`
      : null,
    filters.excludeFlagged ? '- flagged tasks left out' : null,
    filters.split.mode === 'prompt'
      ? "- split: the project's held-out prompts are `test`"
      : `- split: ${filters.split.testPercent}% of prompts are \`test\` (seed ${filters.split.seed}, hashed per prompt)`,
  ].filter((line): line is string => line !== null);
  const rules =
    info.options.includes('rankingPairs') || info.options.includes('ktoThreshold')
      ? [
          info.options.includes('rankingPairs')
            ? `- rankings: ${options.options.rankingPairs === 'all' ? 'every ordered pair' : 'adjacent pairs only'}; ties ${options.options.includeTies ? 'kept (margin 0)' : 'left out'}; "both bad" ${options.options.includeBothBad ? 'kept (margin 0)' : 'left out'}`
            : null,
          info.options.includes('ktoThreshold') ? `- KTO threshold: ${options.options.ktoThreshold ?? "the scale's midpoint (equal scores left out)"}` : null,
        ].filter((line): line is string => line !== null)
      : [];
  return [
    '---',
    'configs:',
    '- config_name: default',
    '  data_files:',
    '  - split: train',
    `    path: ${yamlString(options.files.train)}`,
    '  - split: test',
    `    path: ${yamlString(options.files.test)}`,
    'license: # left for the dataset owner to choose',
    'task_categories:',
    '- text-generation',
    'size_categories:',
    `- ${yamlString(sizeCategory(rows.train + rows.test))}`,
    'tags:',
    '- rlhf',
    '- feedloop',
    `- ${yamlString(format)}`,
    '---',
    '',
    `# ${title}`,
    '',
    `${info.label} data exported from a Feedloop dataset snapshot. ${info.description}`,
    '',
    '## Snapshot',
    '',
    `- id: ${snapshot.id}`,
    `- taken: ${snapshot.createdAt.toISOString()}`,
    `- content hash (sha256): \`${snapshot.contentHash}\``,
    `- annotations: ${snapshot.counts.annotations ?? 0} (train ${snapshot.counts.trainAnnotations ?? 0}, test ${snapshot.counts.testAnnotations ?? 0})`,
    '',
    '### Selection',
    '',
    ...selection,
    ...(rules.length ? ['', '### Rules', '', ...rules] : []),
    ...(isWeighted ? ['', '### Weights', '', weightExplanation(filters)] : []),
    '',
    '## Files',
    '',
    '| split | file | rows |',
    '| --- | --- | --- |',
    `| train | ${options.files.train} | ${rows.train} |`,
    `| test | ${options.files.test} | ${rows.test} |`,
    '',
    '## Fields',
    '',
    '| field | meaning |',
    '| --- | --- |',
    ...fields.map(([name, meaning]) => `| \`${name}\` | ${meaning.replace(/\|/g, '\\|')} |`),
    '',
    'Annotators appear only as pseudonyms (a keyed hash per project), never by name, email or id.',
    '',
  ].join('\n');
}
