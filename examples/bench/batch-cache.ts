import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic, type BatchSource } from '@art/competition';

/**
 * A batch cache: the augmented batches of every training epoch and the validation set, as
 * @art's data pipeline made them, written once so that two trainers (ours and PyTorch) read
 * exactly the same pixels in the same order.
 *
 * Layout of `dir`: `manifest.json` (this interface), then raw little-endian files per epoch
 * `train-e<NN>.f32` (float32 NHWC, samples in batch order: batch b is samples
 * b·batchSize … b·batchSize + batchSize − 1), `train-e<NN>.labels.i32` and
 * `train-e<NN>.indices.i32` (int32 class index and dataset index of each sample), and
 * `valid.f32`, `valid.labels.i32`, `valid.indices.i32`. A reader in any language needs
 * nothing but the manifest and `fromfile`.
 */
export interface BatchCacheManifest {
  format: 'art-batch-cache';
  version: 1;
  layout: 'NHWC';
  /** `[height, width, channels]` of one sample. */
  imageShape: [number, number, number];
  batchSize: number;
  /** Training epochs written: files `train-e00` … `train-e<epochs−1>`. */
  epochs: number;
  trainCount: number;
  validCount: number;
  classes: string[];
  /** Everything the batches depend on (data, split, transforms, seed): a cache is reused only when this is equal. */
  key: Record<string, unknown>;
}

/** The files of one split's epoch (validation: `epoch` null). */
export function cacheFiles(dir: string, epoch: number | null): { images: string; labels: string; indices: string } {
  const stem = join(dir, epoch === null ? 'valid' : `train-e${String(epoch).padStart(2, '0')}`);
  return { images: `${stem}.f32`, labels: `${stem}.labels.i32`, indices: `${stem}.indices.i32` };
}

/** The manifest of `dir`, or null when there is none. */
export async function readBatchCache(dir: string): Promise<BatchCacheManifest | null> {
  const file = join(dir, 'manifest.json');
  if (!existsSync(file)) return null;
  const manifest = JSON.parse(await readFile(file, 'utf8')) as BatchCacheManifest;
  if (manifest.format !== 'art-batch-cache' || manifest.version !== 1)
    throw new Error(`${file}: not an art-batch-cache manifest of version 1`);
  return manifest;
}

/** Drains a loader's epoch into one Float32Array (in batch order) plus labels and indices. */
async function collect(
  source: BatchSource,
  epoch: number,
): Promise<{ images: Float32Array; labels: Int32Array; indices: Int32Array; shape: [number, number, number] }> {
  const images: Float32Array[] = [];
  const labels: number[] = [];
  const indices: number[] = [];
  let shape: [number, number, number] | null = null;
  for await (const batch of source.batches(epoch)) {
    try {
      if (!batch.labels) throw new Error('batch cache: the loader has no labels');
      shape ??= batch.x.shape.slice(1) as [number, number, number];
      images.push((await batch.x.data()) as Float32Array);
      labels.push(...batch.labels);
      indices.push(...batch.indices);
    } finally {
      batch.x.dispose();
    }
  }
  const all = new Float32Array(images.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of images) {
    all.set(part, offset);
    offset += part.length;
  }
  return { images: all, labels: Int32Array.from(labels), indices: Int32Array.from(indices), shape: shape! };
}

async function writeSplit(dir: string, epoch: number | null, data: Awaited<ReturnType<typeof collect>>): Promise<void> {
  const files = cacheFiles(dir, epoch);
  const bytes = (array: Float32Array | Int32Array): Uint8Array =>
    new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  await writeFileAtomic(files.images, bytes(data.images));
  await writeFileAtomic(files.labels, bytes(data.labels));
  await writeFileAtomic(files.indices, bytes(data.indices));
}

