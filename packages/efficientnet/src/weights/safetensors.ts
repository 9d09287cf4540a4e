/**
 * The `.safetensors` format (huggingface/safetensors): an 8-byte little-endian header length N,
 * N bytes of JSON `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {...} }`,
 * then the tensor bytes. Everything is validated before any tensor is returned, so a damaged
 * file never yields a partial result.
 */

/** Dtypes this reader decodes. Floating types decode to float32; I64 to BigInt64Array. */
export const SAFETENSORS_DTYPES = ['F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U8', 'BOOL'] as const;
export type SafetensorsDtype = (typeof SAFETENSORS_DTYPES)[number];

/** Bytes per element of each dtype. */
export const ITEM_SIZE: Readonly<Record<SafetensorsDtype, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** Largest header accepted (the reference implementation uses 100 MB too). */
export const MAX_HEADER_BYTES = 100_000_000;

/** One decoded tensor. `data` is float32 for F16/BF16/F32/F64, BigInt64Array for I64, Int32Array for other integers. */
export interface SafeTensor {
  /** Dtype stored in the file. */
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly data: Float32Array | BigInt64Array | Int32Array;
}

/** A parsed file. */
export interface SafetensorsContents {
  readonly tensors: ReadonlyMap<string, SafeTensor>;
  readonly metadata: Readonly<Record<string, string>>;
}

/** A tensor to write: `data` must match `dtype` (Float32Array/number[] for F32/F16/BF16/F64, BigInt64Array for I64, Int32Array for I32). */
export interface SafeTensorInput {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array | readonly number[];
}

/** Options of {@link readSafetensors}. */
export interface ReadSafetensorsOptions {
  /** Name used in error messages (e.g. the file path). Default `"safetensors"`. */
  source?: string;
}

const float16ToFloat32 = (bits: number): number => {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
};

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const scratch = new DataView(new ArrayBuffer(4));

/** float32 → IEEE half, round to nearest even. */
export function float32ToFloat16Bits(value: number): number {
  scratch.setFloat32(0, value, true);
  const bits = scratch.getUint32(0, true);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >> shift;
    const remainder = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (remainder > halfway || (remainder === halfway && half & 1)) half += 1;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >> 13);
  const remainder = mantissa & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to infinity).
  if (remainder > 0x1000 || (remainder === 0x1000 && half & 1)) half += 1;
  return sign | half;
}

/** float32 → bfloat16 bits, round to nearest even. */
export function float32ToBfloat16Bits(value: number): number {
  scratch.setFloat32(0, value, true);
  const bits = scratch.getUint32(0, true);
  if (Number.isNaN(value)) return 0x7fc0;
  const rounding = 0x7fff + ((bits >>> 16) & 1);
  return ((bits + rounding) >>> 16) & 0xffff;
}

function fail(source: string, message: string): never {
  throw new Error(`${source}: ${message}`);
}

/** Decodes `count` little-endian elements (floats widen to float32, I64 to BigInt64Array, other integers to Int32Array); always a copy. */
export function decodeTensorBytes(
  dtype: SafetensorsDtype,
  bytes: Uint8Array,
  count: number,
): Float32Array | BigInt64Array | Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'F32': {
      if (!LITTLE_ENDIAN) {
        const swapped = new Float32Array(count);
        for (let i = 0; i < count; i += 1) swapped[i] = view.getFloat32(i * 4, true);
        return swapped;
      }
      // Copy: the source buffer may be unaligned and callers may reuse it.
      const out = new Float32Array(count);
      new Uint8Array(out.buffer).set(bytes);
      return out;
    }
    case 'F64': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i += 1) out[i] = view.getFloat64(i * 8, true);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i += 1) out[i] = float16ToFloat32(view.getUint16(i * 2, true));
      return out;
    }
    case 'BF16': {
      const out = new Float32Array(count);
      const widened = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i += 1) widened[i] = view.getUint16(i * 2, true) << 16;
      return out;
    }
    case 'I64': {
      const out = new BigInt64Array(count);
      for (let i = 0; i < count; i += 1) out[i] = view.getBigInt64(i * 8, true);
      return out;
    }
    case 'I32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i += 1) out[i] = view.getInt32(i * 4, true);
      return out;
    }
    case 'I16': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i += 1) out[i] = view.getInt16(i * 2, true);
      return out;
    }
    case 'I8': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i += 1) out[i] = view.getInt8(i);
      return out;
    }
    case 'U8':
    case 'BOOL': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i += 1) out[i] = bytes[i]!;
      return out;
    }
  }
}

