// The one test that uses @art/efficientnet (a dev dependency): a tiny EfficientNet inside the
// full pyramid, forward and backward, leak-free.
import { buildEfficientNet, efficientNetConfig, withMultipliers } from '@art/efficientnet';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { PyramidClassifier } from '../src/index.js';
import { batchTensor, testImage } from './helpers.js';

describe('a tiny EfficientNet inside the pyramid', () => {
  let net: ReturnType<typeof buildEfficientNet>;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    // B0's first two stages at a quarter of the width and depth: a real EfficientNet, in milliseconds.
    const b0 = efficientNetConfig('b0');
    const config = { ...withMultipliers(b0, 0.25, 0.25, 'tiny'), stages: b0.stages.slice(0, 2) };
    net = buildEfficientNet(config, { numClasses: 4, inputSize: 8, seed: 1 });
  });

  afterAll(() => net?.dispose());

  it('runs predict, forward and backward (variableGrads and optimizer.minimize) without leaking tensors', async () => {
    const mean = tf.tensor1d([0.485, 0.456, 0.406]);
    const std = tf.tensor1d([0.229, 0.224, 0.225]);
    const classifier = new PyramidClassifier({
      backbone: net.model,
      levels: [1, 2, 5],
      cropSize: 8,
      fusion: 'adaptive',
      preprocess: (crops) => tf.div(tf.sub(tf.div(crops, 255), mean), std),
      augment: (crops) => tf.image.flipLeftRight(crops),
    });
    const images = batchTensor([testImage(20, 14, 1), testImage(20, 14, 2)]);
    const labels = tf.oneHot(tf.tensor1d([1, 3], 'int32'), 4);
    const start = tf.memory().numTensors;

    // Forward (inference): memory-capped predict.
    const prediction = await classifier.predict(images, { maxCropsInMemory: 25 });
    expect(prediction.fused).toHaveLength(2);
    expect(prediction.perCrop[0]).toHaveLength(30);
    for (const row of prediction.fused) {
      expect(row).toHaveLength(4);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    expect(tf.memory().numTensors).toBe(start);

    const loss = (): tf.Scalar => {
      const { fused } = classifier.forward(images, { training: true });
      return tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.log(tf.maximum(fused, 1e-7))), 1))) as tf.Scalar;
    };

    // Backward: gradients of every trainable weight.
    const { value, grads } = tf.variableGrads(loss);
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    const gradients = Object.values(grads);
    expect(gradients.length).toBe(net.model.trainableWeights.length);
    expect(gradients.every((gradient) => gradient.dataSync().every(Number.isFinite))).toBe(true);
    expect(gradients.filter((gradient) => gradient.dataSync().some((g) => g !== 0)).length).toBeGreaterThan(
      gradients.length / 2,
    );
    tf.dispose([value, ...gradients]);
    expect(tf.memory().numTensors).toBe(start);

    // An optimizer step changes the weights and leave no tensors behind.
    const firstKernel = net.model.trainableWeights[0]!.read().dataSync().slice();
    const optimizer = tf.train.sgd(0.1);
    const afterOptimizer = tf.memory().numTensors;
    for (let step = 0; step < 1; step++) {
      const cost = optimizer.minimize(loss, true);
      expect(Number.isFinite(cost!.dataSync()[0])).toBe(true);
      cost!.dispose();
    }
    expect(tf.memory().numTensors).toBe(afterOptimizer);
    expect(net.model.trainableWeights[0]!.read().dataSync()).not.toEqual(firstKernel);
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(start);
    tf.dispose([images, labels, mean, std]);
  });
});
