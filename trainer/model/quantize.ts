/**
 * Weight-only quantization of a linear weight W [in, out].
 *
 * - int8, per output channel, symmetric: scale[j] = max_i |W[i, j]| / 127, q = round(W / scale).
 *   Error bound: |W - deq| <= scale[j] / 2 elementwise (rounding to the nearest step).
 * - 4-bit, blockwise over the row-major flat weight (blocks of `blockSize`, default 64, the last
 *   one possibly shorter), each block normalised by its absmax and every value replaced by the
 *   nearest entry of a 16-value code book:
 *   - 'absmax4': the symmetric linear codes -7..7 (/ 7). Error bound: absmax / 14 (half a step).
 *   - 'nf4': QLoRA's NormalFloat4 (Dettmers et al. 2023, appendix E), quantiles of N(0, 1)
 *     rescaled to [-1, 1] with an exact zero. Error bound: half the largest gap between
 *     neighbouring code values (that of -1 and -0.696, so ~0.152) times the block absmax.
 *   Two codes are packed per byte: element 2k in the low nibble, element 2k+1 in the high one.
 *
 * The JS-side functions produce what checkpoints store. `createQuantizedWeight` turns them into a
 * `QuantizedWeight` whose `dequantize()` rebuilds the float weight with tf ops inside the forward
 * pass (QLoRA dequantises on the fly). On the device, codes are packed 24 bits per float32 word
 * (six 4-bit codes or three 8-bit codes; tfjs has no uint8 tensors), so a 4-bit base costs 0.67
 * bytes per weight in memory instead of 4.
 *
 * A leaf module: codecs and their device form only. Wiring a quantized weight into a layer
 * (quantizeLinear) lives in qlora.ts.
 */
import * as tf from '@tensorflow/tfjs-core';

export type QuantScheme4 = 'nf4' | 'absmax4';
export type QuantScheme = 'int8' | QuantScheme4;

export type QuantizedInt8 = {
  /** [in * out] row-major, values in -127..127 */
  q: Int8Array;
  /** [out] one scale per output channel */
  scale: Float32Array;
  shape: [number, number];
};

export type Quantized4bit = {
  /** [ceil(in * out / 2)] two codes per byte */
  packed: Uint8Array;
  /** [ceil(in * out / blockSize)] absmax of each block */
  absmax: Float32Array;
  shape: [number, number];
  scheme: QuantScheme4;
  blockSize: number;
};

export type QuantizedData = ({ kind: 'int8' } & QuantizedInt8) | ({ kind: '4bit' } & Quantized4bit);

/** A frozen base weight kept in low precision and dequantised for each use (QLoRA). */
export type QuantizedWeight = {
  /** The quantized codes and scales as checkpoints store them. */
  data: QuantizedData;
  /** Returns the float weight [in, out]; called inside the caller's tf.tidy. */
  dequantize(): tf.Tensor2D;
  dispose(): void;
};

export const DEFAULT_BLOCK_SIZE = 64;

/** NormalFloat4 code book, exactly as in bitsandbytes / the QLoRA paper. */
export const NF4_CODE_BOOK = new Float32Array([
  -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
  0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
]);

/** absmax4 code book: index c + 7 holds c / 7 for c in -7..7; index 15 is unused (0). */
export const ABSMAX4_CODE_BOOK = new Float32Array(16).map((_, i) => (i < 15 ? (i - 7) / 7 : 0));

export function codeBook(scheme: QuantScheme4): Float32Array {
  return scheme === 'nf4' ? NF4_CODE_BOOK : ABSMAX4_CODE_BOOK;
}

/** The stated elementwise error bound, as a fraction of the block absmax. */
export function errorBound4bit(scheme: QuantScheme4): number {
  if (scheme === 'absmax4') return 1 / 14;
  let largestGap = 0;
  for (let i = 1; i < NF4_CODE_BOOK.length; i++) largestGap = Math.max(largestGap, NF4_CODE_BOOK[i] - NF4_CODE_BOOK[i - 1]);
  return largestGap / 2;
}

