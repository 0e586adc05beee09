import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './setup-backend';
import {
  ABSMAX4_CODE_BOOK,
  NF4_CODE_BOOK,
  createQuantizedWeight,
  dequantize4bit,
  dequantizeInt8,
  errorBound4bit,
  packCodes24,
  packNibbles,
  quantize4bit,
  quantizeInt8,
  unpackCodesTensor,
  unpackNibbles,
  type QuantScheme4,
} from '@/trainer/model/quantize';
import { mulberry32 } from '@/trainer/model/random';

/** Deterministic pseudo-random numbers, so failures reproduce. */
const rng = mulberry32;

function randomNormalArray(n: number, seed: number, std = 0.02): Float32Array {
  const next = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(next(), 1e-12);
    out[i] = std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  }
  return out;
}

/** Matrices that stress the quantizers: outliers, constant rows, zero blocks, mixed scales, odd sizes. */
function structuredMatrices(): Array<{ label: string; w: Float32Array; shape: [number, number] }> {
  const rows = 37;
  const cols = 29; // 1073 values: not a multiple of 2, 6 or 64
  const outlier = randomNormalArray(rows * cols, 7);
  outlier[100] = 5; // one huge value in a block
  const ramp = new Float32Array(rows * cols).map((_, i) => (i % cols) - cols / 2);
  const zeros = new Float32Array(rows * cols);
  const mixed = randomNormalArray(rows * cols, 11).map((x, i) => (i % cols < 3 ? x * 1000 : x)); // a few loud channels
  const constant = new Float32Array(rows * cols).fill(-0.25);
  return [
    { label: 'outlier', w: outlier, shape: [rows, cols] },
    { label: 'ramp', w: ramp, shape: [rows, cols] },
    { label: 'zeros', w: zeros, shape: [rows, cols] },
    { label: 'mixed scales', w: mixed, shape: [rows, cols] },
    { label: 'constant', w: constant, shape: [rows, cols] },
    { label: 'random 64x48', w: randomNormalArray(64 * 48, 3), shape: [64, 48] },
  ];
}

/** Naive block absmax, written independently of the quantizer. */
function blockAbsmax(w: Float32Array, blockSize: number): number[] {
  const out: number[] = [];
  for (let start = 0; start < w.length; start += blockSize) {
    out.push(Math.max(...Array.from(w.subarray(start, start + blockSize), Math.abs)));
  }
  return out;
}

describe('quantize: int8 per output channel', () => {
  it('round-trips within scale/2 per channel, on random and structured matrices', () => {
    for (const { label, w, shape } of structuredMatrices()) {
      const qw = quantizeInt8(w, shape);
      const deq = dequantizeInt8(qw);
      const [rows, cols] = shape;
      for (let j = 0; j < cols; j++) {
        let colMax = 0;
        for (let i = 0; i < rows; i++) colMax = Math.max(colMax, Math.abs(w[i * cols + j]));
        expect(qw.scale[j], `${label} scale[${j}]`).toBeCloseTo(colMax / 127, 6);
        for (let i = 0; i < rows; i++) {
          const err = Math.abs(w[i * cols + j] - deq[i * cols + j]);
          expect(err, `${label} [${i},${j}]`).toBeLessThanOrEqual(qw.scale[j] / 2 + 1e-7);
        }
      }
      for (const q of qw.q) expect(Math.abs(q)).toBeLessThanOrEqual(127);
    }
  });

  it('keeps the channel maximum exact and zeros exact', () => {
    const w = new Float32Array([0.5, 0, -2, 0.25, 0, 1]);
    const deq = dequantizeInt8(quantizeInt8(w, [2, 3]));
    expect(deq[0]).toBeCloseTo(0.5, 6);
    expect(deq[2]).toBeCloseTo(-2, 6);
    expect(deq[1]).toBe(0);
    expect(deq[4]).toBe(0);
  });

  it('rejects a shape that does not match the data', () => {
    expect(() => quantizeInt8(new Float32Array(5), [2, 3])).toThrow(/5 values do not fill shape \[2,3\]/);
  });
});

