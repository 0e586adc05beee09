/**
 * Causal multi-head self-attention, the one place queries meet keys.
 *
 * Two paths compute the same thing:
 * - the full-sequence path (training, prompt prefill, uncached sampling) writes both products as
 *   batched [B*H, T, *] matmuls with keys already transposed, so on wasm the forward and the
 *   gradient run on XNNPACK (see ops.ts batchMatMul);
 * - the decode path (KV cache: a few new queries against cached keys) uses tf.matMul directly:
 *   with one query row per head the scalar loop beats packing the keys for XNNPACK.
 *
 * Masking is additive and supplied by the caller (transformer.ts builds it): 0 where a query may
 * look, -1e9 elsewhere. It covers causality, left padding and the always-visible prefix keys.
 */
import * as tf from '@tensorflow/tfjs-core';
import { applyLinear, type Linear } from './linear';
import { batchMatMul } from './ops';

export type AttentionWeights = { q: Linear; k: Linear; v: Linear; o: Linear };

/** Keys and values of one layer for every position seen so far (prefix-tuning positions first). */
export type LayerKV = {
  keys: tf.Tensor4D; // [B, H, L, hd]
  values: tf.Tensor4D; // [B, H, L, hd]
};

export type AttentionOptions = {
  nHead: number;
  training: boolean;
  /** Additive mask [B or 1, 1, Tq, Tk]; Tk counts prefix, cached and new keys, in that order. */
  mask: tf.Tensor;
  /** Prefix-tuning keys and values of this layer, [H, P, hd] each, visible to every query. Ignored when `past` is given (the cache already holds them). */
  prefix?: { keys: tf.Tensor3D; values: tf.Tensor3D } | null;
  /** Cached keys/values of earlier positions. */
  past?: LayerKV | null;
  /** Also return this layer's keys/values (prefix + past + new) for a KV cache. */
  returnKV?: boolean;
  /** Dropout on the output projection while training. */
  dropout?: number;
};

export type AttentionResult = { y: tf.Tensor3D; kv: LayerKV | null };

/** x: [B, T, C] -> y: [B, T, C] */
export function causalSelfAttention(x: tf.Tensor3D, w: AttentionWeights, options: AttentionOptions): AttentionResult {
  const [b, t, c] = x.shape;
  const h = options.nHead;
  tf.util.assert(c % h === 0, () => `attention: width ${c} is not divisible by ${h} heads`);
  const hd = c / h;
  const linear = { training: options.training };

  // [B, T, C] -> [B, T, H, hd]; queries pre-scaled by 1/sqrt(hd) (cheaper than scaling [T, T] scores)
  const split = (y: tf.Tensor) => tf.reshape(y, [b, t, h, hd]);
  // [B, T, H, hd] -> [B, H, T, hd]; with one position (decoding) the layouts coincide: a free reshape
  const headsFirst = (y: tf.Tensor) => (t === 1 ? tf.reshape(y, [b, h, t, hd]) : tf.transpose(y, [0, 2, 1, 3]));
  const q = headsFirst(split(tf.mul(applyLinear(x, w.q, linear), 1 / Math.sqrt(hd)))); // [B, H, T, hd]
  const k = split(applyLinear(x, w.k, linear)); // [B, T, H, hd]
  const v = headsFirst(split(applyLinear(x, w.v, linear))); // [B, H, T, hd]

  let out: tf.Tensor; // [B, H, T, hd]
  let kv: LayerKV | null = null;
  if (options.past) {
    const keys = tf.concat([options.past.keys, headsFirst(k)], 2) as tf.Tensor4D; // [B, H, Tk, hd]
    const values = tf.concat([options.past.values, v], 2) as tf.Tensor4D;
    const scores = tf.add(tf.matMul(q, keys, false, true), options.mask); // [B, H, T, Tk]
    out = tf.matMul(tf.softmax(scores), values);
    if (options.returnKV) kv = { keys, values };
  } else {
    let keysT = tf.transpose(k, [0, 2, 3, 1]) as tf.Tensor4D; // [B, H, hd, T]
    let values = v as tf.Tensor4D;
    if (options.prefix) {
      const p = options.prefix.keys.shape[1];
      const prefixKeysT = tf.tile(tf.reshape(tf.transpose(options.prefix.keys, [0, 2, 1]), [1, h, hd, p]), [b, 1, 1, 1]); // [B, H, hd, P]
      const prefixValues = tf.tile(tf.reshape(options.prefix.values, [1, h, p, hd]), [b, 1, 1, 1]); // [B, H, P, hd]
      keysT = tf.concat([prefixKeysT, keysT], 3) as tf.Tensor4D;
      values = tf.concat([prefixValues, values], 2) as tf.Tensor4D;
    }
    const tk = keysT.shape[3];
    const scores = batchMatMul(tf.reshape(q, [b * h, t, hd]) as tf.Tensor3D, tf.reshape(keysT, [b * h, hd, tk]) as tf.Tensor3D); // [B*H, T, Tk]
    const probs = tf.softmax(tf.add(tf.reshape(scores, [b, h, t, tk]), options.mask)); // [B, H, T, Tk]
    out = tf.reshape(batchMatMul(tf.reshape(probs, [b * h, t, tk]) as tf.Tensor3D, tf.reshape(values, [b * h, tk, hd]) as tf.Tensor3D), [b, h, t, hd]);
    if (options.returnKV) kv = { keys: tf.transpose(keysT, [0, 1, 3, 2]), values };
  }

  const merged = tf.reshape(t === 1 ? out : tf.transpose(out, [0, 2, 1, 3]), [b, t, c]); // [B, T, C]
  let y = applyLinear(merged, w.o, linear) as tf.Tensor3D;
  if (options.training && options.dropout && options.dropout > 0) y = tf.dropout(y, options.dropout) as tf.Tensor3D;
  return { y, kv };
}
