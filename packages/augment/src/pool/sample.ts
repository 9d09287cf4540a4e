/** The per-sample work, shared by the worker, the in-process reference and the preview grid. */
import { createRng, toTensorBuffer, type Rng } from '../index.js';
import type { RawImage } from '../core/raw-image.js';
import { deriveSampleSeed } from './seed.js';
import type { TensorLayout } from './protocol.js';

/** Anything with the `apply(image, rng)` shape of an @art/augment transform or `Compose`. */
export interface ApplicablePipeline {
  apply(image: RawImage, rng: Rng): { image: RawImage; params?: unknown };
}

/** Result of {@link augmentSample}. */
export interface AugmentedImage {
  image: RawImage;
  params: unknown;
}

/**
 * Augments one sample the way `AugmentationPool` does, in the calling thread: the RNG is seeded
 * with `deriveSampleSeed(baseSeed, index)`. Use it to reproduce or debug one pool sample.
 *
 * @example
 * const { image } = augmentSample(pipeline, input, 42, 7); // equals pool sample 7 with seed 42
 */
export function augmentSample(
  pipeline: ApplicablePipeline,
  image: RawImage,
  baseSeed: number,
  index: number,
): AugmentedImage {
  const result = pipeline.apply(image, createRng(deriveSampleSeed(baseSeed, index)));
  return { image: result.image, params: result.params };
}

/**
 * Converts an augmented image to the float32 tensor buffer the pool returns. A float32 image
 * already in `layout` (e.g. Normalize + ToTensorV2 output for CHW) is returned without a copy.
 */
export function imageToTensor(image: RawImage, layout: TensorLayout): Float32Array {
  if (image.data instanceof Float32Array && (image.layout ?? 'HWC') === layout) return image.data;
  return toTensorBuffer(image, { layout });
}
