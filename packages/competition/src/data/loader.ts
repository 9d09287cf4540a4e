import * as tf from '@tensorflow/tfjs';
import {
  fromAlbumentationsDict,
  toAlbumentationsDict,
  toTensorBuffer,
  type BaseTransform,
  type RawImage,
} from '@art/augment';
import { decodeImage } from '@art/augment/io';
import { AugmentationPool, augmentSample, type ApplicablePipeline } from '@art/augment/pool';
import { mixSeeds, SeededRandom } from '../random.js';
import {
  quarterCrop,
  seedTestTransform,
  seedValidTransform,
  VALIDATION_MODES,
  type AlbumentationsPipeline,
  type ValidationMode,
} from './transforms.js';

/** One sample of a data loader: an image file and, for training/validation, a class index. */
export interface LoaderItem {
  imagePath: string;
  label?: number;
}

/** A batch: NHWC float32 images (the caller disposes `x`), labels when known, dataset indices. */
export interface Batch {
  x: tf.Tensor4D;
  labels: Int32Array | null;
  indices: number[];
}

export interface DataLoaderOptions {
  items: readonly LoaderItem[];
  /**
   * The augmentation: an @art/augment transform (e.g. `seedTrainTransform('b3', 300)`, a `Compose`)
   * or its albumentations `to_dict` JSON (object or text). A trailing ToTensorV2 is dropped
   * (tensors are NHWC). Worker threads receive it as JSON.
   */
  transform: PipelineSource;
  batchSize: number;
  /** Reshuffle every epoch (seeded by seed + epoch). Default false. */
  shuffle?: boolean;
  /** Base seed of the order and of every sample's augmentation. Default 0. */
  seed?: number;
  /** Drop the last incomplete batch. Default false. */
  dropLast?: boolean;
  /** Batches prepared ahead while the model trains. Default 2. */
  prefetch?: number;
  /** Worker threads for decoding + augmentation; 0 (default) runs in this thread. Output is identical either way. */
  workers?: number;
  /** 'quarter': crop ~1/4 of the original image's area at a seeded position before the transform (test-like validation). */
  crop?: 'quarter' | 'none';
  /** Keep decoded images in memory between epochs (default false), up to `cacheLimitBytes`. */
  cacheDecoded?: boolean;
  /** Memory budget of the decoded-image cache; images beyond it are decoded again each epoch. Default 1 GiB. */
  cacheLimitBytes?: number;
}

/** What a data loader or a preview takes as its augmentation: a transform, or its albumentations JSON (object or text). */
export type PipelineSource = BaseTransform | AlbumentationsPipeline | string;

/**
 * The albumentations JSON of a pipeline source (a copy, never the caller's object), without a
 * trailing ToTensorV2: what worker threads receive.
 * @example
 * const json = pipelineJson(seedTrainTransform('b3', 64)); // { __version__: '1.3.1', transform: { __class_fullname__: 'Compose', ... } }
 */
export function pipelineJson(source: PipelineSource): AlbumentationsPipeline {
  if (isTransform(source)) return stripToTensor(toAlbumentationsDict(source));
  if (typeof source === 'string') {
    try {
      return stripToTensor(JSON.parse(source) as AlbumentationsPipeline);
    } catch (error) {
      throw new SyntaxError(
        `createDataLoader: transform is neither a transform nor valid albumentations JSON text (${(error as Error).message})`,
      );
    }
  }
  if (source === null || typeof source !== 'object')
    throw new TypeError(
      'createDataLoader: transform must be an @art/augment transform or its albumentations to_dict JSON',
    );
  return stripToTensor(JSON.parse(JSON.stringify(source)) as AlbumentationsPipeline);
}

/** A transform object, by shape rather than `instanceof`, so a second copy of @art/augment in node_modules still works. */
function isTransform(source: PipelineSource): source is BaseTransform {
  return (
    typeof source === 'object' &&
    source !== null &&
    typeof (source as Partial<BaseTransform>).toDict === 'function' &&
    typeof (source as Partial<BaseTransform>).apply === 'function'
  );
}

function stripToTensor(dict: AlbumentationsPipeline): AlbumentationsPipeline {
  const list = dict.transform?.transforms;
  if (Array.isArray(list)) dict.transform.transforms = list.filter((t) => t.__class_fullname__ !== 'ToTensorV2');
  return dict;
}

/**
 * Batches of a dataset: decode (sharp) → @art/augment pipeline (in a worker pool when
 * `workers > 0`) → NHWC float32 tensors, with `prefetch` batches prepared ahead.
 *
 * Deterministic: the order of epoch `e` is a seeded shuffle of (seed, e), and sample `i`
 * of epoch `e` is augmented with the @art/augment RNG of stream index `e·size + i`
 * (`deriveSampleSeed(seed, e·size + i)`), whatever the worker count or batch size.
 * @example
 * const loader = new DataLoader({ items, transform: seedValidTransform(300), batchSize: 16 }); // same as createDataLoader
 */
