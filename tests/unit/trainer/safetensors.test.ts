import { describe, expect, it } from 'vitest';
import { float16ToFloat32, float32ToFloat16, parseSafetensors, SafetensorsError, serializeSafetensors, type RawTensor } from '@/trainer/model/safetensors';

/** Builds a safetensors file by hand, independently of the serializer: u64 LE length, header, data. */
function buildFile(header: string, data: number[], pad = true): Uint8Array {
  const headerBytes = Array.from(new TextEncoder().encode(header));
  if (pad) while (headerBytes.length % 8 !== 0) headerBytes.push(0x20);
  const length: number[] = [];
  let n = headerBytes.length;
  for (let i = 0; i < 8; i++) {
    length.push(n % 256);
    n = Math.floor(n / 256);
  }
  return Uint8Array.from([...length, ...headerBytes, ...data]);
}

// What `safetensors.torch.save_file` writes for
//   {"a": tensor([[1., 2.], [3., 4.]]), "b": tensor([1, 2, 3], int32), "c": tensor([1., -2., .5], float16),
//    "d": tensor([-1, 5], int8), "e": tensor([200], uint8)}, metadata={"format": "pt"}
// metadata first, tensors by alignment then name, header padded with spaces to 8 bytes, little-endian data.
const PY_HEADER =
  '{"__metadata__":{"format":"pt"},' +
  '"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},' +
  '"b":{"dtype":"I32","shape":[3],"data_offsets":[16,28]},' +
  '"c":{"dtype":"F16","shape":[3],"data_offsets":[28,34]},' +
  '"d":{"dtype":"I8","shape":[2],"data_offsets":[34,36]},' +
  '"e":{"dtype":"U8","shape":[1],"data_offsets":[36,37]}}';
const PY_DATA = [
  0x00,
  0x00,
  0x80,
  0x3f,
  0x00,
  0x00,
  0x00,
  0x40,
  0x00,
  0x00,
  0x40,
  0x40,
  0x00,
  0x00,
  0x80,
  0x40, // F32 1 2 3 4
  0x01,
  0x00,
  0x00,
  0x00,
  0x02,
  0x00,
  0x00,
  0x00,
  0x03,
  0x00,
  0x00,
  0x00, // I32 1 2 3
  0x00,
  0x3c,
  0x00,
  0xc0,
  0x00,
  0x38, // F16 1 -2 0.5
  0xff,
  0x05, // I8 -1 5
  0xc8, // U8 200
];

