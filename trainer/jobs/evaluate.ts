/**
 * The evaluate job: greedy answers of up to four policy versions to the same held-out prompts, so
 * an admin can compare any versions (not only a round's new and previous one). Where the built-in
 * domain's judge can read the prompts, each version's judged quality comes with its standard error.
 */
import { ZEvaluatePayload } from '../../server/jobs/contracts';
import type { ChatMessage } from '../model/chat-template';
import { loadModel } from '../model/model-checkpoint';
import { mergeLora } from '../model/peft';
import { createTokenizer } from '../model/tokenizer';
import { disposeGPT } from '../model/transformer';
import { greedyCompletions, judgedQuality, promptText } from '../train/evaluate';
import { policyDirOf } from './artifacts';
import { builtinJudgeFor } from './domain-judge';
import { JobInputError, type JobContext } from '../worker/job-context';

const MAX_NEW_TOKENS = 128;
const SAMPLES_KEPT = 24;

export async function runEvaluateJob(context: JobContext) {
  const payload = ZEvaluatePayload.parse(context.job.payload);
  const versions = await context.db.modelVersion.findMany({ where: { id: { in: payload.modelVersionIds }, projectId: payload.projectId, kind: 'POLICY' } });
  if (versions.length !== payload.modelVersionIds.length) throw new JobInputError('Every version to evaluate must be a policy of this project');
  const prompts = await context.db.prompt.findMany({
    where: { projectId: payload.projectId, split: 'HELDOUT' },
    orderBy: { id: 'asc' },
    take: payload.prompts,
    select: { text: true, messages: true },
  });
  if (prompts.length === 0) throw new JobInputError('The project has no held-out prompts (split HELDOUT) to evaluate on');
  const inputs = prompts.map((p) => (Array.isArray(p.messages) ? (p.messages as ChatMessage[]) : p.text));
  const texts = inputs.map(promptText);
  const judge = builtinJudgeFor(texts);

  const results: { versionId: number; name: string; judgedQuality: number | null; standardError: number | null; completions: string[] }[] = [];
  for (const [index, version] of versions.entries()) {
    context.throwIfStopped();
    const { model } = await loadModel(policyDirOf(context.dataDir, version));
    try {
      mergeLora(model);
      const tokenizer = createTokenizer(model.config.tokenizer);
      let done = 0;
      const completions = await greedyCompletions(model, tokenizer, inputs, MAX_NEW_TOKENS, 32, async () => {
        done = Math.min(inputs.length, done + 32);
        context.report({ stage: 'evaluate', step: index * inputs.length + done, total: versions.length * inputs.length, message: `${version.name}: ${done} of ${inputs.length}` });
        context.throwIfStopped();
      });
      const quality = judge ? judgedQuality(completions.map((c, i) => judge(texts[i], c))) : null;
      results.push({ versionId: version.id, name: version.name, judgedQuality: quality?.mean ?? null, standardError: quality?.se ?? null, completions });
    } finally {
      disposeGPT(model);
    }
  }
  return {
    prompts: inputs.length,
    versions: results.map(({ completions: _completions, ...rest }) => rest),
    samples: texts.slice(0, SAMPLES_KEPT).map((prompt, i) => ({ prompt, completions: results.map((r) => r.completions[i]) })),
  };
}
