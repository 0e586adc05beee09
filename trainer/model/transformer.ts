/**
 * A decoder-only transformer in the GPT-2 mould (nanoGPT's model.py in TensorFlow.js):
 * token + position embeddings, nLayer pre-norm blocks (LayerNorm -> causal self-attention ->
 * residual; LayerNorm -> MLP with GELU -> residual), a final LayerNorm and an LM head tied to the
 * token embedding.
 *
 * Every projection goes through applyLinear (linear.ts), where LoRA and quantized bases hook in.
 * Prompt tuning prepends learned embeddings; prefix tuning adds learned keys/values to every layer.
 *
 * Sequences may be left-padded (sampling batches prompts of different lengths): `padding[b]` pad
 * tokens open row b. They are never attended to and take no position, so a padded row computes
 * exactly what it would alone. Training batches are right-padded instead and need none of this.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core registers op gradients only on request; every user of the model may train it.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { causalSelfAttention, type LayerKV } from './attention';
import { headDim, validateConfig, type GPTConfig } from './config';
import { applyLinear, createLinear, type Linear } from './linear';
import { ZLoraTarget, type LoraTarget } from './peft-config';
import { embedRows, gelu, layerNorm, matMulLast } from './ops';
import { createVariable } from './variables';

export type LayerNorm = { name: string; gamma: tf.Variable; beta: tf.Variable };

export type Block = {
  ln1: LayerNorm;
  attn: { q: Linear; k: Linear; v: Linear; o: Linear };
  ln2: LayerNorm;
  mlp: { fc: Linear; proj: Linear };
};

export type GPT = {
  config: GPTConfig;
  wte: tf.Variable; // [vocab, C]  token embedding (also LM head when tied)
  wpe: tf.Variable; // [blockSize, C]
  blocks: Block[];
  lnF: LayerNorm;
  lmHead: Linear | null; // null when tieEmbeddings
  // PEFT hooks, set by peft.ts, read by forward:
  promptTuning: { embeddings: tf.Variable /* [P, C] */ } | null; // prepended to token embeddings
  prefixTuning: { keys: tf.Variable[]; values: tf.Variable[] } | null; // per layer, each [nHead, P, headDim]
};

export type ForwardOptions = {
  training: boolean;
  /** Left padding per row (pad tokens at the start of each row); omitted = none. */
  padding?: number[] | null;
};

/** Keys/values of every layer for the positions consumed so far (sampling). */
export type KVCache = {
  layers: LayerKV[];
  /** Sequence positions consumed so far: virtual prompt-tuning tokens + ids, padding included. */
  length: number;
  padding: number[] | null;
};

/** Additive mask value for hidden keys; large but finite so a fully masked row stays NaN-free. */
const MASKED = -1e9;

// ---------------------------------------------------------------------------------------------
// Construction

/**
 * A fresh model with GPT-2 initialisation: weights N(0, 0.02), the two residual projections of each
 * block (attn.o, mlp.proj) scaled down by 1/sqrt(2 nLayer) so the residual stream's variance does
 * not grow with depth, zero biases, LayerNorm gamma 1 / beta 0. The same seed gives the same model.
 */
export function createGPT(config: GPTConfig, options: { seed?: number } = {}): GPT {
  const cfg = validateConfig(config);
  let nextSeed = options.seed;
  const seed = () => (nextSeed === undefined ? undefined : nextSeed++);
  const c = cfg.dModel;
  const residualStd = 0.02 / Math.sqrt(2 * cfg.nLayer);
  const linear = (name: string, inF: number, outF: number, std = 0.02) => createLinear(name, inF, outF, { bias: true, std, seed: seed() });
  const norm = (name: string): LayerNorm => ({ name, gamma: createVariable(() => tf.ones([c])), beta: createVariable(() => tf.zeros([c])) });

  const wte = createVariable(() => tf.randomNormal([cfg.vocabSize, c], 0, 0.02, 'float32', seed()));
  const wpe = createVariable(() => tf.randomNormal([cfg.blockSize, c], 0, 0.02, 'float32', seed()));
  const blocks: Block[] = [];
  for (let i = 0; i < cfg.nLayer; i++) {
    const p = `h.${i}`;
    blocks.push({
      ln1: norm(`${p}.ln1`),
      attn: { q: linear(`${p}.attn.q`, c, c), k: linear(`${p}.attn.k`, c, c), v: linear(`${p}.attn.v`, c, c), o: linear(`${p}.attn.o`, c, c, residualStd) },
      ln2: norm(`${p}.ln2`),
      mlp: { fc: linear(`${p}.mlp.fc`, c, cfg.mlpRatio * c), proj: linear(`${p}.mlp.proj`, cfg.mlpRatio * c, c, residualStd) },
    });
  }
  return {
    config: cfg,
    wte,
    wpe,
    blocks,
    lnF: norm('ln_f'),
    lmHead: cfg.tieEmbeddings ? null : createLinear('lm_head', c, cfg.vocabSize, { bias: false, seed: seed() }),
    promptTuning: null,
    prefixTuning: null,
  };
}

