import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { useBackend } from './setup-backend';
import { causalSelfAttention, type AttentionWeights } from '@/trainer/model/attention';
import { createLinear } from '@/trainer/model/linear';
import { batchMatMul, embedRows, matMul2d } from '@/trainer/model/ops';
import { attentionRows, maxAbsDiff, readWeights, type Matrix } from './naive-gpt';

function randomWeights(c: number, seed: number): AttentionWeights {
  const make = (name: string, s: number) => {
    const linear = createLinear(`attn.${name}`, c, c, { bias: true, std: 0.4, seed: seed + s });
    tf.tidy(() => linear.bias?.assign(tf.randomNormal([c], 0, 0.3, 'float32', seed + 10 + s)));
    return linear;
  };
  return { q: make('q', 1), k: make('k', 2), v: make('v', 3), o: make('o', 4) };
}

function weightsMap(w: AttentionWeights): Map<string, tf.Variable> {
  const map = new Map<string, tf.Variable>();
  for (const l of [w.q, w.k, w.v, w.o]) {
    if (l.weight) map.set(`${l.name}.weight`, l.weight);
    if (l.bias) map.set(`${l.name}.bias`, l.bias);
  }
  return map;
}

function causalMask(t: number, prefix = 0): tf.Tensor {
  return tf.tidy(() => {
    const values = new Float32Array(t * (prefix + t));
    for (let i = 0; i < t; i++) for (let j = 0; j < t; j++) if (j > i) values[i * (prefix + t) + prefix + j] = -1e9;
    return tf.tensor4d(values, [1, 1, t, prefix + t]);
  });
}

function toRows(x: tf.Tensor, b: number): Matrix {
  return (x.arraySync() as number[][][])[b];
}

describe('batchMatMul (wasm per-slice kernel)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('forward and both gradients equal plain loops, on the sliced path and the small path', () => {
    for (const [n, m, k, p] of [
      [3, 40, 16, 40],
      [2, 3, 4, 5],
      [2, 48, 48, 12],
    ]) {
      const a = tf.randomNormal([n, m, k], 0, 1, 'float32', 1) as tf.Tensor3D;
      const b = tf.randomNormal([n, k, p], 0, 1, 'float32', 2) as tf.Tensor3D;
      const r = tf.randomNormal([n, m, p], 0, 1, 'float32', 3) as tf.Tensor3D;
      const before = tf.memory().numTensors;
      const out = batchMatMul(a, b);
      const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(batchMatMul(x as tf.Tensor3D, y as tf.Tensor3D), r)))([a, b]);
      const [A, B, R] = [a, b, r].map((t) => t.arraySync() as number[][][]);
      const want = new Float64Array(n * m * p);
      const wantDa = new Float64Array(n * m * k);
      const wantDb = new Float64Array(n * k * p);
      for (let s = 0; s < n; s++) {
        for (let i = 0; i < m; i++)
          for (let j = 0; j < p; j++)
            for (let q = 0; q < k; q++) {
              want[(s * m + i) * p + j] += A[s][i][q] * B[s][q][j];
              wantDa[(s * m + i) * k + q] += R[s][i][j] * B[s][q][j];
              wantDb[(s * k + q) * p + j] += A[s][i][q] * R[s][i][j];
            }
      }
      expect(maxAbsDiff(out.dataSync(), want)).toBeLessThan(1e-4);
      expect(maxAbsDiff(da.dataSync(), wantDa)).toBeLessThan(1e-4);
      expect(maxAbsDiff(db.dataSync(), wantDb)).toBeLessThan(1e-4);
      tf.dispose([out, da, db]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([a, b, r]);
    }
  });
});

describe('matMul2d (registered kernel with explicit-transpose gradient)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('forward and gradients equal plain loops; gradient only for what is asked', () => {
    const [m, k, n] = [7, 5, 3];
    const a = tf.randomNormal([m, k], 0, 1, 'float32', 1) as tf.Tensor2D;
    const b = tf.randomNormal([k, n], 0, 1, 'float32', 2) as tf.Tensor2D;
    const r = tf.randomNormal([m, n], 0, 1, 'float32', 3) as tf.Tensor2D;
    const [A, B, R] = [a, b, r].map((t) => t.arraySync() as number[][]);
    const want = new Float64Array(m * n);
    const wantDa = new Float64Array(m * k);
    const wantDb = new Float64Array(k * n);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++)
        for (let q = 0; q < k; q++) {
          want[i * n + j] += A[i][q] * B[q][j];
          wantDa[i * k + q] += R[i][j] * B[q][j];
          wantDb[q * n + j] += A[i][q] * R[i][j];
        }
    const before = tf.memory().numTensors;
    const out = matMul2d(a, b);
    const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(matMul2d(x as tf.Tensor2D, y as tf.Tensor2D), r)))([a, b]);
    const onlyA = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(matMul2d(x as tf.Tensor2D, b), r)))(a);
    expect(maxAbsDiff(out.dataSync(), want)).toBeLessThan(1e-4);
    expect(maxAbsDiff(da.dataSync(), wantDa)).toBeLessThan(1e-4);
    expect(maxAbsDiff(db.dataSync(), wantDb)).toBeLessThan(1e-4);
    expect(maxAbsDiff(onlyA.dataSync(), wantDa)).toBeLessThan(1e-4);
    tf.dispose([out, da, db, onlyA]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b, r]);
  });
});

