/**
 * `cv2.resize`, bit-exact with OpenCV 4.6: nearest, fixed-point linear (uint8) and float linear,
 * cubic, the two INTER_AREA paths (integer-factor fast path, general decimation) and the cache
 * of coefficient tables.
 */
import { allocateLike, allocateUninitializedLike, assertRawImage, type RawImage } from '../core/raw-image.js';
import { wasmKernels } from '../wasm/index.js';
import { crop } from './crop.js';
import { Interpolation, cubicCoefficients, type InterpolationValue } from './interpolation.js';
import { roundHalfEven, saturateUint8 } from './saturate.js';

const fround = Math.fround;

/** A window of the output, in output pixel coordinates. */
export interface OutputRegion {
  x: number;
  y: number;
  width: number;
  height: number;
}

// ---------------------------------------------------------------------------------------------
// resize

/**
 * `cv2.resize(image, (width, height), interpolation)` as albumentations' `F.resize` calls it:
 * the input is returned unchanged when the size already matches. uint8 uses OpenCV's
 * fixed-point paths (linear: 11-bit coefficients and the `((S>>4)*b>>16 + ... + 2)>>2` vertical
 * pass), including the silent switch from INTER_LINEAR to INTER_AREA at an exact 2x downscale.
 * `region` computes only that window of the output (same bytes as resizing then cropping).
 * @example
 * const small = resize(image, 224, 224, Interpolation.LINEAR);
 */
export function resize(
  image: RawImage,
  height: number,
  width: number,
  interpolation: InterpolationValue = Interpolation.LINEAR,
  region?: OutputRegion,
): RawImage {
  assertRawImage(image);
  if (!Number.isInteger(height) || height < 1)
    throw new RangeError(`resize: height must be a positive integer, got ${height}`);
  if (!Number.isInteger(width) || width < 1)
    throw new RangeError(`resize: width must be a positive integer, got ${width}`);
  const out = region ?? { x: 0, y: 0, width, height };
  if (
    out.x < 0 ||
    out.y < 0 ||
    out.x + out.width > width ||
    out.y + out.height > height ||
    out.width < 1 ||
    out.height < 1
  ) {
    throw new RangeError(`resize: region ${JSON.stringify(out)} is outside the ${width}x${height} output`);
  }
  if (height === image.height && width === image.width)
    return region ? crop(image, out.x, out.y, out.x + out.width, out.y + out.height) : image;

  const scaleX = 1 / (width / image.width);
  const scaleY = 1 / (height / image.height);
  let mode: number = interpolation;
  const integerScaleX = Math.round(scaleX);
  const integerScaleY = Math.round(scaleY);
  const isAreaFast =
    Math.abs(scaleX - integerScaleX) < Number.EPSILON && Math.abs(scaleY - integerScaleY) < Number.EPSILON;
  if (mode === Interpolation.LINEAR && isAreaFast && integerScaleX === 2 && integerScaleY === 2)
    mode = Interpolation.AREA;

  switch (mode) {
    case Interpolation.NEAREST:
      return resizeNearest(image, width, height, out);
    case Interpolation.LINEAR:
      return resizeLinear(image, width, height, out, false);
    case Interpolation.CUBIC:
      return resizeCubic(image, width, height, out);
    case Interpolation.AREA:
      if (scaleX >= 1 && scaleY >= 1) {
        if (isAreaFast) return resizeAreaFast(image, width, height, integerScaleX, integerScaleY, out);
        const full = resizeAreaGeneral(image, width, height);
        return region ? crop(full, out.x, out.y, out.x + out.width, out.y + out.height) : full;
      }
      return resizeLinear(image, width, height, out, true);
    default:
      throw new RangeError(
        `resize: interpolation must be 0 (INTER_NEAREST), 1 (INTER_LINEAR), 2 (INTER_CUBIC) or 3 (INTER_AREA); got ${interpolation}`,
      );
  }
}