export class DataLoader {
  readonly size: number;
  readonly batchSize: number;
  private readonly options: Required<Omit<DataLoaderOptions, 'items' | 'transform'>>;
  private readonly items: readonly LoaderItem[];
  private readonly transformDict: AlbumentationsPipeline;
  private pipeline: ApplicablePipeline | null = null;
  private pool: AugmentationPool<'tensor'> | null = null;
  private readonly cache = new Map<number, RawImage>();
  private cacheBytes = 0;

  constructor(options: DataLoaderOptions) {
    const {
      items,
      transform,
      batchSize,
      shuffle = false,
      seed = 0,
      dropLast = false,
      prefetch = 2,
      workers = 0,
      crop = 'none',
      cacheDecoded = false,
      cacheLimitBytes = 2 ** 30,
    } = options;
    if (!Array.isArray(items) || items.length === 0)
      throw new RangeError('createDataLoader: items must be a non-empty array');
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new RangeError(`createDataLoader: batchSize must be a positive integer, got ${batchSize}`);
    if (!Number.isSafeInteger(seed)) throw new RangeError(`createDataLoader: seed must be a safe integer, got ${seed}`);
    if (!Number.isInteger(prefetch) || prefetch < 0)
      throw new RangeError(`createDataLoader: prefetch must be an integer >= 0, got ${prefetch}`);
    if (!Number.isInteger(workers) || workers < 0)
      throw new RangeError(`createDataLoader: workers must be an integer >= 0, got ${workers}`);
    if (!(cacheLimitBytes >= 0))
      throw new RangeError(`createDataLoader: cacheLimitBytes must be >= 0, got ${cacheLimitBytes}`);
    if (crop !== 'quarter' && crop !== 'none')
      throw new RangeError(`createDataLoader: unknown crop ${JSON.stringify(crop)}; expected 'quarter' or 'none'`);
    items.forEach((item, i) => {
      if (typeof item?.imagePath !== 'string')
        throw new TypeError(`createDataLoader: items[${i}].imagePath must be a string`);
      if (item.label !== undefined && !Number.isInteger(item.label))
        throw new TypeError(`createDataLoader: items[${i}].label must be an integer class index, got ${item.label}`);
    });
    this.items = items;
    this.size = items.length;
    this.batchSize = batchSize;
    this.transformDict = pipelineJson(transform);
    this.options = { batchSize, shuffle, seed, dropLast, prefetch, workers, crop, cacheDecoded, cacheLimitBytes };
    // Load once here so that a bad pipeline fails at construction, in this thread.
    this.pipeline = fromAlbumentationsDict(this.transformDict);
  }

  /** Batches per epoch. */
  get length(): number {
    return this.options.dropLast ? Math.floor(this.size / this.batchSize) : Math.ceil(this.size / this.batchSize);
  }

  /** The dataset indices of epoch `epoch`, in batch order. */
  order(epoch: number): number[] {
    const indices = Array.from({ length: this.size }, (_, i) => i);
    if (!this.options.shuffle) return indices;
    return new SeededRandom(mixSeeds(this.options.seed, epoch, 0x5f0f)).shuffle(indices);
  }

  /**
   * The batches of one epoch, from `startBatch` on (resume mid-epoch). Each batch's `x` is
   * owned by the caller (dispose it). Breaking out early is fine.
   *
   * @example
   * for await (const { x, labels } of loader.batches(0)) { ...; x.dispose(); }
   */
  async *batches(epoch: number, options: { startBatch?: number } = {}): AsyncGenerator<Batch> {
    const { startBatch = 0 } = options;
    if (!Number.isInteger(epoch) || epoch < 0)
      throw new RangeError(`DataLoader.batches: epoch must be an integer >= 0, got ${epoch}`);
    const order = this.order(epoch);
    const total = this.length;
    const pending: Promise<{
      data: Float32Array;
      shape: [number, number, number];
      labels: Int32Array | null;
      indices: number[];
    }>[] = [];
    let next = startBatch;
    const schedule = (): void => {
      if (next >= total) return;
      const indices = order.slice(next * this.batchSize, (next + 1) * this.batchSize);
      next++;
      const promise = this.prepareBatch(epoch, indices);
      promise.catch(() => undefined); // surfaced when awaited, in order
      pending.push(promise);
    };
    const prefetch = this.options.prefetch;
    for (let i = 0; i < Math.max(1, prefetch); i++) schedule();
    while (pending.length > 0) {
      const ready = await pending.shift()!;
      if (prefetch > 0) schedule(); // keep `prefetch` batches in flight while the caller trains on this one
      const x = tf.tensor4d(ready.data, [ready.indices.length, ...ready.shape]);
      yield { x, labels: ready.labels, indices: ready.indices };
      if (prefetch === 0) schedule();
    }
  }

