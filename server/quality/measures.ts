/**
 * What agreement is measured on, per question of a project's form, and how each answer becomes
 * numbers in SQL. A "measure" yields, per annotation (task t, annotator u), rows (s, v): the
 * sub-unit (the completion for per-completion questions, 0 for whole-task ones) and an integer value.
 *
 * Units and levels of measurement, per question type:
 * - pairwise: unit = task; value = the choice (A 0, B 1, tie 2, both bad 3); nominal. A and B are
 *   display positions, and the display order is stored per task, so every annotator of a task saw
 *   the same A.
 * - thumbs: unit = (task, completion); up 1 / down 0; nominal.
 * - likert: unit = (task, completion); the score; ordinal.
 * - attributes: one measure per attribute; unit = (task, completion); the score; ordinal.
 * - ranking: unit = (task, completion); value = the rank position the annotator gave that
 *   completion (1 = best); interval. Rank-based: alpha over rank positions is 1 when every
 *   annotator orders the completions alike and falls as positions diverge, a swap of neighbours
 *   costing less than a swap of best and worst. (Kendall-style per-pair agreement would treat
 *   every swapped pair alike.)
 * - critique and edit: free text, not measured.
 * Only SUBMITTED annotations count.
 */
import { Prisma } from '../generated/prisma/client';
import type { RatingForm } from '../../lib/forms/schema';
import type { MeasurementLevel } from '../../lib/stats/krippendorff-alpha';

export type Measure = {
  /** questionId, or questionId.attribute for attribute scores. */
  key: string;
  questionId: string;
  attribute: string | null;
  label: string;
  questionType: 'pairwise' | 'thumbs' | 'likert' | 'attributes' | 'ranking';
  level: MeasurementLevel;
  /** Categorical measures can have Dawid-Skene consensus; the others a weighted mean. */
  isCategorical: boolean;
  /** Value -> label, for categorical measures. */
  classLabels: string[] | null;
};

export const PAIRWISE_CLASSES = ['A', 'B', 'tie', 'both_bad'];
export const THUMBS_CLASSES = ['down', 'up'];

export function measuresOfForm(form: RatingForm): Measure[] {
  const out: Measure[] = [];
  for (const q of form.questions) {
    const base = { questionId: q.id, attribute: null, label: q.label };
    if (q.type === 'pairwise') out.push({ ...base, key: q.id, questionType: 'pairwise', level: 'nominal', isCategorical: true, classLabels: PAIRWISE_CLASSES });
    else if (q.type === 'thumbs') out.push({ ...base, key: q.id, questionType: 'thumbs', level: 'nominal', isCategorical: true, classLabels: THUMBS_CLASSES });
    else if (q.type === 'likert') out.push({ ...base, key: q.id, questionType: 'likert', level: 'ordinal', isCategorical: false, classLabels: null });
    else if (q.type === 'ranking') out.push({ ...base, key: q.id, questionType: 'ranking', level: 'interval', isCategorical: false, classLabels: null });
    else if (q.type === 'attributes') {
      for (const attribute of q.attributes) {
        out.push({
          key: `${q.id}.${attribute.name}`,
          questionId: q.id,
          attribute: attribute.name,
          label: `${q.label}: ${attribute.label}`,
          questionType: 'attributes',
          level: 'ordinal',
          isCategorical: false,
          classLabels: null,
        });
      }
    }
  }
  return out;
}

/** The measure agreement with others and position bias are judged on: the first categorical one, else the first. */
export function primaryMeasure(measures: Measure[]): Measure | null {
  return measures.find((m) => m.isCategorical) ?? measures[0] ?? null;
}

/**
 * The measure's values in one annotation (alias a) as rows (s, v): a subquery for LATERAL, so a
 * query can group the project's annotations (say by annotator) and decode each answer's JSON once,
 * in SQL. The caller keeps only SUBMITTED annotations.
 */
export function measureAnswerValuesSql(measure: Measure): Prisma.Sql {
  const q = measure.questionId;
  switch (measure.questionType) {
    case 'pairwise':
      return Prisma.sql`SELECT 0 AS s, CASE a.answer -> ${q}::text ->> 'choice' WHEN 'A' THEN 0 WHEN 'B' THEN 1 WHEN 'tie' THEN 2 ELSE 3 END AS v WHERE a.answer ? ${q}::text`;
    case 'thumbs':
      return Prisma.sql`SELECT e.key::int AS s, CASE e.value WHEN 'up' THEN 1 ELSE 0 END AS v FROM jsonb_each_text(a.answer -> ${q}::text -> 'votes') e`;
    case 'likert':
      return Prisma.sql`SELECT e.key::int AS s, e.value::int AS v FROM jsonb_each_text(a.answer -> ${q}::text -> 'scores') e`;
    case 'attributes':
      return Prisma.sql`SELECT e.key::int AS s, (e.value ->> ${measure.attribute}::text)::int AS v FROM jsonb_each(a.answer -> ${q}::text -> 'scores') e WHERE e.value ? ${measure.attribute}::text`;
    case 'ranking':
      return Prisma.sql`SELECT r.cid::int AS s, r.pos::int AS v FROM jsonb_array_elements_text(a.answer -> ${q}::text -> 'order') WITH ORDINALITY r(cid, pos)`;
  }
}
