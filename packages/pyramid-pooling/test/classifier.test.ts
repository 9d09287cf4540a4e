import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  cropPyramidImage,
  FUSION_MODES,
  fuse,
  PyramidClassifier,
  pyramidTrainingBatches,
  softmax,
  type LevelAugmentation,
  type PyramidOptions,
} from '../src/index.js';
import { batchTensor, expectClose, meanColourBackbone, meanColourLogits, testImage, tinyConvModel } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const pyramid: PyramidOptions = { levels: [1, 2, 5], cropSize: 8, borderMode: 'reflect101' };

describe('PyramidClassifier.predict', () => {
  it('equals an independent per-image computation (crops in TS, backbone in JS, softmax, fuse)', async () => {
    const images = [testImage(23, 17, 1), testImage(23, 17, 2)];
    const classifier = new PyramidClassifier({ backbone: meanColourBackbone(), ...pyramid });
    const input = batchTensor(images);
    const before = tf.memory().numTensors;
    const prediction = await classifier.predict(input);
    expect(tf.memory().numTensors).toBe(before);
    expect(prediction.fusion).toBe('fixed');
    const expectedPerCrop = images.map((image) =>
      cropPyramidImage(image, pyramid).map((crop) => softmax(meanColourLogits(crop.image))),
    );
    prediction.perCrop.forEach((crops, i) =>
      crops.forEach((row, c) => expectClose(row, expectedPerCrop[i]![c]!, 1e-5)),
    );
    for (const row of prediction.perCrop.flat()) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5); // class-wise softmax
    const expected = fuse(prediction.perCrop, 'fixed', { levels: [1, 2, 5] });
    expect(prediction.fused).toEqual(expected.fused);
    expect(prediction.perLevel).toEqual(expected.perLevel);
    expect(prediction.perLevel[0]).toHaveLength(3);
    input.dispose();
  });

  it('gives the same crops for a batch tensor, a list of tensors and raw images (batched == per-image)', async () => {
    const images = [testImage(19, 12, 3), testImage(19, 12, 4), testImage(19, 12, 5)];
    const classifier = new PyramidClassifier({ backbone: meanColourBackbone(), ...pyramid, fusion: 'soft' });
    const batch = batchTensor(images);
    const list = images.map((image) => tf.tensor3d(Float32Array.from(image.data), [image.height, image.width, 3]));
    const fromBatch = await classifier.predict(batch, { maxCropsInMemory: 90 });
    const fromList = await classifier.predict(list, { maxCropsInMemory: 7 });
    const fromRaw = await classifier.predict(images, { maxCropsInMemory: 31 });
    expect(fromList.perCrop).toEqual(fromBatch.perCrop);
    expect(fromRaw.perCrop).toEqual(fromBatch.perCrop);
    // One image alone gives what it gets in a batch.
    const single = await classifier.predict([images[1]!]);
    expect(single.perCrop[0]).toEqual(fromBatch.perCrop[1]);
    tf.dispose([batch, ...list]);
  });

  it('accepts images of different sizes in one call', async () => {
    const images = [testImage(10, 20, 1), testImage(31, 7, 2), testImage(12, 12, 3)];
    const classifier = new PyramidClassifier({ backbone: meanColourBackbone(), ...pyramid });
    const mixed = await classifier.predict(images, { maxCropsInMemory: 40 });
    for (let i = 0; i < images.length; i++) {
      const alone = await classifier.predict([images[i]!]);
      expect(mixed.perCrop[i]).toEqual(alone.perCrop[0]);
    }
  });

  it('never gives the backbone more than maxCropsInMemory crops, and batches crops of many images', async () => {
    const images = [testImage(16, 16, 1), testImage(16, 16, 2), testImage(16, 16, 3)];
    const input = batchTensor(images);
    for (const [cap, expected] of [
      [32, [32, 32, 26]],
      [7, [...new Array<number>(12).fill(7), 6]],
      [1000, [90]],
      [30, [30, 30, 30]],
    ] as const) {
      const calls: number[] = [];
      const classifier = new PyramidClassifier({ backbone: meanColourBackbone(calls), ...pyramid });
      const progress: number[] = [];
      const before = tf.memory().numTensors;
      await classifier.predict(input, { maxCropsInMemory: cap, onProgress: (done) => progress.push(done) });
      expect(tf.memory().numTensors).toBe(before);
      expect(calls).toEqual(expected);
      expect(progress.at(-1)).toBe(90);
    }
    input.dispose();
  });

  it('runs one backbone per level, never mixing levels in a batch', async () => {
    const images = [testImage(16, 16, 1), testImage(16, 16, 2), testImage(16, 16, 3)];
    const calls = [[], [], []] as number[][];
    const classifier = new PyramidClassifier({
      backbone: calls.map((record) => meanColourBackbone(record)),
      ...pyramid,
    });
    expect(classifier.sharedBackbone).toBe(false);
    const perLevel = await classifier.predict(images, { maxCropsInMemory: 32 });
    expect(calls).toEqual([[3], [12], [32, 32, 11]]);
    // Same functions → same numbers as a shared backbone.
    const shared = await new PyramidClassifier({ backbone: meanColourBackbone(), ...pyramid }).predict(images);
    expect(perLevel.perCrop).toEqual(shared.perCrop);
  });

  it('wraps a tf.LayersModel and a feature backbone + head, without leaking', async () => {
    const model = tinyConvModel(8);
    const images = [testImage(14, 11, 1), testImage(14, 11, 2)];
    const input = batchTensor(images);
    const classifier = new PyramidClassifier({ backbone: model, ...pyramid, fusion: 'adaptive', maxCropsInMemory: 16 });
    const before = tf.memory().numTensors;
    const prediction = await classifier.predict(input);
    expect(tf.memory().numTensors).toBe(before);
    // Reference: every crop through model.predict at once.
    const reference = tf.tidy(() => {
      const crops = tf.concat(
        images.map((image) =>
          tf.tensor4d(
            Float32Array.from(cropPyramidImage(image, pyramid).flatMap((crop) => Array.from(crop.image.data))),
            [30, 8, 8, 3],
          ),
        ),
      );
      return tf
        .softmax(model.predict(crops) as tf.Tensor2D)
        .reshape([2, 30, 3])
        .arraySync() as number[][][];
    });
    prediction.perCrop.forEach((crops, i) => crops.forEach((row, c) => expectClose(row, reference[i]![c]!, 1e-5)));

    const features = tf.sequential({ layers: [tf.layers.globalAveragePooling2d({ inputShape: [8, 8, 3] })] });
    const head = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [3], units: 4, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
      ],
    });
    const split = new PyramidClassifier({
      backbone: { features, head },
      ...pyramid,
      preprocess: (x) => tf.div(x, 255),
    });
    const splitPrediction = await split.predict(input);
    const direct = await new PyramidClassifier({
      backbone: (x) => head.apply(features.apply(x)) as tf.Tensor2D,
      ...pyramid,
      preprocess: (x) => tf.div(x, 255),
    }).predict(input);
    expect(splitPrediction.perCrop).toEqual(direct.perCrop);
    expect(splitPrediction.perCrop[0]![0]).toHaveLength(4);
    tf.dispose([input]);
    model.dispose();
    features.dispose();
    head.dispose();
  });

  it('takes probabilities from the backbone as they are with backboneOutput: "probabilities"', async () => {
    const images = [testImage(9, 14, 1)];
    const logits = await new PyramidClassifier({ backbone: meanColourBackbone(), ...pyramid, padding: 'none' }).predict(
      images,
    );
    const inner = meanColourBackbone();
    const probabilities = await new PyramidClassifier({
      backbone: (crops, context) => tf.tidy(() => tf.softmax(inner(crops, context))),
      backboneOutput: 'probabilities',
      ...pyramid,
      padding: 'none',
    }).predict(images);
    probabilities.perCrop[0]!.forEach((row, c) => expectClose(row, logits.perCrop[0]![c]!, 1e-7));
  });

  it('reports bad options clearly', () => {
    const backbone = meanColourBackbone();
    expect(() => new PyramidClassifier({ backbone: [backbone, backbone] })).toThrow(
      /got 2 backbones for 3 levels \[1,2,5\]/,
    );
    expect(() => new PyramidClassifier({ backbone: 42 as never })).toThrow(
      /backbone must be a tf.LayersModel, a function/,
    );
    expect(() => new PyramidClassifier({ backbone, fusion: 'max' as never })).toThrow(
      /Unknown fusion fusion "max"; expected one of/,
    );
    expect(() => new PyramidClassifier({ backbone, maxCropsInMemory: 0 })).toThrow(
      /maxCropsInMemory must be a positive integer, got 0/,
    );
    expect(() => new PyramidClassifier({ backbone, backboneOutput: 'scores' as never })).toThrow(
      /"logits", "probabilities"/,
    );
  });
});

