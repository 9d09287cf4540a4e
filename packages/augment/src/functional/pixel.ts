/**
 * albumentations' per-pixel functions: normalize, gauss noise, tensor layout, brightness/contrast,
 * gamma, HSV shifts, colour jitter, gray. Arithmetic follows albumentations 1.3 + OpenCV 4.6 /
 * NumPy 1.24 (float32 where they use it); the colour conversions are OpenCV's (../cv/color.ts).
 */
import { allocateLike, assertRawImage, uninitializedFloats, type RawImage } from '../core/raw-image.js';
import { rgbToGray, rgbToHsv, hsvToRgb } from '../cv/color.js';
import { saturateUint8 } from './common.js';
import { wasmKernels } from '../wasm/index.js';
import { hflip, vflip } from './geometric.js';
import { adjustBrightnessFloat, adjustContrastFloat, adjustHueFloat, adjustSaturationFloat } from './color-float.js';
import { numpySumFloat32 } from './numpy-sum.js';

// albumentations calls these cv2.cvtColor conversions directly.
export { rgbToGray, rgbToHsv, hsvToRgb } from '../cv/color.js';

const fround = Math.fround;

export interface NormalizeParameters {
  mean: readonly number[] | number;
  std: readonly number[] | number;
  maxPixelValue?: number;
}

function perChannel(value: readonly number[] | number, channels: number, name: string): number[] {
  const values = typeof value === 'number' ? [value] : [...value];
  if (values.length === 1) return Array.from({ length: channels }, () => values[0]!);
  if (values.length !== channels)
    throw new RangeError(`normalize: ${name} has ${values.length} values for ${channels} channels`);
  return values;
}

/** float32 constants exactly as albumentations' `normalize_cv2` computes them. */
function normalizeConstants(
  parameters: NormalizeParameters,
  channels: number,
): { offsets: Float32Array; factors: Float32Array } {
  const maxPixel = fround(parameters.maxPixelValue ?? 255);
  const means = perChannel(parameters.mean, channels, 'mean');
  const stds = perChannel(parameters.std, channels, 'std');
  const offsets = new Float32Array(channels);
  const factors = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    offsets[c] = fround(fround(means[c]!) * maxPixel);
    factors[c] = fround(1 / fround(fround(stds[c]!) * maxPixel));
  }
  return { offsets, factors };
}

/**
 * albumentations `F.normalize`: `out = f32(f32(px - mean*max) * (1 / (std*max)))`, float32
 * throughout, so the result matches `cv2.subtract`/`cv2.multiply` bit for bit.
 * `layout: 'CHW'` writes planar output directly (the fused Normalize → ToTensorV2 path).
 * @example
 * const tensor = normalize(image, { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
 */
export function normalize(image: RawImage, parameters: NormalizeParameters, layout: 'HWC' | 'CHW' = 'HWC'): RawImage {
  return normalizeMirrored(image, parameters, layout, false, false);
}

/** Pixels per kernel call in normalize (a multiple of 16, the SIMD step). */
const NORMALIZE_BLOCK_PIXELS = 4096;

/**
 * `normalize(hflip?(vflip?(image)))` in one pass where the WebAssembly kernels run (the flip
 * happens inside the module's memory, no intermediate image); what Compose runs for flips
 * followed by Normalize. Same values as the separate steps.
 */
