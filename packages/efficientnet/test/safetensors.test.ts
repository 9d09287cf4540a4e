import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { float32ToBfloat16Bits, float32ToFloat16Bits, readSafetensors, writeSafetensors } from '../src/index.js';

/** Hand-built file: header JSON then raw data, with an optional header-length override. */
function rawFile(header: object, data: Uint8Array, headerLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(json.byteLength), true);
  out.set(json, 8);
  out.set(data, 8 + json.byteLength);
  return out;
}

describe('safetensors', () => {
  it('round-trips F32, F16, BF16, I64, I32 and metadata', () => {
    const bytes = writeSafetensors(
      {
        'a.weight': { dtype: 'F32', shape: [2, 3], data: new Float32Array([1, -2, 3.5, 0, 1e-3, -7]) },
        half: { dtype: 'F16', shape: [4], data: [1, -0.5, 65504, 0.099975586] },
        brain: { dtype: 'BF16', shape: [3], data: [1, -2.5, 3.140625] },
        counter: { dtype: 'I64', shape: [], data: new BigInt64Array([123456789012n]) },
        ints: { dtype: 'I32', shape: [2], data: new Int32Array([-5, 7]) },
      },
      { format: 'pt' },
    );
    expect(new DataView(bytes.buffer).getBigUint64(0, true) % 8n).toBe(0n); // data section 8-aligned
    const { tensors, metadata } = readSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt' });
    expect(Array.from(tensors.get('a.weight')!.data as Float32Array)).toEqual(
      Array.from(new Float32Array([1, -2, 3.5, 0, 1e-3, -7])),
    );
    expect(tensors.get('a.weight')!.shape).toEqual([2, 3]);
    expect(Array.from(tensors.get('half')!.data as Float32Array)).toEqual(
      [1, -0.5, 65504, 0.099975586].map((v) => Math.fround(v)),
    );
    expect(Array.from(tensors.get('brain')!.data as Float32Array)).toEqual([1, -2.5, 3.140625]);
    expect(tensors.get('counter')).toMatchObject({ dtype: 'I64', shape: [] });
    expect((tensors.get('counter')!.data as BigInt64Array)[0]).toBe(123456789012n);
    expect(Array.from(tensors.get('ints')!.data as Int32Array)).toEqual([-5, 7]);
  });

  it('F16 and BF16 conversions round to nearest even and agree with a decode', () => {
    expect(float32ToFloat16Bits(1)).toBe(0x3c00);
    expect(float32ToFloat16Bits(-2)).toBe(0xc000);
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff);
    expect(float32ToFloat16Bits(1e6)).toBe(0x7c00); // overflow → inf
    expect(float32ToFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(float32ToBfloat16Bits(1)).toBe(0x3f80);
    expect(float32ToBfloat16Bits(-2.5)).toBe(0xc020);
    fc.assert(
      fc.property(fc.float({ min: -60000, max: 60000, noNaN: true }), (value) => {
        const bytes = writeSafetensors({ x: { dtype: 'F16', shape: [1], data: [value] } });
        const decoded = (readSafetensors(bytes).tensors.get('x')!.data as Float32Array)[0]!;
        // Half precision: relative error ≤ 2^-11 for normal values, absolute ≤ 2^-25 for subnormals.
        return Math.abs(decoded - value) <= Math.max(Math.abs(value) * 2 ** -11, 2 ** -25);
      }),
    );
  });

  it('rejects truncated files', () => {
    const good = writeSafetensors({ w: { dtype: 'F32', shape: [4], data: new Float32Array(4) } });
    expect(() => readSafetensors(good.subarray(0, 5), { source: 'x.safetensors' })).toThrow(
      'x.safetensors: truncated file: 5 bytes, fewer than the 8-byte header length',
    );
    expect(() => readSafetensors(good.subarray(0, 20))).toThrow(/truncated file: header says \d+ header bytes/);
    expect(() => readSafetensors(good.subarray(0, good.byteLength - 4))).toThrow(
      /truncated file: tensor "w" ends at byte 16/,
    );
  });

  it('rejects oversized headers and bad JSON', () => {
    expect(() => readSafetensors(rawFile({}, new Uint8Array(0), 2n ** 40n))).toThrow(
      /exceeds the 100000000-byte limit/,
    );
    const garbage = new Uint8Array(16);
    new DataView(garbage.buffer).setBigUint64(0, 8n, true);
    garbage.set(new TextEncoder().encode('{"a": [1'), 8);
    expect(() => readSafetensors(garbage)).toThrow(/header is not valid UTF-8 JSON/);
    expect(() => readSafetensors(rawFile([1, 2] as unknown as object, new Uint8Array(0)))).toThrow(
      'header must be a JSON object',
    );
  });

  it('rejects inconsistent headers: dtype, shape/offset size, overlap, holes, trailing bytes', () => {
    const data = new Uint8Array(16);
    expect(() => readSafetensors(rawFile({ w: { dtype: 'Q8', shape: [16], data_offsets: [0, 16] } }, data))).toThrow(
      /unsupported dtype "Q8"; expected one of F64, F32, F16, BF16, I64/,
    );
    expect(() => readSafetensors(rawFile({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }, data))).toThrow(
      'tensor "w": F32 [3] needs 12 bytes but data_offsets span 16',
    );
    expect(() => readSafetensors(rawFile({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 16] } }, data))).toThrow(
      /shape must be an array of non-negative integers/,
    );
    expect(() =>
      readSafetensors(
        rawFile(
          {
            a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
            b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] },
          },
          data,
        ),
      ),
    ).toThrow(/overlaps/);
    expect(() => readSafetensors(rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }, data))).toThrow(
      /8 unreferenced bytes before tensor "a"/,
    );
    expect(() => readSafetensors(rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, data))).toThrow(
      /data section has 16 bytes but the header describes 8/,
    );
    expect(() => readSafetensors(rawFile({ __metadata__: { n: 1 } }, new Uint8Array(0)))).toThrow(
      '__metadata__.n must be a string',
    );
  });

  it('validates writer input', () => {
    expect(() => writeSafetensors({ w: { dtype: 'F32', shape: [3], data: new Float32Array(2) } })).toThrow(
      'writeSafetensors: tensor "w" has 2 values but shape [3] needs 3',
    );
    expect(() => writeSafetensors({ w: { dtype: 'X' as 'F32', shape: [1], data: [1] } })).toThrow(
      /unsupported dtype "X"/,
    );
  });
});