describe('safetensors', () => {
  it('parses a file laid out as the Python library writes it', () => {
    const { tensors, metadata } = parseSafetensors(buildFile(PY_HEADER, PY_DATA));
    expect(metadata).toEqual({ format: 'pt' });
    expect(tensors.a).toEqual({ dtype: 'F32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) });
    expect(tensors.b).toEqual({ dtype: 'I32', shape: [3], data: new Int32Array([1, 2, 3]) });
    expect(tensors.c.dtype).toBe('F16');
    expect(Array.from(float16ToFloat32(tensors.c.data as Uint16Array))).toEqual([1, -2, 0.5]);
    expect(tensors.d).toEqual({ dtype: 'I8', shape: [2], data: new Int8Array([-1, 5]) });
    expect(tensors.e).toEqual({ dtype: 'U8', shape: [1], data: new Uint8Array([200]) });
  });

  it('writes the same bytes the Python library writes', () => {
    const bytes = serializeSafetensors(
      {
        e: { dtype: 'U8', shape: [1], data: new Uint8Array([200]) },
        c: { dtype: 'F16', shape: [3], data: float32ToFloat16(new Float32Array([1, -2, 0.5])) },
        a: { dtype: 'F32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) },
        d: { dtype: 'I8', shape: [2], data: new Int8Array([-1, 5]) },
        b: { dtype: 'I32', shape: [3], data: new Int32Array([1, 2, 3]) },
      },
      { format: 'pt' },
    );
    expect(Array.from(bytes)).toEqual(Array.from(buildFile(PY_HEADER, PY_DATA)));
    expect((bytes.length - PY_DATA.length) % 8).toBe(0);
  });

  it('round-trips every dtype, scalars, empty tensors and a subarray view', () => {
    const backing = new Float32Array([9, 9, 0.1, -2.5, 3e-8, 1e30, 9]);
    const tensors: Record<string, RawTensor> = {
      'h.0.attn.q.weight': { dtype: 'F32', shape: [2, 2], data: backing.subarray(2, 6) },
      half: { dtype: 'F16', shape: [2], data: new Uint16Array([0x3c00, 0x7c00]) },
      ids: { dtype: 'I32', shape: [], data: new Int32Array([-7]) },
      codes: { dtype: 'I8', shape: [1, 3], data: new Int8Array([-128, 0, 127]) },
      nibbles: { dtype: 'U8', shape: [3], data: new Uint8Array([0, 15, 255]) },
      empty: { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
    };
    const { tensors: back, metadata } = parseSafetensors(serializeSafetensors(tensors, { step: '12' }));
    expect(metadata).toEqual({ step: '12' });
    expect(back).toEqual(tensors);
  });

  it('refuses to write inconsistent tensors', () => {
    expect(() => serializeSafetensors({ w: { dtype: 'F32', shape: [2, 2], data: new Float32Array(3) } })).toThrow(/w: 3 values for shape \[2,2\]/);
    expect(() => serializeSafetensors({ w: { dtype: 'F16', shape: [1], data: new Float32Array(1) } })).toThrow(/F16 data must be a Uint16Array/);
  });

  const bad =
    (header: string, data: number[] = []) =>
    () =>
      parseSafetensors(buildFile(header, data));
  const F32_4 = new Array(16).fill(0);

  it.each([
    ['a file shorter than 8 bytes', () => parseSafetensors(new Uint8Array([1, 2, 3])), /too short/],
    ['a header length beyond the file', () => parseSafetensors(buildFile(PY_HEADER, PY_DATA).subarray(0, 40)), /header length \d+ runs past the end of the 40-byte file/],
    ['an absurd header length', () => parseSafetensors(Uint8Array.from([255, 255, 255, 255, 255, 255, 255, 255, 0])), /larger than the 100000000-byte limit/],
    ['truncated data', () => parseSafetensors(buildFile(PY_HEADER, PY_DATA).subarray(0, -2)), /tensor d: data_offsets \[34, 36\] run past the 35-byte data buffer/],
    ['bad JSON', bad('{"a": {"dtype": "F32",'), /header is not valid JSON/],
    ['a non-object header', bad('[1, 2]'), /header must be a JSON object/],
    ['an unknown dtype', bad('{"a":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}', [0, 0, 0, 0]), /tensor a: unsupported dtype "BF16" \(supported: F32, F16, I32, I8, U8\)/],
    ['a byte count that does not match the shape', bad('{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,16]}}', F32_4), /tensor a: 16 bytes for shape \[2,3\] of F32, expected 24/],
    [
      'overlapping tensors',
      bad('{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}}', F32_4),
      /tensor b: data_offsets \[12, 16\] overlap tensor a/,
    ],
    [
      'a gap between tensors',
      bad('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}', F32_4.slice(0, 12)),
      /tensor b: data_offsets start at 8, leaving a gap after byte 4/,
    ],
    ['trailing bytes no tensor owns', bad('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', F32_4), /tensors cover 4 bytes but the data buffer holds 16/],
    ['reversed offsets', bad('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}', F32_4.slice(0, 4)), /data_offsets must be \[begin, end\]/],
    ['a negative shape', bad('{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', F32_4.slice(0, 4)), /shape must be an array of non-negative integers/],
    ['non-string metadata', bad('{"__metadata__":{"step":3}}'), /__metadata__.step must be a string/],
  ])('rejects %s with a clear SafetensorsError', (_label, parse, message) => {
    expect(parse).toThrow(SafetensorsError);
    expect(parse).toThrow(message);
  });

  it('accepts an unpadded header (writers other than the reference may not pad)', () => {
    const file = buildFile('{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}', [7, 8], false);
    expect(parseSafetensors(file).tensors.a.data).toEqual(new Uint8Array([7, 8]));
  });
});

/** Every float16 value, decoded from its bit fields with plain arithmetic. */
function referenceHalfValue(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * Math.pow(2, -24);
  if (exponent === 31) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * Math.pow(2, exponent - 15);
}

describe('float16 conversion', () => {
  it('widens every one of the 65536 bit patterns exactly', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const widened = float16ToFloat32(all);
    for (let bits = 0; bits < 65536; bits++) {
      const expected = referenceHalfValue(bits);
      if (Number.isNaN(expected)) expect(widened[bits]).toBeNaN();
      else expect(Object.is(widened[bits], expected)).toBe(true);
    }
  });

  it('rounds to the nearest half, ties to even, like a brute-force search over all finite halves', () => {
    const finite: Array<{ bits: number; value: number }> = [];
    for (let bits = 0; bits < 0x7c00; bits++) finite.push({ bits, value: referenceHalfValue(bits) });
    const nearest = (x: number): number => {
      const magnitude = Math.abs(x);
      let best = finite[0];
      for (const candidate of finite) {
        const d = Math.abs(candidate.value - magnitude) - Math.abs(best.value - magnitude);
        if (d < 0 || (d === 0 && (candidate.bits & 1) === 0)) best = candidate;
      }
      // Beyond the largest half (65504) by half an ulp or more: overflow to infinity.
      if (magnitude >= 65520) return (x < 0 ? 0x8000 : 0) | 0x7c00;
      return (x < 0 || Object.is(x, -0) ? 0x8000 : 0) | best.bits;
    };
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const inputs = [0, -0, 1, -1, 65504, 65519, 65520, 1e6, 6.1e-5, 5.96e-8, 2.98e-8, 2.99e-8, 1e-9, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 2049, 2051];
    for (let i = 0; i < 400; i++) inputs.push((random() - 0.5) * Math.pow(2, Math.floor(random() * 44) - 28));
    const values = new Float32Array(inputs);
    const halves = float32ToFloat16(values);
    for (let i = 0; i < values.length; i++) {
      expect([values[i], halves[i]]).toEqual([values[i], nearest(values[i])]);
    }
  });

  it('keeps infinities and NaN', () => {
    const halves = float32ToFloat16(new Float32Array([Infinity, -Infinity, NaN]));
    expect(Array.from(halves.slice(0, 2))).toEqual([0x7c00, 0xfc00]);
    expect(float16ToFloat32(halves)[2]).toBeNaN();
  });
});