function assertMatrix(values: ArrayLike<number>, shape: [number, number]): void {
  const [rows, cols] = shape;
  if (!(Number.isInteger(rows) && Number.isInteger(cols) && rows > 0 && cols > 0)) throw new Error(`Quantize: bad shape [${shape}]`);
  if (values.length !== rows * cols) throw new Error(`Quantize: ${values.length} values do not fill shape [${shape}]`);
}

// ---------------------------------------------------------------------------------------------
// int8

/** w: [in, out] row-major. */
export function quantizeInt8(w: Float32Array, shape: [number, number]): QuantizedInt8 {
  assertMatrix(w, shape);
  const [rows, cols] = shape;
  const scale = new Float32Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) scale[j] = Math.max(scale[j], Math.abs(w[i * cols + j]));
  }
  // An all-zero channel keeps scale 0: every code is 0 and dequantises to exactly 0.
  for (let j = 0; j < cols; j++) scale[j] = scale[j] / 127;
  const q = new Int8Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const s = scale[j];
      q[i * cols + j] = s === 0 ? 0 : Math.max(-127, Math.min(127, Math.round(w[i * cols + j] / s)));
    }
  }
  return { q, scale, shape: [rows, cols] };
}

export function dequantizeInt8(qw: QuantizedInt8): Float32Array {
  const [rows, cols] = qw.shape;
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out[i * cols + j] = qw.q[i * cols + j] * qw.scale[j];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// 4-bit

/** codes: one 4-bit code (0..15) per element -> two per byte, low nibble first. */
export function packNibbles(codes: Uint8Array): Uint8Array {
  const packed = new Uint8Array(Math.ceil(codes.length / 2));
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c > 15) throw new Error(`packNibbles: code ${c} at ${i} does not fit in 4 bits`);
    packed[i >> 1] |= i % 2 === 0 ? c : c << 4;
  }
  return packed;
}

export function unpackNibbles(packed: Uint8Array, n: number): Uint8Array {
  if (packed.length !== Math.ceil(n / 2)) throw new Error(`unpackNibbles: ${packed.length} bytes cannot hold exactly ${n} codes`);
  const codes = new Uint8Array(n);
  for (let i = 0; i < n; i++) codes[i] = i % 2 === 0 ? packed[i >> 1] & 0x0f : packed[i >> 1] >> 4;
  return codes;
}