export function normalizeMirrored(
  image: RawImage,
  parameters: NormalizeParameters,
  layout: 'HWC' | 'CHW',
  horizontal: boolean,
  vertical: boolean,
): RawImage {
  assertRawImage(image);
  const kernels = image.data instanceof Uint8Array ? wasmKernels() : undefined;
  if (!kernels && (horizontal || vertical)) {
    const mirrored = horizontal && vertical ? hflip(vflip(image)) : horizontal ? hflip(image) : vflip(image);
    return normalizeMirrored(mirrored, parameters, layout, false, false);
  }
  const { width, height, channels } = image;
  const { offsets, factors } = normalizeConstants(parameters, channels);
  const pixels = width * height;
  // Every path below writes every output value.
  const out = uninitializedFloats(pixels * channels);
  if (image.data instanceof Uint8Array) {
    if (kernels) {
      const arena = kernels.arena();
      let srcPointer = arena.copyIn(image.data);
      if (horizontal || vertical) {
        const mirroredPointer = arena.allocate(image.data.length);
        kernels.exports.flipU8(srcPointer, mirroredPointer, width, height, channels, horizontal, vertical);
        srcPointer = mirroredPointer;
      }
      // Blocks of pixels through a small scratch area that stays in cache, each copied out at
      // once: the output crosses memory once instead of twice (about 0.03 ms less at 300x300).
      const planar = layout === 'CHW';
      const offsetsPointer = arena.copyIn(offsets);
      const factorsPointer = arena.copyIn(factors);
      const block = Math.min(pixels, NORMALIZE_BLOCK_PIXELS);
      const scratch = arena.allocate(block * channels * 4);
      const memory = kernels.exports.memory.buffer;
      for (let start = 0; start < pixels; start += block) {
        const count = Math.min(block, pixels - start);
        kernels.exports.normalizeU8(
          srcPointer + start * channels,
          scratch,
          count,
          channels,
          planar,
          offsetsPointer,
          factorsPointer,
        );
        if (!planar) out.set(new Float32Array(memory, scratch, count * channels), start * channels);
        else
          for (let c = 0; c < channels; c++)
            out.set(new Float32Array(memory, scratch + c * count * 4, count), c * pixels + start);
      }
    } else {
      // uint8 input: each channel is a 256-entry table of the exact float32 results.
      const tables = new Float32Array(256 * channels);
      for (let c = 0; c < channels; c++) {
        for (let v = 0; v < 256; v++) tables[c * 256 + v] = fround(v - offsets[c]!) * factors[c]!;
      }
      normalizeUint8(image.data, out, tables, pixels, channels, layout === 'CHW');
    }
  } else {
    const src = image.data;
    if (layout === 'HWC') {
      for (let i = 0; i < pixels * channels; i += channels) {
        for (let c = 0; c < channels; c++) out[i + c] = fround(src[i + c]! - offsets[c]!) * factors[c]!;
      }
    } else {
      for (let c = 0; c < channels; c++) {
        const offset = offsets[c]!;
        const factor = factors[c]!;
        const plane = c * pixels;
        for (let p = 0, i = c; p < pixels; p++, i += channels) out[plane + p] = fround(src[i]! - offset) * factor;
      }
    }
  }
  return layout === 'CHW'
    ? { data: out, width, height, channels, layout: 'CHW' }
    : { data: out, width, height, channels };
}

function normalizeUint8(
  src: Uint8Array,
  out: Float32Array,
  tables: Float32Array,
  pixels: number,
  channels: number,
  planar: boolean,
): void {
  // Copy float32 bit patterns as integers: no float conversions in the loop.
  const bits = new Uint32Array(tables.buffer, tables.byteOffset, tables.length);
  const target = new Uint32Array(out.buffer, out.byteOffset, out.length);
  if (!planar) {
    for (let i = 0; i < pixels * channels; i += channels) {
      for (let c = 0; c < channels; c++) target[i + c] = bits[(c << 8) + src[i + c]!]!;
    }
    return;
  }
  if (channels === 3) {
    const plane1 = pixels;
    const plane2 = 2 * pixels;
    for (let p = 0, i = 0; p < pixels; p++, i += 3) {
      target[p] = bits[src[i]!]!;
      target[plane1 + p] = bits[256 + src[i + 1]!]!;
      target[plane2 + p] = bits[512 + src[i + 2]!]!;
    }
    return;
  }
  for (let c = 0; c < channels; c++) {
    const plane = c * pixels;
    const table = c * 256;
    for (let p = 0, i = c; p < pixels; p++, i += channels) target[plane + p] = bits[table + src[i]!]!;
  }
}

export interface TensorBufferOptions {
  /** `'CHW'` (PyTorch/ToTensorV2 order) or `'HWC'` (TF.js order). */
  layout: 'CHW' | 'HWC';
  /** Divide uint8 values by 255 first (default false: values are copied as they are). */
  scale?: boolean;
}

/**
 * Copies an image into a Float32Array in the requested layout (no TF.js dependency). Accepts
 * HWC images and the CHW output of ToTensorV2.
 * @example
 * const chw = toTensorBuffer(normalized, { layout: 'CHW' }); // Float32Array of C*H*W
 */