describe('PyramidClassifier.forward (differentiable)', () => {
  it('equals predict for every fusion mode, shared and per-level backbones', async () => {
    const images = [testImage(13, 9, 1), testImage(13, 9, 2)];
    const input = batchTensor(images);
    const options = { ...pyramid, learnedLogits: [0.1, 0.2, -0.3] };
    for (const backbone of [meanColourBackbone(), [meanColourBackbone(), meanColourBackbone(), meanColourBackbone()]]) {
      const classifier = new PyramidClassifier({ backbone, ...options });
      for (const fusion of FUSION_MODES) {
        const prediction = await classifier.predict(input, { fusion });
        const before = tf.memory().numTensors;
        const result = classifier.forward(input, { fusion });
        expect(tf.memory().numTensors).toBe(before + 4);
        result.perCrop
          .arraySync()
          .forEach((crops, i) => crops.forEach((row, c) => expectClose(row, prediction.perCrop[i]![c]!, 1e-6)));
        result.fused.arraySync().forEach((row, i) => expectClose(row, prediction.fused[i]!, 1e-5));
        tf.dispose([result.fused, result.perLevel, result.perCrop, result.levelWeights]);
      }
    }
    input.dispose();
  });

  it('trains a LayersModel end to end through the pyramid (variableGrads) and applies level hooks', () => {
    const model = tinyConvModel(8);
    const hookCalls: string[] = [];
    const flip: LevelAugmentation = (crops, { level }) => {
      hookCalls.push(`${level}:${crops.shape[0]}`);
      return tf.image.flipLeftRight(crops);
    };
    const classifier = new PyramidClassifier({
      backbone: model,
      ...pyramid,
      fusion: 'soft',
      augment: [undefined, flip, flip],
      preprocess: (x) => tf.div(x, 255),
    });
    const input = batchTensor([testImage(12, 12, 1), testImage(12, 12, 2)]);
    const labels = tf.oneHot(tf.tensor1d([0, 2], 'int32'), 3);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => {
      const { fused } = classifier.forward(input, { training: true });
      return tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.log(tf.maximum(fused, 1e-7))), 1))) as tf.Scalar;
    });
    expect(hookCalls).toEqual(['2:8', '5:50']);
    expect(Object.keys(grads)).toHaveLength(model.trainableWeights.length);
    for (const gradient of Object.values(grads)) {
      const values = gradient.dataSync();
      expect(values.every(Number.isFinite)).toBe(true);
    }
    expect(Object.values(grads).some((gradient) => gradient.dataSync().some((g) => g !== 0))).toBe(true);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    // No hooks outside training.
    hookCalls.length = 0;
    tf.dispose(Object.values(classifier.forward(input)));
    expect(hookCalls).toEqual([]);
    tf.dispose([input, labels]);
    model.dispose();
  });
});

