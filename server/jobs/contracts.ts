/**
 * The job contract between the web app and the trainer worker: job kinds, and the zod schema of
 * every payload and setting they exchange. Pure zod: the web app validates forms with it, the
 * worker re-parses every payload it claims with it (a job written by an older or newer web process
 * fails with a clear message rather than deep in a handler).
 */
import { z } from 'zod';
import { ZDbId, ZSafeText } from '../../lib/validation';
import { EXPORT_ENCODINGS, EXPORT_FORMATS, FORMAT_INFO, ZExportOptions } from '../datasets/formats';
import { ZPeftConfig } from './peft-config';

export { ZPeftConfig, type PeftConfig } from './peft-config';

export const JOB_KINDS = ['generate', 'training_round', 'evaluate', 'export', 'arena'] as const;
export const ZJobKind = z.enum(JOB_KINDS);
export type JobKind = z.infer<typeof ZJobKind>;

// ───────────── generation ─────────────

/**
 * How a prompt is worded for the model (what annotators then see answered):
 * - plain: the prompt as imported;
 * - chain_of_thought: "Think step by step." appended;
 * - least_to_most: the model is asked to split the problem into sub-problems and solve them in order;
 * - self_consistency: k samples, and the completion shown is one whose final answer is the majority's.
 */
export const PROMPT_TEMPLATES = ['plain', 'chain_of_thought', 'least_to_most', 'self_consistency'] as const;
export const ZPromptTemplate = z.enum(PROMPT_TEMPLATES);
export type PromptTemplate = z.infer<typeof ZPromptTemplate>;

/** Sampling settings of a project (and of one generate job, which may override them). */
export const ZSamplingSettings = z.object({
  /** 0 = greedy. */
  temperature: z.number().min(0).max(2).default(1),
  /** 0 = off. */
  topK: z.number().int().min(0).max(1000).default(0),
  /** 1 = off. */
  topP: z.number().gt(0).max(1).default(1),
  maxNewTokens: z.number().int().min(1).max(2048).default(128),
  stop: z
    .array(ZSafeText(64).pipe(z.string().min(1)))
    .max(8)
    .default([]),
  seed: z.number().int().min(0).max(2_147_483_647).nullable().default(null),
});
export type SamplingSettings = z.infer<typeof ZSamplingSettings>;

/**
 * Which completions of a prompt are shown together (pairwise projects):
 * - random: a random pair of the k samples;
 * - disagreement: the pair whose final answers differ (the built-in domain), else the pair with the
 *   largest reward-model score gap once a reward model exists, else random.
 */
export const ZPairSelection = z.enum(['random', 'disagreement']);
export type PairSelection = z.infer<typeof ZPairSelection>;

/** An OpenAI-compatible chat-completions endpoint (vLLM, llama.cpp, Ollama, ...). */
export const ZOpenAISource = z.object({
  kind: z.literal('openai'),
  /** e.g. http://localhost:8000/v1; "/chat/completions" is appended. */
  baseUrl: ZSafeText(500)
    .pipe(z.string().url())
    .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL'),
  model: ZSafeText(200).pipe(z.string().min(1)),
  /** Name of the project secret that holds the API key (never the key itself). */
  apiKeySecret: z
    .string()
    .regex(/^[A-Za-z0-9_]{1,64}$/)
    .nullable()
    .default(null),
  timeoutMs: z.number().int().min(100).max(600_000).default(60_000),
  concurrency: z.number().int().min(1).max(64).default(4),
  maxRetries: z.number().int().min(0).max(10).default(3),
});
export type OpenAISource = z.infer<typeof ZOpenAISource>;

export const ZGenerationSource = z.discriminatedUnion('kind', [z.object({ kind: z.literal('policy') }), ZOpenAISource]);
export type GenerationSource = z.infer<typeof ZGenerationSource>;