function resizeNearest(image: RawImage, width: number, height: number, region: OutputRegion): RawImage {
  const { width: srcWidth, height: srcHeight, channels } = image;
  // OpenCV's resizeNN: ifx = 1 / (dsize / ssize), not ssize / dsize (100 → 106 differs at x = 53).
  const inverseX = 1 / (width / srcWidth);
  const inverseY = 1 / (height / srcHeight);
  const dst = allocateLike(image, region.width, region.height);
  const xOffsets = new Int32Array(region.width);
  for (let x = 0; x < region.width; x++)
    xOffsets[x] = Math.min(Math.floor((x + region.x) * inverseX), srcWidth - 1) * channels;
  const src = image.data;
  const out = dst.data;
  let o = 0;
  for (let y = 0; y < region.height; y++) {
    const sy = Math.min(Math.floor((y + region.y) * inverseY), srcHeight - 1);
    const rowBase = sy * srcWidth * channels;
    for (let x = 0; x < region.width; x++) {
      const base = rowBase + xOffsets[x]!;
      for (let c = 0; c < channels; c++) out[o++] = src[base + c]!;
    }
  }
  return dst;
}

interface AxisTable {
  offsets: Int32Array; // first source index (already clamped as OpenCV does)
  offsets1: Int32Array; // second source index
  coefficient0: Float64Array | Int32Array | Float32Array;
  coefficient1: Float64Array | Int32Array | Float32Array;
}

/** OpenCV resizeGeneric's linear coefficient tables for one whole axis (fixed point when `fixed`). */
function linearAxisTable(
  srcSize: number,
  dstSize: number,
  horizontal: boolean,
  areaMode: boolean,
  fixed: boolean,
): AxisTable {
  const inverseScale = dstSize / srcSize;
  const scale = 1 / inverseScale;
  const offsets = new Int32Array(dstSize);
  const offsets1 = new Int32Array(dstSize);
  const coefficient0 = new Float64Array(dstSize);
  const coefficient1 = new Float64Array(dstSize);
  for (let d = 0; d < dstSize; d++) {
    let s: number;
    let f: number;
    if (!areaMode) {
      f = fround((d + 0.5) * scale - 0.5);
      s = Math.floor(f);
      f = fround(f - s);
    } else {
      s = Math.floor(d * scale);
      f = fround(d + 1 - (s + 1) * inverseScale);
      f = f <= 0 ? 0 : fround(f - Math.floor(f));
    }
    if (horizontal) {
      if (s < 0) {
        s = 0;
        f = 0;
      }
      if (s >= srcSize - 1) {
        s = srcSize - 1;
        f = 0;
      }
    }
    const a0 = fround(1 - f);
    offsets[d] = Math.min(Math.max(s, 0), srcSize - 1);
    offsets1[d] = Math.min(Math.max(s + 1, 0), srcSize - 1);
    if (fixed) {
      coefficient0[d] = roundHalfEven(a0 * 2048);
      coefficient1[d] = roundHalfEven(f * 2048);
    } else {
      coefficient0[d] = a0;
      coefficient1[d] = f;
    }
  }
  return { offsets, offsets1, coefficient0, coefficient1 };
}

/**
 * Full-axis tables of one resize, channels expanded, in the forms the kernels take. A random
 * crop of a resized image uses a different window of the same tables every time, so they are
 * computed once per (source size, output size, channels) and windowed with subarray.
 */
interface ResizeTables {
  xs0: Int32Array;
  xs1: Int32Array;
  xa0: Int32Array | Float32Array;
  xa1: Int32Array | Float32Array;
  ys0: Int32Array;
  ys1: Int32Array;
  yb0: Int32Array | Float32Array;
  yb1: Int32Array | Float32Array;
}
const resizeTablesCache = new Map<string, ResizeTables>();
const RESIZE_TABLES_CACHE_SIZE = 8;

function resizeTables(
  srcWidth: number,
  srcHeight: number,
  width: number,
  height: number,
  channels: number,
  areaMode: boolean,
  fixed: boolean,
): ResizeTables {
  const key = `${srcWidth}x${srcHeight}>${width}x${height}x${channels}${areaMode ? 'a' : 'l'}${fixed ? 'i' : 'f'}`;
  const cached = resizeTablesCache.get(key);
  if (cached) return cached;
  const xTable = linearAxisTable(srcWidth, width, true, areaMode, fixed);
  const yTable = linearAxisTable(srcHeight, height, false, areaMode, fixed);
  const rowLength = width * channels;
  const xs0 = new Int32Array(rowLength);
  const xs1 = new Int32Array(rowLength);
  const xa0 = fixed ? new Int32Array(rowLength) : new Float32Array(rowLength);
  const xa1 = fixed ? new Int32Array(rowLength) : new Float32Array(rowLength);
  for (let x = 0, e = 0; x < width; x++) {
    for (let c = 0; c < channels; c++, e++) {
      xs0[e] = xTable.offsets[x]! * channels + c;
      xs1[e] = xTable.offsets1[x]! * channels + c;
      xa0[e] = xTable.coefficient0[x]!;
      xa1[e] = xTable.coefficient1[x]!;
    }
  }
  const tables: ResizeTables = {
    xs0,
    xs1,
    xa0,
    xa1,
    ys0: yTable.offsets,
    ys1: yTable.offsets1,
    yb0: fixed ? Int32Array.from(yTable.coefficient0) : Float32Array.from(yTable.coefficient0),
    yb1: fixed ? Int32Array.from(yTable.coefficient1) : Float32Array.from(yTable.coefficient1),
  };
  // A small LRU: a training run resizes to one or two sizes; odd sizes must not pile up.
  if (resizeTablesCache.size >= RESIZE_TABLES_CACHE_SIZE)
    resizeTablesCache.delete(resizeTablesCache.keys().next().value!);
  resizeTablesCache.set(key, tables);
  return tables;
}