describe('embedRows', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('looks rows up and scatters gradients back, for a small table (one-hot product) and a large one (gather + JS UnsortedSegmentSum)', () => {
    for (const v of [50, 5000]) {
      const c = 3;
      const table = tf.randomNormal([v, c], 0, 1, 'float32', v) as tf.Tensor2D;
      const ids = [
        [4, 7, 4],
        [v - 1, 0, 7],
      ];
      const idsT = tf.tensor2d(ids, undefined, 'int32');
      const r = tf.randomNormal([2, 3, c], 0, 1, 'float32', 1);
      const before = tf.memory().numTensors;
      const out = embedRows(idsT, table);
      const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(embedRows(idsT, t as tf.Tensor2D), r)))(table);
      const T = table.arraySync() as number[][];
      const R = r.arraySync() as number[][][];
      expect(
        maxAbsDiff(
          out.dataSync(),
          ids.flat().flatMap((id) => T[id]),
        ),
      ).toBeLessThan(1e-6);
      const want = new Float64Array(v * c);
      ids.forEach((row, b) => row.forEach((id, t) => R[b][t].forEach((g, d) => (want[id * c + d] += g))));
      expect(maxAbsDiff(grad.dataSync(), want)).toBeLessThan(1e-5);
      tf.dispose([out, grad]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([table, idsT, r]);
    }
  });
});

describe('causal self-attention', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('matches a naive per-query softmax over earlier positions (small and kernel-sized shapes)', () => {
    for (const [b, t, c, h] of [
      [2, 5, 8, 2],
      [2, 40, 32, 2],
    ]) {
      const w = randomWeights(c, 7 * t);
      const x = tf.randomNormal([b, t, c], 0, 1, 'float32', 5) as tf.Tensor3D;
      const mask = causalMask(t);
      const y = tf.tidy(() => causalSelfAttention(x, w, { nHead: h, training: false, mask }).y);
      const weights = readWeights(weightsMap(w));
      for (let r = 0; r < b; r++) {
        const want = attentionRows(toRows(x, r), weights, 'attn', h, (i, j) => j <= i);
        expect(maxAbsDiff(toRows(y, r).flat(), want.flat())).toBeLessThan(1e-4);
      }
      tf.dispose([x, mask, y, ...weightsMap(w).values()]);
    }
  });

  it('prefix keys/values are visible to every query, including the first', () => {
    const [b, t, c, h, p] = [2, 6, 8, 2, 3];
    const hd = c / h;
    const w = randomWeights(c, 3);
    const x = tf.randomNormal([b, t, c], 0, 1, 'float32', 9) as tf.Tensor3D;
    const keys = tf.randomNormal([h, p, hd], 0, 1, 'float32', 10) as tf.Tensor3D;
    const values = tf.randomNormal([h, p, hd], 0, 1, 'float32', 11) as tf.Tensor3D;
    const mask = causalMask(t, p);
    const y = tf.tidy(() => causalSelfAttention(x, w, { nHead: h, training: false, mask, prefix: { keys, values } }).y);
    const weights = readWeights(weightsMap(w));
    const extra = { keys: keys.arraySync() as Matrix[], values: values.arraySync() as Matrix[] };
    for (let r = 0; r < b; r++) {
      const want = attentionRows(toRows(x, r), weights, 'attn', h, (i, j) => j <= i, extra);
      expect(maxAbsDiff(toRows(y, r).flat(), want.flat())).toBeLessThan(1e-4);
    }
    tf.dispose([x, keys, values, mask, y, ...weightsMap(w).values()]);
  });

  it("the cached decode path gives the full path's output for the new position", () => {
    const [b, t, c, h] = [2, 7, 16, 4];
    const w = randomWeights(c, 21);
    const x = tf.randomNormal([b, t, c], 0, 1, 'float32', 13) as tf.Tensor3D;
    const mask = causalMask(t);
    const full = tf.tidy(() => causalSelfAttention(x, w, { nHead: h, training: false, mask }).y);
    const last = tf.tidy(() => {
      const head = tf.slice(x, [0, 0, 0], [b, t - 1, c]) as tf.Tensor3D;
      const tail = tf.slice(x, [0, t - 1, 0], [b, 1, c]) as tf.Tensor3D;
      const first = causalSelfAttention(head, w, { nHead: h, training: false, mask: causalMask(t - 1), returnKV: true });
      if (!first.kv) throw new Error('no kv');
      expect(first.kv.keys.shape).toEqual([b, h, t - 1, c / h]);
      return causalSelfAttention(tail, w, { nHead: h, training: false, mask: tf.zeros([1, 1, 1, t]), past: first.kv }).y;
    });
    const fullLast = tf.tidy(() => tf.slice(full, [0, t - 1, 0], [b, 1, c]));
    expect(maxAbsDiff(last.dataSync(), fullLast.dataSync())).toBeLessThan(1e-5);
    tf.dispose([x, mask, full, last, fullLast, ...weightsMap(w).values()]);
  });
});