/**
 * Parses a `.safetensors` buffer. The header is bounds-checked (length, JSON, dtypes, shapes,
 * offsets that must tile the data section exactly); any inconsistency throws an `Error`
 * naming the source and the offending tensor.
 *
 * @example
 * const { tensors } = readSafetensors(new Uint8Array(await (await fetch(url)).arrayBuffer()));
 * tensors.get('classifier.1.weight')?.shape; // [1000, 1280]
 */
export function readSafetensors(bytes: Uint8Array, options: ReadSafetensorsOptions = {}): SafetensorsContents {
  const source = options.source ?? 'safetensors';
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(`${source}: expected a Uint8Array; got ${Object.prototype.toString.call(bytes)}`);
  if (bytes.byteLength < 8)
    fail(source, `truncated file: ${bytes.byteLength} bytes, fewer than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES))
    fail(source, `header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const headerBytes = Number(headerLength);
  if (8 + headerBytes > bytes.byteLength)
    fail(source, `truncated file: header says ${headerBytes} header bytes but only ${bytes.byteLength - 8} follow`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerBytes)));
  } catch (error) {
    fail(source, `header is not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header))
    fail(source, 'header must be a JSON object');
  const dataStart = 8 + headerBytes;
  const dataLength = bytes.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        fail(source, '__metadata__ must be an object of strings');
      for (const [key, text] of Object.entries(value as Record<string, unknown>)) {
        if (typeof text !== 'string') fail(source, `__metadata__.${key} must be a string; got ${typeof text}`);
        metadata[key] = text;
      }
      continue;
    }
    const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (info === null || typeof info !== 'object') fail(source, `tensor "${name}": entry must be an object`);
    if (!(SAFETENSORS_DTYPES as readonly unknown[]).includes(info.dtype)) {
      fail(
        source,
        `tensor "${name}": unsupported dtype ${JSON.stringify(info.dtype)}; expected one of ${SAFETENSORS_DTYPES.join(', ')}`,
      );
    }
    const dtype = info.dtype as SafetensorsDtype;
    if (!Array.isArray(info.shape) || !info.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(
        source,
        `tensor "${name}": shape must be an array of non-negative integers; got ${JSON.stringify(info.shape)}`,
      );
    }
    const shape = info.shape as number[];
    const offsets = info.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1]
    ) {
      fail(
        source,
        `tensor "${name}": data_offsets must be [begin, end] with 0 <= begin <= end; got ${JSON.stringify(offsets)}`,
      );
    }
    const [begin, end] = offsets as [number, number];
    const expectedBytes = shape.reduce((a, b) => a * b, 1) * ITEM_SIZE[dtype];
    if (end - begin !== expectedBytes) {
      fail(
        source,
        `tensor "${name}": ${dtype} ${JSON.stringify(shape)} needs ${expectedBytes} bytes but data_offsets span ${end - begin}`,
      );
    }
    if (end > dataLength)
      fail(source, `truncated file: tensor "${name}" ends at byte ${end} of a ${dataLength}-byte data section`);
    entries.push({ name, dtype, shape, begin, end });
  }
  // The data section must be tiled exactly: no overlaps, no holes, no trailing bytes.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const entry of sorted) {
    if (entry.begin < cursor)
      fail(
        source,
        `inconsistent header: tensor "${entry.name}" overlaps the previous tensor (begins at ${entry.begin} < ${cursor})`,
      );
    if (entry.begin > cursor)
      fail(source, `inconsistent header: ${entry.begin - cursor} unreferenced bytes before tensor "${entry.name}"`);
    cursor = entry.end;
  }
  if (cursor !== dataLength)
    fail(source, `inconsistent file: data section has ${dataLength} bytes but the header describes ${cursor}`);
  const tensors = new Map<string, SafeTensor>();
  for (const entry of entries) {
    const count = entry.shape.reduce((a, b) => a * b, 1);
    const data = decodeTensorBytes(entry.dtype, bytes.subarray(dataStart + entry.begin, dataStart + entry.end), count);
    tensors.set(entry.name, Object.freeze({ dtype: entry.dtype, shape: Object.freeze([...entry.shape]), data }));
  }
  return { tensors, metadata };
}

function encode(name: string, tensor: SafeTensorInput): Uint8Array {
  const count = tensor.shape.reduce((a, b) => a * b, 1);
  if (tensor.data.length !== count)
    throw new RangeError(
      `writeSafetensors: tensor "${name}" has ${tensor.data.length} values but shape ${JSON.stringify(tensor.shape)} needs ${count}`,
    );
  const out = new Uint8Array(count * ITEM_SIZE[tensor.dtype]);
  const view = new DataView(out.buffer);
  const values = tensor.data;
  const number = (i: number) => Number(values[i]);
  switch (tensor.dtype) {
    case 'F32':
      if (values instanceof Float32Array && LITTLE_ENDIAN)
        out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
      else for (let i = 0; i < count; i += 1) view.setFloat32(i * 4, number(i), true);
      break;
    case 'F64':
      for (let i = 0; i < count; i += 1) view.setFloat64(i * 8, number(i), true);
      break;
    case 'F16':
      for (let i = 0; i < count; i += 1) view.setUint16(i * 2, float32ToFloat16Bits(number(i)), true);
      break;
    case 'BF16':
      for (let i = 0; i < count; i += 1) view.setUint16(i * 2, float32ToBfloat16Bits(number(i)), true);
      break;
    case 'I64':
      for (let i = 0; i < count; i += 1) view.setBigInt64(i * 8, BigInt(values[i] as number | bigint), true);
      break;
    case 'I32':
      for (let i = 0; i < count; i += 1) view.setInt32(i * 4, number(i), true);
      break;
    case 'I16':
      for (let i = 0; i < count; i += 1) view.setInt16(i * 2, number(i), true);
      break;
    case 'I8':
      for (let i = 0; i < count; i += 1) view.setInt8(i, number(i));
      break;
    case 'U8':
    case 'BOOL':
      for (let i = 0; i < count; i += 1) view.setUint8(i, number(i));
      break;
  }
  return out;
}

/**
 * Serialises tensors to `.safetensors`. Tensors are laid out by decreasing item size, then by
 * name, so every tensor is aligned to its item size (as the Python writer does).
 *
 * @param tensors name → `{ dtype, shape, data }`.
 * @param metadata optional `__metadata__` strings.
 * @example
 * const bytes = writeSafetensors({ w: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } });
 */
export function writeSafetensors(
  tensors: Readonly<Record<string, SafeTensorInput>> | ReadonlyMap<string, SafeTensorInput>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const list: [string, SafeTensorInput][] =
    tensors instanceof Map
      ? [...(tensors as ReadonlyMap<string, SafeTensorInput>).entries()]
      : Object.entries(tensors as Record<string, SafeTensorInput>);
  for (const [name, tensor] of list) {
    if (name === '__metadata__')
      throw new RangeError('writeSafetensors: "__metadata__" is reserved and cannot name a tensor');
    if (!(SAFETENSORS_DTYPES as readonly string[]).includes(tensor.dtype)) {
      throw new RangeError(
        `writeSafetensors: tensor "${name}" has unsupported dtype ${JSON.stringify(tensor.dtype)}; expected one of ${SAFETENSORS_DTYPES.join(', ')}`,
      );
    }
    if (!Array.isArray(tensor.shape) || !tensor.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new RangeError(
        `writeSafetensors: tensor "${name}" shape must be non-negative integers; got ${JSON.stringify(tensor.shape)}`,
      );
    }
  }
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string')
      throw new TypeError(`writeSafetensors: metadata.${key} must be a string; got ${typeof value}`);
  }
  list.sort(([a, ta], [b, tb]) => ITEM_SIZE[tb.dtype] - ITEM_SIZE[ta.dtype] || (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, tensor] of list) {
    const chunk = encode(name, tensor);
    header[name] = { dtype: tensor.dtype, shape: [...tensor.shape], data_offsets: [offset, offset + chunk.byteLength] };
    chunks.push(chunk);
    offset += chunk.byteLength;
  }
  let headerText = JSON.stringify(header);
  // Pad with spaces so the data section starts 8-byte aligned.
  const headerLength = new TextEncoder().encode(headerText).byteLength;
  headerText += ' '.repeat((8 - (headerLength % 8)) % 8);
  const headerBytes = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let position = 8 + headerBytes.byteLength;
  for (const chunk of chunks) {
    out.set(chunk, position);
    position += chunk.byteLength;
  }
  return out;
}
