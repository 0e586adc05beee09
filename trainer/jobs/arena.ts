/**
 * The arena job: every version of the arena answers the same prompts (one completion each, with
 * the project's sampling settings and prompt template), then pairwise tasks pair two different
 * versions' answers to the same prompt, in a display order drawn at random and stored with the
 * task. Annotators see only the prompt and the two texts (server/services/task-view.ts): which
 * version wrote which is kept in Completion.modelVersionId, for the leaderboard.
 *
 * All or nothing like the generate job: completions and tasks are written in one transaction at
 * the end. A retry after that transaction committed finds the arena's tasks and writes nothing.
 */
import type { Prisma } from '../../server/generated/prisma/client';
import { ZArenaPayload, ZArenaSettings, ZGenerationSettings } from '../../server/jobs/contracts';
import { shuffleWithCrypto } from '../../server/jobs/display-order';
import { isJobStillHeld } from '../../server/jobs/queue';
import type { ChatMessage } from '../model/chat-template';
import { majorityIndex, renderPrompt } from '../generate/prompt-templates';
import { JobInputError, JobStoppedError, type JobContext } from '../worker/job-context';
import { servingDirOf } from './artifacts';
import { sampleWithPolicy } from './generate';

type PromptRow = { id: number; text: string; messages: unknown };

/** Which pairs of version indices each prompt's tasks show. */
export function pairsPerPrompt(versionCount: number, promptCount: number, pairing: 'all' | 'balanced', shuffle: <T>(items: readonly T[]) => T[]): [number, number][][] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < versionCount; i += 1) for (let j = i + 1; j < versionCount; j += 1) pairs.push([i, j]);
  if (pairing === 'all') return Array.from({ length: promptCount }, () => pairs);
  // Round-robin over a shuffled list of pairs: every pair gets floor or ceil of prompts / pairs.
  const dealt = shuffle(pairs);
  return Array.from({ length: promptCount }, (_, p) => [dealt[p % dealt.length]]);
}

export async function runArenaJob(context: JobContext): Promise<{ prompts: number; tasks: number; completions: number; versions: string[] }> {
  const { db } = context;
  const payload = ZArenaPayload.parse(context.job.payload);
  const arena = await db.arena.findUnique({ where: { id: payload.arenaId }, include: { project: { select: { id: true, generation: true, completionsPerTask: true } } } });
  if (!arena) throw new JobInputError(`Arena ${payload.arenaId} no longer exists`);
  const settings = ZArenaSettings.parse(arena.settings);
  const generation = ZGenerationSettings.parse(arena.project.generation ?? {});
  if (arena.project.completionsPerTask !== 2) throw new JobInputError('An arena needs a pairwise project (2 completions per task)');

  const found = await db.modelVersion.findMany({ where: { id: { in: arena.versionIds }, projectId: arena.projectId, kind: 'POLICY' } });
  const versions = arena.versionIds.map((id) => found.find((v) => v.id === id));
  if (versions.some((v) => !v) || versions.length < 2) throw new JobInputError('Every version of the arena must be a policy of this project (one was deleted?)');
  const names = versions.map((v) => v?.name ?? '');

  const existing = await db.task.count({ where: { arenaId: arena.id } });
  if (existing > 0) return { prompts: 0, tasks: existing, completions: 0, versions: names };

  const split = settings.promptSplit === 'heldout' ? 'HELDOUT' : settings.promptSplit === 'train' ? 'TRAIN' : null;
  // A fixed pseudo-random sample per arena (md5 of the id and the arena's id), not import order.
  const prompts = await db.$queryRaw<PromptRow[]>`
    SELECT p.id, p.text, p.messages FROM "Prompt" p
    WHERE p."projectId" = ${arena.projectId}::int AND (${split}::text IS NULL OR p.split::text = ${split}::text)
    ORDER BY md5(p.id::text || '-' || ${arena.id}::text)
    LIMIT ${settings.prompts}::int`;
  if (prompts.length === 0) throw new JobInputError(`The project has no ${split === null ? '' : `${split === 'HELDOUT' ? 'held-out' : 'train'} `}prompts for the arena`);
  const messages = prompts.map((p) => renderPrompt(generation.template, Array.isArray(p.messages) ? (p.messages as ChatMessage[]) : p.text));
  const plan = pairsPerPrompt(versions.length, prompts.length, settings.pairing, shuffleWithCrypto);

  // Per version, the prompts it must answer (all of them unless pairs are dealt).
  const answers: (string | null)[][] = versions.map(() => prompts.map(() => null));
  const draws = generation.template === 'self_consistency' ? generation.samplesPerPrompt : 1;
  const sampling = { ...generation.sampling, seed: generation.sampling.seed ?? arena.id };
  for (const [v, version] of versions.entries()) {
    const needed = plan.flatMap((pairs, p) => (pairs.some((pair) => pair.includes(v)) ? [p] : []));
    if (needed.length === 0) continue;
    context.report({ stage: 'generate', step: 0, total: needed.length, message: `version ${v + 1} of ${versions.length}: ${version?.name}` });
    const samples = await sampleWithPolicy(
      context,
      { ...generation, sampling },
      needed.map((p) => messages[p]),
      servingDirOf(context.dataDir, version ?? null),
      draws,
    );
    needed.forEach((p, k) => {
      answers[v][p] = draws > 1 ? samples[k][majorityIndex(samples[k])] : samples[k][0];
    });
  }
  context.throwIfStopped();

  const samplingParams = { ...sampling, template: generation.template, source: 'policy', arenaId: arena.id } as Prisma.InputJsonValue;
  const created = await db.$transaction(
    async (tx) => {
      if (!(await isJobStillHeld(tx, { jobId: context.job.id, workerId: context.workerId }))) throw new JobStoppedError('lost');
      let completions = 0;
      const tasks: Prisma.TaskCreateManyInput[] = [];
      for (const [p, prompt] of prompts.entries()) {
        const ids = new Map<number, number>();
        for (const [v, version] of versions.entries()) {
          const text = answers[v][p];
          if (text === null || !version) continue;
          const row = await tx.completion.create({
            data: { promptId: prompt.id, text, source: 'MODEL', modelVersion: version.name, modelVersionId: version.id, samplingParams },
            select: { id: true },
          });
          ids.set(v, row.id);
          completions += 1;
        }
        for (const [a, b] of plan[p]) {
          // The display order is drawn once and applies to both lists: completion i was written by version i.
          const shown = shuffleWithCrypto([a, b]);
          tasks.push({
            projectId: arena.projectId,
            promptId: prompt.id,
            arenaId: arena.id,
            completionIds: shown.map((v) => ids.get(v) as number),
            arenaVersionIds: shown.map((v) => versions[v]?.id as number),
          });
        }
      }
      await tx.task.createMany({ data: tasks });
      return { tasks: tasks.length, completions };
    },
    { timeout: 5 * 60 * 1000 },
  );
  context.log(`arena ${arena.id}: ${created.tasks} tasks from ${versions.length} versions on ${prompts.length} prompts`);
  return { prompts: prompts.length, ...created, versions: names };
}
