/**
 * OpenCV 4.6's bit-exact 8-bit RGB <-> CIE L*a*b* conversions (`COLOR_RGB2LAB`,
 * `COLOR_LAB2RGB` on uint8), ported from the integer paths of `color_lab.cpp`. The lookup
 * tables are built exactly as OpenCV builds them with its softfloat library: float32 steps are
 * `Math.fround`, float64 steps are plain JS numbers, `cvRound` rounds half to even.
 */
import { allocateLike, assertRawImage, type RawImage } from '../core/raw-image.js';
import { roundHalfEven } from './saturate.js';

const fround = Math.fround;

function fromRawDouble(high: number, low: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setUint32(0, high);
  view.setUint32(4, low);
  return view.getFloat64(0);
}

// sRGB -> XYZ (D65) and its inverse, as the exact doubles OpenCV stores (fromRaw).
const RGB_TO_XYZ = [
  fromRawDouble(0x3fda65a1, 0x4488c60d),
  fromRawDouble(0x3fd6e297, 0x396d0918),
  fromRawDouble(0x3fc71819, 0xd2391d58),
  fromRawDouble(0x3fcb38cd, 0xa6e75ff6),
  fromRawDouble(0x3fe6e297, 0x396d0918),
  fromRawDouble(0x3fb279aa, 0xe6c8f755),
  fromRawDouble(0x3f93cc4a, 0xc6cdaf4b),
  fromRawDouble(0x3fbe836e, 0xb4e98138),
  fromRawDouble(0x3fee6842, 0x7418d691),
];
const XYZ_TO_RGB = [
  fromRawDouble(0x4009ec80, 0x4102ff8f),
  fromRawDouble(0xbff8982a, 0x9930be0e),
  fromRawDouble(0xbfdfe7ff, 0x583a53b9),
  fromRawDouble(0xbfef0425, 0x28ae74f3),
  fromRawDouble(0x3ffe040f, 0x23897204),
  fromRawDouble(0x3fa546d3, 0xf9e7b80b),
  fromRawDouble(0x3fac7de5, 0x082cf52c),
  fromRawDouble(0xbfca1e14, 0xbdfd2631),
  fromRawDouble(0x3ff0eabe, 0xf06b3786),
];
const D65 = [fromRawDouble(0x3fee6a22, 0xb3892ee8), 1, fromRawDouble(0x3ff16b89, 0x50763a19)];

const LAB_SHIFT = 12;
const GAMMA_SHIFT = 3;
const LAB_SHIFT2 = LAB_SHIFT + GAMMA_SHIFT;
const CBRT_TABLE_SIZE = ((256 * 3) / 2) * (1 << GAMMA_SHIFT);
const INV_GAMMA_SHIFT = 12;
const INV_GAMMA_TABLE_SIZE = 1 << INV_GAMMA_SHIFT;
const LUT_BASE = 1 << 14;
const MIN_AB_VALUE = -8145;

const gammaThreshold = 809 / 20000;
const gammaInverseThreshold = 7827 / 2500000;
const gammaLowScale = 323 / 25;
const gammaPower = 12 / 5;
const gammaXShift = 11 / 200;
const lThreshold = fround(fround(216) / fround(24389));
const lScale = fround(fround(841) / fround(108));
const lBias = fround(fround(16) / fround(116));

function applyGamma(x: number): number {
  return fround(x <= gammaThreshold ? x / gammaLowScale : ((x + gammaXShift) / (1 + gammaXShift)) ** gammaPower);
}

function applyInverseGamma(x: number): number {
  return fround(
    x <= gammaInverseThreshold ? x * gammaLowScale : x ** (1 / gammaPower) * (1 + gammaXShift) - gammaXShift,
  );
}

const floatView = new Float32Array(1);
const bitsView = new Uint32Array(floatView.buffer);
const doubleView = new Float64Array(1);
const doubleBits = new Uint32Array(doubleView.buffer); // little-endian: [low, high]

const CBRT_NUMERATOR = [
  fromRawDouble(0x4046a09e, 0x6653ba70),
  fromRawDouble(0x406808f4, 0x6c6116e0),
  fromRawDouble(0x405dca97, 0x439cae14),
  fromRawDouble(0x402add70, 0xd2827500),
  fromRawDouble(0x3fc4f15f, 0x83f55d2d),
];
const CBRT_DENOMINATOR = [
  fromRawDouble(0x402d9e20, 0x660edb21),
  fromRawDouble(0x4062ff15, 0xc0285815),
  fromRawDouble(0x406510d0, 0x6a8112ce),
  fromRawDouble(0x4040fecb, 0xc9e2c375),
];

/**
 * softfloat's `cbrt` (OpenCV `f32_cbrt`, Turkowski's method): a quartic rational approximation
 * on [0.125, 1) in float64, whose mantissa is then TRUNCATED to float32. It is not the
 * correctly rounded cube root, which is exactly why it is reproduced instead of `Math.cbrt`.
 * @example
 * softfloatCbrt(0.125); // 0.5
 */