// ---------------------------------------------------------------------------------------------
// Forward

/** Logits for every input token. ids: [B, T] int32 -> [B, T, V]. */
export function forward(model: GPT, ids: tf.Tensor2D, options: ForwardOptions): tf.Tensor3D {
  return tf.tidy(() => logitsFromHidden(model, forwardHidden(model, ids, options)) as tf.Tensor3D);
}

/** Final hidden states (after ln_f) for every input token. ids: [B, T] -> [B, T, C]. */
export function forwardHidden(model: GPT, ids: tf.Tensor2D, options: ForwardOptions): tf.Tensor3D {
  return tf.tidy(() => runTransformer(model, ids, { training: options.training, padding: options.padding ?? null, cache: null, returnCache: false }).hidden);
}

/** LM head. hidden: [..., C] -> logits [..., V]. */
export function logitsFromHidden(model: GPT, hidden: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    if (model.lmHead) return applyLinear(hidden, model.lmHead, { training: false });
    return matMulLast(hidden, tf.transpose(model.wte) as tf.Tensor2D); // [C, V]: tied to the token embedding
  });
}

/**
 * One sampling pass: runs `ids` ([B, T], the whole left-padded prompt when `cache` is null, else
 * the next token(s)) and returns the hidden states of those tokens plus the extended cache.
 * The caller owns (and disposes) both the input cache and the returned one.
 */
export function forwardWithCache(model: GPT, ids: tf.Tensor2D, cache: KVCache | null, padding: number[] | null): { hidden: tf.Tensor3D; cache: KVCache } {
  const rowPadding = cache ? cache.padding : padding;
  let length = 0;
  const { hidden, layers } = tf.tidy(() => {
    const result = runTransformer(model, ids, { training: false, padding: rowPadding, cache, returnCache: true });
    if (!result.cache) throw new Error('forwardWithCache: no cache returned');
    length = result.cache.length;
    return { hidden: result.hidden, layers: result.cache.layers };
  });
  return { hidden, cache: { layers, length, padding: rowPadding } };
}

export function disposeKVCache(cache: KVCache): void {
  for (const layer of cache.layers) tf.dispose([layer.keys, layer.values]);
}

type RunOptions = { training: boolean; padding: number[] | null; cache: KVCache | null; returnCache: boolean };

