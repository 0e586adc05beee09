/**
 * Reader and writer for the safetensors format (https://github.com/huggingface/safetensors), so
 * checkpoints open in Python (`safetensors.torch.load_file`) and imported ones load here.
 *
 * Layout: 8 bytes little-endian u64 N | N bytes of UTF-8 JSON header | data buffer.
 * The header maps each tensor name to {dtype, shape, data_offsets: [begin, end]} (byte offsets
 * into the data buffer) plus an optional "__metadata__" map of strings. The writer pads the header
 * with spaces to a multiple of 8 bytes, as the reference implementation does, and the reader
 * accepts exactly what the reference accepts: contiguous, non-overlapping tensors that cover the
 * whole data buffer.
 */
export type SafetensorsDtype = 'F32' | 'F16' | 'I32' | 'I8' | 'U8';
export type RawTensor = {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Row-major values. F16 is stored as its raw 16-bit patterns (see float16ToFloat32). */
  data: Float32Array | Int32Array | Int8Array | Uint8Array | Uint16Array;
};

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

export const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, I32: 4, I8: 1, U8: 1 };
const METADATA_KEY = '__metadata__';
/** The reference implementation refuses larger headers; so do we, before allocating anything. */
const MAX_HEADER_BYTES = 100_000_000;

// Typed arrays use the platform's byte order and safetensors is little-endian. Every platform
// Node supports is little-endian; fail loudly rather than read garbage if that ever changes.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('safetensors.ts assumes a little-endian platform');
}

export function serializeSafetensors(tensors: Record<string, RawTensor>, metadata: Record<string, string> = {}): Uint8Array {
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') throw new SafetensorsError(`metadata ${key}: values must be strings`);
  }
  // Largest element size first, then by name: every tensor starts aligned to its element size
  // (the reference writer orders the same way), and the output is deterministic.
  const names = Object.keys(tensors).sort((a, b) => DTYPE_BYTES[tensors[b].dtype] - DTYPE_BYTES[tensors[a].dtype] || (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = metadata;
  let offset = 0;
  for (const name of names) {
    const tensor = tensors[name];
    checkTensor(name, tensor);
    const size = tensor.data.byteLength;
    header[name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength); // space padding
  let position = 8 + headerLength;
  for (const name of names) {
    const data = tensors[name].data;
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), position);
    position += data.byteLength;
  }
  return out;
}