/** A project's generation settings (stored on the project; a generate job copies them). */
export const ZGenerationSettings = z.object({
  source: ZGenerationSource.default({ kind: 'policy' }),
  sampling: ZSamplingSettings.default(ZSamplingSettings.parse({})),
  template: ZPromptTemplate.default('plain'),
  /** Samples drawn per prompt (k); tasks show `completionsPerTask` of them. */
  samplesPerPrompt: z.number().int().min(1).max(16).default(4),
  pairSelection: ZPairSelection.default('disagreement'),
  /** Prompts per generate job: train prompts with the fewest open tasks first. */
  promptsPerJob: z.number().int().min(1).max(100_000).default(500),
});
export type GenerationSettings = z.infer<typeof ZGenerationSettings>;

export const ZGeneratePayload = z.object({
  projectId: ZDbId,
  /** Defaults to the project's settings at enqueue time (copied, so later edits don't change a queued job). */
  settings: ZGenerationSettings,
  /** The policy version that samples (policy source); null = the project's active version or the built-in base model. */
  modelVersionId: ZDbId.nullable().default(null),
});
export type GeneratePayload = z.infer<typeof ZGeneratePayload>;

// ───────────── training rounds ─────────────

export const POLICY_METHODS = ['sft', 'dpo', 'rl'] as const;
export const ZPolicyMethod = z.enum(POLICY_METHODS);
export type PolicyMethod = z.infer<typeof ZPolicyMethod>;

/**
 * Where a round's labels come from, as the snapshot filter of the same name: every settled answer
 * ('all'), or one answer per task carrying its consensus on the form's first pairwise question.
 */
export const ROUND_LABEL_SOURCES = ['all', 'majority', 'dawid-skene'] as const;
export type RoundLabelSource = (typeof ROUND_LABEL_SOURCES)[number];

/** The admin's "Start round" form. Every field has a default that works on the built-in model. */
export const ZRoundConfig = z.object({
  method: ZPolicyMethod.default('sft'),
  peft: ZPeftConfig.default({ method: 'full' }),
  learningRate: z.number().gt(0).max(1).default(5e-5),
  epochs: z.number().int().min(1).max(100).default(3),
  batchSize: z.number().int().min(1).max(256).default(32),
  seed: z.number().int().min(0).max(2_147_483_647).default(1),
  /** Name of the registered policy version (default "round-<n>"). */
  checkpointName: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, ".", "_" and "-" (max 64)')
    .nullable()
    .default(null),
  /** Fewest preference pairs the reward model (and DPO) may train on. */
  minPairs: z.number().int().min(1).max(1_000_000).default(64),
  reward: z
    .object({
      learningRate: z.number().gt(0).max(1).default(2e-4),
      epochs: z.number().int().min(1).max(100).default(2),
      batchSize: z.number().int().min(1).max(256).default(16),
    })
    .default({ learningRate: 2e-4, epochs: 2, batchSize: 16 }),
  dpo: z.object({ beta: z.number().gt(0).max(10).default(0.1) }).default({ beta: 0.1 }),
  rl: z
    .object({
      /** RLOO: k samples per prompt, each sample's baseline is the mean reward of the other k-1. */
      samplesPerPrompt: z.number().int().min(2).max(16).default(4),
      promptsPerIteration: z.number().int().min(1).max(1024).default(16),
      iterations: z.number().int().min(1).max(1000).default(6),
      /** Per-token KL penalty coefficient to the reference policy. */
      klCoef: z.number().min(0).max(10).default(0.1),
      /** PPO-style clip of the probability ratio. */
      clipRange: z.number().gt(0).max(1).default(0.2),
      maxNewTokens: z.number().int().min(1).max(1024).default(128),
    })
    .default({ samplesPerPrompt: 4, promptsPerIteration: 16, iterations: 6, klCoef: 0.1, clipRange: 0.2, maxNewTokens: 128 }),
  /** Held-out prompts evaluated per policy (greedy); the standard error is reported with the result. */
  evalPrompts: z.number().int().min(1).max(10_000).default(400),
  /** Also store an int8 / 4-bit copy of the new policy for serving, with its size and quality change. */
  servingQuantization: z.enum(['none', 'int8', 'nf4']).default('none'),
  // The round's data: the snapshot filters of the same names (server/datasets/snapshots.ts). The
  // defaults are a round's data before these options existed: every answer, no minimum, unweighted.
  /** Every answer, or one consensus label per task (majority vote, Dawid-Skene). */
  labelSource: z.enum(ROUND_LABEL_SOURCES).default('all'),
  /** Only tasks whose annotators agree at least this much (0-1); null: no minimum. */
  minAgreement: z.number().min(0, 'The minimum agreement must be between 0 and 1 (0-100%)').max(1, 'The minimum agreement must be between 0 and 1 (0-100%)').nullable().default(null),
  /** Each pair counts in the reward-model and DPO losses as much as its label's confidence (0-1). */
  weightByConfidence: z.boolean().default(false),
});
export type RoundConfig = z.infer<typeof ZRoundConfig>;
export type RoundConfigInput = z.input<typeof ZRoundConfig>;

