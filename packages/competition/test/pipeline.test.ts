import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toAlbumentationsDict } from '@art/augment';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDataLoader,
  createValidationLoader,
  loadCompetition,
  predictProbabilities,
  quarterCrop,
  readSubmission,
  seedTestTransform,
  seedTrainTransform,
  SEED_INPUT_SIZES,
  seedValidTransform,
  stratifiedHoldout,
  train,
  writeAugmentationPreview,
  writeSubmission,
  argmaxLabels,
  type CompetitionData,
  type DataLoader,
} from '../src/index.js';
import { tinyModel, tinyRgb, writeCompetitionDir } from './helpers/tiny.js';

const INPUT = 16;
let root: string;
let data: CompetitionData;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'art-competition-pipeline-'));
  await writeCompetitionDir(join(root, 'data'), { perClass: 4, testCount: 5, width: 40, height: 30 });
  data = await loadCompetition(join(root, 'data'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function items(records: CompetitionData['train']) {
  return records.map((r) => ({ imagePath: r.imagePath, label: data.labelEncoder.encode(r.artist) }));
}

async function collect(
  loader: DataLoader,
  epoch: number,
): Promise<{ values: Float32Array[]; indices: number[][]; labels: number[][] }> {
  const out = { values: [] as Float32Array[], indices: [] as number[][], labels: [] as number[][] };
  for await (const batch of loader.batches(epoch)) {
    expect(batch.x.shape.slice(1)).toEqual([INPUT, INPUT, 3]);
    out.values.push(batch.x.dataSync() as Float32Array);
    out.indices.push(batch.indices);
    out.labels.push(Array.from(batch.labels ?? []));
    batch.x.dispose();
  }
  return out;
}

describe('data pipeline', () => {
  it('gives the same batches for a seed with 0 or 1 worker; reshuffles and re-augments per epoch', async () => {
    const options = {
      items: items(data.train),
      transform: seedTrainTransform('b3', INPUT),
      batchSize: 5,
      shuffle: true,
      seed: 3,
    };
    const inThread = createDataLoader({ ...options, workers: 0 });
    const pooled = createDataLoader({ ...options, workers: 1, prefetch: 1 });
    const before = tf.memory().numTensors;
    const a = await collect(inThread, 0);
    const b = await collect(pooled, 0);
    expect(tf.memory().numTensors).toBe(before);
    expect(inThread.length).toBe(3);
    expect(a.indices).toEqual(b.indices);
    expect(a.values.map((v) => Buffer.from(v.buffer).toString('base64'))).toEqual(
      b.values.map((v) => Buffer.from(v.buffer).toString('base64')),
    );
    expect(a.labels.flat()).toEqual(a.indices.flat().map((i) => data.labelEncoder.encode(data.train[i]!.artist)));
    const epoch1 = await collect(inThread, 1);
    expect(epoch1.indices).not.toEqual(a.indices);
    expect(epoch1.indices.flat().sort((x, y) => x - y)).toEqual(data.train.map((_, i) => i));
    await inThread.close();
    await pooled.close();
  });

  it('validation modes: the seed transform and quarter crops are seeded and stable', async () => {
    for (const mode of ['seed', 'quarter-crop'] as const) {
      const loader = createValidationLoader({
        items: items(data.train),
        inputSize: INPUT,
        mode,
        batchSize: 4,
        seed: 1,
      });
      const first = await collect(loader, 0);
      const second = await collect(loader, 0);
      expect(first.values).toEqual(second.values);
      expect(first.indices.flat()).toEqual(data.train.map((_, i) => i));
    }
    expect(() =>
      createValidationLoader({ items: items(data.train), inputSize: INPUT, batchSize: 2, mode: 'center' as never }),
    ).toThrow(/expected one of seed, quarter-crop/);
  });

  it('quarter-crop validation and the decoded-image cache give the same batches in-thread and in the pool', async () => {
    const options = {
      items: items(data.train),
      inputSize: INPUT,
      mode: 'quarter-crop' as const,
      batchSize: 6,
      seed: 4,
    };
    const inThread = createValidationLoader({ ...options, workers: 0 });
    const pooled = createValidationLoader({ ...options, workers: 1, cacheDecoded: true });
    const a = await collect(inThread, 0);
    const b = await collect(pooled, 0);
    const again = await collect(pooled, 0); // second pass comes from the cache
    expect(b.values).toEqual(a.values);
    expect(again.values).toEqual(a.values);
    await pooled.close();
  });

  it('quarterCrop cuts half of each side at a seeded position, copying pixels exactly', () => {
    const image = tinyRgb(41, 30, 0, 1);
    const crop = quarterCrop(image, 7);
    expect([crop.width, crop.height]).toEqual([21, 15]);
    expect(quarterCrop(image, 7)).toEqual(crop);
    // find the offset: the crop's first row must appear in the image
    let found = false;
    for (let y0 = 0; y0 <= 15 && !found; y0++) {
      for (let x0 = 0; x0 <= 20 && !found; x0++) {
        let same = true;
        for (let y = 0; y < crop.height && same; y++) {
          for (let x = 0; x < crop.width * 3 && same; x++)
            same = crop.data[y * crop.width * 3 + x] === image.data[((y0 + y) * 41 + x0) * 3 + x];
        }
        found = same;
      }
    }
    expect(found).toBe(true);
    expect(() => quarterCrop(image, 1, { areaFraction: 0 })).toThrow(RangeError);
  });

  it("follows the seed's text: B3 crops 150 px of a 300 px resize with 4 holes of 64 px, test Resize(150); V2-M Resize only", () => {
    const list = (pipeline: ReturnType<typeof seedTrainTransform>) =>
      toAlbumentationsDict(pipeline).transform.transforms as Record<string, unknown>[];
    const names = (pipeline: ReturnType<typeof seedTrainTransform>) => list(pipeline).map((t) => t.__class_fullname__);
    const b3 = list(seedTrainTransform('b3'));
    expect(names(seedTrainTransform('b3'))).toEqual([
      'Resize',
      'RandomCrop',
      'CoarseDropout',
      'OneOf',
      'VerticalFlip',
      'HorizontalFlip',
      'Normalize',
    ]);
    expect(b3[0]).toMatchObject({ height: 300, width: 300 });
    expect(b3[1]).toMatchObject({ height: 150, width: 150 });
    expect(b3[2]).toMatchObject({
      p: 0.5,
      max_holes: 4,
      min_holes: 4,
      max_height: 64,
      max_width: 64,
      min_height: 64,
      min_width: 64,
      fill_value: 0,
    });
    expect(b3[3]).toMatchObject({ p: 0.3 });
    expect(list(seedTrainTransform('b3', 75))[2]).toMatchObject({ max_height: 32, max_width: 32 });
    expect(list(seedTestTransform())[0]).toMatchObject({ __class_fullname__: 'Resize', height: 150, width: 150 });
    expect(list(seedValidTransform()).slice(0, 2)).toMatchObject([{ height: 300 }, { height: 150 }]);
    expect(names(seedTrainTransform('v2m'))).toEqual([
      'Resize',
      'HorizontalFlip',
      'VerticalFlip',
      'ShiftScaleRotate',
      'OneOf',
      'Normalize',
    ]);
    expect(list(seedTrainTransform('v2m'))[0]).toMatchObject({ height: SEED_INPUT_SIZES.v2m });
  });

  it('serialise to the albumentations JSON the untyped dicts were, float for float (seed-transforms.json)', async () => {
    // The dicts the seed's recipes used before they were typed (the training-parity fixtures were
    // made with them): v2m's ShiftScaleRotate keeps scale_limit [-0.19999999999999996, 0.19999999999999996].
    const golden = JSON.parse(
      await readFile(join(import.meta.dirname, 'fixtures/seed-transforms.json'), 'utf8'),
    ) as Record<string, unknown>;
    const build = {
      'b3-train': (size: number) => seedTrainTransform('b3', size),
      'v2m-train': (size: number) => seedTrainTransform('v2m', size),
      'b3-valid': seedValidTransform,
      test: seedTestTransform,
    };
    for (const [key, expected] of Object.entries(golden)) {
      const [name, size] = key.split('@') as [keyof typeof build, string];
      expect(JSON.parse(JSON.stringify(toAlbumentationsDict(build[name](Number(size))))), key).toEqual(expected);
    }
    expect(Object.keys(golden)).toHaveLength(19);
    expect(
      (golden['v2m-train@384'] as { transform: { transforms: { scale_limit?: number[] }[] } }).transform.transforms[3]!
        .scale_limit,
    ).toEqual([-0.19999999999999996, 0.19999999999999996]);
  });

  it('takes a transform, its JSON object or its JSON text alike', async () => {
    const transform = seedValidTransform(INPUT);
    const json = toAlbumentationsDict(transform);
    const first = async (source: Parameters<typeof createDataLoader>[0]['transform']) => {
      const loader = createDataLoader({
        items: items(data.train).slice(0, 2),
        transform: source,
        batchSize: 2,
        seed: 5,
      });
      try {
        for await (const batch of loader.batches(0)) {
          const values = await batch.x.data();
          batch.x.dispose();
          return values;
        }
      } finally {
        loader.close();
      }
      throw new Error('no batch');
    };
    const reference = await first(transform);
    expect(await first(json)).toEqual(reference);
    expect(await first(JSON.stringify(json))).toEqual(reference);
  });

  it('rejects bad loader options by name', () => {
    expect(() => createDataLoader({ items: [], transform: seedTestTransform(8), batchSize: 1 })).toThrow(
      /items must be a non-empty array/,
    );
    expect(() => createDataLoader({ items: items(data.train), transform: seedTestTransform(8), batchSize: 0 })).toThrow(
      /batchSize must be a positive integer, got 0/,
    );
    expect(() =>
      createDataLoader({
        items: items(data.train),
        transform: seedTestTransform(8),
        batchSize: 2,
        crop: 'half' as never,
      }),
    ).toThrow(/expected 'quarter' or 'none'/);
    expect(() => seedTrainTransform('b7' as never, 8)).toThrow(/unknown variant "b7"; expected one of b3, v2m/);
  });

  it('names the image that is missing or corrupt when a batch cannot be built (in thread)', async () => {
    const good = items(data.train).slice(0, 2);
    const missing = join(root, 'data', 'train', 'no-such-image.jpg');
    const loader = createDataLoader({
      items: [...good, { imagePath: missing, label: 0 }],
      transform: seedTestTransform(INPUT),
      batchSize: 3,
      workers: 0,
    });
    const before = tf.memory().numTensors;
    await expect(collect(loader, 0)).rejects.toThrow(
      new RegExp(
        `Cannot decode image ${JSON.stringify(missing).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: decodeImage: image file not found`,
      ),
    );
    expect(tf.memory().numTensors).toBe(before);
    await loader.close();
  });

  it('writes an augmentation preview grid', async () => {
    const path = await writeAugmentationPreview(root, {
      images: data.train.slice(0, 2),
      transform: seedTrainTransform('b3', INPUT),
      variants: 2,
      cellSize: 32,
    });
    expect((await readFile(path)).subarray(1, 4).toString()).toBe('PNG');
  });

  it('runs end to end: split → train → predict test → submission', async () => {
    const split = stratifiedHoldout(
      data.train.map((r) => r.artist),
      { validFraction: 0.25, seed: 0 },
    );
    const trainLoader = createDataLoader({
      items: items(split.train.map((i) => data.train[i]!)),
      transform: seedTrainTransform('b3', INPUT),
      batchSize: 3,
      shuffle: true,
      cacheDecoded: true,
    });
    const validLoader = createDataLoader({
      items: items(split.valid.map((i) => data.train[i]!)),
      transform: seedValidTransform(INPUT),
      batchSize: 3,
    });
    const model = tinyModel(2, data.labelEncoder.numClasses, INPUT);
    const result = await train({
      model,
      trainLoader,
      validLoader,
      numClasses: data.labelEncoder.numClasses,
      classes: data.labelEncoder.classes,
      epochs: 1,
      outDir: join(root, 'run'),
      progress: 'lines',
      plots: false,
      learningRate: 0.01,
    });
    expect(result.history).toHaveLength(1);
    const testLoader = createDataLoader({
      items: data.test.map((r) => ({ imagePath: r.imagePath })),
      transform: seedTestTransform(INPUT),
      batchSize: 2,
    });
    const probabilities = await predictProbabilities(model, testLoader, { tta: 'hflip' });
    const labels = argmaxLabels({
      ids: data.test.map((r) => r.id),
      classes: [...data.labelEncoder.classes],
      probabilities,
    });
    await writeSubmission(
      join(root, 'submission.csv'),
      { ids: data.test.map((r) => r.id), labels },
      { sampleSubmission: join(root, 'data/sample_submission.csv'), classes: data.labelEncoder.classes },
    );
    const rows = await readSubmission(join(root, 'submission.csv'));
    expect(rows.map((r) => r.id)).toEqual(data.sampleSubmission.map((r) => r.id));
    model.dispose();
  });
});