export function parseSafetensors(bytes: Uint8Array): { tensors: Record<string, RawTensor>; metadata: Record<string, string> } {
  if (bytes.length < 8) {
    throw new SafetensorsError(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(`header length ${headerLength} is larger than the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file?)`);
  }
  const n = Number(headerLength);
  if (8 + n > bytes.length) {
    throw new SafetensorsError(`header length ${n} runs past the end of the ${bytes.length}-byte file (truncated?)`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (error) {
    throw new SafetensorsError(`header is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isRecord(header)) throw new SafetensorsError('header must be a JSON object');

  const data = bytes.subarray(8 + n);
  const metadata = parseMetadata(header[METADATA_KEY]);
  const entries: Array<{ name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }> = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) continue;
    entries.push({ name, ...parseEntry(name, value, data.length) });
  }

  // The tensors must tile the data buffer exactly: no overlap, no hole, nothing left over.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expectedBegin = 0;
  let previous = '';
  for (const entry of entries) {
    if (entry.begin < expectedBegin) {
      throw new SafetensorsError(`tensor ${entry.name}: data_offsets [${entry.begin}, ${entry.end}] overlap tensor ${previous} (ends at ${expectedBegin})`);
    }
    if (entry.begin > expectedBegin) {
      throw new SafetensorsError(`tensor ${entry.name}: data_offsets start at ${entry.begin}, leaving a gap after byte ${expectedBegin}`);
    }
    expectedBegin = entry.end;
    previous = entry.name;
  }
  if (expectedBegin !== data.length) {
    throw new SafetensorsError(`tensors cover ${expectedBegin} bytes but the data buffer holds ${data.length}`);
  }

  const tensors: Record<string, RawTensor> = {};
  for (const entry of entries) {
    // slice() copies into a fresh, aligned buffer: offsets in the file need not be multiples of the element size.
    const buffer = data.slice(entry.begin, entry.end).buffer;
    tensors[entry.name] = { dtype: entry.dtype, shape: entry.shape, data: viewAs(entry.dtype, buffer) };
  }
  return { tensors, metadata };
}

function parseMetadata(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw new SafetensorsError('__metadata__ must be an object of strings');
  const metadata: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw new SafetensorsError(`__metadata__.${key} must be a string, got ${JSON.stringify(item)}`);
    metadata[key] = item;
  }
  return metadata;
}

function parseEntry(name: string, value: unknown, dataLength: number): { dtype: SafetensorsDtype; shape: number[]; begin: number; end: number } {
  if (!isRecord(value)) throw new SafetensorsError(`tensor ${name}: header entry must be an object`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
    throw new SafetensorsError(`tensor ${name}: unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(DTYPE_BYTES).join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
    throw new SafetensorsError(`tensor ${name}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInteger) || offsets[0] > offsets[1]) {
    throw new SafetensorsError(`tensor ${name}: data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (end > dataLength) {
    throw new SafetensorsError(`tensor ${name}: data_offsets [${begin}, ${end}] run past the ${dataLength}-byte data buffer (truncated?)`);
  }
  const typed = dtype as SafetensorsDtype;
  const expected = product(shape as number[]) * DTYPE_BYTES[typed];
  if (end - begin !== expected) {
    throw new SafetensorsError(`tensor ${name}: ${end - begin} bytes for shape [${shape.join(',')}] of ${typed}, expected ${expected}`);
  }
  return { dtype: typed, shape: shape as number[], begin, end };
}

function checkTensor(name: string, tensor: RawTensor): void {
  if (name === METADATA_KEY || name.length === 0) throw new SafetensorsError(`invalid tensor name ${JSON.stringify(name)}`);
  if (!(tensor.dtype in DTYPE_BYTES)) throw new SafetensorsError(`tensor ${name}: unsupported dtype ${String(tensor.dtype)}`);
  if (!tensor.shape.every((dim) => isNonNegativeInteger(dim))) throw new SafetensorsError(`tensor ${name}: invalid shape [${tensor.shape.join(',')}]`);
  if (!hasArrayTypeFor(tensor)) {
    throw new SafetensorsError(`tensor ${name}: ${tensor.dtype} data must be a ${ARRAY_TYPES[tensor.dtype].name}, got ${tensor.data.constructor.name}`);
  }
  if (tensor.data.length !== product(tensor.shape)) {
    throw new SafetensorsError(`tensor ${name}: ${tensor.data.length} values for shape [${tensor.shape.join(',')}] (${product(tensor.shape)} expected)`);
  }
}

const ARRAY_TYPES = { F32: Float32Array, F16: Uint16Array, I32: Int32Array, I8: Int8Array, U8: Uint8Array } as const;

function hasArrayTypeFor(tensor: RawTensor): boolean {
  return tensor.data instanceof ARRAY_TYPES[tensor.dtype];
}

function viewAs(dtype: SafetensorsDtype, buffer: ArrayBuffer): RawTensor['data'] {
  switch (dtype) {
    case 'F32':
      return new Float32Array(buffer);
    case 'F16':
      return new Uint16Array(buffer);
    case 'I32':
      return new Int32Array(buffer);
    case 'I8':
      return new Int8Array(buffer);
    case 'U8':
      return new Uint8Array(buffer);
  }
}

export function product(shape: number[]): number {
  return shape.reduce((acc, dim) => acc * dim, 1);
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---- IEEE 754 half precision ---------------------------------------------------------------

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** Rounds each value to the nearest float16 (ties to even; overflow to ±Inf; NaN stays NaN). */
export function float32ToFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toHalfBits(values[i]);
  return out;
}

/** Exact widening of float16 bit patterns to float32. */
export function float16ToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = fromHalfBits(bits[i]);
  return out;
}

function toHalfBits(value: number): number {
  scratchF32[0] = value;
  const x = scratchU32[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0); // Inf, or a quiet NaN
  const e = exponent - 127 + 15; // rebias
  if (e >= 0x1f) return sign | 0x7c00; // too large: Inf
  if (e <= 0) {
    // Subnormal half: value = m * 2^-24. Shift the full 24-bit significand down and round.
    if (e < -10) return sign; // below half the smallest subnormal: ±0
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1) === 1)) half++;
    return sign | half; // a carry into bit 10 correctly yields the smallest normal
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++; // a carry may round up to Inf, as it should
  return sign | half;
}

function fromHalfBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exponent = (h >>> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) {
    // ±0 or subnormal: m * 2^-24 is exact in float32.
    const magnitude = mantissa * 2 ** -24;
    return sign ? -magnitude : magnitude;
  }
  scratchU32[0] =
    exponent === 0x1f
      ? sign | 0x7f800000 | (mantissa << 13) // Inf / NaN
      : sign | ((exponent - 15 + 127) << 23) | (mantissa << 13);
  return scratchF32[0];
}
