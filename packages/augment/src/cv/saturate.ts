/** OpenCV's rounding and saturation (`cvRound`, `saturate_cast`, the FMA its SIMD paths use). */

export const ROUND_HALF_EVEN_MAGIC = 6755399441055744; // 1.5 * 2^52: adding and removing it rounds |v| < 2^51 half to even

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