describe('quantize: 4-bit blockwise', () => {
  it('states the bounds: absmax4 1/14, nf4 half the widest code gap', () => {
    expect(errorBound4bit('absmax4')).toBeCloseTo(1 / 14, 10);
    // Widest NF4 gap is between -1 and -0.6962.
    expect(errorBound4bit('nf4')).toBeCloseTo((1 - 0.6961928009986877) / 2, 6);
    expect(NF4_CODE_BOOK.length).toBe(16);
    expect(NF4_CODE_BOOK[7]).toBe(0);
    expect(Array.from(ABSMAX4_CODE_BOOK.subarray(0, 15)).map((x) => Math.round(x * 7))).toEqual([-7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7]);
  });

  for (const scheme of ['absmax4', 'nf4'] as QuantScheme4[]) {
    for (const blockSize of [64, 16, 7]) {
      it(`${scheme}, block ${blockSize}: |w - deq| <= bound * block absmax elementwise`, () => {
        const bound = errorBound4bit(scheme);
        for (const { label, w, shape } of structuredMatrices()) {
          const qw = quantize4bit(w, shape, { scheme, blockSize });
          expect(qw.packed.length).toBe(Math.ceil(w.length / 2));
          const expectedAbsmax = blockAbsmax(w, blockSize);
          expect(Array.from(qw.absmax)).toEqual(expectedAbsmax.map((x) => Math.fround(x)));
          const deq = dequantize4bit(qw);
          for (let i = 0; i < w.length; i++) {
            const m = expectedAbsmax[Math.floor(i / blockSize)];
            expect(Math.abs(w[i] - deq[i]), `${label} ${i}`).toBeLessThanOrEqual(bound * m * (1 + 1e-6) + 1e-12);
          }
        }
      });
    }
  }

  it('the bound is nearly reached (it is tight, not vacuous)', () => {
    const w = randomNormalArray(64 * 64, 5, 1);
    for (const scheme of ['absmax4', 'nf4'] as QuantScheme4[]) {
      const qw = quantize4bit(w, [64, 64], { scheme, blockSize: 64 });
      const deq = dequantize4bit(qw);
      let worst = 0;
      for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(w[i] - deq[i]) / qw.absmax[Math.floor(i / 64)]);
      expect(worst).toBeGreaterThan(0.5 * errorBound4bit(scheme));
    }
  });

  it('nf4 has lower mean error than absmax4 on normal weights (what NF4 is for)', () => {
    const w = randomNormalArray(128 * 64, 9);
    const meanError = (scheme: QuantScheme4) => {
      const deq = dequantize4bit(quantize4bit(w, [128, 64], { scheme }));
      return w.reduce((s, x, i) => s + Math.abs(x - deq[i]), 0) / w.length;
    };
    expect(meanError('nf4')).toBeLessThan(meanError('absmax4'));
  });

  it('packs two codes per byte, low nibble first, and unpacks exactly', () => {
    expect(Array.from(packNibbles(new Uint8Array([1, 2, 15, 0, 9])))).toEqual([0x21, 0x0f, 0x09]);
    const next = rng(1);
    for (const n of [1, 2, 5, 64, 1001]) {
      const codes = new Uint8Array(n).map(() => Math.floor(next() * 16));
      expect(Array.from(unpackNibbles(packNibbles(codes), n))).toEqual(Array.from(codes));
    }
    expect(() => packNibbles(new Uint8Array([16]))).toThrow(/does not fit in 4 bits/);
    expect(() => unpackNibbles(new Uint8Array(3), 7)).toThrow(/cannot hold exactly 7 codes/);
  });
});

describe('quantize: tf-side dequantisation', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('unpacks 24-bit words exactly on the device', () => {
    const next = rng(2);
    for (const bits of [4, 8] as const) {
      const codes = new Uint8Array(1000).map(() => Math.floor(next() * 2 ** bits));
      codes[0] = 2 ** bits - 1;
      const words = packCodes24(codes, bits);
      expect(words.length).toBe(Math.ceil(1000 / (24 / bits)));
      expect(Math.max(...words)).toBeLessThan(2 ** 24); // exact in float32
      const unpacked = tf.tidy(() => unpackCodesTensor(tf.tensor1d(words), bits).arraySync());
      expect(unpacked.slice(0, 1000)).toEqual(Array.from(codes));
    }
  });

  it('createQuantizedWeight().dequantize() equals the JS dequantisation, int8 and 4-bit, without leaking', () => {
    const shape: [number, number] = [37, 29];
    const w = randomNormalArray(37 * 29, 4);
    const cases = [
      { kind: 'int8' as const, ...quantizeInt8(w, shape) },
      { kind: '4bit' as const, ...quantize4bit(w, shape, { scheme: 'nf4', blockSize: 64 }) },
      { kind: '4bit' as const, ...quantize4bit(w, shape, { scheme: 'absmax4', blockSize: 10 }) },
    ];
    for (const data of cases) {
      const expected = data.kind === 'int8' ? dequantizeInt8(data) : dequantize4bit(data);
      const qw = createQuantizedWeight(data);
      const before = tf.memory().numTensors;
      const got = tf.tidy(() => qw.dequantize().dataSync().slice());
      expect(tf.memory().numTensors).toBe(before);
      expect(got.length).toBe(expected.length);
      let maxDiff = 0;
      for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - expected[i]));
      expect(maxDiff).toBeLessThan(1e-7);
      qw.dispose();
    }
  });

  it('cacheDequantized keeps one float weight until dispose', () => {
    const data = { kind: '4bit' as const, ...quantize4bit(randomNormalArray(64 * 8, 6), [64, 8], { scheme: 'absmax4', blockSize: 64 }) };
    const before = tf.memory().numTensors;
    const qw = createQuantizedWeight(data, { cacheDequantized: true });
    const first = tf.tidy(() => qw.dequantize());
    const second = tf.tidy(() => qw.dequantize());
    expect(second).toBe(first);
    expect(first.isDisposed).toBe(false);
    qw.dispose();
    expect(first.isDisposed).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });
});
