/**
 * A measure's answers as compact typed arrays for the consensus models (lib/stats/labels.ts),
 * read in pages of task ids: each page is one query whose rows come back as four integer arrays
 * (task, sub-unit, annotator index, value), so a million answers never exist as a million objects
 * and memory holds one page of rows plus the typed arrays (16 bytes an answer).
 */
import { Prisma, type PrismaClient } from '../generated/prisma/client';
import { measureValuesSql, type Measure } from './measures';

export type MeasureAnswers = {
  /** User id per annotator index. */
  userIds: string[];
  /** Task and sub-unit (completion, or 0) per item index. */
  itemTasks: Int32Array;
  itemSubs: Int32Array;
  items: Int32Array;
  annotators: Int32Array;
  values: Int32Array;
};

const TASK_ID_SPAN = 50_000;

class IntBuffer {
  data = new Int32Array(1024);
  length = 0;
  push(value: number) {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
  toArray(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

export async function readMeasureAnswers(options: { db: PrismaClient; projectId: number; measure: Measure }): Promise<MeasureAnswers> {
  const { db, projectId, measure } = options;
  const userRows = await db.$queryRaw<{ userId: string }[]>`
    SELECT DISTINCT a."userId" FROM "Annotation" a WHERE a."projectId" = ${projectId}::int AND a.status = 'SUBMITTED' ORDER BY a."userId"`;
  const userIds = userRows.map((r) => r.userId);
  const [bounds] = await db.$queryRaw<{ low: number | null; high: number | null }[]>`
    SELECT min(a."taskId") AS low, max(a."taskId") AS high FROM "Annotation" a WHERE a."projectId" = ${projectId}::int AND a.status = 'SUBMITTED'`;
  const itemTasks = new IntBuffer();
  const itemSubs = new IntBuffer();
  const items = new IntBuffer();
  const annotators = new IntBuffer();
  const values = new IntBuffer();
  if (bounds?.low == null || bounds.high == null)
    return { userIds, itemTasks: itemTasks.toArray(), itemSubs: itemSubs.toArray(), items: items.toArray(), annotators: annotators.toArray(), values: values.toArray() };
  for (let low = bounds.low; low <= bounds.high; low += TASK_ID_SPAN) {
    const high = low + TASK_ID_SPAN;
    const range = Prisma.sql`AND a."taskId" >= ${low}::int AND a."taskId" < ${high}::int`;
    const [page] = await db.$queryRaw<{ t: number[] | null; s: number[] | null; u: number[] | null; v: number[] | null }[]>`
      SELECT array_agg(x.t ORDER BY x.t, x.s) AS t, array_agg(x.s ORDER BY x.t, x.s) AS s,
             array_agg(array_position(${userIds}::text[], x.u) - 1 ORDER BY x.t, x.s) AS u, array_agg(x.v ORDER BY x.t, x.s) AS v
      FROM (${measureValuesSql(measure, projectId, range)}) x`;
    if (!page?.t || !page.s || !page.u || !page.v) continue;
    for (let r = 0; r < page.t.length; r += 1) {
      const t = page.t[r];
      const s = page.s[r];
      const last = itemTasks.length - 1;
      if (last < 0 || itemTasks.data[last] !== t || itemSubs.data[last] !== s) {
        itemTasks.push(t);
        itemSubs.push(s);
      }
      items.push(itemTasks.length - 1);
      annotators.push(page.u[r]);
      values.push(page.v[r]);
    }
  }
  return { userIds, itemTasks: itemTasks.toArray(), itemSubs: itemSubs.toArray(), items: items.toArray(), annotators: annotators.toArray(), values: values.toArray() };
}