export function softfloatCbrt(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  floatView[0] = value;
  const bits = bitsView[0]!;
  const negative = bits >>> 31 !== 0;
  const exponent = ((bits >>> 23) & 0xff) - 127;
  let shift = exponent % 3;
  shift -= shift >= 0 ? 3 : 0;
  const cubeExponent = (exponent - shift) / 3 - 1;
  const fraction = (1 + (bits & 0x7fffff) / 8388608) * 2 ** shift;
  const [a1, a2, a3, a4, a5] = CBRT_NUMERATOR as [number, number, number, number, number];
  const [b1, b2, b3, b4] = CBRT_DENOMINATOR as [number, number, number, number];
  const ratio =
    ((((a1 * fraction + a2) * fraction + a3) * fraction + a4) * fraction + a5) /
    ((((b1 * fraction + b2) * fraction + b3) * fraction + b4) * fraction + 1);
  // ratio is in [0.5, 1): keep its top 23 mantissa bits (truncation), exponent = cubeExponent.
  doubleView[0] = ratio;
  const mantissa = ((doubleBits[1]! & 0xfffff) << 3) | (doubleBits[0]! >>> 29);
  bitsView[0] = ((negative ? 1 : 0) << 31) | ((cubeExponent + 127) << 23) | mantissa;
  return floatView[0]!;
}

/** float32 fused multiply-add `round(a*b + c)` (softfloat mulAdd): exact product, one rounding. */
function mulAddFloat(a: number, b: number, c: number): number {
  return fround(a * b + c); // a*b of two float32 values is exact in a double
}

interface LabTables {
  gamma: Uint16Array;
  cbrt: Uint16Array;
  inverseGamma: Uint16Array;
  yf: Int32Array;
  abToXz: Int32Array;
  rgbToLab: Int32Array;
  labToRgb: Int32Array;
}

let tables: LabTables | undefined;

function labTables(): LabTables {
  if (tables) return tables;
  const gamma = new Uint16Array(256);
  const intScale = fround(255 * (1 << GAMMA_SHIFT));
  for (let i = 0; i < 256; i++) gamma[i] = roundHalfEven(fround(intScale * applyGamma(fround(i / 255))));

  const cbrt = new Uint16Array(CBRT_TABLE_SIZE);
  const cbrtScale = fround(1 / fround(255 * (1 << GAMMA_SHIFT)));
  const shift2 = 1 << LAB_SHIFT2;
  for (let i = 0; i < CBRT_TABLE_SIZE; i++) {
    const x = fround(cbrtScale * i);
    const value = x < lThreshold ? mulAddFloat(x, lScale, lBias) : softfloatCbrt(x);
    cbrt[i] = roundHalfEven(fround(shift2 * value));
  }

  const inverseGamma = new Uint16Array(INV_GAMMA_TABLE_SIZE);
  const inverseScale = fround(1 / INV_GAMMA_TABLE_SIZE);
  for (let i = 0; i < INV_GAMMA_TABLE_SIZE; i++) {
    inverseGamma[i] = roundHalfEven(fround(255 * applyInverseGamma(fround(inverseScale * i))));
  }

  const yf = new Int32Array(512);
  for (let i = 0; i < 256; i++) {
    let y: number;
    let ify: number;
    if (i <= 20) {
      y = roundHalfEven(fround(fround(i * LUT_BASE * 20 * 9) / fround(17 * 29 * 29 * 29)));
      ify = roundHalfEven(
        fround(LUT_BASE * fround(fround(fround(16) / fround(116)) + fround(fround(i * 5) / fround(3 * 17 * 29)))),
      );
    } else {
      const fy = fround(
        fround(fround(i * 100 * LUT_BASE) / fround(255 * 116)) + fround(fround(16 * LUT_BASE) / fround(116)),
      );
      ify = roundHalfEven(fy);
      y = roundHalfEven(fround(fround(fround(fy * fy) * fy) / fround(LUT_BASE * LUT_BASE)));
    }
    yf[i * 2] = y;
    yf[i * 2 + 1] = ify;
  }

  const abSize = (LUT_BASE * 9) / 4;
  const abToXz = new Int32Array(abSize);
  const lowOffset = Math.trunc(Math.trunc(Math.trunc((LUT_BASE * 16) / 116) * 108) / 841);
  for (let i = MIN_AB_VALUE; i < abSize + MIN_AB_VALUE; i++) {
    // C integer arithmetic: division truncates toward zero.
    abToXz[i - MIN_AB_VALUE] =
      i <= 3390 ? Math.trunc((i * 108) / 841) - lowOffset : Math.trunc((Math.trunc((i * i) / LUT_BASE) * i) / LUT_BASE);
  }

  // RGB2Lab_b coefficients (RGB order: blueIdx = 2).
  const rgbToLab = new Int32Array(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++)
      rgbToLab[i * 3 + j] = roundHalfEven(((1 << LAB_SHIFT) * RGB_TO_XYZ[i * 3 + j]!) / D65[i]!);
  }
  // Lab2RGBinteger coefficients; rows reordered so row 0 gives R.
  const labToRgb = new Int32Array(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++)
      labToRgb[j * 3 + i] = roundHalfEven((1 << LAB_SHIFT) * XYZ_TO_RGB[j * 3 + i]! * D65[i]!);
  }
  tables = { gamma, cbrt, inverseGamma, yf, abToXz, rgbToLab, labToRgb };
  return tables;
}

