import * as tf from '@tensorflow/tfjs';

import { cropSelection, extendImages } from './crop-tensor.js';
import type { ImageSource } from './images.js';
import { pyramidLayout, type PyramidLayout, type ResolvedPyramidOptions } from './pyramid.js';

/** One crop to cut: crop `cropIndex` (pyramid order) of image `imageIndex`. */
export interface CropEntry {
  imageIndex: number;
  cropIndex: number;
}

/** Pyramid layouts by image size, so images of one size share one layout. */
export class LayoutCache {
  private readonly layouts = new Map<string, PyramidLayout>();
  constructor(private readonly options: ResolvedPyramidOptions) {}
  get(width: number, height: number): PyramidLayout {
    const key = `${width}x${height}`;
    let layout = this.layouts.get(key);
    if (layout === undefined) {
      layout = pyramidLayout(width, height, this.options);
      this.layouts.set(key, layout);
    }
    return layout;
  }
}

/**
 * Padded (margin-extended) images kept between consecutive crop batches, so an image whose
 * crops straddle two batches is padded once. The caller decides what to keep and disposes.
 */
export class ExtendedImageCache {
  private readonly images = new Map<number, tf.Tensor4D>();
  constructor(
    private readonly source: ImageSource,
    private readonly options: ResolvedPyramidOptions,
    private readonly layouts: LayoutCache,
  ) {}

  /** The extended image (kept out of any enclosing `tf.tidy`). */
  get(imageIndex: number): tf.Tensor4D {
    let extended = this.images.get(imageIndex);
    if (extended === undefined) {
      const { width, height } = this.source.size(imageIndex);
      const layout = this.layouts.get(width, height);
      extended = tf.keep(
        tf.tidy(() => {
          const image = this.source.tensor(imageIndex);
          return extendImages(image, layout, this.options);
        }),
      );
      this.images.set(imageIndex, extended);
    }
    return extended;
  }

  /** Disposes every cached image except `imageIndex`. */
  keepOnly(imageIndex: number | undefined): void {
    for (const [index, extended] of this.images) {
      if (index !== imageIndex) {
        extended.dispose();
        this.images.delete(index);
      }
    }
  }

  dispose(): void {
    this.keepOnly(undefined);
  }
}

/**
 * Cuts the given crops out of their images, `[entries.length, S, S, C]` in the order of
 * `entries`. Each image is padded once however many of its crops are asked for (and, with a
 * `cache`, once across calls).
 */
export function extractCrops(
  source: ImageSource,
  entries: readonly CropEntry[],
  options: ResolvedPyramidOptions,
  layouts: LayoutCache,
  cache?: ExtendedImageCache,
): tf.Tensor4D {
  return tf.tidy(() => {
    const byImage = new Map<number, number[]>();
    entries.forEach((entry, position) => {
      const positions = byImage.get(entry.imageIndex);
      if (positions === undefined) byImage.set(entry.imageIndex, [position]);
      else positions.push(position);
    });
    const parts: tf.Tensor4D[] = [];
    const order: number[] = [];
    let contiguous = true;
    for (const [imageIndex, positions] of byImage) {
      const { width, height } = source.size(imageIndex);
      const layout = layouts.get(width, height);
      const extended =
        cache === undefined ? extendImages(source.tensor(imageIndex), layout, options) : cache.get(imageIndex);
      const selection = positions.map((position) => [0, entries[position]!.cropIndex] as const);
      parts.push(cropSelection(extended, layout, selection, options));
      for (const position of positions) {
        if (position !== order.length) contiguous = false;
        order.push(position);
      }
    }
    const stacked = parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
    if (contiguous) return stacked;
    // Put the crops back in entry order: inverse permutation of `order`.
    const inverse = new Int32Array(order.length);
    order.forEach((position, index) => {
      inverse[position] = index;
    });
    return tf.gather(stacked, tf.tensor1d(inverse, 'int32'), 0) as tf.Tensor4D;
  });
}
