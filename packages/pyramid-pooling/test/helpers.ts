import * as tf from '@tensorflow/tfjs';

import type { BackboneFunction, PyramidRawImage } from '../src/index.js';

/** A deterministic uint8 RGB image whose pixels vary in every channel. */
export function testImage(width: number, height: number, seed = 1): PyramidRawImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const offset = (y * width + x) * 3;
      data[offset] = (x * 23 + y * 5 + seed * 41) % 256;
      data[offset + 1] = (y * 31 + seed * 17 + ((x * y) % 7) * 9) % 256;
      data[offset + 2] = (x * y * 3 + seed * 59 + 128) % 256;
    }
  }
  return { data, width, height, channels: 3 };
}

export function batchTensor(images: PyramidRawImage[]): tf.Tensor4D {
  const { width, height } = images[0]!;
  const data = new Float32Array(images.length * width * height * 3);
  images.forEach((image, index) => data.set(image.data, index * width * height * 3));
  return tf.tensor4d(data, [images.length, height, width, 3]);
}

/** Logits of the tiny deterministic backbone, computed in plain JS: 0.05 × the mean of each channel. */
export function meanColourLogits(crop: PyramidRawImage): number[] {
  const sums = [0, 0, 0];
  for (let i = 0; i < crop.data.length; i++) sums[i % 3]! += crop.data[i]!;
  const pixels = crop.width * crop.height;
  return sums.map((sum) => (0.05 * sum) / pixels);
}

/**
 * A tiny deterministic backbone (3 classes: logits = 0.05 × mean colour) that records the batch
 * size of every call in `calls`.
 */
export function meanColourBackbone(calls: number[] = [], tag?: { name: string; seen: string[] }): BackboneFunction {
  return (crops) => {
    calls.push(crops.shape[0]);
    if (tag !== undefined) tag.seen.push(tag.name);
    return tf.tidy(() => tf.mul(tf.mean(crops, [1, 2]), 0.05) as tf.Tensor2D);
  };
}

/** A small convolutional model with seeded weights: [S, S, 3] → logits [numClasses]. */
export function tinyConvModel(cropSize: number, numClasses = 3, seed = 7): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [cropSize, cropSize, 3],
        filters: 4,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
      }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: numClasses, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    if (!(Math.abs(actual[i]! - expected[i]!) <= tolerance)) {
      throw new Error(`index ${i}: ${actual[i]} differs from ${expected[i]} by more than ${tolerance}`);
    }
  }
}
