/**
 * Readers for the JSON columns the trainer writes (job progress, run stages, curves, metrics,
 * evaluation samples). The database types them as any JSON, and a worker of another version may
 * write a little more or less, so each reader keeps what has the expected shape and drops the rest
 * rather than trusting a cast.
 */
import { ROUND_STAGES, type RoundStage } from '@/server/jobs/contracts';

export type JobProgress = { stage: string | null; step: number | null; total: number | null; etaSeconds: number | null; message: string | null };
export type StageState = { step: number | null; total: number | null; startedAt: string | null; finishedAt: string | null; etaSeconds: number | null };
export type CurvePoint = { step: number; value: number };
export type Curves = Record<string, CurvePoint[]>;
export type MetricLeaf = { path: string; value: number };
export type EvaluationSample = {
  prompt: string;
  previous: string;
  next: string;
  judgePrevious: number | null;
  judgeNew: number | null;
  rewardPrevious: number | null;
  rewardNew: number | null;
};

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** The job's live line: {stage, step, total, etaSeconds, message}. */
export function readProgress(value: unknown): JobProgress | null {
  if (!isRecord(value)) return null;
  return {
    stage: stringOrNull(value.stage),
    step: numberOrNull(value.step),
    total: numberOrNull(value.total),
    etaSeconds: numberOrNull(value.etaSeconds),
    message: stringOrNull(value.message),
  };
}

/** The run's `stages`: {stage: {step, total, startedAt, finishedAt, etaSeconds}} for the stages reached. */
export function readStages(value: unknown): Partial<Record<RoundStage, StageState>> {
  if (!isRecord(value)) return {};
  const stages: Partial<Record<RoundStage, StageState>> = {};
  for (const stage of ROUND_STAGES) {
    const state = value[stage];
    if (!isRecord(state)) continue;
    stages[stage] = {
      step: numberOrNull(state.step),
      total: numberOrNull(state.total),
      startedAt: stringOrNull(state.startedAt),
      finishedAt: stringOrNull(state.finishedAt),
      etaSeconds: numberOrNull(state.etaSeconds),
    };
  }
  return stages;
}

/** `curves`: {"<name>": [[step, value], ...]}; points that are not two finite numbers are dropped. */
export function readCurves(value: unknown): Curves {
  if (!isRecord(value)) return {};
  const curves: Curves = {};
  for (const [name, points] of Object.entries(value)) {
    if (!Array.isArray(points)) continue;
    const kept: CurvePoint[] = [];
    for (const point of points) {
      if (Array.isArray(point) && typeof point[0] === 'number' && typeof point[1] === 'number' && Number.isFinite(point[1])) kept.push({ step: point[0], value: point[1] });
    }
    if (kept.length > 0) curves[name] = kept;
  }
  return curves;
}

/** Curve names grouped by their prefix ("reward/loss" → "reward"), groups and names sorted. */
export function groupCurveNames(names: string[]): [string, string[]][] {
  const groups = new Map<string, string[]>();
  for (const name of [...names].sort()) {
    const prefix = name.includes('/') ? name.slice(0, name.indexOf('/')) : 'other';
    groups.set(prefix, [...(groups.get(prefix) ?? []), name]);
  }
  return [...groups.entries()];
}

/** Every numeric leaf of a nested metrics object as a dotted path ("reward.accuracy"); arrays are skipped. */
export function flattenNumbers(value: unknown, prefix = ''): MetricLeaf[] {
  if (typeof value === 'number' && Number.isFinite(value)) return prefix ? [{ path: prefix, value }] : [];
  if (!isRecord(value)) return [];
  return Object.entries(value).flatMap(([key, child]) => flattenNumbers(child, prefix ? `${prefix}.${key}` : key));
}

/** The string leaves of the top level of an object (a snapshot's content hash and the like). */
export function readStrings(value: unknown): [string, string][] {
  if (!isRecord(value)) return [];
  return Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
}

/**
 * Evaluation samples, wherever the metrics keep them (`evaluate.samples`, or `samples` at the top).
 * Two spellings are read: {previous, new, judgePrevious, judgeNew} and the trainer's
 * {previousCompletion, newCompletion, previousJudge, newJudge, previousReward, newReward}.
 */
export function readSamples(metrics: unknown): EvaluationSample[] {
  if (!isRecord(metrics)) return [];
  const list = isRecord(metrics.evaluate) && Array.isArray(metrics.evaluate.samples) ? metrics.evaluate.samples : Array.isArray(metrics.samples) ? metrics.samples : [];
  const samples: EvaluationSample[] = [];
  for (const item of list) {
    if (!isRecord(item)) continue;
    const prompt = stringOrNull(item.prompt);
    const previous = stringOrNull(item.previous) ?? stringOrNull(item.previousCompletion);
    const next = stringOrNull(item.new) ?? stringOrNull(item.newCompletion);
    if (prompt === null || (previous === null && next === null)) continue;
    samples.push({
      prompt,
      previous: previous ?? '',
      next: next ?? '',
      judgePrevious: numberOrNull(item.judgePrevious) ?? numberOrNull(item.previousJudge),
      judgeNew: numberOrNull(item.judgeNew) ?? numberOrNull(item.newJudge),
      rewardPrevious: numberOrNull(item.rewardPrevious) ?? numberOrNull(item.previousReward),
      rewardNew: numberOrNull(item.rewardNew) ?? numberOrNull(item.newReward),
    });
  }
  return samples;
}

/**
 * The numbers people compare versions by, found by name rather than a fixed path, since policy
 * and reward versions store them under different keys ("eval/judge_new", "judgedQuality", "accuracy").
 */
const KEY_METRICS = [
  { key: 'judgedQuality', pattern: /judged_?quality|judge_new|judge$/i },
  { key: 'meanReward', pattern: /mean_?reward|reward_new/i },
  { key: 'accuracy', pattern: /accuracy$/i },
] as const;
export type KeyMetric = (typeof KEY_METRICS)[number]['key'];
export const KEY_METRIC_LABELS: Record<KeyMetric, string> = { judgedQuality: 'Judged quality', meanReward: 'Mean reward', accuracy: 'Accuracy' };
export const KEY_METRIC_NAMES = KEY_METRICS.map((metric) => metric.key);

export function readKeyMetrics(metrics: unknown): Record<KeyMetric, number | null> {
  const leaves = flattenNumbers(metrics);
  const find = (pattern: RegExp) => leaves.find((leaf) => pattern.test(leaf.path))?.value ?? null;
  return { judgedQuality: find(KEY_METRICS[0].pattern), meanReward: find(KEY_METRICS[1].pattern), accuracy: find(KEY_METRICS[2].pattern) };
}

/** A few names read better in words; the rest are shown as the trainer wrote them. */
const NICE_LABELS: Record<string, string> = {
  'eval/judge_new': 'Judged quality (new)',
  'eval/judge_previous': 'Judged quality (previous)',
  'eval/reward_new': 'Mean reward (new)',
  'eval/reward_previous': 'Mean reward (previous)',
  'eval/win_rate': 'Win rate',
  accuracy: 'Accuracy',
  margin: 'Margin',
  trainPairs: 'Training pairs',
  heldoutPairs: 'Held-out pairs',
  judgedQuality: 'Judged quality',
  meanReward: 'Mean reward',
};

export function metricLabel(path: string): string {
  const last = path.includes('.') ? path.slice(path.lastIndexOf('.') + 1) : path;
  return NICE_LABELS[last] ?? path;
}