export function toTensorBuffer(image: RawImage, options: TensorBufferOptions): Float32Array {
  assertRawImage(image);
  const layout = options?.layout;
  if (layout !== 'CHW' && layout !== 'HWC') {
    throw new RangeError(`toTensorBuffer: layout must be 'CHW' or 'HWC', got ${JSON.stringify(layout)}`);
  }
  const { width, height, channels } = image;
  const pixels = width * height;
  const scale = options.scale === true && image.data instanceof Uint8Array ? 1 / 255 : 1;
  const source = image.data;
  const sourceLayout = image.layout ?? 'HWC';
  const out = new Float32Array(pixels * channels);
  if (sourceLayout === layout) {
    if (scale === 1) out.set(source);
    else for (let i = 0; i < out.length; i++) out[i] = source[i]! * scale;
    return out;
  }
  if (layout === 'CHW') {
    for (let c = 0; c < channels; c++) {
      const plane = c * pixels;
      for (let p = 0, i = c; p < pixels; p++, i += channels) out[plane + p] = source[i]! * scale;
    }
  } else {
    for (let c = 0; c < channels; c++) {
      const plane = c * pixels;
      for (let p = 0, i = c; p < pixels; p++, i += channels) out[i] = source[plane + p]! * scale;
    }
  }
  return out;
}

/**
 * albumentations `F.gauss_noise` with an explicit noise array (float64, one value per element, or
 * one per pixel when `noise.length === W*H`, broadcast over channels). uint8:
 * `uint8(clip(f32(px) + noise, 0, 255))`, which TRUNCATES; float images clip to [0, 1].
 * @example
 * const noisy = gaussNoise(image, createRng(1).normalArray(image.data.length, 0, Math.sqrt(30)));
 */
export function gaussNoise(image: RawImage, noise: Float64Array | Float32Array | readonly number[]): RawImage {
  assertRawImage(image);
  const { width, height, channels } = image;
  const pixels = width * height;
  const elements = pixels * channels;
  const shared = noise.length === pixels && channels !== 1;
  if (noise.length !== elements && !shared) {
    throw new RangeError(
      `gaussNoise: noise must have ${elements} (per channel) or ${pixels} (shared) values, got ${noise.length}`,
    );
  }
  const dst = allocateLike(image, width, height);
  const src = image.data;
  const out = dst.data;
  const isUint8 = src instanceof Uint8Array;
  const maximum = isUint8 ? 255 : 1;
  for (let i = 0; i < elements; i++) {
    const value = src[i]! + noise[shared ? (i / channels) | 0 : i]!;
    const clipped = value < 0 ? 0 : value > maximum ? maximum : value;
    out[i] = isUint8 ? Math.trunc(clipped) : clipped;
  }
  return dst;
}

/**
 * albumentations `F.to_gray`: RGB → gray → RGB (three equal channels).
 * @example
 * const grayRgb = toGray(image);
 */
export function toGray(image: RawImage): RawImage {
  const gray = rgbToGray(image);
  const dst = allocateLike(image, image.width, image.height, 3);
  const out = dst.data;
  for (let p = 0, i = 0; p < gray.data.length; p++, i += 3) out[i] = out[i + 1] = out[i + 2] = gray.data[p]!;
  return dst;
}

function applyLut(image: RawImage, lut: Uint8Array): RawImage {
  const dst = allocateLike(image, image.width, image.height);
  const src = image.data;
  const out = dst.data;
  for (let i = 0; i < src.length; i++) out[i] = lut[src[i]!]!;
  return dst;
}

function requireUint8(image: RawImage, operation: string): void {
  if (!(image.data instanceof Uint8Array)) throw new TypeError(`${operation}: needs a uint8 image (float32 given)`);
}

/**
 * albumentations `F.brightness_contrast_adjust` for uint8: a float32 LUT
 * `clip(i*alpha + shift, 0, 255)` truncated to uint8, applied with `cv2.LUT`, where `shift` is
 * `beta*255` with `betaByMax`, else `(alpha*beta)*mean(image)` (albumentations 1.3.1 scales the
 * mean by alpha too: a constant 100 image, alpha 1.3, beta 0.14 gives 148).
 * float32 images (values in [0, 1]) follow albumentations' float path: `x*alpha + beta` (with
 * `betaByMax`) or `x*alpha + beta*mean(x*alpha)`, clipped to [0, 1].
 * Defaults: `alpha = 1`, `beta = 0`, `betaByMax = false`.
 * @example
 * const brighter = brightnessContrastAdjust(image, 1.1, 0.05);
 */
