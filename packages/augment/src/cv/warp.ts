/**
 * `cv2.getRotationMatrix2D`, `cv2.warpAffine` and `cv2.remap`, bit-exact with OpenCV 4.6: fixed-point
 * coordinates on the 1/32-pixel grid, the interpolation tables, border handling per neighbour.
 */
import { allocateLike, assertRawImage, type RawImage } from '../core/raw-image.js';
import { BorderMode, borderInterpolate, borderValues, type BorderModeValue } from './border.js';
import {
  INTER_BITS,
  INTER_TAB_SIZE,
  Interpolation,
  fixedInterpolationTable,
  floatInterpolationTable,
  storeFixedCoordinate,
  type InterpolationValue,
} from './interpolation.js';
import { roundHalfEven } from './saturate.js';
import { cosCorrectlyRounded, sinCorrectlyRounded } from './trig.js';

const fround = Math.fround;

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
  return remapFixed(
    image,
    width,
    height,
    sxs,
    sys,
    fractions,
    interpolation,
    options.borderMode ?? BorderMode.REFLECT_101,
    options.borderValue ?? null,
  );
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
    throw new RangeError(
      `remap: maps must have ${count} entries (${outputWidth}x${outputHeight}), got ${mapX.length} and ${mapY.length}`,
    );
  }
  const sxs = new Int32Array(count);
  const sys = new Int32Array(count);
  const fractions = interpolation === Interpolation.NEAREST ? null : new Uint16Array(count);
  for (let i = 0; i < count; i++) {
    if (fractions) {
      storeFixedCoordinate(sxs, sys, fractions, i, mapX[i]! * INTER_TAB_SIZE, mapY[i]! * INTER_TAB_SIZE);
    } else {
      sxs[i] = roundHalfEven(mapX[i]!);
      sys[i] = roundHalfEven(mapY[i]!);
    }
  }
  return remapFixed(image, outputWidth, outputHeight, sxs, sys, fractions, interpolation, borderMode, borderValue);
}
/** The remap core on integer coordinates and 1/32 fractions (shared by warpAffine, remap and the undistortion maps). */
export function remapFixed(
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
    remapBilinearRgb8(
      src as Uint8Array,
      srcWidth,
      srcHeight,
      out as Uint8Array,
      count,
      sxs,
      sys,
      fractions!,
      borderMode,
      fill,
    );
    return dst;
  }

  if (
    interpolation === Interpolation.CUBIC ||
    interpolation === Interpolation.LINEAR ||
    interpolation === Interpolation.AREA
  ) {
    const cubic = interpolation === Interpolation.CUBIC;
    const size = cubic ? 4 : 2;
    const taps = size * size;
    const table = isUint8
      ? cubic
        ? fixedInterpolationTable(4)
        : fixedInterpolationTable(2)
      : cubic
        ? floatInterpolationTable(4)
        : floatInterpolationTable(2);
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
              const value =
                (src[p]! * w0 +
                  src[p + channels]! * w1 +
                  src[p + stride]! * w2 +
                  src[p + stride + channels]! * w3 +
                  16384) >>
                15;
              out[o + c] = value < 0 ? 0 : value > 255 ? 255 : value;
            } else {
              // remapBilinear<float>: each product and each sum rounded to float32, left to right.
              out[o + c] = fround(
                fround(fround(fround(src[p]! * w0) + fround(src[p + channels]! * w1)) + fround(src[p + stride]! * w2)) +
                  fround(src[p + stride + channels]! * w3),
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
      if (
        borderMode === BorderMode.CONSTANT &&
        (sx >= srcWidth || sx + size <= 0 || sy >= srcHeight || sy + size <= 0)
      ) {
        for (let c = 0; c < channels; c++) out[o + c] = fill[c]!;
        continue;
      }
      for (let k = 0; k < size; k++) {
        xIndex[k] = borderInterpolate(sx + k, srcWidth, borderMode);
        yIndex[k] = borderInterpolate(sy + k, srcHeight, borderMode);
      }
      for (let c = 0; c < channels; c++) {
        if (!isUint8 && !cubic) {
          const value = (kx: number, ky: number): number =>
            xIndex[kx]! >= 0 && yIndex[ky]! >= 0 ? src[yIndex[ky]! * stride + xIndex[kx]! * channels + c]! : fill[c]!;
          out[o + c] = fround(
            fround(
              fround(fround(value(0, 0) * table[w]!) + fround(value(1, 0) * table[w + 1]!)) +
                fround(value(0, 1) * table[w + 2]!),
            ) + fround(value(1, 1) * table[w + 3]!),
          );
          continue;
        }
        let sum = 0;
        for (let ky = 0; ky < size; ky++) {
          for (let kx = 0; kx < size; kx++) {
            const value =
              xIndex[kx]! >= 0 && yIndex[ky]! >= 0 ? src[yIndex[ky]! * stride + xIndex[kx]! * channels + c]! : fill[c]!;
            sum += value * table[w + ky * size + kx]!;
          }
        }
        out[o + c] = isUint8 ? clampByte((sum + 16384) >> 15) : fround(sum);
      }
    }
    return dst;
  }
  throw new RangeError(
    `remap: interpolation must be 0 (INTER_NEAREST), 1 (INTER_LINEAR) or 2 (INTER_CUBIC); got ${interpolation}`,
  );
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
  const table = fixedInterpolationTable(2);
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
export function bilinearBorderPixelRgb8(
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
