/** Coarse dropout (albumentations `F.cutout`). */
import { assertRawImage, cloneImage, type RawImage } from '../core/raw-image.js';

/** A hole `[x1, y1, x2, y2]` (exclusive x2, y2). */
export type Hole = readonly [number, number, number, number];

/**
 * `img[y1:y2, x1:x2] = fill_value` for every hole, on a copy, all channels. `fillValue` may be
 * one number or one per channel.
 * @example
 * const out = cutout(image, [[3, 4, 11, 9]], 0);
 */
export function cutout(image: RawImage, holes: readonly Hole[], fillValue: number | readonly number[] = 0): RawImage {
  assertRawImage(image);
  const dst = cloneImage(image);
  const { width, height, channels } = image;
  const values = typeof fillValue === 'number' ? Array.from({ length: channels }, () => fillValue) : [...fillValue];
  if (values.length !== channels)
    throw new RangeError(`cutout: fillValue has ${values.length} values for ${channels} channels`);
  const out = dst.data;
  const isUint8 = out instanceof Uint8Array;
  // numpy assignment into uint8 truncates and wraps; keep values in range instead of wrapping.
  const fills = values.map((value) => (isUint8 ? Math.min(255, Math.max(0, Math.trunc(value))) : value));
  const uniform = fills.every((value) => value === fills[0]);
  for (const hole of holes) {
    const x1 = Math.max(0, Math.min(width, hole[0]));
    const y1 = Math.max(0, Math.min(height, hole[1]));
    const x2 = Math.max(0, Math.min(width, hole[2]));
    const y2 = Math.max(0, Math.min(height, hole[3]));
    if (x2 <= x1) continue;
    if (uniform) {
      // One value for every channel: each hole row is one contiguous fill.
      for (let y = y1; y < y2; y++) out.fill(fills[0]!, (y * width + x1) * channels, (y * width + x2) * channels);
      continue;
    }
    for (let y = y1; y < y2; y++) {
      let o = (y * width + x1) * channels;
      for (let x = x1; x < x2; x++) for (let c = 0; c < channels; c++) out[o++] = fills[c]!;
    }
  }
  return dst;
}