function runTransformer(model: GPT, ids: tf.Tensor2D, options: RunOptions): { hidden: tf.Tensor3D; cache: KVCache | null } {
  const cfg = model.config;
  tf.util.assert(ids.rank === 2, () => `forward: ids must be [B, T], got [${ids.shape}]`);
  const [b, t] = ids.shape;
  const c = cfg.dModel;
  const { padding, cache, training } = options;
  if (padding) tf.util.assert(padding.length === b && padding.every((p) => p >= 0 && p <= (cache ? cache.length + t : t)), () => 'forward: padding must give one count per row, within the sequence');
  const virtual: number = model.promptTuning ? (model.promptTuning.embeddings.shape[0] ?? 0) : 0;
  const prefixLen: number = model.prefixTuning ? (model.prefixTuning.keys[0].shape[1] ?? 0) : 0;
  const queryStart = cache ? cache.length : 0; // sequence index of the first new position
  const addVirtual = !cache && virtual > 0;

  let x: tf.Tensor = embedRows(tf.cast(ids, 'int32'), model.wte as tf.Tensor2D); // [B, T, C]
  if (addVirtual && model.promptTuning) {
    const prompt = tf.tile(tf.reshape(model.promptTuning.embeddings, [1, virtual, c]), [b, 1, 1]); // [B, P, C]
    x = tf.concat([prompt, x], 1); // [B, P + T, C]
  }
  const tq = x.shape[1] ?? 0;
  x = tf.add(x, positionEmbeddings(model, b, queryStart, tq, virtual, padding)); // [B, Tq, C]
  if (training && cfg.dropout > 0) x = tf.dropout(x, cfg.dropout);

  const mask = attentionMask(b, queryStart, tq, prefixLen, virtual, padding); // [B or 1, 1, Tq, Tk]
  const layers: LayerKV[] = [];
  model.blocks.forEach((block, i) => {
    const attn = causalSelfAttention(layerNorm(x, block.ln1.gamma, block.ln1.beta, cfg.layerNormEps) as tf.Tensor3D, block.attn, {
      nHead: cfg.nHead,
      training,
      mask,
      prefix: model.prefixTuning ? { keys: model.prefixTuning.keys[i] as tf.Tensor3D, values: model.prefixTuning.values[i] as tf.Tensor3D } : null,
      past: cache ? cache.layers[i] : null,
      returnKV: options.returnCache,
      dropout: cfg.dropout,
    });
    if (attn.kv) layers.push(attn.kv);
    x = tf.add(x, attn.y);
    const h = layerNorm(x, block.ln2.gamma, block.ln2.beta, cfg.layerNormEps);
    let m = applyLinear(gelu(applyLinear(h, block.mlp.fc, { training })), block.mlp.proj, { training }); // [B, Tq, C]
    if (training && cfg.dropout > 0) m = tf.dropout(m, cfg.dropout);
    x = tf.add(x, m);
  });
  let hidden = layerNorm(x, model.lnF.gamma, model.lnF.beta, cfg.layerNormEps) as tf.Tensor3D;
  if (addVirtual) hidden = tf.slice(hidden, [0, virtual, 0], [b, t, c]); // virtual positions produce no output
  const nextCache = options.returnCache ? { layers, length: queryStart + tq, padding } : null;
  return { hidden, cache: nextCache };
}

/**
 * Position embeddings for sequence indices [start, start + tq). Virtual tokens take positions
 * 0..P-1, real tokens continue from P; a left-padded row's first real token gets position P, its
 * pads position 0 (they are masked out as keys, and their outputs are never read).
 */
function positionEmbeddings(model: GPT, rows: number, start: number, tq: number, virtual: number, padding: number[] | null): tf.Tensor {
  const { blockSize, dModel } = model.config;
  const tooLong = () => `forward: sequence of ${start + tq} positions exceeds blockSize ${blockSize}`;
  if (!padding || padding.every((p) => p === 0)) {
    tf.util.assert(start + tq <= blockSize, tooLong);
    // Decoding reads one row: a lookup, since the wasm Slice copies the whole table first.
    if (tq === 1) return embedRows(tf.tensor1d([start], 'int32'), model.wpe as tf.Tensor2D); // [1, C]
    return tf.slice(model.wpe, [start, 0], [tq, dModel]); // [Tq, C], broadcast over rows
  }
  const positions = new Int32Array(rows * tq);
  let maxPosition = 0;
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < tq; i++) {
      const s = start + i;
      const pos = s < virtual ? s : s < virtual + padding[r] ? 0 : s - padding[r];
      positions[r * tq + i] = pos;
      maxPosition = Math.max(maxPosition, pos);
    }
  }
  tf.util.assert(maxPosition < blockSize, () => `forward: position ${maxPosition} exceeds blockSize ${blockSize}`);
  return embedRows(tf.tensor2d(positions, [rows, tq], 'int32'), model.wpe as tf.Tensor2D); // [B, Tq, C]
}

/**
 * Additive attention mask [B or 1, 1, Tq, Tk] over keys ordered (prefix P, then sequence indices
 * 0..start+tq-1). A query at sequence index i sees every prefix key, and sequence keys j <= i that
 * are not padding of its row.
 */
function attentionMask(rows: number, start: number, tq: number, prefixLen: number, virtual: number, padding: number[] | null): tf.Tensor {
  const tk = prefixLen + start + tq;
  const maskRows = padding ? rows : 1;
  const mask = new Float32Array(maskRows * tq * tk);
  for (let r = 0; r < maskRows; r++) {
    const padStart = virtual;
    const padEnd = virtual + (padding ? padding[r] : 0);
    for (let i = 0; i < tq; i++) {
      const query = start + i;
      const base = (r * tq + i) * tk;
      for (let j = prefixLen; j < tk; j++) {
        const key = j - prefixLen;
        if (key > query || (key >= padStart && key < padEnd)) mask[base + j] = MASKED;
      }
    }
  }
  return tf.tensor4d(mask, [maskRows, 1, tq, tk]);
}

