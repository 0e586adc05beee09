/**
 * The PEFT settings stored in every checkpoint manifest and sent in training-round payloads.
 * Part of the job contract shared by the web app and the trainer; pure zod, so the web app can
 * validate a round form without importing model code (trainer/model/peft-config.ts re-exports it).
 */
import { z } from 'zod';

/** Projections a LoRA adapter can attach to: attention q/k/v/o and the MLP's fc/proj. */
export const ZLoraTarget = z.enum(['q', 'k', 'v', 'o', 'fc', 'proj']);
export type LoraTarget = z.infer<typeof ZLoraTarget>;

const loraFields = {
  /** Rank r of the update A [in, r] @ B [r, out]; 4-16 is typical. */
  rank: z.number().int().positive().max(256).default(8),
  /** Scale: the update is multiplied by alpha / rank, so changing r keeps the step size comparable. */
  alpha: z.number().positive().max(1024).default(16),
  /** Dropout on the adapter's input while training. */
  dropout: z.number().min(0).lt(1).default(0.05),
  /** Which projections get adapters; q and v is the original paper's choice. */
  targets: z.array(ZLoraTarget).min(1).max(6).default(['q', 'v']),
};

export const ZPeftConfig = z.discriminatedUnion('method', [
  z.object({ method: z.literal('full') }),
  z.object({ method: z.literal('lora'), ...loraFields }),
  z.object({
    method: z.literal('qlora'),
    ...loraFields,
    /** 4-bit code book for the frozen base: NF4 (normal-float levels) or uniform absmax levels. */
    scheme: z.enum(['nf4', 'absmax4']).default('nf4'),
    /** Weights per absmax scale (QLoRA uses 64). */
    blockSize: z.number().int().positive().max(4096).default(64),
  }),
  /** k learned embeddings placed before the input tokens. */
  z.object({ method: z.literal('prompt'), numVirtualTokens: z.number().int().positive().max(256).default(16) }),
  /** k learned key/value positions in every layer. */
  z.object({ method: z.literal('prefix'), numVirtualTokens: z.number().int().positive().max(256).default(16) }),
]);
export type PeftConfig = z.infer<typeof ZPeftConfig>;
