import * as tf from '@tensorflow/tfjs';

import { checkRawImage, type PyramidRawImage } from './crop-image.js';
import { splitMix32State, Xoshiro128StarStar } from '../../../internal/rng.js';

/**
 * Images the classifier and the training helper accept: a batch tensor `[N, H, W, C]`, a list
 * of `[H, W, C]` tensors (sizes may differ), or a list of raw HWC images (sizes may differ).
 * Pixel values must already be in the units the backbone expects (or use `preprocess`).
 */
export type PyramidImages = tf.Tensor4D | readonly tf.Tensor3D[] | readonly PyramidRawImage[];

/** Uniform access to the images of a {@link PyramidImages}, one at a time. */
export interface ImageSource {
  count: number;
  size(index: number): { width: number; height: number };
  /** A new `[1, H, W, C]` float32 tensor (the caller disposes it). */
  tensor(index: number): tf.Tensor4D;
}

/** Wraps any {@link PyramidImages} as an {@link ImageSource}; `name` is used in errors. */
export function imageSource(images: PyramidImages, name = 'images'): ImageSource {
  if (images instanceof tf.Tensor) {
    if (images.rank !== 4)
      throw new TypeError(`${name} must be a tensor [N, H, W, C], got shape ${JSON.stringify(images.shape)}`);
    const [count, height, width, channels] = images.shape;
    return {
      count,
      size: () => ({ width, height }),
      tensor: (index) => tf.tidy(() => tf.slice(images, [index, 0, 0, 0], [1, height, width, channels]).toFloat()),
    };
  }
  if (!Array.isArray(images)) {
    throw new TypeError(
      `${name} must be a tensor [N, H, W, C], an array of [H, W, C] tensors or an array of raw images`,
    );
  }
  const list = images as readonly (tf.Tensor3D | PyramidRawImage)[];
  list.forEach((image, index) => {
    if (image instanceof tf.Tensor) {
      if (image.rank !== 3) {
        throw new TypeError(`${name}[${index}] must be a tensor [H, W, C], got shape ${JSON.stringify(image.shape)}`);
      }
    } else {
      checkRawImage(image, `${name}[${index}]`);
    }
  });
  return {
    count: list.length,
    size: (index) => {
      const image = list[index]!;
      return image instanceof tf.Tensor
        ? { width: image.shape[1], height: image.shape[0] }
        : { width: image.width, height: image.height };
    },
    tensor: (index) => {
      const image = list[index]!;
      if (image instanceof tf.Tensor) return tf.tidy(() => image.toFloat().expandDims(0) as tf.Tensor4D);
      const data = image.data instanceof Float32Array ? image.data : Float32Array.from(image.data);
      return tf.tensor4d(data, [1, image.height, image.width, image.channels], 'float32');
    },
  };
}

/**
 * Uniform floats in [0, 1) from internal/rng.ts's xoshiro128** seeded by `seed` (the stream of
 * `@art/augment`'s `createRng(seed).random()`), for shuffling; never `Math.random`.
 */
export function seededRandom(seed: number): () => number {
  const generator = new Xoshiro128StarStar(splitMix32State(seed));
  return () => generator.random();
}
