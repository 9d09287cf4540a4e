import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PREPROCESSING, VARIANT_NAMES, efficientNetB0, preprocessingFor, torchvisionParameters } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('build options', () => {
  it('featureInfo: channels and reductions per features.i (b0)', () => {
    const net = efficientNetB0({ initializer: 'zeros' });
    expect(net.featureInfo.map(({ stage, channels, reduction }) => [stage, channels, reduction])).toEqual([
      [0, 32, 2],
      [1, 16, 2],
      [2, 24, 4],
      [3, 40, 8],
      [4, 80, 16],
      [5, 112, 16],
      [6, 192, 32],
      [7, 320, 32],
      [8, 1280, 32],
    ]);
    expect(net.model.inputs[0]!.shape).toEqual([null, null, null, 3]);
    net.dispose();
  });

  it('includeTop false: pooled [N, C] or spatial [N, h, w, C]; featuresModel returns stage outputs', () => {
    const before = tf.memory().numTensors;
    const pooled = efficientNetB0({ includeTop: false, inputSize: [64, 48], initializer: 'zeros' });
    expect(pooled.model.outputs[0]!.shape).toEqual([null, 1280]);
    const spatial = efficientNetB0({ includeTop: false, pooling: 'none', inputSize: 64, seed: 1 });
    expect(spatial.model.outputs[0]!.shape).toEqual([null, 2, 2, 1280]);
    const features = spatial.featuresModel([2, 4, 8]);
    const x = tf.randomUniform([2, 64, 64, 3], 0, 1, 'float32', 1);
    const outputs = features.predict(x) as tf.Tensor[];
    expect(outputs.map((o) => o.shape)).toEqual([
      [2, 16, 16, 24],
      [2, 4, 4, 80],
      [2, 2, 2, 1280],
    ]);
    const head = spatial.model.predict(x) as tf.Tensor;
    expect(Array.from(head.dataSync())).toEqual(Array.from(outputs[2]!.dataSync())); // shared weights
    expect(() => spatial.featuresModel([9])).toThrow('stage 9 does not exist; expected 0..8');
    tf.dispose([x, head, ...outputs]);
    pooled.dispose();
    spatial.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("head 'seed' keeps the 1000-way classifier then Dropout + Dense(numClasses)", () => {
    const net = efficientNetB0({ numClasses: 50, head: 'seed', headDropout: 0.25, initializer: 'zeros' });
    expect(net.model.getLayer('classifier.1').outputShape).toEqual([null, 1000]);
    expect((net.model.getLayer('head.0').getConfig() as { rate: number }).rate).toBe(0.25);
    expect(net.model.outputs[0]!.shape).toEqual([null, 50]);
    const keys = torchvisionParameters(net).map((p) => p.key);
    expect(keys.slice(-4)).toEqual(['classifier.1.weight', 'classifier.1.bias', 'head.1.weight', 'head.1.bias']);
    expect(net.countParameters()).toBe(5288548 + 1000 * 50 + 50);
    net.dispose();
  });

  it("head 'pyramid' keeps the 1000-way classifier then ReLU + Dense(numClasses), as the seed's PyramidNet", () => {
    const net = efficientNetB0({ numClasses: 7, head: 'pyramid', initializer: 'zeros' });
    expect(net.model.getLayer('head.0').getClassName()).toBe('ReLU');
    expect(net.model.outputs[0]!.shape).toEqual([null, 7]);
    expect(
      torchvisionParameters(net)
        .map((p) => p.key)
        .slice(-2),
    ).toEqual(['head.1.weight', 'head.1.bias']);
    expect(net.countParameters()).toBe(5288548 + 1000 * 7 + 7);
    net.dispose();
  });

  it('the same seed gives the same weights, another seed different ones', () => {
    const [a, b, c] = [1, 1, 2].map((seed) => efficientNetB0({ seed, numClasses: 2 }));
    const first = (n: typeof a) => n!.model.getLayer('features.4.0.block.0.0').getWeights()[0]!.dataSync().slice(0, 32);
    expect(Array.from(first(a))).toEqual(Array.from(first(b)));
    expect(Array.from(first(a))).not.toEqual(Array.from(first(c)));
    [a, b, c].forEach((n) => n!.dispose());
  });
});

describe('preprocessing', () => {
  it('matches torchvision 0.14 weight enums', () => {
    expect(preprocessingFor('b0')).toMatchObject({
      cropSize: 224,
      resizeSize: 256,
      interpolation: 'bicubic',
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
    });
    expect(preprocessingFor('efficientnet_b3')).toMatchObject({
      cropSize: 300,
      resizeSize: 320,
      interpolation: 'bicubic',
    });
    expect(preprocessingFor('v2-m')).toMatchObject({ cropSize: 480, resizeSize: 480, interpolation: 'bilinear' });
    expect(preprocessingFor('v2_l')).toMatchObject({
      cropSize: 480,
      resizeSize: 480,
      interpolation: 'bicubic',
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
    });
    expect(Object.keys(PREPROCESSING)).toEqual([...VARIANT_NAMES]);
    expect(() => preprocessingFor('b9')).toThrow('Unknown variant "b9"; expected one of b0..b7, v2-s, v2-m, v2-l');
  });
});