/**
 * `cv2.cvtColor(img, cv2.COLOR_RGB2LAB)` for uint8 RGB: 8-bit L*a*b* codes
 * `(L*255/100, a+128, b+128)`, bit-exact with OpenCV 4.6.
 * @example
 * const lab = rgbToLab(image);
 */
export function rgbToLab(image: RawImage): RawImage {
  assertRawImage(image);
  if (!(image.data instanceof Uint8Array) || image.channels !== 3) {
    throw new TypeError(
      `rgbToLab: needs a uint8 image with 3 channels, got ${image.data.constructor.name} with ${image.channels}`,
    );
  }
  const { gamma, cbrt, rgbToLab: c } = labTables();
  const src = image.data;
  const dst = allocateLike(image, image.width, image.height, 3);
  const out = dst.data;
  const lScaleInt = Math.trunc((116 * 255 + 50) / 100);
  const lShiftInt = -Math.trunc((16 * 255 * (1 << LAB_SHIFT2) + 50) / 100);
  const round1 = 1 << (LAB_SHIFT - 1);
  const round2 = 1 << (LAB_SHIFT2 - 1);
  const abBias = 128 * (1 << LAB_SHIFT2) + round2;
  const [c0, c1, c2, c3, c4, c5, c6, c7, c8] = c as unknown as number[];
  for (let i = 0; i < src.length; i += 3) {
    const r = gamma[src[i]!]!;
    const g = gamma[src[i + 1]!]!;
    const b = gamma[src[i + 2]!]!;
    const fX = cbrt[(r * c0! + g * c1! + b * c2! + round1) >> LAB_SHIFT]!;
    const fY = cbrt[(r * c3! + g * c4! + b * c5! + round1) >> LAB_SHIFT]!;
    const fZ = cbrt[(r * c6! + g * c7! + b * c8! + round1) >> LAB_SHIFT]!;
    const l = (lScaleInt * fY + lShiftInt + round2) >> LAB_SHIFT2;
    const a = (500 * (fX - fY) + abBias) >> LAB_SHIFT2;
    const bb = (200 * (fY - fZ) + abBias) >> LAB_SHIFT2;
    out[i] = l < 0 ? 0 : l > 255 ? 255 : l;
    out[i + 1] = a < 0 ? 0 : a > 255 ? 255 : a;
    out[i + 2] = bb < 0 ? 0 : bb > 255 ? 255 : bb;
  }
  return dst;
}

/**
 * `cv2.cvtColor(img, cv2.COLOR_LAB2RGB)` for uint8 8-bit L*a*b* codes, bit-exact with
 * OpenCV 4.6's integer path (`Lab2RGBinteger`).
 * @example
 * const rgb = labToRgb(rgbToLab(image));
 */
export function labToRgb(image: RawImage): RawImage {
  assertRawImage(image);
  if (!(image.data instanceof Uint8Array) || image.channels !== 3) {
    throw new TypeError(
      `labToRgb: needs a uint8 image with 3 channels, got ${image.data.constructor.name} with ${image.channels}`,
    );
  }
  const { inverseGamma, yf, abToXz, labToRgb: c } = labTables();
  const src = image.data;
  const dst = allocateLike(image, image.width, image.height, 3);
  const out = dst.data;
  const shift = LAB_SHIFT + (14 - INV_GAMMA_SHIFT);
  const round = 1 << (shift - 1);
  const aOffset = Math.trunc((128 * LUT_BASE) / 500);
  const bOffset = Math.trunc((128 * LUT_BASE) / 200) - 1;
  const top = INV_GAMMA_TABLE_SIZE - 1;
  const [c0, c1, c2, c3, c4, c5, c6, c7, c8] = c as unknown as number[];
  for (let i = 0; i < src.length; i += 3) {
    const l = src[i]!;
    const y = yf[l * 2]!;
    const ify = yf[l * 2 + 1]!;
    const adiv = ((5 * src[i + 1]! * 53687 + (1 << 7)) >> 13) - aOffset;
    const bdiv = ((src[i + 2]! * 41943 + (1 << 4)) >> 9) - bOffset;
    const x = abToXz[ify + adiv - MIN_AB_VALUE]!;
    const z = abToXz[ify - bdiv - MIN_AB_VALUE]!;
    let r = (c0! * x + c1! * y + c2! * z + round) >> shift;
    let g = (c3! * x + c4! * y + c5! * z + round) >> shift;
    let b = (c6! * x + c7! * y + c8! * z + round) >> shift;
    r = r < 0 ? 0 : r > top ? top : r;
    g = g < 0 ? 0 : g > top ? top : g;
    b = b < 0 ? 0 : b > top ? top : b;
    out[i] = inverseGamma[r]!;
    out[i + 1] = inverseGamma[g]!;
    out[i + 2] = inverseGamma[b]!;
  }
  return dst;
}
