import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { PyramidClassifier, type AsyncBackboneFunction, type PyramidOptions } from '../src/index.js';
import { batchTensor, testImage, tinyConvModel } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const pyramid: PyramidOptions = { levels: [1, 2, 5], cropSize: 8, borderMode: 'reflect101' };

describe('an asynchronous backbone (ONNX Runtime style)', () => {
  it('predicts what the same synchronous backbone predicts, per crop and fused, with no leaks', async () => {
    const model = tinyConvModel(8, 4);
    // Resolves on a later tick, as ONNX Runtime's session.run does.
    const asyncBackbone: AsyncBackboneFunction = async (crops) => {
      const values = await crops.data();
      await new Promise((resolve) => setImmediate(resolve));
      return tf.tidy(() => model.predict(tf.tensor4d(values, crops.shape)) as tf.Tensor2D);
    };
    const input = batchTensor([testImage(23, 17, 1), testImage(23, 17, 2), testImage(23, 17, 3)]);
    const sync = await new PyramidClassifier({ backbone: model, ...pyramid }).predict(input, { maxCropsInMemory: 7 });
    const before = tf.memory().numTensors;
    const classifier = new PyramidClassifier({ backbone: asyncBackbone, ...pyramid });
    const asynchronous = await classifier.predict(input, { maxCropsInMemory: 7 });
    expect(tf.memory().numTensors).toBe(before);
    asynchronous.perCrop.flat(2).forEach((value, i) => expect(value).toBeCloseTo(sync.perCrop.flat(2)[i]!, 6));
    asynchronous.fused.flat().forEach((value, i) => expect(value).toBeCloseTo(sync.fused.flat()[i]!, 6));
    // Per-level asynchronous backbones too.
    const perLevel = await new PyramidClassifier({
      backbone: [asyncBackbone, asyncBackbone, model],
      ...pyramid,
    }).predict(input, { maxCropsInMemory: 5 });
    perLevel.fused.flat().forEach((value, i) => expect(value).toBeCloseTo(sync.fused.flat()[i]!, 6));
    expect(tf.memory().numTensors).toBe(before);
    expect(() => classifier.forward(input)).toThrow(
      /asynchronous \(e.g. ONNX Runtime\): it can predict .* but not run inside forward or training/,
    );
    input.dispose();
    model.dispose();
  });

  it('rejects a wrong output shape once it resolves, and frees the crops', async () => {
    const input = batchTensor([testImage(16, 16, 4)]);
    const before = tf.memory().numTensors;
    // Created after an await, i.e. outside the classifier's tidy, as a real runtime's output is.
    const wrongShape: AsyncBackboneFunction = async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return tf.zeros([1, 3]) as tf.Tensor2D;
    };
    const classifier = new PyramidClassifier({ backbone: wrongShape, ...pyramid });
    await expect(classifier.predict(input)).rejects.toThrow(
      /backbone must return \[30, classes\] for 30 crops, got \[1,3\]/,
    );
    expect(tf.memory().numTensors).toBe(before);
    // Created synchronously inside the classifier's tidy: a clear error, not a crash on a disposed tensor.
    const tooEarly: AsyncBackboneFunction = async (crops) => tf.zeros([crops.shape[0], 3]) as tf.Tensor2D;
    await expect(new PyramidClassifier({ backbone: tooEarly, ...pyramid }).predict(input)).rejects.toThrow(
      /created before its first await/,
    );
    expect(tf.memory().numTensors).toBe(before);
    input.dispose();
  });
});
