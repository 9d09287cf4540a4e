import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EFFICIENTNET_CONFIGS,
  VARIANT_NAMES,
  buildEfficientNet,
  countParameters,
  efficientNet,
  efficientNetB0,
  efficientNetB1,
  efficientNetB2,
  efficientNetB3,
  efficientNetB4,
  efficientNetB5,
  efficientNetB6,
  efficientNetB7,
  efficientNetConfig,
  efficientNetV2L,
  efficientNetV2M,
  efficientNetV2S,
  makeDivisible,
  normalizeVariantName,
  resolveArchitecture,
  withMultipliers,
  type EfficientNet,
  type EfficientNetOptions,
  type VariantName,
} from '../src/index.js';

/** torchvision 0.14.1 facts (shared/docs/torchvision-efficientnet-notes.md §7). */
const TORCHVISION: Record<
  VariantName,
  {
    params1000: number;
    params50: number;
    blocks: number[];
    stem: number;
    stages: number[];
    head: number;
    eps: number;
    momentum: number;
    dropout: number;
    stateDict: number;
  }
> = {
  b0: {
    params1000: 5288548,
    params50: 4071598,
    blocks: [1, 2, 2, 3, 3, 4, 1],
    stem: 32,
    stages: [16, 24, 40, 80, 112, 192, 320],
    head: 1280,
    eps: 1e-5,
    momentum: 0.1,
    dropout: 0.2,
    stateDict: 360,
  },
  b1: {
    params1000: 7794184,
    params50: 6577234,
    blocks: [2, 3, 3, 4, 4, 5, 2],
    stem: 32,
    stages: [16, 24, 40, 80, 112, 192, 320],
    head: 1280,
    eps: 1e-5,
    momentum: 0.1,
    dropout: 0.2,
    stateDict: 508,
  },
  b2: {
    params1000: 9109994,
    params50: 7771444,
    blocks: [2, 3, 3, 4, 4, 5, 2],
    stem: 32,
    stages: [16, 24, 48, 88, 120, 208, 352],
    head: 1408,
    eps: 1e-5,
    momentum: 0.1,
    dropout: 0.3,
    stateDict: 508,
  },
  b3: {
    params1000: 12233232,
    params50: 10773082,
    blocks: [2, 3, 3, 5, 5, 6, 2],
    stem: 40,
    stages: [24, 32, 48, 96, 136, 232, 384],
    head: 1536,
    eps: 1e-5,
    momentum: 0.1,
    dropout: 0.3,
    stateDict: 574,
  },
  b4: {
    params1000: 19341616,
    params50: 17638266,
    blocks: [2, 4, 4, 6, 6, 8, 2],
    stem: 48,
    stages: [24, 32, 56, 112, 160, 272, 448],
    head: 1792,
    eps: 1e-5,
    momentum: 0.1,
    dropout: 0.4,
    stateDict: 706,
  },
  b5: {
    params1000: 30389784,
    params50: 28443234,
    blocks: [3, 5, 5, 7, 7, 9, 3],
    stem: 48,
    stages: [24, 40, 64, 128, 176, 304, 512],
    head: 2048,
    eps: 1e-3,
    momentum: 0.01,
    dropout: 0.4,
    stateDict: 854,
  },
  b6: {
    params1000: 43040704,
    params50: 40850954,
    blocks: [3, 6, 6, 8, 8, 11, 3],
    stem: 56,
    stages: [32, 40, 72, 144, 200, 344, 576],
    head: 2304,
    eps: 1e-3,
    momentum: 0.01,
    dropout: 0.5,
    stateDict: 986,
  },
  b7: {
    params1000: 66347960,
    params50: 63915010,
    blocks: [4, 7, 7, 10, 10, 13, 4],
    stem: 64,
    stages: [32, 48, 80, 160, 224, 384, 640],
    head: 2560,
    eps: 1e-3,
    momentum: 0.01,
    dropout: 0.5,
    stateDict: 1200,
  },
  'v2-s': {
    params1000: 21458488,
    params50: 20241538,
    blocks: [2, 4, 4, 6, 9, 15],
    stem: 24,
    stages: [24, 48, 64, 128, 160, 256],
    head: 1280,
    eps: 1e-3,
    momentum: 0.1,
    dropout: 0.2,
    stateDict: 782,
  },
  'v2-m': {
    params1000: 54139356,
    params50: 52922406,
    blocks: [3, 5, 5, 7, 14, 18, 5],
    stem: 24,
    stages: [24, 48, 80, 160, 176, 304, 512],
    head: 1280,
    eps: 1e-3,
    momentum: 0.1,
    dropout: 0.3,
    stateDict: 1120,
  },
  'v2-l': {
    params1000: 118515272,
    params50: 117298322,
    blocks: [4, 7, 7, 10, 19, 25, 7],
    stem: 32,
    stages: [32, 64, 96, 192, 224, 384, 640],
    head: 1280,
    eps: 1e-3,
    momentum: 0.1,
    dropout: 0.4,
    stateDict: 1548,
  },
};

