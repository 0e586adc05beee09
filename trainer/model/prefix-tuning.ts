/**
 * Prefix tuning (Li & Liang 2021): every attention layer gets P learned key and value vectors per
 * head, [nHead, P, headDim] each, which every query attends to in addition to the real positions
 * (no causal mask over them: they stand before the sequence). The model stays frozen.
 * The attention code (transformer.ts) reads `model.prefixTuning`.
 *
 * Init: from the frozen model's own activations on real tokens, as the paper recommends (its
 * section 7.2: prefixes initialised with activations of real words train better than random ones).
 * The model runs on a few token sequences; slot i of layer l starts as the mean, over the
 * sequences, of layer l's key and value at position i. Near-zero random keys and values instead
 * draw a share of every query's attention onto a value of ~0, which dilutes every layer's output:
 * on the built-in model with P = 8, the per-token KL between the base and the prefixed model's
 * next-token distributions is 1.47 nats with the random init and 0.67 from real prompts of the
 * domain (0.74 from the generic default below), see tests/unit/trainer/prefix-tuning.test.ts.
 * Averaging over sequences keeps what positions share (the conversation's opening, the format)
 * and washes out what is particular to one text, which the queries would otherwise copy from.
 *
 * The paper reparameterises the prefixes through an MLP during training for stability on large
 * models; on our small models direct parameters train fine, so we keep the simple form (and the
 * checkpoint stores exactly what the forward pass uses).
 */
import * as tf from '@tensorflow/tfjs-core';
import { encodeChat } from './chat-template';
import { headDim } from './config';
import { createTokenizer } from './tokenizer';
import { forwardWithCache, disposeKVCache, type GPT } from './transformer';
import { createPeftVariable } from './variables';

export type PrefixTuningOptions = {
  /** Number of prefix positions P per layer. */
  numVirtualTokens: number;
  /**
   * 'activations' (default): from the model's keys/values on `initIds`. 'random': N(0, std), the
   * old init; costs no forward pass (for skeletons whose prefixes are loaded right after).
   */
  init?: 'activations' | 'random';
  /**
   * Real token sequences to take the activations from, e.g. a few training prompts in the chat
   * format. A sequence shorter than P contributes position i mod its length to slot i. Default:
   * user turns of a few generic requests in the chat format (DEFAULT_INIT_PROMPTS).
   */
  initIds?: number[][];
  /** Std of the random init (GPT-2 weight scale). */
  std?: number;
  seed?: number;
};

/** Generic user requests whose activations start the prefixes when the caller gives no tokens. */
export const DEFAULT_INIT_PROMPTS = [
  'Hello! Could you help me with a question?',
  'Please answer the following question.',
  'What is the answer to this question?',
  'Can you explain how to solve this?',
];

export function addPrefixTuning(model: GPT, options: PrefixTuningOptions): void {
  const P = options.numVirtualTokens;
  if (model.prefixTuning) throw new Error('Prefix tuning: the model already has prefixes');
  if (!(Number.isInteger(P) && P > 0)) throw new Error(`Prefix tuning: numVirtualTokens must be a positive integer, got ${P}`);
  if (options.init === 'random') {
    model.prefixTuning = randomPrefixes(model, P, options.std ?? 0.02, options.seed);
    return;
  }
  const sequences = options.initIds ?? defaultInitIds(model);
  const { keys, values } = prefixActivations(model, sequences, P);
  try {
    model.prefixTuning = {
      keys: keys.map((k) => createPeftVariable('prefix_keys', () => k)),
      values: values.map((v) => createPeftVariable('prefix_values', () => v)),
    };
  } finally {
    tf.dispose([...keys, ...values]); // the variables hold their own references
  }
}

function randomPrefixes(model: GPT, P: number, std: number, seed: number | undefined): { keys: tf.Variable[]; values: tf.Variable[] } {
  const shape = [model.config.nHead, P, headDim(model.config)]; // [nHead, P, headDim]
  // Distinct seeds per tensor so keys and values of different layers are not copies of each other.
  const seedOf = (i: number) => (seed === undefined ? undefined : seed * 1000 + i);
  const keys: tf.Variable[] = [];
  const values: tf.Variable[] = [];
  for (let l = 0; l < model.config.nLayer; l++) {
    keys.push(createPeftVariable('prefix_keys', () => tf.randomNormal(shape, 0, std, 'float32', seedOf(2 * l))));
    values.push(createPeftVariable('prefix_values', () => tf.randomNormal(shape, 0, std, 'float32', seedOf(2 * l + 1))));
  }
  return { keys, values };
}

/** The default prompts in the model's chat format; ids beyond a toy model's truncated vocabulary are dropped. */
function defaultInitIds(model: GPT): number[][] {
  const tok = createTokenizer(model.config.tokenizer);
  return DEFAULT_INIT_PROMPTS.map((text) => encodeChat(tok, [{ role: 'user', content: text }]).ids.filter((id) => id < model.config.vocabSize));
}

/**
 * Per layer, the mean over `sequences` of the model's keys and values at positions 0..P-1 (i mod
 * the sequence's length), each [nHead, P, headDim]. The model must have no prompt tuning or
 * prefixes yet (they would shift or join the positions read here).
 */
export function prefixActivations(model: GPT, sequences: number[][], P: number): { keys: tf.Tensor3D[]; values: tf.Tensor3D[] } {
  if (model.prefixTuning || model.promptTuning) throw new Error('Prefix tuning: the init reads a model without prompt tuning or prefixes');
  const usable = sequences.map((ids) => ids.slice(0, model.config.blockSize)).filter((ids) => ids.length > 0);
  if (usable.length === 0) throw new Error('Prefix tuning: initIds holds no tokens');
  const { vocabSize } = model.config;
  const outside = usable.flat().find((id) => !(Number.isInteger(id) && id >= 0 && id < vocabSize));
  if (outside !== undefined) throw new Error(`Prefix tuning: init token ${outside} is not in the model's vocabulary of ${vocabSize}`);
  return tf.tidy(() => {
    const keySums: tf.Tensor[] = [];
    const valueSums: tf.Tensor[] = [];
    for (const ids of usable) {
      const positions = tf.tensor1d(
        Array.from({ length: P }, (_, i) => i % ids.length),
        'int32',
      ); // [P]
      const { hidden, cache } = forwardWithCache(model, tf.tensor2d([ids], [1, ids.length], 'int32'), null, null);
      cache.layers.forEach((layer, l) => {
        const k = tf.gather(tf.squeeze(layer.keys, [0]), positions, 1); // [H, L, hd] -> [H, P, hd]
        const v = tf.gather(tf.squeeze(layer.values, [0]), positions, 1);
        keySums[l] = keySums[l] ? tf.add(keySums[l], k) : k;
        valueSums[l] = valueSums[l] ? tf.add(valueSums[l], v) : v;
      });
      hidden.dispose();
      disposeKVCache(cache);
    }
    const mean = (sum: tf.Tensor) => tf.div(sum, usable.length) as tf.Tensor3D;
    return { keys: keySums.map(mean), values: valueSums.map(mean) };
  });
}

export function removePrefixTuning(model: GPT): void {
  if (!model.prefixTuning) return;
  for (const v of [...model.prefixTuning.keys, ...model.prefixTuning.values]) v.dispose();
  model.prefixTuning = null;
}

export function prefixTuningVariables(model: GPT): tf.Variable[] {
  return model.prefixTuning ? [...model.prefixTuning.keys, ...model.prefixTuning.values] : [];
}
