/**
 * Agreement per question of a project, over units answered by two or more annotators:
 * Krippendorff's alpha at the question's level of measurement, percent agreement, and Cohen's
 * kappa per annotator pair (unweighted for nominal questions, quadratic-weighted for scores and
 * rank positions) with their mean, each with a percentile bootstrap interval over units.
 *
 * Nothing reads annotations as objects: a measure's answers arrive once, as typed arrays ordered
 * by unit (server/quality/label-data.ts: PostgreSQL decodes the JSON and groups by annotator),
 * and reduce here to:
 * - value patterns: per unit, which values it received how many times, grouped into the distinct
 *   patterns with their unit counts (a few dozen at a million annotations). Alpha, percent
 *   agreement and their bootstraps work on those (lib/stats/krippendorff-alpha.ts).
 * - contingency cells per annotator pair: (annotator a, annotator b, a's value, b's value, units).
 *   Kappa of each pair and its bootstrap work on those.
 * (Grouping the values by unit in SQL took a hash aggregate of every task: about twice the read.)
 *
 * The mean kappa's interval redraws every pair's table in each replicate and averages, which
 * treats pairs as independent; pairs that share tasks are not, so that interval runs somewhat
 * narrow.
 */
import type { PrismaClient } from '../generated/prisma/client';
import { bootstrapInterval } from '../../lib/stats/bootstrap';
import { cohenKappaWithInterval, compileKappa, type KappaCell, type KappaWeights } from '../../lib/stats/cohen-kappa';
import { krippendorffAlphaWithInterval, type UnitPattern } from '../../lib/stats/krippendorff-alpha';
import { percentAgreementWithInterval } from '../../lib/stats/percent-agreement';
import { multinomialDrawInto, seededRandom } from '../../lib/stats/random';
import { type MeasureAnswers, pairCellsOfAnswers, readMeasureAnswers } from './label-data';
import { primaryMeasure, type Measure } from './measures';
import { type Estimate, readProjectMeasures, readUserNames, toEstimate } from './project-form';

export type BootstrapSettings = { replicates?: number; seed?: number };

/** Replicates of the mean kappa's interval (each redraws every pair's table). */
export const MEAN_KAPPA_REPLICATES = 500;

/** Pairs sharing fewer units are left out of the mean kappa (one unit gives no kappa); the mean weights pairs by shared units, so small pairs count little. */
export const MIN_PAIR_UNITS = 2;

export type MeasureAgreement = {
  key: string;
  label: string;
  questionType: Measure['questionType'];
  level: Measure['level'];
  kappaWeights: KappaWeights;
  /** Units answered by two or more annotators. */
  units: number;
  /** Values in those units (annotations, or annotation x completion for per-completion questions). */
  values: number;
  alpha: Estimate;
  percentAgreement: Estimate;
  meanKappa: Estimate;
  /** Annotator pairs in the mean kappa. */
  pairs: number;
};

export type PairKappa = { a: string; b: string; units: number; agreement: number; kappa: Estimate };

export function kappaWeightsOf(measure: Measure): KappaWeights {
  return measure.level === 'nominal' ? 'none' : 'quadratic';
}

/**
 * Distinct value patterns of the measure's pairable units, with their unit counts, ordered by
 * pattern (so a bootstrap over them draws the same way every time). A unit's values are counted
 * per value 0-9 (choices, scores, rank positions); a unit with a value outside 0-9, or 64 or more
 * values (overlap of 64+), is left out, as before.
 */
export function valuePatternsOfAnswers(answers: MeasureAnswers): UnitPattern[] {
  const { items, values } = answers;
  const counts = new Int32Array(10);
  const byKey = new Map<string, UnitPattern>();
  let start = 0;
  while (start < items.length) {
    let end = start + 1;
    while (end < items.length && items[end] === items[start]) end += 1;
    const m = end - start;
    counts.fill(0);
    let isInRange = true;
    for (let a = start; a < end; a += 1) {
      const v = values[a];
      if (v < 0 || v > 9) isInRange = false;
      else counts[v] += 1;
    }
    if (m >= 2 && m < 64 && isInRange) {
      const key = counts.join(',');
      const pattern = byKey.get(key);
      if (pattern) pattern.units += 1;
      else {
        const patternValues: (readonly [number, number])[] = [];
        counts.forEach((count, value) => {
          if (count > 0) patternValues.push([value, count] as const);
        });
        byKey.set(key, { units: 1, values: patternValues });
      }
    }
    start = end;
  }
  return [...byKey.entries()].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)).map(([, pattern]) => pattern);
}

export async function readValuePatterns(db: PrismaClient, projectId: number, measure: Measure): Promise<UnitPattern[]> {
  return valuePatternsOfAnswers(await readMeasureAnswers({ db, projectId, measure }));
}

/** Contingency cells of every annotator pair over the units both answered (see label-data.ts). */
export async function readPairCells(db: PrismaClient, projectId: number, measure: Measure): Promise<Map<string, { a: string; b: string; cells: KappaCell[] }>> {
  return pairCellsOfAnswers(await readMeasureAnswers({ db, projectId, measure }));
}

const unitsOf = (cells: readonly KappaCell[]) => cells.reduce((s, c) => s + c[2], 0);
const agreementOf = (cells: readonly KappaCell[]) => cells.reduce((s, c) => s + (c[0] === c[1] ? c[2] : 0), 0) / Math.max(1, unitsOf(cells));

