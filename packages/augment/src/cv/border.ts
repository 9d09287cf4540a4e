/** OpenCV border handling: `cv2.BORDER_*`, `borderInterpolate`, border values, `cv2.copyMakeBorder`. */
import { allocateLike, assertRawImage, type RawImage } from '../core/raw-image.js';
import { saturateUint8 } from './saturate.js';

const fround = Math.fround;

/** The five OpenCV border modes albumentations uses (`cv2.BORDER_*`). */
export const BorderMode = {
  CONSTANT: 0,
  REPLICATE: 1,
  REFLECT: 2,
  WRAP: 3,
  REFLECT_101: 4,
} as const;
export type BorderModeValue = (typeof BorderMode)[keyof typeof BorderMode];
export const BORDER_MODES: readonly BorderModeValue[] = [0, 1, 2, 3, 4];
export const BORDER_MODE_NAMES = [
  'BORDER_CONSTANT',
  'BORDER_REPLICATE',
  'BORDER_REFLECT',
  'BORDER_WRAP',
  'BORDER_REFLECT_101',
];

/**
 * OpenCV `borderInterpolate`: maps an outside coordinate into [0, length); -1 for CONSTANT.
 * @example
 * borderInterpolate(-2, 10, BorderMode.REFLECT_101); // 2
 */
export function borderInterpolate(position: number, length: number, mode: BorderModeValue): number {
  let p = position;
  if (p >= 0 && p < length) return p;
  switch (mode) {
    case BorderMode.REPLICATE:
      return p < 0 ? 0 : length - 1;
    case BorderMode.REFLECT:
    case BorderMode.REFLECT_101: {
      const delta = mode === BorderMode.REFLECT_101 ? 1 : 0;
      if (length === 1) return 0;
      // OpenCV reflects one step per turn, so a coordinate many periods away (huge maps) costs
      // |p| / length turns: fold it into one period first (the reflections repeat every period).
      const period = 2 * (length - delta);
      if (p < -period || p >= period + length) p = ((p % period) + period) % period;
      while (p < 0 || p >= length) p = p < 0 ? -p - 1 + delta : length - 1 - (p - length) - delta;
      return p;
    }
    case BorderMode.WRAP:
      if (p < 0) p -= Math.trunc((p - length + 1) / length) * length;
      if (p >= length) p %= length;
      return p;
    default:
      return -1;
  }
}

/**
 * Per-channel border value as OpenCV applies it (saturate_cast for uint8). Like `cv2`, a single
 * number becomes `Scalar(v, 0, 0, 0)`: only the first channel gets it.
 * @example
 * borderValues(127, 3, true); // [127, 0, 0]
 */
export function borderValues(
  value: number | readonly number[] | null | undefined,
  channels: number,
  isUint8: boolean,
): number[] {
  const values: number[] = [];
  for (let channel = 0; channel < channels; channel++) {
    const raw =
      value === null || value === undefined
        ? 0
        : typeof value === 'number'
          ? channel === 0
            ? value
            : 0
          : (value[channel] ?? 0);
    values.push(isUint8 ? saturateUint8(raw) : fround(raw));
  }
  return values;
}

/**
 * `cv2.copyMakeBorder(img, top, bottom, left, right, borderMode, value)`.
 * @example
 * const padded = copyMakeBorder(image, 2, 2, 3, 3, BorderMode.REFLECT_101);
 */
export function copyMakeBorder(
  image: RawImage,
  top: number,
  bottom: number,
  left: number,
  right: number,
  borderMode: BorderModeValue = BorderMode.REFLECT_101,
  value: number | readonly number[] | null = null,
): RawImage {
  assertRawImage(image);
  for (const [name, amount] of [
    ['top', top],
    ['bottom', bottom],
    ['left', left],
    ['right', right],
  ] as const) {
    if (!Number.isInteger(amount) || amount < 0)
      throw new RangeError(`copyMakeBorder: ${name} must be a non-negative integer, got ${amount}`);
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
