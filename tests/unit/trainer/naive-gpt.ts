/**
 * An independent reference of the GPT forward pass in plain loops over float64 numbers, for the
 * model tests. It shares nothing with trainer/model but the checkpoint names of the weights:
 * exact erf-free GELU (tanh form), two-pass LayerNorm, per-query softmax over explicitly listed
 * visible keys.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GPTConfig } from '@/trainer/model/config';

export type Matrix = number[][];
export type Weights = Map<string, { shape: number[]; data: Float32Array }>;

export function readWeights(map: Map<string, tf.Variable>): Weights {
  const out: Weights = new Map();
  for (const [name, v] of map) out.set(name, { shape: v.shape, data: (v.dataSync() as Float32Array).slice() });
  return out;
}

function get(w: Weights, name: string) {
  const t = w.get(name);
  if (!t) throw new Error(`naive reference: missing weight ${name}`);
  return t;
}

/** rows [T][in] @ W [in, out] + b */
export function linearRows(rows: Matrix, weight: { shape: number[]; data: Float32Array }, bias?: { data: Float32Array }): Matrix {
  const [inF, outF] = weight.shape;
  return rows.map((x) => {
    const y = new Array<number>(outF).fill(0);
    for (let o = 0; o < outF; o++) {
      let s = bias ? bias.data[o] : 0;
      for (let i = 0; i < inF; i++) s += x[i] * weight.data[i * outF + o];
      y[o] = s;
    }
    return y;
  });
}

export function linearNamed(rows: Matrix, w: Weights, name: string): Matrix {
  return linearRows(rows, get(w, `${name}.weight`), w.get(`${name}.bias`));
}

export function layerNormRows(rows: Matrix, w: Weights, name: string, eps: number): Matrix {
  const gamma = get(w, `${name}.gamma`).data;
  const beta = get(w, `${name}.beta`).data;
  return rows.map((x) => {
    const n = x.length;
    let mean = 0;
    for (const v of x) mean += v;
    mean /= n;
    let variance = 0;
    for (const v of x) variance += (v - mean) ** 2;
    variance /= n;
    return x.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * gamma[i] + beta[i]);
  });
}

export function geluTanh(v: number): number {
  return 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
}

/**
 * Multi-head attention for one sequence. keysExtra/valuesExtra: per head, [P][hd] prefix entries
 * seen by every query. visible(i, j): may query i see sequence key j.
 */
export function attentionRows(x: Matrix, w: Weights, prefix: string, nHead: number, visible: (i: number, j: number) => boolean, extra?: { keys: Matrix[]; values: Matrix[] }): Matrix {
  const q = linearNamed(x, w, `${prefix}.q`);
  const k = linearNamed(x, w, `${prefix}.k`);
  const v = linearNamed(x, w, `${prefix}.v`);
  const t = x.length;
  const c = q[0].length;
  const hd = c / nHead;
  const merged: Matrix = Array.from({ length: t }, () => new Array<number>(c).fill(0));
  for (let h = 0; h < nHead; h++) {
    const slice = (row: number[]) => row.slice(h * hd, (h + 1) * hd);
    const keys: Matrix = [...(extra ? extra.keys[h] : []), ...k.map(slice)];
    const values: Matrix = [...(extra ? extra.values[h] : []), ...v.map(slice)];
    const p = extra ? extra.keys[h].length : 0;
    for (let i = 0; i < t; i++) {
      const qi = slice(q[i]);
      const allowed: number[] = [];
      for (let j = 0; j < keys.length; j++) if (j < p || visible(i, j - p)) allowed.push(j);
      const scores = allowed.map((j) => qi.reduce((s, qv, d) => s + qv * keys[j][d], 0) / Math.sqrt(hd));
      const max = Math.max(...scores);
      const exps = scores.map((s) => Math.exp(s - max));
      const total = exps.reduce((a, b) => a + b, 0);
      for (let a = 0; a < allowed.length; a++) {
        for (let d = 0; d < hd; d++) merged[i][h * hd + d] += (exps[a] / total) * values[allowed[a]][d];
      }
    }
  }
  return linearNamed(merged, w, `${prefix}.o`);
}

export type NaiveOptions = {
  /** Left pads per row (ids include them). */
  padding?: number[];
  /** Prompt-tuning embeddings [P][C]. */
  prompt?: Matrix;
  /** Prefix tuning per layer: keys/values [H][P][hd]. */
  prefix?: { keys: Matrix[][]; values: Matrix[][] };
};

/** Logits [B][T][V] for ids [B][T], or hidden states (after ln_f) when `hidden` is set. */
export function naiveForward(config: GPTConfig, w: Weights, ids: number[][], options: NaiveOptions = {}, hidden = false): number[][][] {
  const c = config.dModel;
  const wte = get(w, 'wte').data;
  const wpe = get(w, 'wpe').data;
  const row = (table: Float32Array, i: number) => Array.from(table.subarray(i * c, (i + 1) * c));
  return ids.map((seq, b) => {
    const pad = options.padding ? options.padding[b] : 0;
    const virtual = options.prompt ? options.prompt.length : 0;
    // Drop the pads entirely: a padded row must compute what it would alone.
    const real = seq.slice(pad);
    let x: Matrix = [...(options.prompt ?? []).map((e) => [...e]), ...real.map((id) => row(wte, id))];
    x = x.map((v, i) => v.map((value, d) => value + wpe[i * c + d]));
    for (let l = 0; l < config.nLayer; l++) {
      const h1 = layerNormRows(x, w, `h.${l}.ln1`, config.layerNormEps);
      const extra = options.prefix ? { keys: options.prefix.keys[l], values: options.prefix.values[l] } : undefined;
      const a = attentionRows(h1, w, `h.${l}.attn`, config.nHead, (i, j) => j <= i, extra);
      x = x.map((v, i) => v.map((value, d) => value + a[i][d]));
      const h2 = layerNormRows(x, w, `h.${l}.ln2`, config.layerNormEps);
      const m = linearNamed(
        linearNamed(h2, w, `h.${l}.mlp.fc`).map((r) => r.map(geluTanh)),
        w,
        `h.${l}.mlp.proj`,
      );
      x = x.map((v, i) => v.map((value, d) => value + m[i][d]));
    }
    const out = layerNormRows(x, w, 'ln_f', config.layerNormEps).slice(virtual);
    const rows = hidden
      ? out
      : config.tieEmbeddings
        ? out.map((hRow) => Array.from({ length: config.vocabSize }, (_, vId) => hRow.reduce((s, hv, d) => s + hv * wte[vId * c + d], 0)))
        : linearNamed(out, w, 'lm_head');
    // Pad positions have no defined output; report zeros there so callers compare real rows only.
    return [...Array.from({ length: pad }, () => new Array<number>(rows[0]?.length ?? 0).fill(0)), ...rows];
  });
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
