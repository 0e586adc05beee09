/**
 * Architecture of the decoder-only transformer. Every checkpoint stores one of these,
 * and `validateConfig` is the single place its invariants are checked.
 */
import { z } from 'zod';

export const ZGPTConfig = z.object({
  /** Size of the token vocabulary (byte tokenizer: 256 bytes + specials). */
  vocabSize: z.number().int().positive(),
  /** Longest sequence the position embedding covers (prompt + completion + virtual tokens). */
  blockSize: z.number().int().positive(),
  /** Number of transformer blocks. */
  nLayer: z.number().int().positive(),
  /** Attention heads per block; dModel must divide evenly among them. */
  nHead: z.number().int().positive(),
  /** Width of the residual stream. */
  dModel: z.number().int().positive(),
  /** MLP hidden width = mlpRatio * dModel (GPT-2 uses 4). */
  mlpRatio: z.number().int().positive().default(4),
  /** Dropout on attention output and MLP output while training; 0 for small models. */
  dropout: z.number().min(0).max(1).default(0),
  /** Epsilon of every LayerNorm. */
  layerNormEps: z.number().positive().default(1e-5),
  /** The LM head reuses the token embedding matrix (as GPT-2 does), saving vocab*dModel parameters. */
  tieEmbeddings: z.boolean().default(true),
  /** Which tokenizer produced the ids this model was trained on. */
  tokenizer: z.enum(['byte', 'r50k_base']).default('byte'),
});
export type GPTConfig = z.infer<typeof ZGPTConfig>;

/** The built-in base model's shape: ~1-4 M parameters, trainable on a laptop CPU in minutes. */
export const BUILTIN_CONFIG: GPTConfig = {
  vocabSize: 262,
  blockSize: 320,
  nLayer: 4,
  nHead: 4,
  dModel: 192,
  mlpRatio: 4,
  dropout: 0,
  layerNormEps: 1e-5,
  tieEmbeddings: true,
  tokenizer: 'byte',
};

/** Parses and checks a config; throws an Error naming the broken invariant. */
export function validateConfig(input: unknown): GPTConfig {
  const config = ZGPTConfig.parse(input);
  if (config.dModel % config.nHead !== 0) {
    throw new Error(`Invalid model config: dModel (${config.dModel}) must be divisible by nHead (${config.nHead})`);
  }
  return config;
}

export function headDim(config: GPTConfig): number {
  return config.dModel / config.nHead;
}