export function brightnessContrastAdjust(image: RawImage, alpha = 1, beta = 0, betaByMax = false): RawImage {
  assertRawImage(image);
  if (image.data instanceof Float32Array) return brightnessContrastAdjustFloat(image, alpha, beta, betaByMax);
  let shift: number;
  if (betaByMax) shift = fround(beta * 255);
  else {
    let sum = 0;
    for (let i = 0; i < image.data.length; i++) sum += image.data[i]!;
    shift = fround(alpha * beta * (sum / image.data.length));
  }
  const lut = new Uint8Array(256);
  const alpha32 = fround(alpha);
  for (let i = 0; i < 256; i++) {
    let value = fround(i);
    if (alpha !== 1) value = fround(value * alpha32);
    if (beta !== 0) value = fround(value + shift);
    lut[i] = value < 0 ? 0 : value > 255 ? 255 : Math.trunc(value);
  }
  return applyLut(image, lut);
}

/**
 * albumentations `F.gamma_transform`: uint8 through the LUT `trunc(((i/255) ** gamma) * 255)`
 * (float64, as NumPy computes it); float32 as `x ** gamma` rounded to float32.
 * @example
 * const darker = gammaTransform(image, 1.2);
 */
export function gammaTransform(image: RawImage, gamma: number): RawImage {
  assertRawImage(image);
  if (image.data instanceof Uint8Array) {
    const lut = new Uint8Array(256);
    // np.arange(0, 256/255, 1/255) holds i * (1/255).
    for (let i = 0; i < 256; i++) lut[i] = Math.trunc((i * (1 / 255)) ** gamma * 255);
    return applyLut(image, lut);
  }
  const dst = allocateLike(image, image.width, image.height);
  const gamma32 = fround(gamma);
  for (let i = 0; i < image.data.length; i++) dst.data[i] = fround(image.data[i]! ** gamma32);
  return dst;
}

/**
 * albumentations `_brightness_contrast_adjust_non_uint` for float32 (values in [0, 1]):
 * `x*alpha` in float32, plus `beta` (with `betaByMax`, the float maximum being 1) or
 * `beta * mean(x*alpha)` (NumPy's float32 mean), then clipped to [0, 1].
 */
function brightnessContrastAdjustFloat(image: RawImage, alpha: number, beta: number, betaByMax: boolean): RawImage {
  const dst = allocateLike(image, image.width, image.height);
  const out = dst.data as Float32Array;
  out.set(image.data);
  if (alpha !== 1) {
    const alpha32 = fround(alpha);
    for (let i = 0; i < out.length; i++) out[i] = fround(out[i]! * alpha32);
  }
  if (beta !== 0) {
    // NumPy 1.24 scalar rules: beta * float32 mean is float64, cast to float32 to add to the array.
    const shift = fround(beta * (betaByMax ? 1 : fround(numpySumFloat32(out) / out.length)));
    for (let i = 0; i < out.length; i++) out[i] = fround(out[i]! + shift);
  }
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, out[i]!));
  return dst;
}

/** albumentations' `MAX_VALUES_BY_DTYPE` for the two image types. */
function maxValueOf(image: RawImage): number {
  return image.data instanceof Uint8Array ? 255 : 1;
}

/**
 * albumentations `F.invert`: `max - x` (255 for uint8, 1 for float32).
 * @example
 * const negative = invert(image);
 */
export function invert(image: RawImage): RawImage {
  assertRawImage(image);
  const dst = allocateLike(image, image.width, image.height);
  const max = maxValueOf(image);
  for (let i = 0; i < image.data.length; i++)
    dst.data[i] = isFloat(image) ? fround(max - image.data[i]!) : max - image.data[i]!;
  return dst;
}

function isFloat(image: RawImage): boolean {
  return image.data instanceof Float32Array;
}

/**
 * albumentations `F.solarize`: values `>= threshold` become `max - x` (uint8 through a LUT).
 * @example
 * const solarized = solarize(image, 128);
 */
export function solarize(image: RawImage, threshold = 128): RawImage {
  assertRawImage(image);
  if (image.data instanceof Uint8Array) {
    const lut = new Uint8Array(256);
    for (let i = 0; i < 256; i++) lut[i] = i < threshold ? i : 255 - i;
    return applyLut(image, lut);
  }
  const dst = allocateLike(image, image.width, image.height);
  for (let i = 0; i < image.data.length; i++)
    dst.data[i] = image.data[i]! >= threshold ? fround(1 - image.data[i]!) : image.data[i]!;
  return dst;
}

