/**
 * `cv2.cvtColor` between RGB, gray and HSV (OpenCV 4.6: 8-bit integer tables, hue in [0, 180);
 * float32 with hue in degrees, the AVX2 lanes' FMA order), used by albumentations' colour functions.
 */
import { allocateLike, assertRawImage, type RawImage } from '../core/raw-image.js';
import { fmaf32, roundHalfEven, saturateUint8 } from './saturate.js';

const fround = Math.fround;

const GRAY_R = Math.fround(0.299);
const GRAY_G = Math.fround(0.587);
const GRAY_B = Math.fround(0.114);

/**
 * `cv2.cvtColor(img, COLOR_RGB2GRAY)` (8-bit: `(R*9798 + G*19235 + B*3735 + 16384) >> 15`, OpenCV 4's 15-bit weights).
 * @example
 * const gray = rgbToGray(image); // 1 channel
 */
export function rgbToGray(image: RawImage): RawImage {
  assertRawImage(image);
  if (image.channels !== 3) throw new RangeError(`rgbToGray: needs 3 channels, got ${image.channels}`);
  const { width, height } = image;
  const src = image.data;
  const dst = allocateLike(image, width, height, 1);
  const out = dst.data;
  if (src instanceof Uint8Array) {
    for (let p = 0, i = 0; p < width * height; p++, i += 3)
      out[p] = (src[i]! * 9798 + src[i + 1]! * 19235 + src[i + 2]! * 3735 + 16384) >> 15;
    return dst;
  }
  // OpenCV's AVX2 RGB2Gray<float>, row by row: blocks of 8 pixels compute
  // fma(b, 0.114, fma(g, 0.587, r*0.299)); the row's last width % 8 pixels take the scalar
  // code, which GCC contracts in another order: fma(b, 0.114, fma(r, 0.299, g*0.587)).
  const simdWidth = width - (width % 8);
  for (let y = 0, p = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, p++, i += 3) {
      out[p] =
        x < simdWidth
          ? fmaf32(src[i + 2]!, GRAY_B, fmaf32(src[i + 1]!, GRAY_G, fround(src[i]! * GRAY_R)))
          : fmaf32(src[i + 2]!, GRAY_B, fmaf32(src[i]!, GRAY_R, fround(src[i + 1]! * GRAY_G)));
    }
  }
  return dst;
}

// ---- HSV (OpenCV 8-bit, hue range 180) ----

const HSV_SHIFT = 12;
let saturationDivision: Int32Array | undefined;
let hueDivision: Int32Array | undefined;

/**
 * `cv2.cvtColor(img, COLOR_RGB2HSV)` for uint8 (integer tables, hue in [0, 180)).
 * @example
 * const hsv = rgbToHsv(image);
 */
export function rgbToHsv(image: RawImage): RawImage {
  assertRawImage(image);
  if (image.channels !== 3) throw new RangeError(`rgbToHsv: needs 3 channels, got ${image.channels}`);
  if (image.data instanceof Float32Array) return rgbToHsvFloat(image);
  if (!saturationDivision || !hueDivision) {
    saturationDivision = new Int32Array(256);
    hueDivision = new Int32Array(256);
    for (let i = 1; i < 256; i++) {
      saturationDivision[i] = roundHalfEven((255 << HSV_SHIFT) / i);
      hueDivision[i] = roundHalfEven((180 << HSV_SHIFT) / (6 * i));
    }
  }
  const src = image.data;
  const dst = allocateLike(image, image.width, image.height);
  const out = dst.data;
  const half = 1 << (HSV_SHIFT - 1);
  for (let i = 0; i < src.length; i += 3) {
    const r = src[i]!;
    const g = src[i + 1]!;
    const b = src[i + 2]!;
    const v = Math.max(r, g, b);
    const minimum = Math.min(r, g, b);
    const diff = v - minimum;
    const s = (diff * saturationDivision[v]! + half) >> HSV_SHIFT;
    let h = v === r ? g - b : v === g ? b - r + 2 * diff : r - g + 4 * diff;
    h = (h * hueDivision[diff]! + half) >> HSV_SHIFT;
    if (h < 0) h += 180;
    out[i] = h > 255 ? 255 : h;
    out[i + 1] = s;
    out[i + 2] = v;
  }
  return dst;
}

const FLT_EPSILON = 2 ** -23;

/**
 * float32 `cv2.cvtColor(img, COLOR_RGB2HSV)` (hue in [0, 360)) as OpenCV 4.6's AVX2 build
 * computes it: per row, blocks of 8 pixels through RGB2HSV_f's SIMD code (the hue as one fused
 * multiply-add with its 0/120/240/360 offset), the rest through its scalar code (fused too,
 * then + 360 when negative).
 */
function rgbToHsvFloat(image: RawImage): RawImage {
  const src = image.data as Float32Array;
  const dst = allocateLike(image, image.width, image.height);
  const out = dst.data as Float32Array;
  const simdWidth = image.width - (image.width % FLOAT_SIMD_LANES);
  for (let p = 0, i = 0; p < image.width * image.height; p++, i += 3) {
    const r = src[i]!;
    const g = src[i + 1]!;
    const b = src[i + 2]!;
    const v = Math.max(r, g, b);
    const diff = fround(v - Math.min(r, g, b));
    const difference = v === r ? fround(g - b) : v === g ? fround(b - r) : fround(r - g);
    const offset = v === r ? 0 : v === g ? 120 : 240;
    const scale = fround(60 / fround(diff + FLT_EPSILON));
    let h: number;
    if (p % image.width < simdWidth) h = fmaf32(difference, scale, v === r && g < b ? 360 : offset);
    else {
      h = fmaf32(difference, scale, offset);
      if (h < 0) h = fround(h + 360);
    }
    out[i] = h;
    out[i + 1] = fround(diff / fround(Math.abs(v) + FLT_EPSILON));
    out[i + 2] = v;
  }
  return dst;
}