describe('pyramidTrainingBatches', () => {
  it('yields every crop once with its image label, batch by batch, seeded', () => {
    const images = [testImage(10, 10, 1), testImage(10, 10, 2), testImage(10, 10, 3)];
    const labels = [2, 0, 1];
    const before = tf.memory().numTensors;
    const seen: string[] = [];
    const sizes: number[] = [];
    for (const batch of pyramidTrainingBatches(images, labels, { ...pyramid, batchSize: 16, numClasses: 3, seed: 5 })) {
      sizes.push(batch.xs.shape[0]);
      expect(batch.xs.shape.slice(1)).toEqual([8, 8, 3]);
      const ys = batch.ys.arraySync() as number[][];
      batch.imageIndices.forEach((imageIndex, row) => {
        expect(ys[row]![labels[imageIndex]!]).toBe(1); // crops inherit the image label
        seen.push(`${imageIndex}/${batch.cropIndices[row]}`);
      });
      // grouped by level inside the batch
      expect([...batch.levelIndices].sort()).toEqual(batch.levelIndices);
      tf.dispose([batch.xs, batch.ys]);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(sizes).toEqual([16, 16, 16, 16, 16, 10]);
    expect(new Set(seen).size).toBe(90);
    // Same seed → same order; crops equal the image path's.
    const first = pyramidTrainingBatches(images, labels, { ...pyramid, batchSize: 4, seed: 5 }).next().value!;
    const again = pyramidTrainingBatches(images, labels, { ...pyramid, batchSize: 4, seed: 5 }).next().value!;
    expect(again.imageIndices).toEqual(first.imageIndices);
    expect(again.cropIndices).toEqual(first.cropIndices);
    expect(first.ys.dtype).toBe('int32');
    const xs = first.xs.arraySync();
    first.imageIndices.forEach((imageIndex, row) => {
      const crop = cropPyramidImage(images[imageIndex]!, pyramid)[first.cropIndices[row]!]!;
      expectClose(xs[row]!.flat(2), crop.image.data, 1e-4);
    });
    tf.dispose([first.xs, first.ys, again.xs, again.ys]);
  });

  it('restricts to some levels and applies per-level hooks and preprocessing', () => {
    const images = [testImage(10, 10, 1), testImage(10, 10, 2)];
    const calls: string[] = [];
    const hook: LevelAugmentation = (crops, { level, random }) => {
      calls.push(`${level}:${crops.shape[0]}`);
      expect(random()).toBeGreaterThanOrEqual(0);
      return tf.image.flipLeftRight(crops);
    };
    const batches = [
      ...pyramidTrainingBatches(images, [0, 1], {
        ...pyramid,
        levelIndices: [1, 2],
        batchSize: 100,
        shuffle: false,
        augment: hook,
        preprocess: (x) => tf.mul(x, 0),
      }),
    ];
    expect(batches).toHaveLength(1);
    expect(batches[0]!.xs.shape[0]).toBe(58);
    expect(calls).toEqual(['2:8', '5:50']);
    expect(batches[0]!.xs.max().dataSync()[0]).toBe(0);
    tf.dispose(batches.flatMap((batch) => [batch.xs, batch.ys]));
    expect(() => pyramidTrainingBatches(images, [0], pyramid).next()).toThrow(/labels has 1 entries but images has 2/);
    expect(() => pyramidTrainingBatches(images, [0, 5], { ...pyramid, numClasses: 3 }).next()).toThrow(
      /labels\[1\] must be a class index in \[0, 3\), got 5/,
    );
    expect(() => pyramidTrainingBatches(images, [0, 1], { ...pyramid, levelIndices: [3] }).next()).toThrow(
      /valid level indices are 0..2/,
    );
  });

  it('is what PyramidClassifier.trainingBatches yields with its own pyramid', () => {
    const classifier = new PyramidClassifier({ backbone: meanColourBackbone(), levels: 'paper', cropSize: 6 });
    const batch = classifier.trainingBatches([testImage(9, 9, 1)], [1], { batchSize: 50 }).next().value!;
    expect(batch.xs.shape).toEqual([21, 6, 6, 3]);
    tf.dispose([batch.xs, batch.ys]);
  });
});
