import { encodeJpeg, encodePng } from '@art/augment/io';
import type { SyntheticImage } from './render.js';

/** Image file formats the generator writes. */
export const syntheticImageFormats = ['jpeg', 'png'] as const;
export type SyntheticImageFormat = (typeof syntheticImageFormats)[number];

/**
 * Encodes a rendered image through @art/augment's codec module (sharp), so the generator
 * itself never loads a native module. Baseline JPEG / zlib-6 PNG: one seed gives the same
 * bytes on every run with the same libvips.
 */
export async function encodeSyntheticImage(
  image: SyntheticImage,
  format: SyntheticImageFormat,
  jpegQuality: number,
): Promise<Buffer> {
  return format === 'png' ? encodePng(image, { compressionLevel: 6 }) : encodeJpeg(image, { quality: jpegQuality });
}