const SECTORS = [
  [1, 3, 0],
  [1, 0, 2],
  [3, 0, 1],
  [0, 2, 1],
  [0, 1, 3],
  [2, 1, 0],
] as const;

/**
 * `cv2.cvtColor(img, COLOR_HSV2RGB)` as OpenCV 4.6 computes it on x86 with AVX2. uint8 (hue in
 * [0, 180)): in each row, whole blocks of 32 pixels go through the SIMD path (float32 sector
 * formula, result TRUNCATED), the row's remaining pixels through the scalar path (rounded half
 * to even). float32 (hue in [0, 360), s and v in [0, 1]): blocks of 8 pixels SIMD, the rest
 * scalar, no rounding.
 * @example
 * const rgb = hsvToRgb(rgbToHsv(image));
 */
export function hsvToRgb(image: RawImage): RawImage {
  assertRawImage(image);
  if (image.channels !== 3) throw new RangeError(`hsvToRgb: needs 3 channels, got ${image.channels}`);
  const isUint8 = image.data instanceof Uint8Array;
  const src = image.data;
  const dst = allocateLike(image, image.width, image.height);
  const out = dst.data;
  const hueScale = fround(6 / (isUint8 ? 180 : 360));
  const inverse255 = fround(1 / 255);
  const pixels = image.width * image.height;
  // cvtColor converts row by row: each row's last (width % block) pixels take the scalar path.
  const block = isUint8 ? HSV_SIMD_BLOCK : FLOAT_SIMD_LANES;
  const simdWidth = image.width - (image.width % block);
  const rgb = new Float32Array(3);
  for (let p = 0, i = 0; p < pixels; p++, i += 3) {
    const s = isUint8 ? fround(src[i + 1]! * inverse255) : src[i + 1]!;
    const v = isUint8 ? fround(src[i + 2]! * inverse255) : src[i + 2]!;
    const simd = p % image.width < simdWidth;
    hsvPixelToRgb(src[i]!, s, v, hueScale, simd, rgb);
    for (let c = 0; c < 3; c++) {
      out[i + c] = !isUint8
        ? rgb[c]!
        : simd
          ? truncateByte(fround(rgb[c]! * 255))
          : saturateUint8(fround(rgb[c]! * 255));
    }
  }
  return dst;
}

/** Scratch for hsvPixelToRgb's sector table. */
const hsvTab = new Float32Array(4);

/**
 * One pixel of OpenCV's HSV2RGB_simd (`simd`) or HSV2RGB_native, as the AVX2 build computes
 * them: `1 - s*h` and `1 - s*(1 - h)` are fused multiply-adds in the SIMD code; in the scalar
 * code GCC contracts only `1 - s*h`. Writes r, g, b in [0, 1] to `rgb`.
 */
function hsvPixelToRgb(hue: number, s: number, v: number, hueScale: number, simd: boolean, rgb: Float32Array): void {
  const tab = hsvTab;
  let sector: number;
  if (simd) {
    let h = fround(hue * hueScale);
    const preSector = Math.trunc(h);
    h = fround(h - preSector);
    tab[0] = v;
    tab[1] = fround(v * fround(1 - s));
    tab[2] = fround(v * fround(1 - s * h));
    tab[3] = fround(v * fround(1 - s * fround(1 - h)));
    sector = preSector - Math.trunc(fround(preSector * fround(1 / 6))) * 6;
    if (sector < 0 || sector > 5) sector = 0;
  } else {
    if (s === 0) {
      rgb[0] = rgb[1] = rgb[2] = v;
      return;
    }
    let h = fround(hue * hueScale);
    h = fround(h % 6);
    sector = Math.floor(h);
    h = fround(h - sector);
    if (sector < 0 || sector >= 6) {
      sector = 0;
      h = 0;
    }
    tab[0] = v;
    tab[1] = fround(v * fround(1 - s));
    tab[2] = fround(v * fround(1 - s * h));
    // GCC contracts `1 - s*h` above but not `1 - s*(1 - h)` here (a separate multiply and subtract).
    tab[3] = fround(v * fround(1 - fround(s * fround(1 - h))));
  }
  const order = SECTORS[sector]!;
  rgb[2] = tab[order[0]]!;
  rgb[1] = tab[order[1]]!;
  rgb[0] = tab[order[2]]!;
}

/** float32 lanes of an AVX2 vector: the SIMD block of OpenCV's float colour conversions. */
const FLOAT_SIMD_LANES = 8;

/** Pixels per SIMD block of OpenCV's HSV2RGB_b with 8-lane float32 vectors (AVX2). */
const HSV_SIMD_BLOCK = 32;

function truncateByte(value: number): number {
  const truncated = Math.trunc(value);
  return truncated < 0 ? 0 : truncated > 255 ? 255 : truncated;
}