function resizeLinear(
  image: RawImage,
  width: number,
  height: number,
  region: OutputRegion,
  areaMode: boolean,
): RawImage {
  const { width: srcWidth, height: srcHeight, channels } = image;
  const isUint8 = image.data instanceof Uint8Array;
  const tables = resizeTables(srcWidth, srcHeight, width, height, channels, areaMode, isUint8);
  const rowLength = region.width * channels;
  const xStart = region.x * channels;
  const xs0 = tables.xs0.subarray(xStart, xStart + rowLength);
  const xs1 = tables.xs1.subarray(xStart, xStart + rowLength);
  const xa0 = tables.xa0.subarray(xStart, xStart + rowLength);
  const xa1 = tables.xa1.subarray(xStart, xStart + rowLength);
  const yEnd = region.y + region.height;
  const yTable: AxisTable = {
    offsets: tables.ys0.subarray(region.y, yEnd),
    offsets1: tables.ys1.subarray(region.y, yEnd),
    coefficient0: tables.yb0.subarray(region.y, yEnd),
    coefficient1: tables.yb1.subarray(region.y, yEnd),
  };
  // Every path below writes every output element.
  const dst = allocateUninitializedLike(image, region.width, region.height);
  const kernels = isUint8 ? wasmKernels() : undefined;
  if (kernels) {
    const src = image.data as Uint8Array;
    const arena = kernels.arena();
    const srcPointer = arena.copyIn(src);
    const outPointer = arena.allocate(rowLength * region.height);
    kernels.exports.resizeLinearU8(
      srcPointer,
      srcWidth * channels,
      outPointer,
      rowLength,
      region.height,
      arena.copyIn(xs0),
      arena.copyIn(xs1),
      arena.copyIn(xa0),
      arena.copyIn(xa1),
      arena.copyIn(yTable.offsets),
      arena.copyIn(yTable.offsets1),
      arena.copyIn(yTable.coefficient0),
      arena.copyIn(yTable.coefficient1),
      arena.allocate(rowLength * 4),
      arena.allocate(rowLength * 4),
      channels,
    );
    (dst.data as Uint8Array).set(arena.bytes(outPointer, rowLength * region.height));
  } else if (isUint8) {
    resizeLinearUint8(
      image.data as Uint8Array,
      srcWidth * channels,
      dst.data as Uint8Array,
      rowLength,
      region.height,
      xs0,
      xs1,
      xa0 as Int32Array,
      xa1 as Int32Array,
      yTable,
      channels,
    );
  } else {
    resizeLinearFloat(
      image.data as Float32Array,
      srcWidth * channels,
      dst.data as Float32Array,
      rowLength,
      region.height,
      xs0,
      xs1,
      xa0 as Float32Array,
      xa1 as Float32Array,
      yTable,
    );
  }
  return dst;
}

/** Horizontal pass of one source row (OpenCV HResizeLinear, 11-bit fixed point), pre-shifted >> 4. */
function horizontalLinearUint8(
  src: Uint8Array,
  base: number,
  row: Int32Array,
  length: number,
  xs0: Int32Array,
  xs1: Int32Array,
  a0: Int32Array,
  a1: Int32Array,
  channels: number,
): void {
  if (channels === 3) {
    // RGB: one offset/coefficient load per pixel for its three channels.
    for (let e = 0; e < length; e += 3) {
      const p0 = base + xs0[e]!;
      const p1 = base + xs1[e]!;
      const c0 = a0[e]!;
      const c1 = a1[e]!;
      row[e] = (Math.imul(src[p0]!, c0) + Math.imul(src[p1]!, c1)) >> 4;
      row[e + 1] = (Math.imul(src[p0 + 1]!, c0) + Math.imul(src[p1 + 1]!, c1)) >> 4;
      row[e + 2] = (Math.imul(src[p0 + 2]!, c0) + Math.imul(src[p1 + 2]!, c1)) >> 4;
    }
    return;
  }
  for (let e = 0; e < length; e++)
    row[e] = (Math.imul(src[base + xs0[e]!]!, a0[e]!) + Math.imul(src[base + xs1[e]!]!, a1[e]!)) >> 4;
}

