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
  return error > 0 === other > rounded ? other : rounded;
}

/** A finite double as `mantissa * 2^exponent` (exact). */
function decompose(value: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const sign = bits >> 63n ? -1n : 1n;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  if (biased === 0) return { mantissa: sign * fraction, exponent: -1074 };
  return { mantissa: sign * (fraction | 0x10000000000000n), exponent: biased - 1075 };
}

/**
 * `a * b + c` rounded once (a fused multiply-add, what OpenBLAS and OpenCV's AVX2 code compute),
 * in exact integer arithmetic. For finite arguments whose result is a normal double.
 * @example fma(0.1, 10, -1); // 5.551115123125783e-17, where 0.1 * 10 - 1 is 0
 */
export function fma(a: number, b: number, c: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(c) || a === 0 || b === 0) return a * b + c;
  const x = decompose(a);
  const y = decompose(b);
  const z = decompose(c);
  const productExponent = x.exponent + y.exponent;
  const exponent = Math.min(productExponent, z.exponent);
  let exact =
    ((x.mantissa * y.mantissa) << BigInt(productExponent - exponent)) + (z.mantissa << BigInt(z.exponent - exponent));
  if (exact === 0n) return a * b + c; // the sign of an exact zero follows IEEE rules
  let shift = exponent;
  const length = exact.toString(2).length - (exact < 0n ? 1 : 0);
  if (length > 900) {
    // Keep 900 bits plus a sticky bit: Number() then rounds exactly as the full value would.
    const drop = BigInt(length - 900);
    const magnitude = exact < 0n ? -exact : exact;
    let kept = magnitude >> drop;
    if (kept << drop !== magnitude) kept |= 1n;
    exact = exact < 0n ? -kept : kept;
    shift += length - 900;
  }
  const first = Math.max(shift, -1000); // 2 ** shift alone would underflow below -1074
  return Number(exact) * 2 ** first * 2 ** (shift - first);
}
