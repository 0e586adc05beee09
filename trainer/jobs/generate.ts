/**
 * The generate job: completions for a project's prompts, from its active policy (or the built-in
 * base model) or from an OpenAI-compatible endpoint, turned into tasks for annotators.
 *
 * Which prompts: those with no open task, fewest tasks first (so every prompt gets rated before any
 * is rated twice), up to `promptsPerJob`, in a fixed pseudo-random order (an md5 of the id) rather
 * than import order, so train and held-out prompts are rated in proportion and the reward model's
 * held-out pairs come from held-out prompts. Per prompt, `samplesPerPrompt` samples are drawn and
 * `completionsPerTask` of them are shown (pair selection: disagreeing answers first, else the
 * largest gap under the project's latest reward model). With the
 * self-consistency template every shown completion is the majority-answer sample of its own k draws.
 *
 * All or nothing: completions and tasks are written in one transaction at the end, so a failing
 * endpoint, a cancel or a crash creates no partial tasks.
 */
import { Prisma } from '../../server/generated/prisma/client';
import { ZGeneratePayload, type GenerationSettings } from '../../server/jobs/contracts';
import { shuffleWithCrypto } from '../../server/jobs/display-order';
import type { ChatMessage } from '../model/chat-template';
import { encodePrompt } from '../model/chat-template';
import { loadModel } from '../model/model-checkpoint';
import { mulberry32 } from '../model/random';
import { sample } from '../model/sample';
import { createTokenizer } from '../model/tokenizer';
import { disposeGPT } from '../model/transformer';
import { generateWithOpenAI } from '../generate/openai-client';
import { selectShown } from '../generate/pair-selection';
import { majorityIndex, renderPrompt } from '../generate/prompt-templates';
import { resolveArtifact, servingDirOf } from './artifacts';
import { disposeRewardModel, loadRewardModel, scoreCompletions } from '../train/reward-model';
import { JobInputError, JobStoppedError, type JobContext } from '../worker/job-context';
import { isJobStillHeld } from '../../server/jobs/queue';

type PromptRow = { id: number; text: string; messages: unknown };

/** Prompts sampled per batch on the built-in trainer: bounds memory and gives progress often. */
const POLICY_BATCH_PROMPTS = 16;

export async function runGenerateJob(context: JobContext): Promise<{ prompts: number; tasks: number; completions: number; source: string }> {
  const { db } = context;
  const payload = ZGeneratePayload.parse(context.job.payload);
  const settings = payload.settings;
  const project = await db.project.findUnique({ where: { id: payload.projectId }, select: { id: true, completionsPerTask: true, activePolicy: true } });
  if (!project) throw new JobInputError(`Project ${payload.projectId} no longer exists`);
  const perTask = project.completionsPerTask;
  // Samples drawn per prompt: k for each shown completion with self-consistency, else k (at least one per shown completion).
  const drawn = settings.template === 'self_consistency' ? perTask * settings.samplesPerPrompt : Math.max(settings.samplesPerPrompt, perTask);

  const prompts = await db.$queryRaw<PromptRow[]>`
    SELECT p.id, p.text, p.messages FROM "Prompt" p
    WHERE p."projectId" = ${project.id}::int
      AND NOT EXISTS (SELECT 1 FROM "Task" t WHERE t."promptId" = p.id AND t.status = 'OPEN')
    ORDER BY (SELECT count(*) FROM "Task" t WHERE t."promptId" = p.id), md5(p.id::text)
    LIMIT ${settings.promptsPerJob}::int`;
  if (prompts.length === 0) throw new JobInputError('Every prompt of this project already has an open task: nothing to generate');
  const messages = prompts.map((p) => renderPrompt(settings.template, Array.isArray(p.messages) ? (p.messages as ChatMessage[]) : p.text));

  const version = payload.modelVersionId ? await db.modelVersion.findFirst({ where: { id: payload.modelVersionId, projectId: project.id, kind: 'POLICY' } }) : project.activePolicy;
  if (payload.modelVersionId && !version) throw new JobInputError(`Model version ${payload.modelVersionId} is not a policy of this project`);

  // Per prompt: `perTask` slots, each a list of candidate texts (k draws, or one majority vote).
  let samples: string[][];
  let modelName: string;
  if (settings.source.kind === 'openai') {
    const source = settings.source;
    const secret = source.apiKeySecret ? await db.projectSecret.findUnique({ where: { projectId_name: { projectId: project.id, name: source.apiKeySecret } } }) : null;
    if (source.apiKeySecret && !secret) throw new JobInputError(`The project has no secret named ${source.apiKeySecret} (set it in the project's generation settings)`);
    samples = await generateWithOpenAI({
      source,
      apiKey: secret?.value ?? null,
      sampling: settings.sampling,
      requests: messages.map((m) => ({ messages: m, samples: drawn })),
      signal: context.signal,
      onProgress: (done, total) => context.report({ stage: 'generate', step: done, total, message: `${done} of ${total} prompts` }),
    });
    modelName = `${source.model} @ ${new URL(source.baseUrl).host}`;
  } else {
    samples = await sampleWithPolicy(context, settings, messages, servingDirOf(context.dataDir, version), drawn);
    modelName = version ? version.name : 'built-in base model';
  }
  context.throwIfStopped();

  const rng = mulberry32(settings.sampling.seed ?? Date.now() % 2 ** 31);
  const scores = settings.pairSelection === 'disagreement' && settings.template !== 'self_consistency' ? await rewardScoresOf(context, project.id, messages, samples) : null;
  const shown = samples.map((texts, p) => {
    if (settings.template === 'self_consistency') {
      // perTask groups of k draws; each group shows its majority-answer sample.
      const k = texts.length / perTask;
      return Array.from({ length: perTask }, (_, g) => texts.slice(g * k, (g + 1) * k)).map((group) => group[majorityIndex(group)]);
    }
    return selectShown({ samples: texts, count: perTask, strategy: settings.pairSelection, rng, scores: scores?.[p] ?? null }).map((i) => texts[i]);
  });

  const samplingParams = { ...settings.sampling, template: settings.template, source: settings.source.kind } as Prisma.InputJsonValue;
  const created = await db.$transaction(
    async (tx) => {
      if (!(await isJobStillHeld(tx, { jobId: context.job.id, workerId: context.workerId }))) throw new JobStoppedError('lost');
      let tasks = 0;
      let completions = 0;
      for (const [i, prompt] of prompts.entries()) {
        const ids: number[] = [];
        for (const text of shown[i]) {
          const row = await tx.completion.create({ data: { promptId: prompt.id, text, source: 'MODEL', modelVersion: modelName, samplingParams }, select: { id: true } });
          ids.push(row.id);
        }
        completions += ids.length;
        await tx.task.create({ data: { projectId: project.id, promptId: prompt.id, completionIds: shuffleWithCrypto(ids) } });
        tasks += 1;
      }
      return { tasks, completions };
    },
    { timeout: 5 * 60 * 1000 },
  );
  context.log(`created ${created.tasks} tasks from ${modelName}`);
  return { prompts: prompts.length, ...created, source: modelName };
}