function resizeLinearUint8(
  src: Uint8Array,
  srcStride: number,
  out: Uint8Array,
  rowLength: number,
  rows: number,
  xs0: Int32Array,
  xs1: Int32Array,
  a0: Int32Array,
  a1: Int32Array,
  yTable: AxisTable,
  channels: number,
): void {
  // Two cached horizontally-resampled rows (OpenCV's ring buffer).
  let rowA = new Int32Array(rowLength);
  let rowB = new Int32Array(rowLength);
  let sourceA = -1;
  let sourceB = -1;
  for (let y = 0; y < rows; y++) {
    const sy0 = yTable.offsets[y]!;
    const sy1 = yTable.offsets1[y]!;
    if (sourceA !== sy0) {
      if (sourceB === sy0) {
        const swapRow = rowA;
        rowA = rowB;
        rowB = swapRow;
        sourceB = sourceA;
        sourceA = sy0;
      } else {
        horizontalLinearUint8(src, sy0 * srcStride, rowA, rowLength, xs0, xs1, a0, a1, channels);
        sourceA = sy0;
      }
    }
    if (sourceB !== sy1) {
      horizontalLinearUint8(src, sy1 * srcStride, rowB, rowLength, xs0, xs1, a0, a1, channels);
      sourceB = sy1;
    }
    const b0 = yTable.coefficient0[y]! | 0;
    const b1 = yTable.coefficient1[y]! | 0;
    const outBase = y * rowLength;
    // OpenCV VResizeLinear 8u: ((S0>>4)*b0 >> 16) + ((S1>>4)*b1 >> 16), then (+2) >> 2. With
    // b0 + b1 = 2048 and S <= 255*2048 the result is at most 255, so no clamp is needed.
    if (b1 === 0) verticalCopyUint8(rowA, out, outBase, rowLength, b0);
    else verticalLinearUint8(rowA, rowB, out, outBase, rowLength, b0, b1);
  }
}

/** One output row of the vertical pass (its own function: monomorphic, bounds-check friendly). */
function verticalLinearUint8(
  rowA: Int32Array,
  rowB: Int32Array,
  out: Uint8Array,
  outBase: number,
  length: number,
  b0: number,
  b1: number,
): void {
  if (length % 3 === 0) {
    // Unrolled by three (RGB rows): loads grouped ahead of the stores, fewer loop checks.
    for (let e = 0, o = outBase; e < length; e += 3, o += 3) {
      const a0 = rowA[e]!;
      const a1 = rowA[e + 1]!;
      const a2 = rowA[e + 2]!;
      const c0 = rowB[e]!;
      const c1 = rowB[e + 1]!;
      const c2 = rowB[e + 2]!;
      out[o] = ((Math.imul(a0, b0) >> 16) + (Math.imul(c0, b1) >> 16) + 2) >> 2;
      out[o + 1] = ((Math.imul(a1, b0) >> 16) + (Math.imul(c1, b1) >> 16) + 2) >> 2;
      out[o + 2] = ((Math.imul(a2, b0) >> 16) + (Math.imul(c2, b1) >> 16) + 2) >> 2;
    }
    return;
  }
  for (let e = 0; e < length; e++) {
    out[outBase + e] = ((Math.imul(rowA[e]!, b0) >> 16) + (Math.imul(rowB[e]!, b1) >> 16) + 2) >> 2;
  }
}

/** The vertical pass when the second coefficient is 0 (rows that land exactly on a source row). */
function verticalCopyUint8(rowA: Int32Array, out: Uint8Array, outBase: number, length: number, b0: number): void {
  for (let e = 0; e < length; e++) out[outBase + e] = ((Math.imul(rowA[e]!, b0) >> 16) + 2) >> 2;
}

