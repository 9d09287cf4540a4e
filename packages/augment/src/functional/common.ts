/** Rounding, saturation and border helpers with OpenCV's exact semantics. */

const fround = Math.fround;

/**
 * OpenCV `cvRound` / `saturate_cast<int>(double)`: round half to even.
 * @example
 * roundHalfEven(2.5); // 2
 */
export function roundHalfEven(value: number): number {
  const rounded = Math.round(value);
  // Math.round rounds .5 up; OpenCV rounds .5 to the even neighbour.
  return rounded - value === 0.5 && (rounded & 1) !== 0 ? rounded - 1 : rounded;
}

/**
 * OpenCV `saturate_cast<uchar>(float or double)`: round half to even, clamp to [0, 255].
 * @example
 * saturateUint8(254.5); // 254
 */
export function saturateUint8(value: number): number {
  if (!(value > 0)) return 0; // also maps NaN to 0 like the SIMD path
  if (value >= 255) return 255;
  return roundHalfEven(value);
}

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
export const BORDER_MODE_NAMES = ['BORDER_CONSTANT', 'BORDER_REPLICATE', 'BORDER_REFLECT', 'BORDER_WRAP', 'BORDER_REFLECT_101'];

/** OpenCV interpolation flags (`cv2.INTER_*`). */
export const Interpolation = {
  NEAREST: 0,
  LINEAR: 1,
  CUBIC: 2,
  AREA: 3,
} as const;
export type InterpolationValue = (typeof Interpolation)[keyof typeof Interpolation];
export const INTERPOLATIONS: readonly InterpolationValue[] = [0, 1, 2, 3];
export const INTERPOLATION_NAMES = ['INTER_NEAREST', 'INTER_LINEAR', 'INTER_CUBIC', 'INTER_AREA'];

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
      do {
        p = p < 0 ? -p - 1 + delta : length - 1 - (p - length) - delta;
      } while (p < 0 || p >= length);
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
export function borderValues(value: number | readonly number[] | null | undefined, channels: number, isUint8: boolean): number[] {
  const values: number[] = [];
  for (let channel = 0; channel < channels; channel++) {
    const raw =
      value === null || value === undefined ? 0 : typeof value === 'number' ? (channel === 0 ? value : 0) : (value[channel] ?? 0);
    values.push(isUint8 ? saturateUint8(raw) : fround(raw));
  }
  return values;
}

/**
 * float32 fused multiply-add `round32(a * b + c)` with a single rounding, as AVX2/FMA code
 * computes it (`a`, `b`, `c` float32 values). The product is exact in float64; the one case
 * where rounding the float64 sum again to float32 could differ (a float64 sum exactly halfway
 * between two float32 values) is settled with the sum's rounding error.
 * @example
 * fmaf32(Math.fround(0.587), 200, Math.fround(30 * Math.fround(0.299)));
 */
export function fmaf32(a: number, b: number, c: number): number {
  const product = a * b;
  const sum = product + c;
  const rounded = Math.fround(sum);
  if (rounded === sum) return rounded;
  const bv = sum - product;
  const error = product - (sum - bv) + (c - bv);
  if (error === 0) return rounded;
  const other = Math.fround(rounded + 2 * (sum - rounded));
  if (other - sum !== sum - rounded) return rounded; // not halfway: float64 rounding was harmless
  return (error > 0) === (other > rounded) ? other : rounded;
}
