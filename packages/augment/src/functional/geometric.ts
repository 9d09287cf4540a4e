/**
 * Geometric kernels, bit-exact ports of the OpenCV 4.6 code paths albumentations 1.3 calls
 * (`cv2.resize`, `cv2.warpAffine`, `cv2.remap`, `cv2.copyMakeBorder`, slicing, flips).
 */
import { allocateLike, allocateUninitializedLike, assertRawImage, type RawImage } from '../core/raw-image.js';
import {
  BorderMode,
  Interpolation,
  borderInterpolate,
  borderValues,
  roundHalfEven,
  saturateUint8,
  type BorderModeValue,
  type InterpolationValue,
} from './common.js';
import { cosCorrectlyRounded, sinCorrectlyRounded } from './trig.js';
import { wasmKernels } from '../wasm/index.js';

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
  if (!Number.isInteger(height) || height < 1) throw new RangeError(`resize: height must be a positive integer, got ${height}`);
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`resize: width must be a positive integer, got ${width}`);
  const out = region ?? { x: 0, y: 0, width, height };
  if (out.x < 0 || out.y < 0 || out.x + out.width > width || out.y + out.height > height || out.width < 1 || out.height < 1) {
    throw new RangeError(`resize: region ${JSON.stringify(out)} is outside the ${width}x${height} output`);
  }
  if (height === image.height && width === image.width) return region ? crop(image, out.x, out.y, out.x + out.width, out.y + out.height) : image;

  const scaleX = 1 / (width / image.width);
  const scaleY = 1 / (height / image.height);
  let mode: number = interpolation;
  const integerScaleX = Math.round(scaleX);
  const integerScaleY = Math.round(scaleY);
  const isAreaFast = Math.abs(scaleX - integerScaleX) < Number.EPSILON && Math.abs(scaleY - integerScaleY) < Number.EPSILON;
  if (mode === Interpolation.LINEAR && isAreaFast && integerScaleX === 2 && integerScaleY === 2) mode = Interpolation.AREA;

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
      throw new RangeError(`resize: interpolation must be 0 (INTER_NEAREST), 1 (INTER_LINEAR), 2 (INTER_CUBIC) or 3 (INTER_AREA); got ${interpolation}`);
  }
}

function resizeNearest(image: RawImage, width: number, height: number, region: OutputRegion): RawImage {
  const { width: srcWidth, height: srcHeight, channels } = image;
  // OpenCV's resizeNN: ifx = 1 / (dsize / ssize), not ssize / dsize (100 → 106 differs at x = 53).
  const inverseX = 1 / (width / srcWidth);
  const inverseY = 1 / (height / srcHeight);
  const dst = allocateLike(image, region.width, region.height);
  const xOffsets = new Int32Array(region.width);
  for (let x = 0; x < region.width; x++) xOffsets[x] = Math.min(Math.floor((x + region.x) * inverseX), srcWidth - 1) * channels;
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
function linearAxisTable(srcSize: number, dstSize: number, horizontal: boolean, areaMode: boolean, fixed: boolean): AxisTable {
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

function resizeTables(srcWidth: number, srcHeight: number, width: number, height: number, channels: number, areaMode: boolean, fixed: boolean): ResizeTables {
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
  if (resizeTablesCache.size >= RESIZE_TABLES_CACHE_SIZE) resizeTablesCache.delete(resizeTablesCache.keys().next().value!);
  resizeTablesCache.set(key, tables);
  return tables;
}

function resizeLinear(image: RawImage, width: number, height: number, region: OutputRegion, areaMode: boolean): RawImage {
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
      srcPointer, srcWidth * channels, outPointer, rowLength, region.height,
      arena.copyIn(xs0), arena.copyIn(xs1), arena.copyIn(xa0), arena.copyIn(xa1),
      arena.copyIn(yTable.offsets), arena.copyIn(yTable.offsets1), arena.copyIn(yTable.coefficient0), arena.copyIn(yTable.coefficient1),
      arena.allocate(rowLength * 4), arena.allocate(rowLength * 4), channels,
    );
    (dst.data as Uint8Array).set(arena.bytes(outPointer, rowLength * region.height));
  } else if (isUint8) {
    resizeLinearUint8(image.data as Uint8Array, srcWidth * channels, dst.data as Uint8Array, rowLength, region.height, xs0, xs1, xa0 as Int32Array, xa1 as Int32Array, yTable, channels);
  } else {
    resizeLinearFloat(image.data as Float32Array, srcWidth * channels, dst.data as Float32Array, rowLength, region.height, xs0, xs1, xa0 as Float32Array, xa1 as Float32Array, yTable);
  }
  return dst;
}