function resizeLinearFloat(
  src: Float32Array,
  srcStride: number,
  out: Float32Array,
  rowLength: number,
  rows: number,
  xs0: Int32Array,
  xs1: Int32Array,
  a0: Float32Array,
  a1: Float32Array,
  yTable: AxisTable,
): void {
  const rowA = new Float32Array(rowLength);
  const rowB = new Float32Array(rowLength);
  for (let y = 0; y < rows; y++) {
    const base0 = yTable.offsets[y]! * srcStride;
    const base1 = yTable.offsets1[y]! * srcStride;
    for (let e = 0; e < rowLength; e++) {
      rowA[e] = fround(src[base0 + xs0[e]!]! * a0[e]!) + fround(src[base0 + xs1[e]!]! * a1[e]!);
      rowB[e] = fround(src[base1 + xs0[e]!]! * a0[e]!) + fround(src[base1 + xs1[e]!]! * a1[e]!);
    }
    const b0 = fround(yTable.coefficient0[y]!);
    const b1 = fround(yTable.coefficient1[y]!);
    const outBase = y * rowLength;
    for (let e = 0; e < rowLength; e++) out[outBase + e] = fround(rowA[e]! * b0) + fround(rowB[e]! * b1);
  }
}
function resizeCubic(image: RawImage, width: number, height: number, region: OutputRegion): RawImage {
  const { width: srcWidth, height: srcHeight, channels } = image;
  const isUint8 = image.data instanceof Uint8Array;
  const scaleX = 1 / (width / srcWidth);
  const scaleY = 1 / (height / srcHeight);
  const rowLength = region.width * channels;
  const xOffsets = new Int32Array(rowLength * 4);
  const xWeights = new Float64Array(rowLength * 4);
  for (let x = 0; x < region.width; x++) {
    let f = fround((x + region.x + 0.5) * scaleX - 0.5);
    const s = Math.floor(f);
    f = fround(f - s);
    const weights = cubicCoefficients(f);
    for (let c = 0; c < channels; c++) {
      const e = (x * channels + c) * 4;
      for (let k = 0; k < 4; k++) {
        xOffsets[e + k] = Math.min(Math.max(s - 1 + k, 0), srcWidth - 1) * channels + c;
        xWeights[e + k] = isUint8 ? roundHalfEven(weights[k]! * 2048) : weights[k]!;
      }
    }
  }
  const src = image.data;
  const dst = allocateLike(image, region.width, region.height);
  const out = dst.data;
  const rows = [0, 1, 2, 3].map(() => new Float64Array(rowLength));
  for (let y = 0; y < region.height; y++) {
    let f = fround((y + region.y + 0.5) * scaleY - 0.5);
    const s = Math.floor(f);
    f = fround(f - s);
    const weights = cubicCoefficients(f);
    const beta = weights.map((w) => (isUint8 ? roundHalfEven(w * 2048) : w));
    for (let k = 0; k < 4; k++) {
      const sy = Math.min(Math.max(s - 1 + k, 0), srcHeight - 1);
      const base = sy * srcWidth * channels;
      const row = rows[k]!;
      for (let e = 0; e < rowLength; e++) {
        const w = e * 4;
        if (isUint8) {
          row[e] =
            src[base + xOffsets[w]!]! * xWeights[w]! +
            src[base + xOffsets[w + 1]!]! * xWeights[w + 1]! +
            src[base + xOffsets[w + 2]!]! * xWeights[w + 2]! +
            src[base + xOffsets[w + 3]!]! * xWeights[w + 3]!;
        } else {
          let sum = fround(src[base + xOffsets[w]!]! * xWeights[w]!);
          for (let t = 1; t < 4; t++) sum = fround(sum + fround(src[base + xOffsets[w + t]!]! * xWeights[w + t]!));
          row[e] = sum;
        }
      }
    }
    const outBase = y * rowLength;
    if (isUint8) {
      // OpenCV's SIMD vertical pass: float32 fused multiply-adds, then round half to even.
      const scale = 1 / (2048 * 2048);
      const b = beta.map((value) => fround(value * scale));
      for (let e = 0; e < rowLength; e++) {
        let acc = fround(rows[3]![e]! * b[3]!);
        acc = fround(rows[2]![e]! * b[2]! + acc);
        acc = fround(rows[1]![e]! * b[1]! + acc);
        acc = fround(rows[0]![e]! * b[0]! + acc);
        out[outBase + e] = saturateUint8(acc);
      }
    } else {
      for (let e = 0; e < rowLength; e++) {
        let acc = fround(rows[0]![e]! * beta[0]!);
        for (let k = 1; k < 4; k++) acc = fround(acc + fround(rows[k]![e]! * beta[k]!));
        out[outBase + e] = acc;
      }
    }
  }
  return dst;
}