// ---------------------------------------------------------------------------------------------
// Weights

function addLinear(map: Map<string, tf.Variable>, linear: Linear): void {
  if (linear.weight) map.set(`${linear.name}.weight`, linear.weight);
  if (linear.bias) map.set(`${linear.name}.bias`, linear.bias);
  if (linear.lora) {
    map.set(`${linear.name}.lora_a`, linear.lora.a);
    map.set(`${linear.name}.lora_b`, linear.lora.b);
  }
}

function addNorm(map: Map<string, tf.Variable>, norm: LayerNorm): void {
  map.set(`${norm.name}.gamma`, norm.gamma);
  map.set(`${norm.name}.beta`, norm.beta);
}

/**
 * The six projections of a block, in checkpoint order: the one list every caller walks. It is the
 * job contract's list of LoRA targets (the web app validates round forms against it and cannot
 * import model code), so a target is always a projection and the two never drift apart.
 */
export const BLOCK_PROJECTIONS: readonly LoraTarget[] = ZLoraTarget.options;
export type BlockProjection = LoraTarget;

export function blockProjection(block: Block, name: BlockProjection): Linear {
  return name === 'fc' || name === 'proj' ? block.mlp[name] : block.attn[name];
}

/** Every projection inside the transformer blocks (the LM head excluded), layer by layer. */
export function blockLinears(model: GPT): Linear[] {
  return model.blocks.flatMap((block) => BLOCK_PROJECTIONS.map((name) => blockProjection(block, name)));
}

/** Every linear of the model, in checkpoint order: the block projections, then an untied LM head. */
export function modelLinears(model: GPT): Linear[] {
  return model.lmHead ? [...blockLinears(model), model.lmHead] : blockLinears(model);
}

/**
 * Every variable by checkpoint name: "wte", "wpe", "h.0.ln1.gamma", "h.0.attn.q.weight",
 * "h.0.attn.q.bias", ..., "ln_f.gamma", "lm_head.weight" (untied only), plus adapters when present:
 * "h.0.attn.q.lora_a" / "lora_b", "prompt_tuning.embeddings", "prefix_tuning.0.keys" / "values".
 * Quantized base weights are not variables and are not listed.
 */
export function namedWeights(model: GPT): Map<string, tf.Variable> {
  const map = new Map<string, tf.Variable>();
  map.set('wte', model.wte);
  map.set('wpe', model.wpe);
  for (const block of model.blocks) {
    addNorm(map, block.ln1);
    for (const name of BLOCK_PROJECTIONS) {
      if (name === 'fc') addNorm(map, block.ln2); // ln2 sits between attention and MLP in checkpoint order
      addLinear(map, blockProjection(block, name));
    }
  }
  addNorm(map, model.lnF);
  if (model.lmHead) addLinear(map, model.lmHead);
  if (model.promptTuning) map.set('prompt_tuning.embeddings', model.promptTuning.embeddings);
  if (model.prefixTuning) {
    model.prefixTuning.keys.forEach((k, i) => map.set(`prefix_tuning.${i}.keys`, k));
    model.prefixTuning.values.forEach((v, i) => map.set(`prefix_tuning.${i}.values`, v));
  }
  return map;
}

/** Frees every tensor the model holds, quantized weights and adapters included. */
export function disposeGPT(model: GPT): void {
  for (const variable of namedWeights(model).values()) variable.dispose();
  for (const linear of modelLinears(model)) linear.quantized?.dispose();
}

/** Parameters of the base model (embeddings counted once when tied). */
export function countBaseParameters(config: GPTConfig): number {
  const c = config.dModel;
  const mlp = config.mlpRatio * c;
  const perBlock = 4 * c + (4 * c * c + 4 * c) + (c * mlp + mlp) + (mlp * c + c);
  const head = config.tieEmbeddings ? 0 : c * config.vocabSize;
  return config.vocabSize * c + config.blockSize * c + config.nLayer * perBlock + 2 * c + head;
}

export { headDim };
