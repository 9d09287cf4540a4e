import type * as tf from '@tensorflow/tfjs';
import { createArrayLoader, type BatchSource, type TrainOptions } from '../../src/index.js';
import { CLASSES, SIZE, tinyImages, tinyModel } from './tiny.js';

/** The configuration every resume / determinism test shares (also used by the kill -9 child). */
export function tinySetup(
  outDir: string,
  overrides: Partial<TrainOptions> = {},
): TrainOptions & { model: tf.LayersModel } {
  const trainData = tinyImages(24, 1);
  const validData = tinyImages(12, 2);
  const trainLoader = createArrayLoader({
    images: trainData.images,
    labels: trainData.labels,
    shape: [SIZE, SIZE, 3],
    batchSize: 4,
    shuffle: true,
    seed: 5,
  });
  const validLoader = createArrayLoader({
    images: validData.images,
    labels: validData.labels,
    shape: [SIZE, SIZE, 3],
    batchSize: 5,
  });
  return {
    model: tinyModel(1),
    trainLoader,
    validLoader,
    numClasses: CLASSES,
    classes: ['Goya', 'Monet', 'Van Gogh'],
    epochs: 3,
    outDir,
    seed: 9,
    optimizer: 'adam',
    learningRate: 0.01,
    scheduler: { factor: 0.5, patience: 0 },
    progress: 'none',
    plots: false,
    ...overrides,
  } as TrainOptions & { model: tf.LayersModel };
}

/** Wraps a loader so each batch arrives after `ms` (slows a child run down enough to kill it mid-way). */
export function slowLoader(loader: BatchSource, ms: number): BatchSource {
  return {
    length: loader.length,
    async *batches(epoch, options) {
      for await (const batch of loader.batches(epoch, options)) {
        await new Promise((resolve) => setTimeout(resolve, ms));
        yield batch;
      }
    },
  };
}