function resizeAreaFast(
  image: RawImage,
  width: number,
  height: number,
  scaleX: number,
  scaleY: number,
  region: OutputRegion,
): RawImage {
  const { width: srcWidth, channels } = image;
  const src = image.data;
  const dst = allocateLike(image, region.width, region.height);
  const out = dst.data;
  const isUint8 = src instanceof Uint8Array;
  const area = scaleX * scaleY;
  const twoByTwo = isUint8 && scaleX === 2 && scaleY === 2 && (channels === 1 || channels === 3 || channels === 4);
  const inverseArea = fround(1 / area);
  const stride = srcWidth * channels;
  let o = 0;
  for (let y = 0; y < region.height; y++) {
    const sy = (y + region.y) * scaleY;
    for (let x = 0; x < region.width; x++) {
      const sx = (x + region.x) * scaleX;
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let dy = 0; dy < scaleY; dy++) {
          const base = (sy + dy) * stride + c;
          for (let dx = 0; dx < scaleX; dx++)
            sum = isUint8 ? sum + src[base + (sx + dx) * channels]! : fround(sum + src[base + (sx + dx) * channels]!);
        }
        out[o++] = twoByTwo
          ? (sum + 2) >> 2
          : isUint8
            ? saturateUint8(fround(sum * inverseArea))
            : fround(sum * inverseArea);
      }
    }
  }
  void width;
  void height;
  return dst;
}

interface DecimateEntry {
  destination: number;
  source: number;
  alpha: number;
}

function areaTable(srcSize: number, dstSize: number, channels: number): DecimateEntry[] {
  const scale = srcSize / dstSize;
  const table: DecimateEntry[] = [];
  for (let d = 0; d < dstSize; d++) {
    const fs1 = d * scale;
    const fs2 = fs1 + scale;
    const cellWidth = Math.min(scale, srcSize - fs1);
    let s1 = Math.ceil(fs1);
    let s2 = Math.floor(fs2);
    s2 = Math.min(s2, srcSize - 1);
    s1 = Math.min(s1, s2);
    if (s1 - fs1 > 1e-3)
      table.push({ destination: d * channels, source: (s1 - 1) * channels, alpha: fround((s1 - fs1) / cellWidth) });
    for (let s = s1; s < s2; s++)
      table.push({ destination: d * channels, source: s * channels, alpha: fround(1 / cellWidth) });
    if (fs2 - s2 > 1e-3) {
      table.push({
        destination: d * channels,
        source: s2 * channels,
        alpha: fround(Math.min(Math.min(fs2 - s2, 1), cellWidth) / cellWidth),
      });
    }
  }
  return table;
}

/** OpenCV ResizeArea_Invoker (non-integer downscale), float32 accumulation. */
function resizeAreaGeneral(image: RawImage, width: number, height: number): RawImage {
  const { width: srcWidth, height: srcHeight, channels } = image;
  const xTable = areaTable(srcWidth, width, channels);
  const yTable = areaTable(srcHeight, height, 1);
  const rowLength = width * channels;
  const buffer = new Float32Array(rowLength);
  const sum = new Float32Array(rowLength);
  const dst = allocateLike(image, width, height);
  const out = dst.data;
  const isUint8 = out instanceof Uint8Array;
  const src = image.data;
  let previous = yTable[0]?.destination ?? 0;
  const flush = (row: number): void => {
    for (let e = 0; e < rowLength; e++) out[row * rowLength + e] = isUint8 ? saturateUint8(sum[e]!) : sum[e]!;
  };
  for (const { destination: dy, source: sy, alpha: beta } of yTable) {
    buffer.fill(0);
    const base = sy * srcWidth * channels;
    for (const { destination, source, alpha } of xTable) {
      for (let c = 0; c < channels; c++)
        buffer[destination + c] = fround(buffer[destination + c]! + fround(src[base + source + c]! * alpha));
    }
    if (dy !== previous) {
      flush(previous);
      for (let e = 0; e < rowLength; e++) sum[e] = fround(beta * buffer[e]!);
      previous = dy;
    } else {
      for (let e = 0; e < rowLength; e++) sum[e] = fround(sum[e]! + fround(beta * buffer[e]!));
    }
  }
  flush(previous);
  return dst;
}