  /** Stops the worker pool (if any). */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    this.cache.clear();
    this.cacheBytes = 0;
    if (pool) await pool.close();
  }

  private getPool(): AugmentationPool<'tensor'> {
    this.pool ??= new AugmentationPool({
      pipeline: this.transformDict,
      workers: this.options.workers,
      seed: this.options.seed,
      output: 'tensor',
      layout: 'HWC',
      // Queue every prefetched sample on the workers at once: while a training step blocks this
      // thread, the pool cannot hand out more work, so it must already hold it.
      tasksPerWorker: Math.max(
        2,
        Math.ceil((this.batchSize * Math.max(1, this.options.prefetch)) / this.options.workers),
      ),
    });
    return this.pool;
  }

  private async decoded(index: number): Promise<RawImage> {
    const cached = this.cache.get(index);
    if (cached) return cached;
    const path = this.items[index]!.imagePath;
    let image: RawImage;
    try {
      // decodeImage reads the file itself (synchronously, cheaper than fs.promises.readFile);
      // plain JPEGs decode right here in WebAssembly, other files start on sharp's thread before
      // it returns, so the batch's sharp decodes overlap.
      image = await decodeImage(path);
    } catch (error) {
      throw new Error(`Cannot decode image ${JSON.stringify(path)}: ${(error as Error).message}`, { cause: error });
    }
    if (this.options.cacheDecoded && this.cacheBytes + image.data.byteLength <= this.options.cacheLimitBytes) {
      this.cache.set(index, image);
      this.cacheBytes += image.data.byteLength;
    }
    return image;
  }

  private async prepareSample(
    epoch: number,
    index: number,
  ): Promise<{ data: Float32Array; shape: [number, number, number] }> {
    const stream = epoch * this.size + index;
    const needsPixels = this.options.crop === 'quarter' || this.options.cacheDecoded || this.options.workers === 0;
    let input: RawImage | string = this.items[index]!.imagePath;
    if (needsPixels) {
      input = await this.decoded(index);
      if (this.options.crop === 'quarter') input = quarterCrop(input, mixSeeds(this.options.seed, stream, 0x9c));
    }
    if (this.options.workers > 0) {
      const result = await this.getPool().augment(input, stream);
      return { data: result.tensor, shape: result.shape };
    }
    const { image } = augmentSample(this.pipeline!, input as RawImage, this.options.seed, stream);
    if (image.layout === 'CHW')
      throw new Error('DataLoader: the transform produced a CHW image; remove ToTensorV2 (tensors are NHWC)');
    const data = toTensorBuffer(image, { layout: 'HWC' });
    return { data, shape: [image.height, image.width, image.channels] };
  }

  private async prepareBatch(
    epoch: number,
    indices: number[],
  ): Promise<{ data: Float32Array; shape: [number, number, number]; labels: Int32Array | null; indices: number[] }> {
    const samples = await Promise.all(indices.map((i) => this.prepareSample(epoch, i)));
    const shape = samples[0]!.shape;
    samples.forEach((s, k) => {
      if (s.shape.some((d, j) => d !== shape[j])) {
        throw new Error(
          `DataLoader: sample ${indices[k]} (${this.items[indices[k]!]!.imagePath}) has shape ` +
            `[${s.shape}] but the batch has [${shape}]; end the transform with a fixed-size Resize or crop`,
        );
      }
    });
    const per = shape[0] * shape[1] * shape[2];
    const data = new Float32Array(per * samples.length);
    samples.forEach((s, k) => data.set(s.data, k * per));
    const hasLabels = indices.every((i) => this.items[i]!.label !== undefined);
    const labels = hasLabels ? Int32Array.from(indices, (i) => this.items[i]!.label!) : null;
    return { data, shape, labels, indices };
  }
}

/**
 * Creates a {@link DataLoader}.
 *
 * @param options `{ items, transform, batchSize, shuffle = false, seed = 0, dropLast = false,
 *   prefetch = 2, workers = 0, crop = 'none', cacheDecoded = false, cacheLimitBytes = 1 GiB }`
 * @example
 * const loader = createDataLoader({
 *   items: data.train.map((r) => ({ imagePath: r.imagePath, label: data.labelEncoder.encode(r.artist) })),
 *   transform: seedTrainTransform('b3', 64), batchSize: 8, shuffle: true, seed: 0, workers: 1,
 * });
 */
export function createDataLoader(options: DataLoaderOptions): DataLoader {
  return new DataLoader(options);
}

/**
 * A validation loader that imitates the test set: `mode: 'seed'` (default) applies the seed's
 * valid transform (Resize 2x → RandomCrop → Normalize); `'quarter-crop'` crops ~1/4 of the
 * original image's area at a seeded position, then applies the test transform (Resize →
 * Normalize), like the competition's test crops. Crops are the same every epoch.
 *
 * @example
 * const validLoader = createValidationLoader({ items, inputSize: 300, batchSize: 16, mode: 'quarter-crop' });
 */
export function createValidationLoader(
  options: Omit<DataLoaderOptions, 'transform' | 'crop' | 'shuffle'> & { inputSize: number; mode?: ValidationMode },
): DataLoader {
  const { inputSize, mode = 'seed', ...rest } = options;
  if (!VALIDATION_MODES.includes(mode))
    throw new RangeError(
      `createValidationLoader: unknown mode ${JSON.stringify(mode)}; expected one of ${VALIDATION_MODES.join(', ')}`,
    );
  return mode === 'seed'
    ? new DataLoader({ ...rest, transform: seedValidTransform(inputSize) })
    : new DataLoader({ ...rest, transform: seedTestTransform(inputSize), crop: 'quarter' });
}
