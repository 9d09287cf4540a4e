import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildEfficientNet,
  createInferenceFunction,
  efficientNetConfig,
  foldBatchNorm,
  withMultipliers,
  type EfficientNetOptions,
} from '../src/index.js';
import { loadFixtureModel, type FixtureManifest } from '../src/node/index.js';
import { useBackend } from '../scripts/backend.js';
import {
  FIXTURES,
  MANIFEST,
  PARITY_TOLERANCE as TOLERANCE,
  parityError,
  randomizeInferenceParameters,
} from './helpers.js';

async function readFloat32(path: string): Promise<Float32Array> {
  const bytes = await readFile(path);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

const TINY_V1 = withMultipliers(efficientNetConfig('b0'), 0.25, 0.5, 'tiny_v1');
const V2 = efficientNetConfig('v2-s');
// Fused blocks with and without expansion, then MBConv blocks with squeeze-excitation.
const TINY_V2 = {
  ...V2,
  name: 'tiny_v2',
  stages: [V2.stages[0]!, V2.stages[1]!, V2.stages[3]!].map((stage) => ({ ...stage, numLayers: 2 })),
};

describe.each([['cpu'], ['wasm']])('createInferenceFunction on the %s backend', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  const variants: [string, typeof TINY_V1, EfficientNetOptions][] = [
    ['tiny B0, 3 classes', TINY_V1, { numClasses: 3 }],
    ['tiny B0, seed head', TINY_V1, { numClasses: 4, head: 'seed' }],
    ['tiny B0, pyramid head (ReLU + Dense)', TINY_V1, { numClasses: 4, head: 'pyramid' }],
    ['tiny B0, pooled features', TINY_V1, { includeTop: false }],
    ['tiny B0, spatial features', TINY_V1, { includeTop: false, pooling: 'none' }],
    ['tiny V2 (fused blocks), 5 classes', TINY_V2, { numClasses: 5 }],
  ];

  it.each(variants)(
    '%s: same output as model.predict, odd sizes and batch splits, no leaks',
    (_label, config, options) => {
      const net = buildEfficientNet(config, { ...options, seed: 7 });
      randomizeInferenceParameters(net, 11);
      const before = tf.memory().numTensors;
      const predict = createInferenceFunction(net, { maxBatchSize: 2 });
      for (const [batch, height, width] of [
        [3, 37, 29],
        [1, 32, 32],
      ] as const) {
        const x = tf.randomNormal([batch, height, width, 3], 0, 1, 'float32', batch) as tf.Tensor4D;
        const expected = tf.tidy(() => (net.model.predict(x) as tf.Tensor).dataSync());
        const output = predict(x);
        const reference = net.model.predict(x) as tf.Tensor;
        expect(output.shape).toEqual(reference.shape);
        const error = parityError(output.dataSync(), expected);
        expect(error, `${backend} ${batch}x${height}x${width}`).toBeLessThan(TOLERANCE);
        // Outputs far from zero, so that the comparison above means something.
        expect(Math.max(...Array.from(expected, Math.abs))).toBeGreaterThan(1e-3);
        tf.dispose([x, output, reference]);
      }
      predict.dispose();
      expect(tf.memory().numTensors).toBe(before);
      net.dispose();
    },
  );

  it('torchvision fixtures: logits within the parity tolerance for every model and input', async () => {
    const manifest = JSON.parse(await readFile(MANIFEST, 'utf8')) as FixtureManifest;
    for (const entry of manifest.models) {
      const net = await loadFixtureModel(entry, FIXTURES);
      const predict = createInferenceFunction(net);
      const before = tf.memory().numTensors;
      for (const fixtureCase of entry.cases) {
        const input = await readFloat32(resolve(FIXTURES, fixtureCase.input.file));
        const logits = fixtureCase.outputs.logits!;
        const expected = await readFloat32(resolve(FIXTURES, logits.file));
        const x = tf.tensor4d(input, fixtureCase.input.shape as [number, number, number, number]);
        const output = predict(x);
        expect(output.shape).toEqual(logits.shape);
        expect(parityError(output.dataSync(), expected), `${entry.name}/${fixtureCase.id}`).toBeLessThan(TOLERANCE);
        tf.dispose([x, output]);
      }
      expect(tf.memory().numTensors).toBe(before);
      predict.dispose();
      net.dispose();
    }
  });
});

