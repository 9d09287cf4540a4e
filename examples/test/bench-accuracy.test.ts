import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  createDataLoader,
  loadCompetition,
  resolveDataRoot,
  seedTrainTransform,
  seedValidTransform,
  type BatchSource,
} from '@art/competition';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedBatchSource, ensureBatchCache, readBatchCache } from '../bench/batch-cache.js';
import { compareSides, formatReport, meanStd, type SideRun } from '../bench/report.js';
import { exampleDataDir } from '../lib/data.js';

let scratch: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  scratch = await mkdtemp(join(tmpdir(), 'art-bench-accuracy-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Every batch of one epoch, as plain arrays (tensors disposed). */
async function drain(
  source: BatchSource,
  epoch: number,
): Promise<{ x: Float32Array; shape: number[]; labels: number[]; indices: number[] }[]> {
  const batches = [];
  for await (const batch of source.batches(epoch)) {
    batches.push({
      x: batch.x.dataSync() as Float32Array,
      shape: batch.x.shape,
      labels: Array.from(batch.labels!),
      indices: batch.indices,
    });
    batch.x.dispose();
  }
  return batches;
}

describe('batch cache', () => {
  it("replays the loader's augmented batches exactly, appends epochs, and rewrites on a new key", async () => {
    const { root } = await resolveDataRoot(undefined, { smoke: true, dataDir: exampleDataDir });
    const data = await loadCompetition(root);
    const items = data.train.map((record) => ({
      imagePath: record.imagePath,
      label: data.labelEncoder.encode(record.artist) as number,
    }));
    // 24 images in batches of 5: the last batch is partial.
    const trainLoader = createDataLoader({
      items,
      transform: seedTrainTransform('b3', 16),
      batchSize: 5,
      shuffle: true,
      seed: 3,
      cacheDecoded: true,
    });
    const validLoader = createDataLoader({
      items: items.slice(0, 7),
      transform: seedValidTransform(16),
      batchSize: 5,
      seed: 3,
      cacheDecoded: true,
    });
    const dir = join(scratch, 'cache');
    const options = { trainLoader, validLoader, batchSize: 5, classes: data.labelEncoder.classes, key: { seed: 3 } };
    const before = tf.memory().numTensors;

    expect((await ensureBatchCache(dir, { ...options, epochs: 1 })).written).toBe(1);
    expect((await ensureBatchCache(dir, { ...options, epochs: 2 })).written).toBe(1);
    const { manifest, written } = await ensureBatchCache(dir, { ...options, epochs: 2 });
    expect(written).toBe(0);
    expect(manifest).toMatchObject({
      epochs: 2,
      trainCount: 24,
      validCount: 7,
      imageShape: [16, 16, 3],
      batchSize: 5,
      layout: 'NHWC',
    });

    const cachedTrain = cachedBatchSource(dir, manifest, 'train');
    expect(cachedTrain.length).toBe(trainLoader.length);
    for (const epoch of [0, 1]) expect(await drain(cachedTrain, epoch)).toEqual(await drain(trainLoader, epoch));
    // The epochs differ (order and augmentation), so the comparison above could fail.
    expect((await drain(cachedTrain, 0))[0]!.indices).not.toEqual((await drain(cachedTrain, 1))[0]!.indices);
    expect(await drain(cachedBatchSource(dir, manifest, 'valid'), 5)).toEqual(await drain(validLoader, 0));
    const resumed = [];
    for await (const batch of cachedTrain.batches(1, { startBatch: 3 })) {
      resumed.push(batch.indices);
      batch.x.dispose();
    }
    expect(resumed).toEqual((await drain(trainLoader, 1)).slice(3).map((batch) => batch.indices));
    await expect(drain(cachedTrain, 2)).rejects.toThrow(`epoch 2 asked for, only 2 written`);

    expect((await ensureBatchCache(dir, { ...options, epochs: 1, key: { seed: 4 } })).written).toBe(1);
    expect((await readBatchCache(dir))!.epochs).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    await Promise.all([trainLoader.close(), validLoader.close()]);
  }, 60_000);
});

describe('bench report', () => {
  const run = (side: SideRun['side'], seed: number, f1: number[]): SideRun => ({
    side,
    seed,
    seconds: 10,
    history: f1.map((validMacroF1, epoch) => ({
      epoch,
      trainLoss: 2.3 - epoch / 10,
      trainAccuracy: 0,
      validLoss: 2,
      validAccuracy: 0,
      validMacroF1,
      seconds: 5,
    })),
  });

  it('mean and sample std as numpy (ddof=1)', () => {
    // np.mean / np.std(ddof=1) of [0.31, 0.45, 0.38]
    const { mean, std } = meanStd([0.31, 0.45, 0.38]);
    expect(mean).toBeCloseTo(0.38, 12);
    expect(std).toBeCloseTo(0.07, 12);
    expect(meanStd([0.5])).toEqual({ mean: 0.5, std: 0 });
  });

  it("compares each seed's best epoch and applies mean − 1 std", () => {
    const torch = [
      run('pytorch', 0, [0.1, 0.31, 0.2]),
      run('pytorch', 1, [0.45, 0.2, 0.1]),
      run('pytorch', 2, [0.1, 0.2, 0.38]),
    ];
    const passing = compareSides([run('art', 0, [0.2, 0.32]), run('art', 1, [0.32, 0.1]), ...torch]);
    expect(passing.pytorch.best).toEqual([0.31, 0.45, 0.38]);
    expect(passing.pytorch.bestEpoch).toEqual([2, 1, 3]);
    expect(passing.threshold).toBeCloseTo(0.31, 12);
    expect(passing.art.mean).toBeCloseTo(0.32, 12);
    expect(passing.passed).toBe(true);
    const failing = compareSides([run('art', 0, [0.2, 0.3]), run('art', 1, [0.3, 0.1]), ...torch]);
    expect(failing.passed).toBe(false);
    const { text, markdown } = formatReport(
      [...torch, run('art', 0, [0.2, 0.3])],
      failing,
      { data: 'synthetic' },
      { seconds: 75, cacheSeconds: 1 },
    );
    expect(text).toContain('@art mean 0.3000 < PyTorch mean − 1 std = 0.3800 − 0.0700 = 0.3100: FAIL');
    expect(markdown).toContain('| epoch | @art s0 | PyTorch s0 | PyTorch s1 | PyTorch s2 |');
    expect(markdown).toContain('| 3 |  | 0.2000 | 0.1000 | 0.3800 |');
    expect(text).toContain('Total 1 min 15 s');
  });
});