const BUILDERS: Record<VariantName, (options?: EfficientNetOptions) => EfficientNet> = {
  b0: efficientNetB0,
  b1: efficientNetB1,
  b2: efficientNetB2,
  b3: efficientNetB3,
  b4: efficientNetB4,
  b5: efficientNetB5,
  b6: efficientNetB6,
  b7: efficientNetB7,
  'v2-s': efficientNetV2S,
  'v2-m': efficientNetV2M,
  'v2-l': efficientNetV2L,
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(VARIANT_NAMES.map((name) => [name] as const))('variant %s', (name) => {
  const expected = TORCHVISION[name];

  it('config row matches torchvision (blocks, channels, BN, dropout, parameter counts)', () => {
    const config = EFFICIENTNET_CONFIGS[name];
    const arch = resolveArchitecture(config);
    expect(arch.stages.map((stage) => stage.length)).toEqual(expected.blocks);
    expect(arch.stemChannels).toBe(expected.stem);
    expect(arch.stages.map((stage) => stage[0]!.outputChannels)).toEqual(expected.stages);
    expect(arch.lastChannels).toBe(expected.head);
    expect(config.batchNorm).toEqual({ epsilon: expected.eps, momentum: expected.momentum });
    expect(config.dropout).toBe(expected.dropout);
    expect(countParameters(config, 1000)).toBe(expected.params1000);
    expect(countParameters(config, 50)).toBe(expected.params50);
  });

  it('named builder: 1000 classes at 32 px gives [1, 1000], finite logits, torchvision parameter count', () => {
    const before = tf.memory().numTensors;
    const net = BUILDERS[name]();
    try {
      expect(net.countParameters()).toBe(expected.params1000);
      const logits = tf.tidy(
        () => net.model.predict(tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 7)) as tf.Tensor,
      );
      expect(logits.shape).toEqual([1, 1000]);
      expect(Array.from(logits.dataSync()).every(Number.isFinite)).toBe(true);
      logits.dispose();
      expect(net.featureInfo.map((info) => info.channels)).toEqual([expected.stem, ...expected.stages, expected.head]);
    } finally {
      net.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('50 classes (zeros init: counting must stay cheap) has torchvision parameter and state_dict counts', () => {
    const net = efficientNet(name, { numClasses: 50, initializer: 'zeros' });
    try {
      expect(net.countParameters()).toBe(expected.params50);
      expect(net.model.outputs[0]!.shape).toEqual([null, 50]);
      // Every BN has weight, bias, running_mean, running_var, num_batches_tracked.
      const keys = net.model.layers.reduce(
        (sum, layer) => sum + (layer.getClassName() === 'BatchNormalization' ? 5 : layer.weights.length),
        0,
      );
      expect(keys).toBe(expected.stateDict);
    } finally {
      net.dispose();
    }
  });
});

describe('config helpers', () => {
  it('rejects unknown variants listing the valid ones', () => {
    expect(() => efficientNetConfig('b9')).toThrow('Unknown variant "b9"; expected one of b0..b7, v2-s, v2-m, v2-l');
    expect(() => efficientNet('resnet50')).toThrow(RangeError);
  });

  it('accepts torchvision and loose spellings', () => {
    expect(normalizeVariantName('efficientnet_b3')).toBe('b3');
    expect(normalizeVariantName('efficientnet_v2_m')).toBe('v2-m');
    expect(normalizeVariantName('V2S')).toBe('v2-s');
    expect(normalizeVariantName('B7')).toBe('b7');
  });

  it('makeDivisible follows torchvision _make_divisible', () => {
    expect(makeDivisible(32 * 1.1)).toBe(32); // 35.2 → 32
    expect(makeDivisible(40 * 1.1)).toBe(48); // 44 → 48 (round half up)
    expect(makeDivisible(12)).toBe(16);
    expect(makeDivisible(3)).toBe(8); // never below the divisor
    expect(makeDivisible(1280 * 1.8)).toBe(2304);
  });

  it('custom multipliers reproduce torchvision _efficientnet_conf(b0, 0.5, 0.5)', () => {
    const config = withMultipliers(efficientNetConfig('b0'), 0.5, 0.5, 'tiny');
    const arch = resolveArchitecture(config);
    expect(arch.stemChannels).toBe(16);
    expect(arch.stages.map((stage) => stage.length)).toEqual([1, 1, 1, 2, 2, 2, 1]);
    expect(countParameters({ ...config }, 5)).toBe(660325); // manifest param_count of tiny_v1_w05_d05_nc5
  });

  it('custom stage tables build (fused + MBConv) with the right parameter count', () => {
    const net = buildEfficientNet(
      {
        name: 'tiny-v2',
        stages: [
          {
            block: 'FusedMBConv',
            expandRatio: 1,
            kernelSize: 3,
            stride: 1,
            inputChannels: 16,
            outputChannels: 16,
            numLayers: 2,
          },
          {
            block: 'FusedMBConv',
            expandRatio: 4,
            kernelSize: 3,
            stride: 2,
            inputChannels: 16,
            outputChannels: 24,
            numLayers: 2,
          },
          {
            block: 'MBConv',
            expandRatio: 4,
            kernelSize: 3,
            stride: 2,
            inputChannels: 24,
            outputChannels: 32,
            numLayers: 2,
          },
          {
            block: 'MBConv',
            expandRatio: 6,
            kernelSize: 3,
            stride: 1,
            inputChannels: 32,
            outputChannels: 40,
            numLayers: 2,
          },
          {
            block: 'MBConv',
            expandRatio: 6,
            kernelSize: 3,
            stride: 2,
            inputChannels: 40,
            outputChannels: 56,
            numLayers: 2,
          },
        ],
        widthMultiplier: 1,
        depthMultiplier: 1,
        lastChannels: 128,
        batchNorm: { epsilon: 1e-3, momentum: 0.1 },
        dropout: 0.2,
        stochasticDepthProb: 0.2,
      },
      { numClasses: 7, initializer: 'zeros' },
    );
    expect(net.countParameters()).toBe(198031); // manifest param_count of tiny_v2_nc7
    expect(net.featureInfo.map((info) => info.reduction)).toEqual([2, 2, 4, 8, 8, 16, 16]);
    net.dispose();
  });

  it('validates configs and options at the boundary', () => {
    const b0 = efficientNetConfig('b0');
    expect(() => buildEfficientNet({ ...b0, stages: [] })).toThrow(/config.stages must be a non-empty array/);
    expect(() => buildEfficientNet({ ...b0, stages: [{ ...b0.stages[0]!, block: 'Bottleneck' as 'MBConv' }] })).toThrow(
      /expected|must be one of MBConv, FusedMBConv/,
    );
    expect(() => buildEfficientNet({ ...b0, widthMultiplier: 0 })).toThrow(/widthMultiplier/);
    expect(() => efficientNetB0({ numClasses: 0 })).toThrow('options.numClasses must be a positive integer; got 0');
    expect(() => efficientNetB0({ head: 'timm' as 'seed' })).toThrow(
      'options.head must be one of replace, seed, pyramid; got "timm"',
    );
    expect(() => efficientNetB0({ inputSize: [224] as unknown as [number, number] })).toThrow(/options.inputSize/);
    expect(() => efficientNetB0({ pooling: 'max' as 'avg', includeTop: false })).toThrow(/one of avg, none/);
    expect(() => efficientNetB0({ dropout: 1 })).toThrow(/options.dropout/);
  });
});

afterAll(() => {
  tf.disposeVariables();
});
