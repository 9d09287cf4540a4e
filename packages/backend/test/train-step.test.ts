import * as tf from '@tensorflow/tfjs';
import { buildEfficientNet, efficientNetConfig, withMultipliers } from '@art/efficientnet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrainStep, estimateTrainingMemory, initBackend, unregisterWasmTrainingKernels } from '../src/index.js';
import { createRandom, randomValues } from './helpers.js';

/** conv (strides 2 and 1), depthwise and a dense head, without BatchNorm: accumulation is exact. */
function buildConvModel(seed: number): tf.LayersModel {
  const init = (offset: number) => tf.initializers.glorotUniform({ seed: seed + offset });
  const input = tf.input({ shape: [11, 11, 3] });
  let h = tf.layers
    .conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(0) })
    .apply(input) as tf.SymbolicTensor;
  h = tf.layers
    .depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu', depthwiseInitializer: init(1) })
    .apply(h) as tf.SymbolicTensor;
  h = tf.layers.conv2d({ filters: 8, kernelSize: 1, kernelInitializer: init(2) }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.globalAveragePooling2d({}).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 3, kernelInitializer: init(3) }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

describe('createTrainStep on the wasm backend with the training kernels', () => {
  const previous = tf.getBackend() ?? 'cpu';
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 1 });
  });
  afterAll(async () => {
    unregisterWasmTrainingKernels();
    await tf.setBackend(previous);
  });

  it('accumulating micro-batches gives the full-batch update (mean loss, no BatchNorm)', async () => {
    const random = createRandom(5);
    const x = tf.tensor4d(randomValues(random, 6 * 11 * 11 * 3), [6, 11, 11, 3]);
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3));
    const before = tf.memory().numTensors;
    const run = async (microBatchSize: number) => {
      const model = buildConvModel(11);
      const optimizer = tf.train.sgd(0.5);
      const step = createTrainStep({ model, optimizer, loss: 'softmaxCrossEntropy', microBatchSize });
      const loss = await step(x, y);
      const weights = model.getWeights().map((w) => w.dataSync().slice());
      model.dispose();
      optimizer.dispose();
      return { loss, weights };
    };
    const full = await run(6);
    const accumulated = await run(4); // 4 + 2: unequal micro-batches are weighted by size
    expect(accumulated.loss).toBeCloseTo(full.loss, 5);
    full.weights.forEach((w, i) => {
      const other = accumulated.weights[i]!;
      for (let j = 0; j < w.length; j++) expect(other[j]).toBeCloseTo(w[j]!, 5);
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
  });

  it('trains a tiny EfficientNet: the loss decreases and nothing leaks', async () => {
    const config = withMultipliers(efficientNetConfig('b0'), 0.25, 0.25, 'tiny');
    const net = buildEfficientNet(config, {
      numClasses: 2,
      inputSize: 32,
      dropout: 0,
      stochasticDepthProb: 0,
      seed: 3,
    });
    const random = createRandom(9);
    // Two separable classes: class 1 images are brighter.
    const labels = [0, 1, 0, 1, 0, 1, 0, 1];
    const pixels = new Float32Array(8 * 32 * 32 * 3);
    for (let i = 0; i < pixels.length; i++)
      pixels[i] = random.next() - 0.5 + (labels[Math.floor(i / (32 * 32 * 3))]! ? 0.8 : -0.8);
    const x = tf.tensor4d(pixels, [8, 32, 32, 3]);
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 2));
    const optimizer = tf.train.adam(0.01);
    const step = createTrainStep({ model: net.model, optimizer, loss: 'softmaxCrossEntropy', microBatchSize: 4 });
    await step(x, y); // optimizer slots are created on the first step
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    for (let i = 0; i < 6; i++) losses.push(await step(x, y));
    expect(tf.memory().numTensors).toBe(before);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.7);
    tf.dispose([x, y]);
    optimizer.dispose();
    net.dispose();
  });

  it('refuses a micro-batch above the memory budget before running, naming one that fits', async () => {
    const model = buildConvModel(1);
    const x = tf.zeros([4, 11, 11, 3]);
    const y = tf.zeros([4, 3]);
    const estimate = estimateTrainingMemory(model, 1, [11, 11, 3]);
    const limitBytes = estimate.parameterBytes + 2.5 * (estimate.peakBytes - estimate.parameterBytes);
    expect(estimateTrainingMemory(model, 4, [11, 11, 3], { limitBytes })).toMatchObject({
      fits: false,
      maxMicroBatchSize: 2,
    });
    const step = createTrainStep({
      model,
      optimizer: tf.train.sgd(0.1),
      loss: 'softmaxCrossEntropy',
      microBatchSize: 4,
      memory: { limitBytes },
    });
    const weights = model.getWeights()[0]!.dataSync().slice();
    await expect(step(x, y)).rejects.toThrow(/microBatchSize 4 needs about .* use microBatchSize <= 2/);
    expect(model.getWeights()[0]!.dataSync()).toEqual(weights);
    // Without a micro-batch size it picks the largest that fits.
    const auto = createTrainStep({
      model,
      optimizer: tf.train.sgd(0.1),
      loss: 'softmaxCrossEntropy',
      memory: { limitBytes },
    });
    expect(Number.isFinite(await auto(x, y))).toBe(true);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('validates its arguments', () => {
    const model = buildConvModel(2);
    const optimizer = tf.train.sgd(0.1);
    expect(() => createTrainStep({ model, optimizer, loss: 'hinge' as never })).toThrow(
      /unknown loss "hinge"; expected a function or one of softmaxCrossEntropy/,
    );
    expect(() => createTrainStep({ model, optimizer, loss: 'meanSquaredError', microBatchSize: 0 })).toThrow(
      RangeError,
    );
    expect(() => createTrainStep({ model: {} as never, optimizer, loss: 'meanSquaredError' })).toThrow(TypeError);
    expect(() => estimateTrainingMemory(model, 0)).toThrow(/batchSize must be an integer >= 1, got 0/);
    model.dispose();
  });
});