/**
 * Makes sure `dir` holds the batches of epochs 0 … `epochs − 1` of `trainLoader` and the
 * validation set of `validLoader` (its epoch 0, what `evaluate` reads), for this `key`.
 * Epochs already there are kept (the loaders are deterministic per epoch), missing ones are
 * appended; a different key rewrites the cache. The manifest is written last, so a run
 * killed mid-way leaves a cache that is still valid for the epochs it lists.
 *
 * @returns the manifest and how many epochs were written now.
 * @example
 * const { manifest } = await ensureBatchCache('tmp/cache', { trainLoader, validLoader, epochs: 12, batchSize: 8, classes, key });
 */
export async function ensureBatchCache(
  dir: string,
  options: {
    trainLoader: BatchSource;
    validLoader: BatchSource;
    epochs: number;
    batchSize: number;
    classes: readonly string[];
    key: Record<string, unknown>;
  },
): Promise<{ manifest: BatchCacheManifest; written: number }> {
  const { trainLoader, validLoader, epochs, batchSize, classes, key } = options;
  const existing = await readBatchCache(dir);
  const sameKey = existing !== null && JSON.stringify(existing.key) === JSON.stringify(key);
  if (sameKey && existing.epochs >= epochs) return { manifest: existing, written: 0 };
  let manifest: BatchCacheManifest;
  if (sameKey) {
    manifest = existing;
  } else {
    const valid = await collect(validLoader, 0);
    await writeSplit(dir, null, valid);
    manifest = {
      format: 'art-batch-cache',
      version: 1,
      layout: 'NHWC',
      imageShape: valid.shape,
      batchSize,
      epochs: 0,
      trainCount: 0,
      validCount: valid.labels.length,
      classes: [...classes],
      key,
    };
  }
  const first = manifest.epochs;
  for (let epoch = first; epoch < epochs; epoch++) {
    const train = await collect(trainLoader, epoch);
    await writeSplit(dir, epoch, train);
    manifest = { ...manifest, epochs: epoch + 1, trainCount: train.labels.length };
    await writeFileAtomic(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  }
  return { manifest, written: epochs - first };
}

async function readSplit(
  dir: string,
  epoch: number | null,
): Promise<{ images: Float32Array; labels: Int32Array; indices: Int32Array }> {
  const files = cacheFiles(dir, epoch);
  const [images, labels, indices] = await Promise.all([
    readFile(files.images),
    readFile(files.labels),
    readFile(files.indices),
  ]);
  // Node's file buffers may share a pool at odd offsets: copy into aligned arrays.
  const aligned = <T extends Float32Array | Int32Array>(bytes: Buffer, Type: new (buffer: ArrayBuffer) => T): T =>
    new Type(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  return {
    images: aligned(images, Float32Array),
    labels: aligned(labels, Int32Array),
    indices: aligned(indices, Int32Array),
  };
}

/**
 * A {@link BatchSource} over a cache: epoch `e` yields the batches of `train-e<e>` (split
 * `'train'`), or always the validation set (split `'valid'`), as `batchSize` chunks in the
 * order they were written. Training past the cached epochs is an error, not a silent repeat.
 *
 * @example
 * const trainLoader = cachedBatchSource('tmp/cache', manifest, 'train');
 */
export function cachedBatchSource(dir: string, manifest: BatchCacheManifest, split: 'train' | 'valid'): BatchSource {
  const count = split === 'train' ? manifest.trainCount : manifest.validCount;
  const { batchSize, imageShape } = manifest;
  const per = imageShape[0] * imageShape[1] * imageShape[2];
  return {
    length: Math.ceil(count / batchSize),
    async *batches(epoch: number, { startBatch = 0 } = {}) {
      if (split === 'train' && !(epoch < manifest.epochs))
        throw new RangeError(`batch cache ${dir}: epoch ${epoch} asked for, only ${manifest.epochs} written`);
      const data = await readSplit(dir, split === 'train' ? epoch : null);
      for (let start = startBatch * batchSize; start < count; start += batchSize) {
        const end = Math.min(count, start + batchSize);
        yield {
          x: tf.tensor4d(data.images.subarray(start * per, end * per), [end - start, ...imageShape]),
          labels: data.labels.slice(start, end),
          indices: Array.from(data.indices.subarray(start, end)),
        };
      }
    },
  };
}