export const ZTrainingRoundPayload = z.object({ runId: ZDbId });
export type TrainingRoundPayload = z.infer<typeof ZTrainingRoundPayload>;

export const ZEvaluatePayload = z.object({
  projectId: ZDbId,
  /** The versions to compare on the same held-out prompts. */
  modelVersionIds: z.array(ZDbId).min(1).max(4),
  prompts: z.number().int().min(1).max(10_000).default(200),
});
export type EvaluatePayload = z.infer<typeof ZEvaluatePayload>;

// ───────────── arenas ─────────────

/**
 * An arena's form: which prompts the versions answer, and which pairs of versions each prompt's
 * tasks show.
 * - promptSplit: held-out prompts (never trained on; the default), train prompts, or any;
 * - pairing: 'all' = one task per pair of versions per prompt; 'balanced' = one task per prompt,
 *   the pairs dealt round-robin so every pair of versions gets the same number of prompts (±1).
 */
export const ZArenaSettings = z.object({
  promptSplit: z.enum(['heldout', 'train', 'any']).default('heldout'),
  prompts: z.number().int().min(1).max(10_000).default(50),
  pairing: z.enum(['all', 'balanced']).default('all'),
});
export type ArenaSettings = z.infer<typeof ZArenaSettings>;

/** The arena job: one completion per version per prompt, then the blind pairwise tasks. */
export const ZArenaPayload = z.object({ arenaId: ZDbId });
export type ArenaPayload = z.infer<typeof ZArenaPayload>;

// ───────────── dataset exports ─────────────

/** A large export written to a file by a worker (small ones stream from the web process). */
export const ZExportPayload = z
  .object({
    snapshotId: ZDbId,
    format: z.enum(EXPORT_FORMATS),
    encoding: z.enum(EXPORT_ENCODINGS),
    options: ZExportOptions.prefault({}),
  })
  .refine((p) => FORMAT_INFO[p.format].encodings.includes(p.encoding), { message: 'this format cannot be written in this encoding', path: ['encoding'] });
export type ExportPayload = z.infer<typeof ZExportPayload>;

/** What a finished export job publishes: the file under DATA_DIR/exports/job-<id>/. */
export const ZExportResult = z.object({ fileName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/), bytes: z.number().int().min(0), rows: z.number().int().min(0) });
export type ExportResult = z.infer<typeof ZExportResult>;

export const ZJobPayload = {
  generate: ZGeneratePayload,
  training_round: ZTrainingRoundPayload,
  evaluate: ZEvaluatePayload,
  export: ZExportPayload,
  arena: ZArenaPayload,
} as const satisfies Record<JobKind, z.ZodType>;

/** Schedules: a round starts after every N new annotations, or on a cron expression. */
export const ZRoundSchedule = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('off') }),
  z.object({ kind: z.literal('annotations'), every: z.number().int().min(1).max(10_000_000) }),
  z.object({ kind: z.literal('cron'), expression: ZSafeText(100).min(9) }),
]);
export type RoundSchedule = z.infer<typeof ZRoundSchedule>;

// ───────────── what the worker reports ─────────────

export const ROUND_STAGES = ['snapshot', 'reward', 'policy', 'evaluate', 'register'] as const;
export type RoundStage = (typeof ROUND_STAGES)[number];

/** One point of a live curve: a stage's metric at a step. */
export type CurvePoint = { step: number; value: number };
