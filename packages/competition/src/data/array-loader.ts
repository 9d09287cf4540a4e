import * as tf from '@tensorflow/tfjs';
import { mixSeeds, SeededRandom } from '../random.js';
import type { Batch } from './loader.js';

/** What `train`, `evaluate` and `predictProbabilities` read batches from. */
export interface BatchSource {
  /** Batches per epoch. */
  readonly length: number;
  /** The batches of an epoch from `startBatch` on; the consumer disposes each `x`. */
  batches(epoch: number, options?: { startBatch?: number }): AsyncIterable<Batch>;
}

/**
 * A {@link BatchSource} over images already in memory (NHWC float32), e.g. for tests or
 * pre-processed data. Shuffles per epoch with (seed, epoch) when `shuffle` is true.
 *
 * @example
 * const loader = createArrayLoader({ images: data, shape: [32, 32, 3], labels, batchSize: 4 });
 */
export function createArrayLoader(options: {
  images: Float32Array;
  shape: [number, number, number];
  labels?: ArrayLike<number>;
  batchSize: number;
  shuffle?: boolean;
  seed?: number;
}): BatchSource {
  const { images, shape, labels, batchSize, shuffle = false, seed = 0 } = options;
  const per = shape[0] * shape[1] * shape[2];
  if (!(images instanceof Float32Array) || images.length === 0 || images.length % per !== 0) {
    throw new RangeError(
      `createArrayLoader: images must be a non-empty Float32Array whose length is a multiple of ${per} (shape [${shape}])`,
    );
  }
  const size = images.length / per;
  if (labels && labels.length !== size)
    throw new RangeError(`createArrayLoader: ${labels.length} labels for ${size} images`);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`createArrayLoader: batchSize must be a positive integer, got ${batchSize}`);
  const length = Math.ceil(size / batchSize);
  return {
    length,
    async *batches(epoch: number, { startBatch = 0 } = {}) {
      const order = Array.from({ length: size }, (_, i) => i);
      if (shuffle) new SeededRandom(mixSeeds(seed, epoch, 0x5f0f)).shuffle(order);
      for (let b = startBatch; b < length; b++) {
        const indices = order.slice(b * batchSize, (b + 1) * batchSize);
        const data = new Float32Array(indices.length * per);
        indices.forEach((i, k) => data.set(images.subarray(i * per, (i + 1) * per), k * per));
        yield {
          x: tf.tensor4d(data, [indices.length, ...shape]),
          labels: labels ? Int32Array.from(indices, (i) => labels[i]!) : null,
          indices,
        };
      }
    },
  };
}