/**
 * albumentations `F.to_float`: float32 `x / maxValue`, `maxValue` defaulting to the dtype's
 * maximum (255 for uint8, 1 for float32).
 * @example
 * const floats = toFloat(image); // 0..1
 */
export function toFloat(image: RawImage, maxValue?: number): RawImage {
  assertRawImage(image);
  const divisor = fround(maxValue ?? maxValueOf(image));
  const data = new Float32Array(image.data.length);
  for (let i = 0; i < data.length; i++) data[i] = fround(image.data[i]! / divisor);
  return { data, width: image.width, height: image.height, channels: image.channels };
}

/**
 * albumentations `F.channel_shuffle`: output channel c is input channel `order[c]`.
 * @example
 * const bgr = channelShuffle(image, [2, 1, 0]);
 */
export function channelShuffle(image: RawImage, order: readonly number[]): RawImage {
  assertRawImage(image);
  if (order.length !== image.channels || !order.every((c) => Number.isInteger(c) && c >= 0 && c < image.channels)) {
    throw new RangeError(
      `channelShuffle: order ${JSON.stringify(order)} is not a list of ${image.channels} channel indices`,
    );
  }
  const dst = allocateLike(image, image.width, image.height);
  const channels = image.channels;
  for (let p = 0; p < image.data.length; p += channels)
    for (let c = 0; c < channels; c++) dst.data[p + c] = image.data[p + order[c]!]!;
  return dst;
}

/**
 * albumentations `_shift_hsv_non_uint8`: float32 HSV (hue in degrees), `cv2.add` of each
 * shift (the shift rounded to float32), hue `np.mod` 360, saturation and value clipped to
 * [0, 1], back to RGB.
 */
function shiftHsvFloat(image: RawImage, hueShift: number, saturationShift: number, valueShift: number): RawImage {
  const hsv = rgbToHsv(image); // float32: hue in degrees
  const data = hsv.data as Float32Array;
  const hue32 = fround(hueShift);
  const saturation32 = fround(saturationShift);
  const value32 = fround(valueShift);
  for (let i = 0; i < data.length; i += 3) {
    if (hueShift !== 0) {
      // np.mod: fmod, then + 360 when the remainder is negative.
      let hue = fround(fround(data[i]! + hue32) % 360);
      if (hue < 0) hue = fround(hue + 360);
      data[i] = hue;
    }
    if (saturationShift !== 0) data[i + 1] = Math.min(1, Math.max(0, fround(data[i + 1]! + saturation32)));
    if (valueShift !== 0) data[i + 2] = Math.min(1, Math.max(0, fround(data[i + 2]! + value32)));
  }
  return hsvToRgb(hsv);
}

/** albumentations `is_grayscale_image`: decided by the channel count, not the content. */
function isGrayscale(image: RawImage): boolean {
  return image.channels === 1;
}

/**
 * albumentations `F.shift_hsv` (uint8): hue shifted modulo 180, saturation and value shifted
 * and clipped, each through a truncating LUT; gray images only get the value shift.
 * @example
 * const shifted = shiftHsv(image, 10, -20, 5);
 */
export function shiftHsv(image: RawImage, hueShift: number, saturationShift: number, valueShift: number): RawImage {
  assertRawImage(image);
  if (hueShift === 0 && saturationShift === 0 && valueShift === 0) return image;
  let source = image;
  if (isGrayscale(image)) {
    hueShift = 0;
    saturationShift = 0;
    if (image.channels === 1) {
      const rgb = allocateLike(image, image.width, image.height, 3);
      for (let p = 0; p < image.data.length; p++)
        rgb.data[3 * p] = rgb.data[3 * p + 1] = rgb.data[3 * p + 2] = image.data[p]!;
      source = rgb;
    }
  }
  if (source.channels !== 3) throw new RangeError(`shiftHsv: needs 1 or 3 channels, got ${source.channels}`);
  if (source.data instanceof Float32Array) {
    const rgb = shiftHsvFloat(source, hueShift, saturationShift, valueShift);
    return image.channels === 1 ? rgbToGray(rgb) : rgb;
  }
  const hsv = rgbToHsv(source);
  const hueLut = new Uint8Array(256);
  const saturationLut = new Uint8Array(256);
  const valueLut = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    const hue = (((i + hueShift) % 180) + 180) % 180; // np.mod: result has the divisor's sign
    hueLut[i] = Math.trunc(hue);
    saturationLut[i] = Math.trunc(Math.min(255, Math.max(0, i + saturationShift)));
    valueLut[i] = Math.trunc(Math.min(255, Math.max(0, i + valueShift)));
  }
  const data = hsv.data;
  for (let i = 0; i < data.length; i += 3) {
    if (hueShift !== 0) data[i] = hueLut[data[i]!]!;
    if (saturationShift !== 0) data[i + 1] = saturationLut[data[i + 1]!]!;
    if (valueShift !== 0) data[i + 2] = valueLut[data[i + 2]!]!;
  }
  const rgb = hsvToRgb(hsv);
  if (image.channels === 1) return rgbToGray(rgb);
  return rgb;
}