/**
 * Scores of every sample under the project's latest reward model, for pair selection when answers
 * do not disagree (then the pair the reward model separates most teaches most). Null before the
 * first round has registered a reward model.
 */
async function rewardScoresOf(context: JobContext, projectId: number, messages: ChatMessage[][], samples: string[][]): Promise<number[][] | null> {
  const version = await context.db.modelVersion.findFirst({ where: { projectId, kind: 'REWARD' }, orderBy: { id: 'desc' } });
  if (!version) return null;
  const { rm, tokenizer } = await loadRewardModel(resolveArtifact(context.dataDir, version.artifactPath));
  try {
    const items = samples.flatMap((texts, p) => texts.map((completion) => ({ prompt: messages[p], completion })));
    context.report({ stage: 'generate', message: `scoring ${items.length} samples with ${version.name}` });
    const flat = scoreCompletions(rm, tokenizer, items);
    let offset = 0;
    return samples.map((texts) => flat.slice(offset, (offset += texts.length)));
  } finally {
    disposeRewardModel(rm);
  }
}

/** Samples every prompt with the policy at `dir`, in batches, reporting progress and checking for a stop (the arena job uses it too). */
export async function sampleWithPolicy(context: JobContext, settings: GenerationSettings, messages: ChatMessage[][], dir: string, n: number): Promise<string[][]> {
  const { model } = await loadModel(dir);
  try {
    const tokenizer = createTokenizer(model.config.tokenizer);
    const { sampling } = settings;
    const out: string[][] = [];
    const started = Date.now();
    for (let start = 0; start < messages.length; start += POLICY_BATCH_PROMPTS) {
      context.throwIfStopped();
      const batch = messages.slice(start, start + POLICY_BATCH_PROMPTS);
      const ids = batch.map((m) => encodePrompt(tokenizer, m));
      const tooLong = ids.findIndex((p) => p.length >= model.config.blockSize);
      if (tooLong >= 0) throw new JobInputError(`Prompt ${start + tooLong + 1} has ${ids[tooLong].length} tokens; the model's context is ${model.config.blockSize}`);
      const result = await sample(model, tokenizer, ids, {
        maxNewTokens: sampling.maxNewTokens,
        temperature: sampling.temperature,
        topK: sampling.topK > 0 ? sampling.topK : undefined,
        topP: sampling.topP < 1 ? sampling.topP : undefined,
        stop: sampling.stop,
        seed: sampling.seed === null ? undefined : sampling.seed + start,
        n,
      });
      out.push(...result.map((rows) => rows.map((r) => r.text)));
      const done = Math.min(messages.length, start + batch.length);
      const elapsed = (Date.now() - started) / 1000;
      context.report({ stage: 'generate', step: done, total: messages.length, etaSeconds: Math.round((elapsed / done) * (messages.length - done)), message: `${done} of ${messages.length} prompts` });
    }
    return out;
  } finally {
    disposeGPT(model);
  }
}
