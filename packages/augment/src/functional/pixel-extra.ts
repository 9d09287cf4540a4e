/**
 * Posterize, RGB shift, histogram equalisation and channel dropout, as albumentations 1.3.1's
 * `F.posterize`, `F.shift_rgb`, `F.equalize` and `channel_dropout` compute them.
 */
import { assertRawImage, type RawImage } from '../core/raw-image.js';
import { equalizeHistTable } from '../cv/equalize.js';

function requireUint8(name: string, image: RawImage): Uint8Array {
  if (!(image.data instanceof Uint8Array))
    throw new TypeError(`${name}: needs a uint8 image (${image.data.constructor.name} given)`);
  return image.data;
}

function applyLut(image: RawImage, luts: readonly Uint8Array[]): RawImage {
  const src = image.data as Uint8Array;
  const out = new Uint8Array(src.length);
  const channels = image.channels;
  for (let i = 0; i < src.length; i++) out[i] = luts[luts.length === 1 ? 0 : i % channels]![src[i]!]!;
  return { ...image, data: out };
}

/**
 * Keeps the top `bits` bits of every uint8 value (one number, or one per channel of an RGB image).
 * @example posterize(image, 4); // 0..255 → multiples of 16
 */
export function posterize(image: RawImage, bits: number | readonly number[]): RawImage {
  assertRawImage(image);
  requireUint8('posterize', image);
  const list = typeof bits === 'number' ? [bits] : bits.slice();
  if (list.some((value) => !Number.isInteger(value) || value < 0 || value > 8))
    throw new RangeError(`posterize: bits must be integers in [0, 8], got ${JSON.stringify(bits)}`);
  if (list.length !== 1 && (list.length !== 3 || image.channels !== 3))
    throw new RangeError('posterize: per-channel bits need 3 values and an RGB image');
  const luts = list.map((value) => Uint8Array.from({ length: 256 }, (_, v) => v & ~((1 << (8 - value)) - 1) & 255));
  return applyLut(image, luts);
}

/**
 * Adds a shift per channel (albumentations `shift_rgb`): uint8 through a float32 LUT
 * `clip(v + shift, 0, 255)` truncated; float32 as `clip(v + shift, 0, 1)` in float32.
 * @example shiftRgb(image, 10, -5.5, 0);
 */
export function shiftRgb(image: RawImage, rShift: number, gShift: number, bShift: number): RawImage {
  assertRawImage(image);
  if (image.channels !== 3)
    throw new RangeError(`shiftRgb: needs a 3-channel image (${image.channels} channels given)`);
  const shifts = [rShift, gShift, bShift].map(Math.fround);
  if (image.data instanceof Uint8Array) {
    const luts = shifts.map((shift) =>
      Uint8Array.from({ length: 256 }, (_, v) => Math.trunc(Math.min(255, Math.max(0, Math.fround(v + shift))))),
    );
    return applyLut(image, luts);
  }
  const src = image.data;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = Math.min(1, Math.max(0, Math.fround(src[i]! + shifts[i % 3]!)));
  return { ...image, data: out };
}

function histogramOf(data: Uint8Array, channels: number, channel: number): Float64Array {
  const histogram = new Float64Array(256);
  for (let i = channel; i < data.length; i += channels) histogram[data[i]!]!++;
  return histogram;
}

/** albumentations `_equalize_pil` (PIL's ImageOps.equalize). */
function equalizePilLut(histogram: Float64Array): Uint8Array | null {
  const nonZero = [...histogram].filter((count) => count > 0);
  if (nonZero.length <= 1) return null;
  const step = Math.floor(nonZero.slice(0, -1).reduce((sum, count) => sum + count, 0) / 255);
  if (step === 0) return null;
  const lut = new Uint8Array(256);
  let n = Math.floor(step / 2);
  for (let i = 0; i < 256; i++) {
    lut[i] = Math.min(Math.floor(n / step), 255);
    n += histogram[i]!;
  }
  return lut;
}

/**
 * Histogram equalisation of each channel (albumentations `equalize(mode, by_channels=True)`):
 * `mode: 'cv'` is `cv2.equalizeHist`, `'pil'` PIL's `ImageOps.equalize`. uint8 only.
 * @example equalize(image, 'cv');
 */
export function equalize(image: RawImage, mode: 'cv' | 'pil' = 'cv'): RawImage {
  assertRawImage(image);
  const data = requireUint8('equalize', image);
  if (image.channels !== 1 && image.channels !== 3) {
    // albumentations 1.3.1 equalises channels 0..2 into np.empty_like(img): the rest is uninitialised memory.
    throw new RangeError(
      `equalize: needs 1 or 3 channels (${image.channels} given); albumentations leaves channels past the third uninitialised`,
    );
  }
  const luts: Uint8Array[] = [];
  for (let channel = 0; channel < image.channels; channel++) {
    const histogram = histogramOf(data, image.channels, channel);
    luts.push(
      (mode === 'cv' ? equalizeHistTable(histogram) : equalizePilLut(histogram)) ??
        Uint8Array.from({ length: 256 }, (_, v) => v),
    );
  }
  return applyLut(image, luts);
}

/**
 * Sets the listed channels to `fillValue` (albumentations `channel_dropout`).
 * @example channelDropout(image, [1], 0); // no green
 */
export function channelDropout(image: RawImage, channelsToDrop: readonly number[], fillValue = 0): RawImage {
  assertRawImage(image);
  if (image.channels === 1)
    throw new RangeError('channelDropout: the image has one channel; ChannelDropout is not defined for it');
  if (channelsToDrop.some((channel) => !Number.isInteger(channel) || channel < 0 || channel >= image.channels)) {
    throw new RangeError(
      `channelDropout: channels must be in [0, ${image.channels - 1}], got ${JSON.stringify(channelsToDrop)}`,
    );
  }
  const out = image.data.slice();
  const fill = out instanceof Uint8Array ? Math.min(255, Math.max(0, Math.trunc(fillValue))) : Math.fround(fillValue);
  for (let i = 0; i < out.length; i += image.channels) for (const channel of channelsToDrop) out[i + channel] = fill;
  return { ...image, data: out };
}