describe('foldBatchNorm', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  const batchNorm = (channels: number, seed: number) => ({
    gamma: tf.randomUniform([channels], 0.5, 1.5, 'float32', seed) as tf.Tensor1D,
    beta: tf.randomUniform([channels], -0.5, 0.5, 'float32', seed + 1) as tf.Tensor1D,
    movingMean: tf.randomUniform([channels], -1, 1, 'float32', seed + 2) as tf.Tensor1D,
    movingVariance: tf.randomUniform([channels], 0.1, 3, 'float32', seed + 3) as tf.Tensor1D,
    epsilon: 1e-3,
  });

  it('a regular conv: conv(x, filter) + bias equals conv then BatchNorm', () => {
    tf.tidy(() => {
      const x = tf.randomNormal([2, 9, 7, 5], 0, 1, 'float32', 1) as tf.Tensor4D;
      const filter = tf.randomNormal([3, 3, 5, 6], 0, 1, 'float32', 2) as tf.Tensor4D;
      const bn = batchNorm(6, 3);
      const expected = tf.batchNorm(
        tf.conv2d(x, filter, 2, 1),
        bn.movingMean,
        bn.movingVariance,
        bn.beta,
        bn.gamma,
        bn.epsilon,
      );
      const folded = foldBatchNorm(filter, bn);
      const actual = tf.fused.conv2d({ x, filter: folded.filter, bias: folded.bias, strides: 2, pad: 1 });
      expect(parityError(actual.dataSync(), expected.dataSync())).toBeLessThan(1e-5);
      expect(parityError(tf.conv2d(x, filter, 2, 1).dataSync(), expected.dataSync())).toBeGreaterThan(1e-2);
    });
  });

  it('a depthwise conv, channel multipliers 1 and 2', () => {
    tf.tidy(() => {
      for (const multiplier of [1, 2]) {
        const x = tf.randomNormal([2, 8, 8, 4], 0, 1, 'float32', 4) as tf.Tensor4D;
        const filter = tf.randomNormal([5, 5, 4, multiplier], 0, 1, 'float32', 5) as tf.Tensor4D;
        const bn = batchNorm(4 * multiplier, 6);
        const expected = tf.batchNorm(
          tf.depthwiseConv2d(x, filter, 1, 'same'),
          bn.movingMean,
          bn.movingVariance,
          bn.beta,
          bn.gamma,
          bn.epsilon,
        );
        const folded = foldBatchNorm(filter, bn);
        const actual = tf.fused.depthwiseConv2d({
          x,
          filter: folded.filter,
          bias: folded.bias,
          strides: 1,
          pad: 'same',
        });
        expect(parityError(actual.dataSync(), expected.dataSync()), `multiplier ${multiplier}`).toBeLessThan(1e-5);
      }
    });
  });

  it('rejects BatchNorm parameters of the wrong size', () => {
    tf.tidy(() => {
      const filter = tf.zeros([1, 1, 3, 4]) as tf.Tensor4D;
      expect(() => foldBatchNorm(filter, batchNorm(5, 1))).toThrow(/BatchNorm has 5 channels/);
    });
  });
});

describe('createInferenceFunction arguments', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('rejects bad options and inputs, and refuses to run after dispose', () => {
    const net = buildEfficientNet(TINY_V1, { numClasses: 2, initializer: 'zeros' });
    expect(() => createInferenceFunction(net, { maxBatchSize: 0 })).toThrow(/maxBatchSize/);
    const predict = createInferenceFunction(net);
    expect(predict.description).toMatch(/BatchNorm folded/);
    const gray = tf.zeros([1, 8, 8, 1]) as tf.Tensor4D;
    expect(() => predict(gray)).toThrow(/\[N, H, W, 3\]/);
    predict.dispose();
    const image = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
    expect(() => predict(image)).toThrow(/disposed/);
    tf.dispose([gray, image]);
    net.dispose();
  });
});
