/**
 * `@art/augment/pool`: augment a stream of images on worker threads with per-sample seeds.
 * The output is identical for any number of workers.
 */
export {
  AugmentationPool,
  AugmentationSampleError,
  type AugmentationPoolOptions,
  type PoolImageResult,
  type PoolInput,
  type PoolMapOptions,
  type PoolResult,
  type PoolTensorResult,
} from './pool.js';
export type { PoolOutputKind, TensorLayout } from './protocol.js';
export { augmentSample, type ApplicablePipeline, type AugmentedImage } from './sample.js';
export { deriveSampleSeed } from './seed.js';