/** Mean kappa over pairs (weighted by shared units) with its bootstrap interval. */
export function meanPairKappa(
  pairs: { cells: KappaCell[] }[],
  weights: KappaWeights,
  settings: BootstrapSettings = {},
): { value: number; interval: { low: number; high: number } | null; pairs: number } {
  const used = pairs.filter((p) => unitsOf(p.cells) >= MIN_PAIR_UNITS);
  const mean = (kappas: number[], units: number[]) => {
    let sum = 0;
    let total = 0;
    kappas.forEach((k, i) => {
      if (Number.isFinite(k)) {
        sum += k * units[i];
        total += units[i];
      }
    });
    return total === 0 ? Number.NaN : sum / total;
  };
  const units = used.map((p) => unitsOf(p.cells));
  const kappas = used.map((p) => compileKappa(p.cells, weights));
  const counts = used.map((p) => p.cells.map((c) => c[2]));
  const value = mean(
    kappas.map((kappa, i) => kappa(counts[i])),
    units,
  );
  const random = seededRandom((settings.seed ?? 1) + 7919);
  // One replicate: each pair's table redrawn from its own cells (see the header about independence),
  // into buffers kept across replicates.
  const drawn = counts.map((c) => new Float64Array(c.length));
  const replicateKappas = new Array<number>(used.length);
  const interval = bootstrapInterval(
    [1],
    () => {
      for (let i = 0; i < used.length; i += 1) replicateKappas[i] = kappas[i](multinomialDrawInto(random, units[i], counts[i], drawn[i]));
      return mean(replicateKappas, units);
    },
    { replicates: settings.replicates ?? MEAN_KAPPA_REPLICATES, seed: settings.seed },
  );
  return { value, interval: used.length > 0 ? interval : null, pairs: used.length };
}

export async function measureAgreement(options: { db: PrismaClient; projectId: number; measure: Measure; bootstrap?: BootstrapSettings }): Promise<MeasureAgreement> {
  return (await measureAgreementWithPairs(options)).agreement;
}

type PairCells = Map<string, { a: string; b: string; cells: KappaCell[] }>;

/** A measure's agreement, and its pair tables for a heatmap (read once for both). */
async function measureAgreementWithPairs(options: {
  db: PrismaClient;
  projectId: number;
  measure: Measure;
  bootstrap?: BootstrapSettings;
}): Promise<{ agreement: MeasureAgreement; pairCells: PairCells }> {
  const { db, projectId, measure } = options;
  const answers = await readMeasureAnswers({ db, projectId, measure });
  const patterns = valuePatternsOfAnswers(answers);
  const pairCells = pairCellsOfAnswers(answers);
  const weights = kappaWeightsOf(measure);
  const kappa = meanPairKappa([...pairCells.values()], weights, options.bootstrap);
  const agreement: MeasureAgreement = {
    key: measure.key,
    label: measure.label,
    questionType: measure.questionType,
    level: measure.level,
    kappaWeights: weights,
    units: patterns.reduce((s, p) => s + p.units, 0),
    values: patterns.reduce((s, p) => s + p.units * p.values.reduce((m, [, c]) => m + c, 0), 0),
    alpha: toEstimate(krippendorffAlphaWithInterval(patterns, measure.level, options.bootstrap)),
    percentAgreement: toEstimate(percentAgreementWithInterval(patterns, options.bootstrap)),
    meanKappa: toEstimate(kappa),
    pairs: kappa.pairs,
  };
  return { agreement, pairCells };
}

/** Kappa of every annotator pair on one measure, with intervals: the heatmap. */
export async function kappaMatrix(options: { db: PrismaClient; projectId: number; measure: Measure; bootstrap?: BootstrapSettings; pairCells?: PairCells }): Promise<{
  annotators: { userId: string; name: string }[];
  pairs: PairKappa[];
}> {
  const pairCells = options.pairCells ?? (await readPairCells(options.db, options.projectId, options.measure));
  const weights = kappaWeightsOf(options.measure);
  const pairs = [...pairCells.values()].map((p) => ({
    a: p.a,
    b: p.b,
    units: unitsOf(p.cells),
    agreement: agreementOf(p.cells),
    kappa: toEstimate(cohenKappaWithInterval(p.cells, weights, { replicates: options.bootstrap?.replicates ?? 400, seed: options.bootstrap?.seed })),
  }));
  const ids = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
  const names = await readUserNames(options.db, ids);
  const annotators = ids.map((userId) => ({ userId, name: names.get(userId) ?? userId })).sort((x, y) => x.name.localeCompare(y.name));
  return { annotators, pairs };
}

export type ProjectAgreement = {
  measures: MeasureAgreement[];
  heatmap: { measureKey: string; label: string; annotators: { userId: string; name: string }[]; pairs: PairKappa[] } | null;
};

/** Every measure's agreement, and the heatmap of one (the given key, else the primary measure). */
export async function projectAgreement(options: { db: PrismaClient; projectId: number; heatmapKey?: string; bootstrap?: BootstrapSettings }): Promise<ProjectAgreement> {
  const { measures } = await readProjectMeasures(options.db, options.projectId);
  const heatmapMeasure = measures.find((m) => m.key === options.heatmapKey) ?? primaryMeasure(measures);
  const results: MeasureAgreement[] = [];
  let heatmapCells: PairCells | undefined;
  for (const measure of measures) {
    const { agreement, pairCells } = await measureAgreementWithPairs({ db: options.db, projectId: options.projectId, measure, bootstrap: options.bootstrap });
    results.push(agreement);
    if (measure === heatmapMeasure) heatmapCells = pairCells;
  }
  const heatmap = heatmapMeasure ? { measureKey: heatmapMeasure.key, label: heatmapMeasure.label, ...(await kappaMatrix({ ...options, measure: heatmapMeasure, pairCells: heatmapCells })) } : null;
  return { measures: results, heatmap };
}