/** Horizontal pass of one source row (OpenCV HResizeLinear, 11-bit fixed point), pre-shifted >> 4. */
function horizontalLinearUint8(src: Uint8Array, base: number, row: Int32Array, length: number, xs0: Int32Array, xs1: Int32Array, a0: Int32Array, a1: Int32Array, channels: number): void {
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
  for (let e = 0; e < length; e++) row[e] = (Math.imul(src[base + xs0[e]!]!, a0[e]!) + Math.imul(src[base + xs1[e]!]!, a1[e]!)) >> 4;
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
function verticalLinearUint8(rowA: Int32Array, rowB: Int32Array, out: Uint8Array, outBase: number, length: number, b0: number, b1: number): void {
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

/** OpenCV `interpolateCubic` (A = -0.75) in float32. */
function cubicCoefficients(x: number): [number, number, number, number] {
  const A = -0.75;
  const x1 = fround(x + 1);
  const c0 = fround(fround(fround(fround(fround(fround(A * x1) - fround(5 * A)) * x1) + fround(8 * A)) * x1) - fround(4 * A));
  const c1 = fround(fround(fround(fround(fround((A + 2) * x) - (A + 3)) * x) * x) + 1);
  const y = fround(1 - x);
  const c2 = fround(fround(fround(fround(fround((A + 2) * y) - (A + 3)) * y) * y) + 1);
  const c3 = fround(fround(fround(1 - c0) - c1) - c2);
  return [c0, c1, c2, c3];
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
          for (let dx = 0; dx < scaleX; dx++) sum = isUint8 ? sum + src[base + (sx + dx) * channels]! : fround(sum + src[base + (sx + dx) * channels]!);
        }
        out[o++] = twoByTwo ? (sum + 2) >> 2 : isUint8 ? saturateUint8(fround(sum * inverseArea)) : fround(sum * inverseArea);
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
    if (s1 - fs1 > 1e-3) table.push({ destination: d * channels, source: (s1 - 1) * channels, alpha: fround((s1 - fs1) / cellWidth) });
    for (let s = s1; s < s2; s++) table.push({ destination: d * channels, source: s * channels, alpha: fround(1 / cellWidth) });
    if (fs2 - s2 > 1e-3) {
      table.push({ destination: d * channels, source: s2 * channels, alpha: fround(Math.min(Math.min(fs2 - s2, 1), cellWidth) / cellWidth) });
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
      for (let c = 0; c < channels; c++) buffer[destination + c] = fround(buffer[destination + c]! + fround(src[base + source + c]! * alpha));
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

// ---------------------------------------------------------------------------------------------
// slicing and flips

/**
 * `img[y_min:y_max, x_min:x_max]` (exclusive maxima) as a new image.
 * @example
 * const patch = crop(image, 5, 7, 35, 27); // 30x20
 */
export function crop(image: RawImage, xMin: number, yMin: number, xMax: number, yMax: number): RawImage {
  assertRawImage(image);
  if (!(Number.isInteger(xMin) && Number.isInteger(yMin) && Number.isInteger(xMax) && Number.isInteger(yMax))) {
    throw new TypeError(`crop: coordinates must be integers, got ${xMin}, ${yMin}, ${xMax}, ${yMax}`);
  }
  if (xMin < 0 || yMin < 0 || xMax > image.width || yMax > image.height || xMax <= xMin || yMax <= yMin) {
    throw new RangeError(
      `crop: [${xMin}, ${yMin}, ${xMax}, ${yMax}] must satisfy 0 <= x_min < x_max <= ${image.width} and 0 <= y_min < y_max <= ${image.height}`,
    );
  }
  const { channels } = image;
  const outWidth = xMax - xMin;
  const dst = allocateLike(image, outWidth, yMax - yMin);
  const rowLength = outWidth * channels;
  const stride = image.width * channels;
  for (let y = yMin; y < yMax; y++) {
    const start = y * stride + xMin * channels;
    (dst.data as Uint8Array).set((image.data as Uint8Array).subarray(start, start + rowLength), (y - yMin) * rowLength);
  }
  return dst;
}

/**
 * albumentations `get_random_crop_coords` + `random_crop`: `y1 = int((H - h + 1) * h_start)`.
 * @example
 * const patch = randomCrop(image, 300, 300, 0.37, 0.81);
 */
export function randomCrop(image: RawImage, cropHeight: number, cropWidth: number, hStart: number, wStart: number): RawImage {
  if (cropHeight > image.height || cropWidth > image.width) {
    throw new RangeError(
      `randomCrop: requested crop size (${cropHeight}, ${cropWidth}) is larger than the image size (${image.height}, ${image.width})`,
    );
  }
  const { x, y } = randomCropCoordinates(image.height, image.width, cropHeight, cropWidth, hStart, wStart);
  return crop(image, x, y, x + cropWidth, y + cropHeight);
}

/**
 * Top-left corner of a random crop (albumentations `get_random_crop_coords`).
 * @example
 * randomCropCoordinates(131, 97, 50, 40, 0.37, 0.81); // { y: 30, x: 46 }
 */
export function randomCropCoordinates(
  height: number,
  width: number,
  cropHeight: number,
  cropWidth: number,
  hStart: number,
  wStart: number,
): { x: number; y: number } {
  return { y: Math.trunc((height - cropHeight + 1) * hStart), x: Math.trunc((width - cropWidth + 1) * wStart) };
}

/**
 * Top-left corner of a centre crop (albumentations `get_center_crop_coords`).
 * @example
 * centerCropCoordinates(48, 64, 20, 30); // { y: 14, x: 17 }
 */
export function centerCropCoordinates(height: number, width: number, cropHeight: number, cropWidth: number): { x: number; y: number } {
  return { y: Math.trunc((height - cropHeight) / 2), x: Math.trunc((width - cropWidth) / 2) };
}

/**
 * Mirror columns (`out[y, x] = in[y, W-1-x]`).
 * @example
 * const mirrored = hflip(image);
 */
export function hflip(image: RawImage): RawImage {
  assertRawImage(image);
  const { width, height, channels } = image;
  const dst = allocateUninitializedLike(image, width, height); // every pixel is written below
  if (image.data instanceof Uint8Array && flipWithKernels(image.data, dst.data as Uint8Array, width, height, channels, true, false)) return dst;
  if (image.data instanceof Uint8Array && channels === 3) hflipRgb8(image.data, dst.data as Uint8Array, width, height);
  else {
    const src = image.data;
    const out = dst.data;
    for (let y = 0; y < height; y++) {
      const row = y * width * channels;
      for (let x = 0; x < width; x++) {
        const from = row + (width - 1 - x) * channels;
        const to = row + x * channels;
        for (let c = 0; c < channels; c++) out[to + c] = src[from + c]!;
      }
    }
  }
  return dst;
}

/** The WebAssembly flip of uint8 `src` into `out`; false when the kernels are off (the JS path runs). */
function flipWithKernels(src: Uint8Array, out: Uint8Array, width: number, height: number, channels: number, horizontal: boolean, vertical: boolean): boolean {
  const kernels = wasmKernels();
  if (!kernels) return false;
  const arena = kernels.arena();
  const srcPointer = arena.copyIn(src);
  const outPointer = arena.allocate(src.length);
  kernels.exports.flipU8(srcPointer, outPointer, width, height, channels, horizontal, vertical);
  out.set(arena.bytes(outPointer, src.length));
  return true;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function hflipRgb8(src: Uint8Array, out: Uint8Array, width: number, height: number): void {
  const stride = width * 3;
  if (LITTLE_ENDIAN && width % 4 === 0 && src.byteOffset % 4 === 0 && out.byteOffset % 4 === 0) {
    hflipRgb8Words(new Uint32Array(src.buffer, src.byteOffset, src.length >> 2), new Uint32Array(out.buffer, out.byteOffset, out.length >> 2), width, height);
    return;
  }
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    for (let x = 0, from = row + stride - 3, to = row; x < width; x++, from -= 3, to += 3) {
      out[to] = src[from]!;
      out[to + 1] = src[from + 1]!;
      out[to + 2] = src[from + 2]!;
    }
  }
}

/**
 * RGB mirror four pixels (three 32-bit words) at a time. Source pixels a b c d (bytes
 * a0 a1 a2 b0 | b1 b2 c0 c1 | c2 d0 d1 d2, little-endian words w0 w1 w2) become d c b a.
 * Needs width % 4 === 0 so every group of four pixels starts on a word boundary.
 */
function hflipRgb8Words(src: Uint32Array, out: Uint32Array, width: number, height: number): void {
  const strideWords = (width * 3) >> 2;
  for (let y = 0; y < height; y++) {
    const row = y * strideWords;
    for (let to = row, from = row + strideWords - 3; to < row + strideWords; to += 3, from -= 3) {
      const w0 = src[from]!;
      const w1 = src[from + 1]!;
      const w2 = src[from + 2]!;
      out[to] = (w2 >>> 8) | (((w1 >>> 16) & 0xff) << 24);
      out[to + 1] = (w1 >>> 24) | ((w2 & 0xff) << 8) | ((w0 >>> 24) << 16) | ((w1 & 0xff) << 24);
      out[to + 2] = ((w1 >>> 8) & 0xff) | (w0 << 8);
    }
  }
}

/**
 * Mirror rows (`out[y, x] = in[H-1-y, x]`).
 * @example
 * const upsideDown = vflip(image);
 */
export function vflip(image: RawImage): RawImage {
  assertRawImage(image);
  const { width, height, channels } = image;
  const dst = allocateUninitializedLike(image, width, height); // every pixel is written below
  if (image.data instanceof Uint8Array && flipWithKernels(image.data, dst.data as Uint8Array, width, height, channels, false, true)) return dst;
  const rowLength = width * channels;
  for (let y = 0; y < height; y++) {
    const from = (height - 1 - y) * rowLength;
    (dst.data as Uint8Array).set((image.data as Uint8Array).subarray(from, from + rowLength), y * rowLength);
  }
  return dst;
}

/**
 * Swap rows and columns (`img.transpose(1, 0, 2)`).
 * @example
 * const swapped = transpose(image); // width and height exchanged
 */
export function transpose(image: RawImage): RawImage {
  assertRawImage(image);
  const { width, height, channels } = image;
  const dst = allocateLike(image, height, width);
  const src = image.data;
  const out = dst.data;
  for (let y = 0; y < width; y++) {
    for (let x = 0; x < height; x++) {
      const from = (x * width + y) * channels;
      const to = (y * height + x) * channels;
      for (let c = 0; c < channels; c++) out[to + c] = src[from + c]!;
    }
  }
  return dst;
}

/**
 * `np.rot90(img, factor)`: rotate by `factor * 90` degrees counter-clockwise.
 * @example
 * const turned = rot90(image, 1);
 */
export function rot90(image: RawImage, factor: number): RawImage {
  assertRawImage(image);
  if (!Number.isInteger(factor)) throw new TypeError(`rot90: factor must be an integer, got ${factor}`);
  const turns = ((factor % 4) + 4) % 4;
  if (turns === 0) return allocateCopy(image);
  if (turns === 2) return vflip(hflip(image));
  // k=1: out[i, j] = in[j, W-1-i]  (output is W rows by H columns)
  const { width, height, channels } = image;
  const dst = allocateLike(image, height, width);
  const src = image.data;
  const out = dst.data;
  for (let i = 0; i < width; i++) {
    for (let j = 0; j < height; j++) {
      const from = turns === 1 ? (j * width + (width - 1 - i)) * channels : ((height - 1 - j) * width + i) * channels;
      const to = (i * height + j) * channels;
      for (let c = 0; c < channels; c++) out[to + c] = src[from + c]!;
    }
  }
  return dst;
}

function allocateCopy(image: RawImage): RawImage {
  const dst = allocateLike(image, image.width, image.height);
  (dst.data as Uint8Array).set(image.data as Uint8Array);
  return dst;
}

// ---------------------------------------------------------------------------------------------
// padding

/**
 * `cv2.copyMakeBorder(img, top, bottom, left, right, borderMode, value)`.
 * @example
 * const padded = padWithParams(image, 2, 2, 3, 3, BorderMode.REFLECT_101);
 */
export function padWithParams(
  image: RawImage,
  top: number,
  bottom: number,
  left: number,
  right: number,
  borderMode: BorderModeValue = BorderMode.REFLECT_101,
  value: number | readonly number[] | null = null,
): RawImage {
  assertRawImage(image);
  for (const [name, amount] of [['top', top], ['bottom', bottom], ['left', left], ['right', right]] as const) {
    if (!Number.isInteger(amount) || amount < 0) throw new RangeError(`pad: ${name} must be a non-negative integer, got ${amount}`);
  }
  const { width, height, channels } = image;
  const outWidth = width + left + right;
  const outHeight = height + top + bottom;
  const dst = allocateLike(image, outWidth, outHeight);
  const fill = borderValues(value, channels, image.data instanceof Uint8Array);
  const xMap = new Int32Array(outWidth);
  for (let x = 0; x < outWidth; x++) xMap[x] = borderInterpolate(x - left, width, borderMode);
  const src = image.data;
  const out = dst.data;
  let o = 0;
  for (let y = 0; y < outHeight; y++) {
    const sy = borderInterpolate(y - top, height, borderMode);
    for (let x = 0; x < outWidth; x++) {
      const sx = xMap[x]!;
      if (sy < 0 || sx < 0) for (let c = 0; c < channels; c++) out[o++] = fill[c]!;
      else {
        const base = (sy * width + sx) * channels;
        for (let c = 0; c < channels; c++) out[o++] = src[base + c]!;
      }
    }
  }
  return dst;
}

// ---------------------------------------------------------------------------------------------
// warpAffine / remap

/** A 2x3 affine matrix, row-major `[a, b, c, d, e, f]` (maps source to destination). */
export type AffineMatrix = [number, number, number, number, number, number];

/**
 * `cv2.getRotationMatrix2D(center, angle, scale)` (degrees, counter-clockwise positive).
 * @example
 * const matrix = rotationMatrix2D(31.5, 23.5, 30, 1);
 */
export function rotationMatrix2D(centerX: number, centerY: number, angle: number, scale: number): AffineMatrix {
  const radians = angle * (Math.PI / 180); // OpenCV: angle *= CV_PI/180
  // glibc's cos/sin, as OpenCV calls them: correctly rounded but in about 0.15% of angles (Math.cos: 3%).
  const alpha = cosCorrectlyRounded(radians) * scale;
  const beta = sinCorrectlyRounded(radians) * scale;
  return [alpha, beta, (1 - alpha) * centerX - beta * centerY, -beta, alpha, beta * centerX + (1 - alpha) * centerY];
}

/**
 * albumentations `F.shift_scale_rotate`'s matrix: rotation about `(W/2 - 0.5, H/2 - 0.5)`, then
 * `M[0,2] += dx*W`, `M[1,2] += dy*H`.
 * @example
 * const matrix = shiftScaleRotateMatrix(64, 48, 17.5, 1.1, 0.05, -0.03);
 */
export function shiftScaleRotateMatrix(width: number, height: number, angle: number, scale: number, dx: number, dy: number): AffineMatrix {
  const matrix = rotationMatrix2D(width / 2 - 0.5, height / 2 - 0.5, angle, scale);
  matrix[2] += dx * width;
  matrix[5] += dy * height;
  return matrix;
}

export interface WarpOptions {
  /** Output width (default: input width). */
  width?: number;
  /** Output height (default: input height). */
  height?: number;
  /** Default INTER_LINEAR. */
  interpolation?: InterpolationValue;
  /** Default BORDER_REFLECT_101. */
  borderMode?: BorderModeValue;
  /** BORDER_CONSTANT value: a number (first channel only, like cv2) or one per channel. */
  borderValue?: number | readonly number[] | null;
}

const AB_BITS = 10;
const AB_SCALE = 1 << AB_BITS;
const INTER_BITS = 5;
const INTER_TAB_SIZE = 1 << INTER_BITS;
const ROUND_HALF_EVEN_MAGIC = 6755399441055744; // 1.5 * 2^52

/**
 * `cv2.warpAffine(img, M, (width, height), flags, borderMode, borderValue)` with OpenCV's exact
 * fixed-point coordinates: M is inverted in double, coordinates are rounded to 1/1024 and then
 * to the 1/32-pixel INTER_TAB grid; bilinear weights are `(32-fx)(32-fy)*32` etc. (sum 32768).
 * @example
 * const rotated = warpAffine(image, rotationMatrix2D(31.5, 23.5, 30, 1), { borderMode: BorderMode.CONSTANT });
 */
export function warpAffine(image: RawImage, matrix: AffineMatrix, options: WarpOptions = {}): RawImage {
  assertRawImage(image);
  if (!Array.isArray(matrix) || matrix.length !== 6 || !matrix.every(Number.isFinite)) {
    throw new TypeError(`warpAffine: matrix must be 6 finite numbers, got ${JSON.stringify(matrix)}`);
  }
  const width = options.width ?? image.width;
  const height = options.height ?? image.height;
  const interpolation = options.interpolation ?? Interpolation.LINEAR;
  let [m0, m1, m2, m3, m4, m5] = matrix;
  // Invert exactly in OpenCV's order of operations.
  let determinant = m0 * m4 - m1 * m3;
  determinant = determinant !== 0 ? 1 / determinant : 0;
  const a11 = m4 * determinant;
  const a22 = m0 * determinant;
  m0 = a11;
  m1 *= -determinant;
  m3 *= -determinant;
  m4 = a22;
  const b1 = -m0 * m2 - m1 * m5;
  const b2 = -m3 * m2 - m4 * m5;
  m2 = b1;
  m5 = b2;

  const count = width * height;
  const sxs = new Int32Array(count);
  const sys = new Int32Array(count);
  const fractions = interpolation === Interpolation.NEAREST ? null : new Uint16Array(count);
  const adelta = new Int32Array(width);
  const bdelta = new Int32Array(width);
  for (let x = 0; x < width; x++) {
    adelta[x] = roundHalfEven(m0 * x * AB_SCALE);
    bdelta[x] = roundHalfEven(m3 * x * AB_SCALE);
  }
  const roundDelta = interpolation === Interpolation.NEAREST ? AB_SCALE / 2 : AB_SCALE / INTER_TAB_SIZE / 2;
  const clampShort = (value: number): number => (value < -32768 ? -32768 : value > 32767 ? 32767 : value);
  for (let y = 0, i = 0; y < height; y++) {
    const x0 = roundHalfEven((m1 * y + m2) * AB_SCALE) + roundDelta;
    const y0 = roundHalfEven((m4 * y + m5) * AB_SCALE) + roundDelta;
    for (let x = 0; x < width; x++, i++) {
      if (fractions) {
        const X = (x0 + adelta[x]!) >> (AB_BITS - INTER_BITS);
        const Y = (y0 + bdelta[x]!) >> (AB_BITS - INTER_BITS);
        sxs[i] = clampShort(X >> INTER_BITS);
        sys[i] = clampShort(Y >> INTER_BITS);
        fractions[i] = (Y & (INTER_TAB_SIZE - 1)) * INTER_TAB_SIZE + (X & (INTER_TAB_SIZE - 1));
      } else {
        sxs[i] = clampShort((x0 + adelta[x]!) >> AB_BITS);
        sys[i] = clampShort((y0 + bdelta[x]!) >> AB_BITS);
      }
    }
  }
  return remapFixed(image, width, height, sxs, sys, fractions, interpolation, options.borderMode ?? BorderMode.REFLECT_101, options.borderValue ?? null);
}

/**
 * `cv2.remap(img, mapX, mapY, interpolation, borderMode, borderValue)` with float32 maps:
 * coordinates are rounded to the 1/32-pixel grid (`X = rhe(mapX*32)`), as OpenCV does.
 * @example
 * const warped = remap(image, mapX, mapY, Interpolation.LINEAR, BorderMode.REFLECT_101);
 */
export function remap(
  image: RawImage,
  mapX: Float32Array,
  mapY: Float32Array,
  interpolation: InterpolationValue = Interpolation.LINEAR,
  borderMode: BorderModeValue = BorderMode.REFLECT_101,
  borderValue: number | readonly number[] | null = null,
  outputWidth = image.width,
  outputHeight = image.height,
): RawImage {
  assertRawImage(image);
  const count = outputWidth * outputHeight;
  if (mapX.length !== count || mapY.length !== count) {
    throw new RangeError(`remap: maps must have ${count} entries (${outputWidth}x${outputHeight}), got ${mapX.length} and ${mapY.length}`);
  }
  const sxs = new Int32Array(count);
  const sys = new Int32Array(count);
  const fractions = interpolation === Interpolation.NEAREST ? null : new Uint16Array(count);
  for (let i = 0; i < count; i++) {
    if (fractions) {
      // cvRound (half to even), inlined: this loop runs once per output pixel.
      const fx = mapX[i]! * INTER_TAB_SIZE;
      const fy = mapY[i]! * INTER_TAB_SIZE;
      let X = Math.floor(fx + 0.5);
      if (X - fx === 0.5 && (X & 1) !== 0) X -= 1;
      let Y = Math.floor(fy + 0.5);
      if (Y - fy === 0.5 && (Y & 1) !== 0) Y -= 1;
      sxs[i] = X >> INTER_BITS;
      sys[i] = Y >> INTER_BITS;
      fractions[i] = (Y & (INTER_TAB_SIZE - 1)) * INTER_TAB_SIZE + (X & (INTER_TAB_SIZE - 1));
    } else {
      sxs[i] = roundHalfEven(mapX[i]!);
      sys[i] = roundHalfEven(mapY[i]!);
    }
  }
  return remapFixed(image, outputWidth, outputHeight, sxs, sys, fractions, interpolation, borderMode, borderValue);
}

let bilinearTable: Int32Array | undefined;
let bicubicTable: Int32Array | undefined;
let bilinearFloatTable: Float32Array | undefined;
let bicubicFloatTable: Float32Array | undefined;

/** OpenCV initInterTab2D: weights per 1/32 cell, fixed point (sum 32768) with its sum fix-up. */
function interpolationTable(kernelSize: 2 | 4, fixed: boolean): Int32Array | Float32Array {
  const oneD = (x: number): number[] => {
    if (kernelSize === 2) return [fround(1 - x), x];
    return cubicCoefficients(x);
  };
  const cells = INTER_TAB_SIZE * INTER_TAB_SIZE;
  const taps = kernelSize * kernelSize;
  const table = fixed ? new Int32Array(cells * taps) : new Float32Array(cells * taps);
  for (let i = 0; i < INTER_TAB_SIZE; i++) {
    const wy = oneD(fround(i / INTER_TAB_SIZE));
    for (let j = 0; j < INTER_TAB_SIZE; j++) {
      const wx = oneD(fround(j / INTER_TAB_SIZE));
      const base = (i * INTER_TAB_SIZE + j) * taps;
      let sum = 0;
      for (let k1 = 0; k1 < kernelSize; k1++) {
        for (let k2 = 0; k2 < kernelSize; k2++) {
          const v = fround(wy[k1]! * wx[k2]!);
          if (fixed) {
            const iv = roundHalfEven(v * 32768);
            table[base + k1 * kernelSize + k2] = iv;
            sum += iv;
          } else table[base + k1 * kernelSize + k2] = v;
        }
      }
      if (fixed && sum !== 32768) {
        const diff = sum - 32768;
        const half = kernelSize / 2;
        let minIndex = half * kernelSize + half;
        let maxIndex = minIndex;
        for (let k1 = half; k1 < half + 2; k1++) {
          for (let k2 = half; k2 < half + 2; k2++) {
            const index = k1 * kernelSize + k2;
            if (table[base + index]! < table[base + minIndex]!) minIndex = index;
            else if (table[base + index]! > table[base + maxIndex]!) maxIndex = index;
          }
        }
        if (diff < 0) table[base + maxIndex] = table[base + maxIndex]! - diff;
        else table[base + minIndex] = table[base + minIndex]! - diff;
      }
    }
  }
  return table;
}

function remapFixed(
  image: RawImage,
  width: number,
  height: number,
  sxs: Int32Array,
  sys: Int32Array,
  fractions: Uint16Array | null,
  interpolation: InterpolationValue,
  borderMode: BorderModeValue,
  borderValue: number | readonly number[] | null,
): RawImage {
  const { width: srcWidth, height: srcHeight, channels } = image;
  const src = image.data;
  const isUint8 = src instanceof Uint8Array;
  const dst = allocateLike(image, width, height);
  const out = dst.data;
  const fill = borderValues(borderValue, channels, isUint8);
  const stride = srcWidth * channels;
  const count = width * height;

  if (interpolation === Interpolation.NEAREST) {
    for (let i = 0, o = 0; i < count; i++, o += channels) {
      let sx = sxs[i]!;
      let sy = sys[i]!;
      if (sx < 0 || sx >= srcWidth || sy < 0 || sy >= srcHeight) {
        if (borderMode === BorderMode.CONSTANT) {
          for (let c = 0; c < channels; c++) out[o + c] = fill[c]!;
          continue;
        }
        sx = borderInterpolate(sx, srcWidth, borderMode);
        sy = borderInterpolate(sy, srcHeight, borderMode);
      }
      const base = sy * stride + sx * channels;
      for (let c = 0; c < channels; c++) out[o + c] = src[base + c]!;
    }
    return dst;
  }

  if (interpolation !== Interpolation.CUBIC && isUint8 && channels === 3) {
    remapBilinearRgb8(src as Uint8Array, srcWidth, srcHeight, out as Uint8Array, count, sxs, sys, fractions!, borderMode, fill);
    return dst;
  }

  if (interpolation === Interpolation.CUBIC || interpolation === Interpolation.LINEAR || interpolation === Interpolation.AREA) {
    const cubic = interpolation === Interpolation.CUBIC;
    const size = cubic ? 4 : 2;
    const taps = size * size;
    const table = isUint8
      ? cubic
        ? (bicubicTable ??= interpolationTable(4, true) as Int32Array)
        : (bilinearTable ??= interpolationTable(2, true) as Int32Array)
      : cubic
        ? (bicubicFloatTable ??= interpolationTable(4, false) as Float32Array)
        : (bilinearFloatTable ??= interpolationTable(2, false) as Float32Array);
    const offset = cubic ? 1 : 0;
    const innerWidth = srcWidth - (size - 1);
    const innerHeight = srcHeight - (size - 1);
    const xIndex = new Int32Array(size);
    const yIndex = new Int32Array(size);
    for (let i = 0, o = 0; i < count; i++, o += channels) {
      const sx = sxs[i]! - offset;
      const sy = sys[i]! - offset;
      const w = fractions![i]! * taps;
      if (sx >= 0 && sx < innerWidth && sy >= 0 && sy < innerHeight) {
        const base = sy * stride + sx * channels;
        if (!cubic) {
          const w0 = table[w]!;
          const w1 = table[w + 1]!;
          const w2 = table[w + 2]!;
          const w3 = table[w + 3]!;
          for (let c = 0; c < channels; c++) {
            const p = base + c;
            if (isUint8) {
              const value = (src[p]! * w0 + src[p + channels]! * w1 + src[p + stride]! * w2 + src[p + stride + channels]! * w3 + 16384) >> 15;
              out[o + c] = value < 0 ? 0 : value > 255 ? 255 : value;
            } else {
              // remapBilinear<float>: each product and each sum rounded to float32, left to right.
              out[o + c] = fround(
                fround(fround(fround(src[p]! * w0) + fround(src[p + channels]! * w1)) + fround(src[p + stride]! * w2)) + fround(src[p + stride + channels]! * w3),
              );
            }
          }
        } else {
          for (let c = 0; c < channels; c++) {
            let sum = 0;
            for (let ky = 0; ky < 4; ky++) {
              const row = base + ky * stride + c;
              for (let kx = 0; kx < 4; kx++) sum += src[row + kx * channels]! * table[w + ky * 4 + kx]!;
            }
            out[o + c] = isUint8 ? clampByte((sum + 16384) >> 15) : fround(sum);
          }
        }
        continue;
      }
      if (borderMode === BorderMode.CONSTANT && (sx >= srcWidth || sx + size <= 0 || sy >= srcHeight || sy + size <= 0)) {
        for (let c = 0; c < channels; c++) out[o + c] = fill[c]!;
        continue;
      }
      for (let k = 0; k < size; k++) {
        xIndex[k] = borderInterpolate(sx + k, srcWidth, borderMode);
        yIndex[k] = borderInterpolate(sy + k, srcHeight, borderMode);
      }
      for (let c = 0; c < channels; c++) {
        if (!isUint8 && !cubic) {
          const value = (kx: number, ky: number): number => (xIndex[kx]! >= 0 && yIndex[ky]! >= 0 ? src[yIndex[ky]! * stride + xIndex[kx]! * channels + c]! : fill[c]!);
          out[o + c] = fround(
            fround(fround(fround(value(0, 0) * table[w]!) + fround(value(1, 0) * table[w + 1]!)) + fround(value(0, 1) * table[w + 2]!)) +
              fround(value(1, 1) * table[w + 3]!),
          );
          continue;
        }
        let sum = 0;
        for (let ky = 0; ky < size; ky++) {
          for (let kx = 0; kx < size; kx++) {
            const value = xIndex[kx]! >= 0 && yIndex[ky]! >= 0 ? src[yIndex[ky]! * stride + xIndex[kx]! * channels + c]! : fill[c]!;
            sum += value * table[w + ky * size + kx]!;
          }
        }
        out[o + c] = isUint8 ? clampByte((sum + 16384) >> 15) : fround(sum);
      }
    }
    return dst;
  }
  throw new RangeError(`remap: interpolation must be 0 (INTER_NEAREST), 1 (INTER_LINEAR) or 2 (INTER_CUBIC); got ${interpolation}`);
}

/** Bilinear remap for uint8 RGB: the common case in one tight loop, borders per neighbour. */
function remapBilinearRgb8(
  src: Uint8Array,
  srcWidth: number,
  srcHeight: number,
  out: Uint8Array,
  count: number,
  sxs: Int32Array,
  sys: Int32Array,
  fractions: Uint16Array,
  borderMode: BorderModeValue,
  fill: number[],
): void {
  const table = (bilinearTable ??= interpolationTable(2, true) as Int32Array);
  const stride = srcWidth * 3;
  const innerWidth = srcWidth - 1;
  const innerHeight = srcHeight - 1;
  for (let i = 0, o = 0; i < count; i++, o += 3) {
    const sx = sxs[i]!;
    const sy = sys[i]!;
    const w = fractions[i]! << 2;
    const w0 = table[w]!;
    const w1 = table[w + 1]!;
    const w2 = table[w + 2]!;
    const w3 = table[w + 3]!;
    if (sx >= 0 && sx < innerWidth && sy >= 0 && sy < innerHeight) {
      const p = sy * stride + sx * 3;
      const q = p + stride;
      out[o] = (src[p]! * w0 + src[p + 3]! * w1 + src[q]! * w2 + src[q + 3]! * w3 + 16384) >> 15;
      out[o + 1] = (src[p + 1]! * w0 + src[p + 4]! * w1 + src[q + 1]! * w2 + src[q + 4]! * w3 + 16384) >> 15;
      out[o + 2] = (src[p + 2]! * w0 + src[p + 5]! * w1 + src[q + 2]! * w2 + src[q + 5]! * w3 + 16384) >> 15;
      continue;
    }
    bilinearBorderPixelRgb8(src, srcWidth, srcHeight, out, i, sx, sy, fractions[i]!, borderMode, fill, table);
  }
}

/** One output pixel of the bilinear uint8 RGB remap whose 2x2 neighbourhood crosses the border. */
function bilinearBorderPixelRgb8(
  src: Uint8Array,
  srcWidth: number,
  srcHeight: number,
  out: Uint8Array,
  index: number,
  sx: number,
  sy: number,
  fraction: number,
  borderMode: BorderModeValue,
  fill: number[],
  table: Int32Array,
): void {
  const o = index * 3;
  if (borderMode === BorderMode.CONSTANT && (sx >= srcWidth || sx + 1 < 0 || sy >= srcHeight || sy + 1 < 0)) {
    out[o] = fill[0]!;
    out[o + 1] = fill[1]!;
    out[o + 2] = fill[2]!;
    return;
  }
  const w = fraction << 2;
  const w0 = table[w]!;
  const w1 = table[w + 1]!;
  const w2 = table[w + 2]!;
  const w3 = table[w + 3]!;
  const stride = srcWidth * 3;
  const x0 = borderInterpolate(sx, srcWidth, borderMode);
  const x1 = borderInterpolate(sx + 1, srcWidth, borderMode);
  const y0 = borderInterpolate(sy, srcHeight, borderMode);
  const y1 = borderInterpolate(sy + 1, srcHeight, borderMode);
  for (let c = 0; c < 3; c++) {
    const v0 = x0 >= 0 && y0 >= 0 ? src[y0 * stride + x0 * 3 + c]! : fill[c]!;
    const v1 = x1 >= 0 && y0 >= 0 ? src[y0 * stride + x1 * 3 + c]! : fill[c]!;
    const v2 = x0 >= 0 && y1 >= 0 ? src[y1 * stride + x0 * 3 + c]! : fill[c]!;
    const v3 = x1 >= 0 && y1 >= 0 ? src[y1 * stride + x1 * 3 + c]! : fill[c]!;
    out[o + c] = clampByte((v0 * w0 + v1 * w1 + v2 * w2 + v3 * w3 + 16384) >> 15);
  }
}

function clampByte(value: number): number {
  return value < 0 ? 0 : value > 255 ? 255 : value;
}

/**
 * The float32 maps of `cv2.initUndistortRectifyMap(cam, dist, None, None, (W, H), CV_32FC1)` as
 * albumentations' `F.optical_distortion` builds them: `cam = [[W,0,W/2+dx],[0,H,H/2+dy],[0,0,1]]`,
 * `dist = [k, k, 0, 0, 0]` (k rounded to float32), default new camera matrix with principal
 * point `((W-1)/2, (H-1)/2)`.
 * @example
 * const { mapX, mapY } = opticalDistortionMaps(64, 48, 0.05, 0, 0);
 */
export function opticalDistortionMaps(width: number, height: number, k: number, dx: number, dy: number): { mapX: Float32Array; mapY: Float32Array } {
  const fx = fround(width);
  const fy = fround(height);
  const cx = fround(width * 0.5 + dx);
  const cy = fround(height * 0.5 + dy);
  const k1 = fround(k);
  const k2 = fround(k);
  // Inverse of the default new camera matrix [[fx,0,(W-1)/2],[0,fy,(H-1)/2],[0,0,1]].
  const newCx = (width - 1) * 0.5;
  const newCy = (height - 1) * 0.5;
  const ir0 = 1 / fx;
  const ir2 = -newCx / fx;
  const ir4 = 1 / fy;
  const ir5 = -newCy / fy;
  const mapX = new Float32Array(width * height);
  const mapY = new Float32Array(width * height);
  for (let i = 0, index = 0; i < height; i++) {
    let xAccumulated = i * 0 + ir2;
    const y = i * ir4 + ir5;
    const y2 = y * y;
    for (let j = 0; j < width; j++, index++, xAccumulated += ir0) {
      const x = xAccumulated;
      const r2 = x * x + y2;
      const kr = 1 + ((0 * r2 + k2) * r2 + k1) * r2;
      mapX[index] = fx * (x * kr) + cx;
      mapY[index] = fy * (y * kr) + cy;
    }
  }
  return { mapX, mapY };
}

/**
 * albumentations `F.optical_distortion`: build the maps, then `cv2.remap`.
 * @example
 * const distorted = opticalDistortion(image, 0.05, 0, 0);
 */
export function opticalDistortion(
  image: RawImage,
  k: number,
  dx: number,
  dy: number,
  interpolation: InterpolationValue = Interpolation.LINEAR,
  borderMode: BorderModeValue = BorderMode.REFLECT_101,
  value: number | readonly number[] | null = null,
): RawImage {
  assertRawImage(image);
  if (interpolation !== Interpolation.LINEAR) {
    const { mapX, mapY } = opticalDistortionMaps(image.width, image.height, k, dx, dy);
    return remap(image, mapX, mapY, interpolation, borderMode, value);
  }
  // Fused maps + fixed-point conversion (same numbers as opticalDistortionMaps then remap,
  // without materialising the float maps).
  const { width, height } = image;
  const fx = fround(width);
  const fy = fround(height);
  const cx = fround(width * 0.5 + dx);
  const cy = fround(height * 0.5 + dy);
  const k32 = fround(k);
  const ir0 = 1 / fx;
  const ir2 = -((width - 1) * 0.5) / fx;
  const ir4 = 1 / fy;
  const ir5 = -((height - 1) * 0.5) / fy;
  if (image.data instanceof Uint8Array && image.channels === 3) {
    return opticalDistortionRgb8(image, fx, fy, cx, cy, k32, ir0, ir2, ir4, ir5, borderMode, borderValues(value, 3, true));
  }
  const count = width * height;
  const sxs = new Int32Array(count);
  const sys = new Int32Array(count);
  const fractions = new Uint16Array(count);
  for (let i = 0, index = 0; i < height; i++) {
    let x = ir2;
    const y = i * ir4 + ir5;
    const y2 = y * y;
    for (let j = 0; j < width; j++, index++, x += ir0) {
      const r2 = x * x + y2;
      const kr = 1 + ((0 * r2 + k32) * r2 + k32) * r2;
      const mx = fround(fx * (x * kr) + cx) * INTER_TAB_SIZE;
      const my = fround(fy * (y * kr) + cy) * INTER_TAB_SIZE;
      let X = Math.floor(mx + 0.5);
      if (X - mx === 0.5 && (X & 1) !== 0) X -= 1;
      let Y = Math.floor(my + 0.5);
      if (Y - my === 0.5 && (Y & 1) !== 0) Y -= 1;
      sxs[index] = X >> INTER_BITS;
      sys[index] = Y >> INTER_BITS;
      fractions[index] = (Y & (INTER_TAB_SIZE - 1)) * INTER_TAB_SIZE + (X & (INTER_TAB_SIZE - 1));
    }
  }
  return remapFixed(image, width, height, sxs, sys, fractions, interpolation, borderMode, value);
}

/**
 * The uint8 RGB INTER_LINEAR case of {@link opticalDistortion} in one pass: each pixel's map
 * coordinates (same float64 / float32 steps as opticalDistortionMaps, then remap's 1/32 grid)
 * feed the bilinear interpolation at once, without intermediate coordinate arrays.
 */
function opticalDistortionRgb8(
  image: RawImage,
  fx: number,
  fy: number,
  cx: number,
  cy: number,
  k: number,
  ir0: number,
  ir2: number,
  ir4: number,
  ir5: number,
  borderMode: BorderModeValue,
  fill: number[],
): RawImage {
  const { width, height } = image;
  const src = image.data as Uint8Array;
  const dst = allocateUninitializedLike(image, width, height); // interior and border pixels are all written
  const out = dst.data as Uint8Array;
  const table = (bilinearTable ??= interpolationTable(2, true) as Int32Array);
  // The kernel converts map * 32 to int32 saturating where JavaScript's `>>` wraps the double:
  // the same while |map| < 2^26. |x|, |y| <= 0.5 and r2 <= 0.5 bound |map| by these sums.
  const radialBound = 1 + 0.75 * Math.abs(k);
  const kernels =
    width * 0.5 * radialBound + Math.abs(cx) < 2 ** 25 && height * 0.5 * radialBound + Math.abs(cy) < 2 ** 25 ? wasmKernels() : undefined;
  if (kernels) {
    const arena = kernels.arena();
    const srcPointer = arena.copyIn(src);
    const outPointer = arena.allocate(out.length);
    const tablePointer = arena.copyIn(table);
    const borderPointer = arena.allocate(width * height * 16);
    const borderCount = kernels.exports.opticalDistortionRgb8(srcPointer, outPointer, width, height, fx, fy, cx, cy, k, ir0, ir2, ir4, ir5, tablePointer, borderPointer, arena.allocate(width * 8));
    out.set(arena.bytes(outPointer, out.length));
    const borderPixels = new Int32Array(kernels.exports.memory.buffer, borderPointer, borderCount * 4);
    for (let b = 0; b < borderCount * 4; b += 4) {
      bilinearBorderPixelRgb8(src, width, height, out, borderPixels[b]!, borderPixels[b + 1]!, borderPixels[b + 2]!, borderPixels[b + 3]!, borderMode, fill, table);
    }
    return dst;
  }
  const stride = width * 3;
  const innerWidth = width - 1;
  const innerHeight = height - 1;
  for (let i = 0, index = 0, o = 0; i < height; i++) {
    let x = ir2;
    const y = i * ir4 + ir5;
    const y2 = y * y;
    for (let j = 0; j < width; j++, index++, o += 3, x += ir0) {
      const r2 = x * x + y2;
      const kr = 1 + ((0 * r2 + k) * r2 + k) * r2;
      const mx = fround(fx * (x * kr) + cx) * INTER_TAB_SIZE;
      const my = fround(fy * (y * kr) + cy) * INTER_TAB_SIZE;
      // cvRound: adding and removing 1.5 * 2^52 rounds a double half to even, exactly (|v| < 2^51).
      const X = Math.abs(mx) < 2 ** 51 ? mx + ROUND_HALF_EVEN_MAGIC - ROUND_HALF_EVEN_MAGIC : roundHalfEven(mx);
      const Y = Math.abs(my) < 2 ** 51 ? my + ROUND_HALF_EVEN_MAGIC - ROUND_HALF_EVEN_MAGIC : roundHalfEven(my);
      const sx = X >> INTER_BITS;
      const sy = Y >> INTER_BITS;
      const fraction = (Y & (INTER_TAB_SIZE - 1)) * INTER_TAB_SIZE + (X & (INTER_TAB_SIZE - 1));
      if (sx >= 0 && sx < innerWidth && sy >= 0 && sy < innerHeight) {
        const w = fraction << 2;
        const w0 = table[w]!;
        const w1 = table[w + 1]!;
        const w2 = table[w + 2]!;
        const w3 = table[w + 3]!;
        const p = sy * stride + sx * 3;
        const q = p + stride;
        out[o] = (src[p]! * w0 + src[p + 3]! * w1 + src[q]! * w2 + src[q + 3]! * w3 + 16384) >> 15;
        out[o + 1] = (src[p + 1]! * w0 + src[p + 4]! * w1 + src[q + 1]! * w2 + src[q + 4]! * w3 + 16384) >> 15;
        out[o + 2] = (src[p + 2]! * w0 + src[p + 5]! * w1 + src[q + 2]! * w2 + src[q + 5]! * w3 + 16384) >> 15;
      } else {
        bilinearBorderPixelRgb8(src, width, height, out, index, sx, sy, fraction, borderMode, fill, table);
      }
    }
  }
  return dst;
}
