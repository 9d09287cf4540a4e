/**
 * `cv2.initUndistortRectifyMap` (k1 = k2 = k) and the remap that follows it, as albumentations'
 * optical distortion calls them; INTER_LINEAR fuses the two without materialising the maps.
 */
import { allocateUninitializedLike, assertRawImage, type RawImage } from '../core/raw-image.js';
import { wasmKernels } from '../wasm/index.js';
import { BorderMode, borderValues, type BorderModeValue } from './border.js';
import {
  INTER_BITS,
  INTER_TAB_SIZE,
  Interpolation,
  fixedInterpolationTable,
  storeFixedCoordinate,
  type InterpolationValue,
} from './interpolation.js';
import { ROUND_HALF_EVEN_MAGIC, roundHalfEven } from './saturate.js';
import { bilinearBorderPixelRgb8, remap, remapFixed } from './warp.js';

const fround = Math.fround;

/**
 * The float32 maps of `cv2.initUndistortRectifyMap(cam, dist, None, None, (W, H), CV_32FC1)` as
 * albumentations' `F.optical_distortion` builds them: `cam = [[W,0,W/2+dx],[0,H,H/2+dy],[0,0,1]]`,
 * `dist = [k, k, 0, 0, 0]` (k rounded to float32), default new camera matrix with principal
 * point `((W-1)/2, (H-1)/2)`.
 * @example
 * const { mapX, mapY } = opticalDistortionMaps(64, 48, 0.05, 0, 0);
 */
export function opticalDistortionMaps(
  width: number,
  height: number,
  k: number,
  dx: number,
  dy: number,
): { mapX: Float32Array; mapY: Float32Array } {
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
 * `cv2.remap` through the {@link opticalDistortionMaps} of `k, dx, dy`, the maps never stored
 * for INTER_LINEAR (same numbers as building them, then remap).
 * @example
 * const distorted = undistortRemap(image, 0.05, 0, 0, Interpolation.LINEAR, BorderMode.REFLECT_101, null);
 */
export function undistortRemap(
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
    return opticalDistortionRgb8(
      image,
      fx,
      fy,
      cx,
      cy,
      k32,
      ir0,
      ir2,
      ir4,
      ir5,
      borderMode,
      borderValues(value, 3, true),
    );
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
      storeFixedCoordinate(
        sxs,
        sys,
        fractions,
        index,
        fround(fx * (x * kr) + cx) * INTER_TAB_SIZE,
        fround(fy * (y * kr) + cy) * INTER_TAB_SIZE,
      );
    }
  }
  return remapFixed(image, width, height, sxs, sys, fractions, interpolation, borderMode, value);
}

/**
 * The uint8 RGB INTER_LINEAR case of {@link undistortRemap} in one pass: each pixel's map
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
  const table = fixedInterpolationTable(2);
  // The kernel converts map * 32 to int32 saturating where JavaScript's `>>` wraps the double:
  // the same while |map| < 2^26. |x|, |y| <= 0.5 and r2 <= 0.5 bound |map| by these sums.
  const radialBound = 1 + 0.75 * Math.abs(k);
  const kernels =
    width * 0.5 * radialBound + Math.abs(cx) < 2 ** 25 && height * 0.5 * radialBound + Math.abs(cy) < 2 ** 25
      ? wasmKernels()
      : undefined;
  if (kernels) {
    const arena = kernels.arena();
    const srcPointer = arena.copyIn(src);
    const outPointer = arena.allocate(out.length);
    const tablePointer = arena.copyIn(table);
    const borderPointer = arena.allocate(width * height * 16);
    const borderCount = kernels.exports.opticalDistortionRgb8(
      srcPointer,
      outPointer,
      width,
      height,
      fx,
      fy,
      cx,
      cy,
      k,
      ir0,
      ir2,
      ir4,
      ir5,
      tablePointer,
      borderPointer,
      arena.allocate(width * 8),
    );
    out.set(arena.bytes(outPointer, out.length));
    const borderPixels = new Int32Array(kernels.exports.memory.buffer, borderPointer, borderCount * 4);
    for (let b = 0; b < borderCount * 4; b += 4) {
      bilinearBorderPixelRgb8(
        src,
        width,
        height,
        out,
        borderPixels[b]!,
        borderPixels[b + 1]!,
        borderPixels[b + 2]!,
        borderPixels[b + 3]!,
        borderMode,
        fill,
        table,
      );
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