/** Index of the code-book entry nearest to x (the book is sorted ascending over indices 0..14/15). */
function nearestCode(book: Float32Array, used: number, x: number): number {
  let best = 0;
  let bestDist = Infinity;
  for (let c = 0; c < used; c++) {
    const d = Math.abs(book[c] - x);
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  return best;
}

export function quantize4bit(w: Float32Array, shape: [number, number], options: { scheme: QuantScheme4; blockSize?: number }): Quantized4bit {
  assertMatrix(w, shape);
  const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
  if (!(Number.isInteger(blockSize) && blockSize > 0)) throw new Error(`quantize4bit: blockSize must be a positive integer, got ${blockSize}`);
  const book = codeBook(options.scheme);
  const used = options.scheme === 'nf4' ? 16 : 15;
  const n = w.length;
  const nBlocks = Math.ceil(n / blockSize);
  const absmax = new Float32Array(nBlocks);
  const codes = new Uint8Array(n);
  for (let b = 0; b < nBlocks; b++) {
    const start = b * blockSize;
    const end = Math.min(n, start + blockSize);
    let m = 0;
    for (let i = start; i < end; i++) m = Math.max(m, Math.abs(w[i]));
    absmax[b] = m;
    // An all-zero block maps every value to the code of 0.
    for (let i = start; i < end; i++) codes[i] = nearestCode(book, used, m === 0 ? 0 : w[i] / m);
  }
  return { packed: packNibbles(codes), absmax, shape: [shape[0], shape[1]], scheme: options.scheme, blockSize };
}

export function dequantize4bit(qw: Quantized4bit): Float32Array {
  const n = qw.shape[0] * qw.shape[1];
  const codes = unpackNibbles(qw.packed, n);
  const book = codeBook(qw.scheme);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = book[codes[i]] * qw.absmax[Math.floor(i / qw.blockSize)];
  return out;
}

export function quantizedElementCount(data: QuantizedData): number {
  return data.shape[0] * data.shape[1];
}

// ---------------------------------------------------------------------------------------------
// Device-side packing: 24 bits of codes per float32 word.
//
// Why float32 words in a planar layout: on wasm, integer floorDiv/mod and interleaving stacks are
// slow, while float multiply/floor and concatenation run at memory speed. Integers below 2^24 are
// exact in float32 and scaling by powers of two is exact, so floor(word / 16^k) recovers digits
// exactly. Planar: with m = ceil(n / perWord) words, digit k of word j holds element k * m + j, so
// unpacking is one concat of the perWord digit planes (no transpose).

/** codes (each < 2^bits) -> m words holding 24 / bits codes each, planar (see above). */
export function packCodes24(codes: Uint8Array, bits: 4 | 8): Float32Array {
  const perWord = 24 / bits;
  const m = Math.ceil(codes.length / perWord);
  const words = new Float32Array(m);
  for (let i = 0; i < codes.length; i++) {
    if (codes[i] >= 2 ** bits) throw new Error(`packCodes24: code ${codes[i]} at ${i} does not fit in ${bits} bits`);
    words[i % m] += codes[i] * 2 ** (bits * Math.floor(i / m));
  }
  return words;
}

/**
 * words [m] float32 -> the 24 / bits digit planes, each [m] float32 (integral values): plane k holds
 * elements k * m .. k * m + m - 1 (tf ops; call inside a tidy).
 */
export function unpackCodePlanes(words: tf.Tensor1D, bits: 4 | 8): tf.Tensor1D[] {
  const perWord = 24 / bits;
  const base = 2 ** bits;
  // floors[k] = floor(word / base^k); digit k = floors[k] - base * floors[k + 1].
  const floors: tf.Tensor1D[] = [words];
  for (let k = 1; k < perWord; k++) floors.push(tf.floor(tf.mul(words, 1 / base ** k)) as tf.Tensor1D);
  return floors.map((f, k) => (k + 1 < perWord ? (tf.sub(f, tf.mul(floors[k + 1], base)) as tf.Tensor1D) : f));
}

/** words [m] float32 -> codes [m * 24 / bits] float32 (integral values), planar order (tf ops; call inside a tidy). */
export function unpackCodesTensor(words: tf.Tensor1D, bits: 4 | 8): tf.Tensor1D {
  return tf.concat(unpackCodePlanes(words, bits), 0) as tf.Tensor1D;
}

export type QuantizedWeightOptions = {
  /**
   * Keep the dequantised float weight after the first use (default false). Trades the memory
   * saving for speed where it matters more: dequantising costs a few ms per weight, which a
   * KV-cached decode step (a tiny matmul) would pay for every layer at every token.
   */
  cacheDequantized?: boolean;
};

/**
 * A `QuantizedWeight` for a linear layer: keeps the packed codes and scales on the device and
 * rebuilds the float [in, out] weight with tf ops on each `dequantize()`.
 */
export function createQuantizedWeight(data: QuantizedData, options: QuantizedWeightOptions = {}): QuantizedWeight {
  const [rows, cols] = data.shape;
  const n = rows * cols;
  const owned: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => {
    owned.push(tf.keep(t));
    return t;
  };
  // Each stage of a build runs in its own tidy, so its temporaries are freed before the next stage
  // starts: the peak is a few float copies of one weight rather than the sum of every intermediate
  // (the NF4 one-hot alone is 32 bytes per element, looked up one digit plane at a time).
  let build: () => tf.Tensor2D;
  if (data.kind === 'int8') {
    const offset = new Uint8Array(n);
    for (let i = 0; i < n; i++) offset[i] = data.q[i] + 128;
    const words = keep(tf.tensor1d(packCodes24(offset, 8)));
    const scale = keep(tf.tensor2d(data.scale, [1, cols]));
    build = () => {
      const q = tf.tidy(() => tf.sub(tf.slice(unpackCodesTensor(words, 8), 0, n), 128)); // [n] in -128..127
      return disposeAfter(q, () => tf.mul(tf.reshape(q, [rows, cols]), scale) as tf.Tensor2D); // [in, out] * [1, out]
    };
  } else {
    const { blockSize, scheme } = data;
    const nBlocks = data.absmax.length;
    if (nBlocks !== Math.ceil(n / blockSize)) throw new Error(`Quantized weight: ${nBlocks} block scales for ${n} values in blocks of ${blockSize}`);
    const words = keep(tf.tensor1d(packCodes24(unpackNibbles(data.packed, n), 4)));
    const absmax = keep(tf.tensor2d(data.absmax, [nBlocks, 1]));
    const book = scheme === 'nf4' ? keep(tf.tensor2d(NF4_CODE_BOOK, [16, 1])) : null;
    // absmax4's book is linear, (code - 7) / 7, so it needs no lookup. NF4 looks codes up as
    // one-hot [len, 16] @ book [16, 1]: exact (one non-zero term), and on wasm twice as fast as
    // tf.gather. The one-hot is made int32 then cast (wasm's float32 OneHot output is wrong).
    const lookup = (codes: tf.Tensor1D): tf.Tensor1D =>
      book ? (tf.reshape(tf.matMul(tf.cast(tf.oneHot(tf.cast(codes, 'int32'), 16), 'float32') as tf.Tensor2D, book), [-1]) as tf.Tensor1D) : (tf.mul(tf.sub(codes, 7), 1 / 7) as tf.Tensor1D);
    build = () => {
      const normalized = tf.tidy(() => {
        const planes = tf.tidy(() => unpackCodePlanes(words, 4)); // 6 x [m], integral floats 0..15
        const looked = planes.map((plane) => disposeAfter(plane, () => tf.tidy(() => lookup(plane))));
        return disposeAfter(looked, () => tf.concat(looked, 0)); // [>= n]
      });
      // Pad to whole blocks so each block is one row scaled by its absmax.
      const total = nBlocks * blockSize;
      const len = normalized.shape[0] ?? 0;
      const padded = disposeAfter(normalized, () => (len >= total ? tf.slice(normalized, 0, total) : tf.pad(normalized, [[0, total - len]])));
      const values = disposeAfter(padded, () => tf.mul(tf.reshape(padded, [nBlocks, blockSize]), absmax)); // [nBlocks, blockSize]
      return disposeAfter(values, () => tf.reshape(tf.slice(tf.reshape(values, [-1]), 0, n), [rows, cols]) as tf.Tensor2D);
    };
  }
  let cached: tf.Tensor2D | null = null;
  return {
    data,
    dequantize: () => {
      if (cached) return cached;
      const weight = tf.tidy(build);
      if (options.cacheDequantized) cached = tf.keep(weight);
      return weight;
    },
    dispose: () => {
      tf.dispose(owned);
      cached?.dispose();
      cached = null;
    },
  };
}

/** Runs `next` in a tidy, then frees `inputs`: one stage of a pipeline that keeps only its latest result. */
function disposeAfter<T extends tf.Tensor>(inputs: tf.Tensor | tf.Tensor[], next: () => T): T {
  const out = tf.tidy(next);
  tf.dispose(inputs);
  return out;
}

/** Quantizes a float tensor [in, out] (read synchronously) into the given scheme. */
export function quantizeTensor(w: tf.Tensor2D, scheme: QuantScheme, blockSize = DEFAULT_BLOCK_SIZE): QuantizedData {
  const shape: [number, number] = [w.shape[0], w.shape[1]];
  const values = w.dataSync() as Float32Array;
  if (scheme === 'int8') return { kind: 'int8', ...quantizeInt8(values, shape) };
  return { kind: '4bit', ...quantize4bit(values, shape, { scheme, blockSize }) };
}
