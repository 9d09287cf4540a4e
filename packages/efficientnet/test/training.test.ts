import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  StochasticDepth,
  buildEfficientNet,
  efficientNetConfig,
  freezeBackbone,
  unfreeze,
  withMultipliers,
  type EfficientNet,
} from '../src/index.js';

const TINY = withMultipliers(efficientNetConfig('b0'), 0.25, 0.5, 'tiny');

function tinyNet(options: Parameters<typeof buildEfficientNet>[1] = {}): EfficientNet {
  return buildEfficientNet(TINY, { numClasses: 3, seed: 1, ...options });
}

function trainStep(net: EfficientNet, optimizer: tf.Optimizer, x: tf.Tensor, y: tf.Tensor): number {
  const loss = optimizer.minimize(
    () => tf.losses.softmaxCrossEntropy(y, net.model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
    true,
  )!;
  const value = loss.dataSync()[0]!;
  loss.dispose();
  return value;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('training mode', () => {
  it('a few Adam steps reduce the loss, update BN moving statistics and leak nothing per step', () => {
    const net = tinyNet({ dropout: 0, stochasticDepthProb: 0 });
    const x = tf.randomUniform([4, 16, 16, 3], 0, 1, 'float32', 11);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3);
    const optimizer = tf.train.adam(0.01);
    const movingMean = () => net.model.getLayer('features.0.1').getWeights()[2]!.dataSync().slice();
    const meanBefore = movingMean();
    const losses = [trainStep(net, optimizer, x, y)];
    expect(movingMean()).not.toEqual(meanBefore);
    const tensorsAfterFirstStep = tf.memory().numTensors; // Adam slots exist from here on
    for (let step = 0; step < 5; step += 1) {
      losses.push(trainStep(net, optimizer, x, y));
      expect(tf.memory().numTensors).toBe(tensorsAfterFirstStep);
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.7);
    // Inference does not touch the moving statistics.
    const frozenMean = movingMean();
    tf.tidy(() => net.model.predict(x) as tf.Tensor);
    expect(movingMean()).toEqual(frozenMean);
    optimizer.dispose();
    tf.dispose([x, y]);
    net.dispose();
  });

  it('BN moving mean follows PyTorch momentum 0.1 (Keras 0.9)', () => {
    const net = tinyNet();
    const x = tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', 5);
    const stem = tf.model({
      inputs: net.model.inputs,
      outputs: net.model.getLayer('features.0.0').output as tf.SymbolicTensor,
    });
    const batchMean = tf.tidy(() => tf.mean(stem.predict(x) as tf.Tensor, [0, 1, 2]).dataSync());
    tf.tidy(() => net.model.apply(x, { training: true }) as tf.Tensor);
    const moving = net.model.getLayer('features.0.1').getWeights()[2]!.dataSync();
    batchMean.forEach((mean, c) => expect(moving[c]!).toBeCloseTo(0.1 * mean, 6));
    tf.dispose(x);
    net.dispose();
  });

  it('stochastic depth drops whole rows and rescales, only in training', () => {
    const layer = new StochasticDepth({ rate: 0.5 });
    const x = tf.ones([200, 2, 2, 1]);
    const inference = layer.apply(x) as tf.Tensor;
    expect(Array.from(inference.dataSync()).every((v) => v === 1)).toBe(true);
    const training = layer.apply(x, { training: true }) as tf.Tensor;
    const rows = tf.reshape(training, [200, 4]).arraySync() as number[][];
    for (const row of rows) expect(new Set(row).size).toBe(1); // one draw per sample
    const values = rows.map((row) => row[0]);
    expect(values.every((v) => v === 0 || v === 2)).toBe(true);
    expect(values.filter((v) => v === 0).length).toBeGreaterThan(50);
    expect(values.filter((v) => v === 2).length).toBeGreaterThan(50);
    tf.dispose([x, inference, training]);
    expect(() => new StochasticDepth({ rate: 1.5 })).toThrow('StochasticDepth rate must be in [0, 1]; got 1.5');
  });

  it('the model is deterministic in inference and stochastic in training (dropout, stochastic depth)', () => {
    const net = tinyNet({ dropout: 0 });
    expect(net.model.layers.some((layer) => layer instanceof StochasticDepth)).toBe(true);
    const x = tf.randomUniform([8, 32, 32, 3], 0, 1, 'float32', 2);
    const [a, b] = [0, 1].map(() => tf.tidy(() => (net.model.predict(x) as tf.Tensor).dataSync()));
    expect(Array.from(a!)).toEqual(Array.from(b!));
    const [c, d] = [0, 1].map(() => tf.tidy(() => (net.model.apply(x, { training: true }) as tf.Tensor).dataSync()));
    expect(Array.from(c!)).not.toEqual(Array.from(d!));
    tf.dispose(x);
    net.dispose();
  });
});

describe('freezing', () => {
  it('freezeBackbone keeps only the classifier trainable; stages and unfreeze work', () => {
    const net = tinyNet({ head: 'seed' });
    const trainableNames = () => net.model.trainableWeights.map((w) => w.originalName.split('/')[0]!);
    const all = net.countParameters();
    const summary = freezeBackbone(net);
    expect(new Set(trainableNames())).toEqual(new Set(['classifier.1', 'head.1']));
    expect(summary.trainableParameters + summary.frozenParameters).toBe(all);

    freezeBackbone(net, { trainableStages: 2 });
    expect(new Set(trainableNames().map((name) => name.split('.').slice(0, 2).join('.')))).toEqual(
      new Set(['features.7', 'features.8', 'classifier.1', 'head.1']),
    );

    freezeBackbone(net, { frozenStages: 3 });
    const stages = new Set(trainableNames().map((name) => name.split('.').slice(0, 2).join('.')));
    expect(stages.has('features.2')).toBe(false);
    expect(stages.has('features.3')).toBe(true);

    expect(unfreeze(net)).toEqual({ trainableParameters: all, frozenParameters: 0 });
    expect(() => freezeBackbone(net, { trainableStages: 99 })).toThrow(
      'options.trainableStages must be an integer in 0..9; got 99',
    );
    net.dispose();
  });

  it('a training step with a frozen backbone changes only the head', () => {
    const net = tinyNet({ dropout: 0 });
    freezeBackbone(net);
    const kernel = () => net.model.getLayer('features.3.0.block.0.0').getWeights()[0]!.dataSync().slice();
    const classifier = () => net.model.getLayer('classifier.1').getWeights()[0]!.dataSync().slice();
    const [k0, c0] = [kernel(), classifier()];
    const optimizer = tf.train.sgd(0.1);
    const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 9);
    const y = tf.oneHot(tf.tensor1d([0, 2], 'int32'), 3);
    trainStep(net, optimizer, x, y);
    expect(kernel()).toEqual(k0);
    expect(classifier()).not.toEqual(c0);
    tf.dispose([x, y]);
    optimizer.dispose();
    net.dispose();
  });
});