/**
 * torchvision-style brightness (albumentations `adjust_brightness_torchvision`, uint8 LUT,
 * truncating).
 * @example
 * const out = adjustBrightness(image, 1.2);
 */
export function adjustBrightness(image: RawImage, factor: number): RawImage {
  if (factor === 0) return allocateLike(image, image.width, image.height);
  if (factor === 1) return image;
  if (image.data instanceof Float32Array) return adjustBrightnessFloat(image, factor);
  requireUint8(image, 'adjustBrightness');
  const lut = new Uint8Array(256);
  for (let i = 0; i < 256; i++) lut[i] = Math.trunc(Math.min(255, Math.max(0, i * factor)));
  return applyLut(image, lut);
}

/**
 * torchvision-style contrast around the gray mean (albumentations `adjust_contrast_torchvision`).
 * @example
 * const out = adjustContrast(image, 0.8);
 */
export function adjustContrast(image: RawImage, factor: number): RawImage {
  if (factor === 1) return image;
  if (image.data instanceof Float32Array) return adjustContrastFloat(image, factor);
  requireUint8(image, 'adjustContrast');
  const gray = isGrayscale(image) ? image : rgbToGray(image);
  let sum = 0;
  for (let i = 0; i < gray.data.length; i++) sum += gray.data[i]!;
  const mean = sum / gray.data.length;
  if (factor === 0) {
    const dst = allocateLike(image, image.width, image.height);
    dst.data.fill(Math.min(255, Math.trunc(mean + 0.5)));
    return dst;
  }
  const lut = new Uint8Array(256);
  for (let i = 0; i < 256; i++) lut[i] = Math.trunc(Math.min(255, Math.max(0, i * factor + mean * (1 - factor))));
  return applyLut(image, lut);
}

/**
 * torchvision-style saturation: `cv2.addWeighted(img, f, gray, 1 - f, 0)` (OpenCV's SIMD
 * `fma(img, f, fma(gray, 1 - f, 0))` in float32, rounded half to even).
 * @example
 * const out = adjustSaturation(image, 1.3);
 */
export function adjustSaturation(image: RawImage, factor: number): RawImage {
  if (factor === 1 || isGrayscale(image)) return image;
  if (image.data instanceof Float32Array) return adjustSaturationFloat(image, factor);
  requireUint8(image, 'adjustSaturation');
  const gray = rgbToGray(image);
  const dst = allocateLike(image, image.width, image.height);
  const src = image.data;
  const out = dst.data;
  const f = fround(factor);
  const g = fround(1 - factor);
  for (let p = 0, i = 0; p < gray.data.length; p++, i += 3) {
    const grayValue = gray.data[p]!;
    for (let c = 0; c < 3; c++)
      out[i + c] = factor === 0 ? grayValue : saturateUint8(fround(src[i + c]! * f + fround(grayValue * g)));
  }
  return dst;
}

/**
 * torchvision-style hue shift (`factor` in [-0.5, 0.5] turns): hue LUT `(h + 180*f) mod 180`.
 * @example
 * const out = adjustHue(image, 0.1);
 */
export function adjustHue(image: RawImage, factor: number): RawImage {
  if (factor === 0 || isGrayscale(image)) return image;
  if (image.data instanceof Float32Array) return adjustHueFloat(image, factor);
  requireUint8(image, 'adjustHue');
  const hsv = rgbToHsv(image);
  const lut = new Uint8Array(256);
  for (let i = 0; i < 256; i++) lut[i] = Math.trunc((((i + 180 * factor) % 180) + 180) % 180);
  for (let i = 0; i < hsv.data.length; i += 3) hsv.data[i] = lut[hsv.data[i]!]!;
  return hsvToRgb(hsv);
}
