import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_WEIGHTS,
  TORCHVISION_WEIGHTS,
  VARIANT_NAMES,
  efficientNet,
  preprocessingFor,
  pretrainedWeights,
  setWeightsProvider,
  type PretrainedWeights,
} from '../src/index.js';
import { FIXTURES } from './helpers.js';

const TORCHVISION_SOURCE = '/usr/lib/python3/dist-packages/torchvision/models/efficientnet.py';
const B0_NC10 = new Uint8Array(readFileSync(resolve(FIXTURES, 'efficientnet_b0_nc10/model.safetensors')));

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(() => setWeightsProvider(null));

describe('weights catalogue', () => {
  it('has torchvision 0.14.1 weights for all 11 variants (12 sets), DEFAULT as torchvision', () => {
    expect(new Set(TORCHVISION_WEIGHTS.map((w) => w.variant))).toEqual(new Set(VARIANT_NAMES));
    expect(TORCHVISION_WEIGHTS).toHaveLength(12);
    expect(pretrainedWeights('b3')).toMatchObject({
      id: 'EfficientNet_B3_Weights.IMAGENET1K_V1',
      source: {
        kind: 'torchvision',
        url: 'https://download.pytorch.org/models/efficientnet_b3_rwightman-cf984f9c.pth',
      },
      sha256Prefix: 'cf984f9c',
      numParams: 12233232,
    });
    expect(pretrainedWeights('b1').name).toBe('IMAGENET1K_V2');
    expect(pretrainedWeights('efficientnet_b1', 'IMAGENET1K_V1').fileName).toBe(
      'efficientnet_b1_rwightman-533bc792.pth',
    );
    expect(pretrainedWeights('EfficientNet_V2_M_Weights.IMAGENET1K_V1').fileName).toBe(
      'efficientnet_v2_m-dc08266a.pth',
    );
    expect(DEFAULT_WEIGHTS['v2-l']).toBe('IMAGENET1K_V1');
    expect(() => pretrainedWeights('b3', 'IMAGENET1K_V2')).toThrow(
      'Unknown weights "IMAGENET1K_V2" for efficientnet b3; expected one of DEFAULT, IMAGENET1K_V1, timm/efficientnet_b3.ra2_in1k',
    );
  });

  it('preprocessingFor names the weights entry: B3 V1 320/300 bicubic, B1 V2 255/240 bilinear, V2-L mean 0.5, timm B3 320/320', () => {
    expect(preprocessingFor('b3', 'IMAGENET1K_V1')).toMatchObject({
      resizeSize: 320,
      cropSize: 300,
      interpolation: 'bicubic',
      mean: [0.485, 0.456, 0.406],
    });
    expect(preprocessingFor('b1', 'DEFAULT')).toMatchObject({
      resizeSize: 255,
      cropSize: 240,
      interpolation: 'bilinear',
    });
    expect(preprocessingFor('EfficientNet_V2_L_Weights.IMAGENET1K_V1')).toMatchObject({
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
    });
    expect(preprocessingFor('b3', 'timm/efficientnet_b3.ra2_in1k')).toMatchObject({
      resizeSize: 320,
      cropSize: 320,
      interpolation: 'bicubic',
    });
  });

  // The table is copied from Debian's python3-torchvision; where it is installed, compare every row.
  it.skipIf(!existsSync(TORCHVISION_SOURCE))(
    "matches Debian's torchvision source: URLs, hash prefixes, transforms, parameter counts, accuracy",
    () => {
      const source = readFileSync(TORCHVISION_SOURCE, 'utf8');
      const rows: Partial<PretrainedWeights & { crop: number; resize: number; interpolation: string; top1: number }>[] =
        [];
      for (const block of source.split(/\nclass EfficientNet_/).slice(1)) {
        const variant = /^(\w+?)_Weights/.exec(block)![1]!.toLowerCase().replace('v2_', 'v2-');
        for (const weights of block.split(/\n {4}(?=IMAGENET1K_V\d = Weights\()/).slice(1)) {
          rows.push({
            variant: variant as PretrainedWeights['variant'],
            name: /^(IMAGENET1K_V\d)/.exec(weights)![1]!,
            source: { kind: 'torchvision', url: /url="([^"]+)"/.exec(weights)![1]! },
            crop: Number(/crop_size=(\d+)/.exec(weights)![1]),
            resize: Number(/resize_size=(\d+)/.exec(weights)![1]),
            interpolation: /InterpolationMode\.(\w+)/.exec(weights)![1]!.toLowerCase(),
            numParams: Number(/"num_params": (\d+)/.exec(weights)![1]),
            top1: Number(/"acc@1": ([\d.]+)/.exec(weights)![1]),
          });
        }
      }
      expect(rows).toHaveLength(12);
      for (const row of rows) {
        const entry = pretrainedWeights(row.variant!, row.name!);
        expect(entry.source, row.variant).toEqual(row.source);
        expect(entry.sha256Prefix).toBe(/-([0-9a-f]{8})\.pth$/.exec((row.source as { url: string }).url)![1]);
        expect([
          entry.preprocessing.cropSize,
          entry.preprocessing.resizeSize,
          entry.preprocessing.interpolation,
          entry.numParams,
          entry.accuracy?.top1,
        ]).toEqual([row.crop, row.resize, row.interpolation, row.numParams, row.top1]);
      }
    },
  );
});

describe('efficientNet(name, { weights })', () => {
  it('builds the variant and loads the named set through the installed provider; a new numClasses keeps a new classifier', async () => {
    const before = tf.memory().numTensors;
    const asked: string[] = [];
    setWeightsProvider(async (entry) => {
      asked.push(entry.id);
      return { bytes: B0_NC10, source: entry.fileName };
    });
    // The fixture is a 10-class B0, so with numClasses 10 everything fits.
    const exact = await efficientNet('b0', { weights: 'IMAGENET1K_V1', numClasses: 10 });
    const newHead = await efficientNet('b0', { weights: 'DEFAULT', numClasses: 50 });
    expect(asked).toEqual(['EfficientNet_B0_Weights.IMAGENET1K_V1', 'EfficientNet_B0_Weights.IMAGENET1K_V1']);
    const x = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 1);
    const [a, b] = [exact, newHead].map((net) =>
      tf.tidy(() => Array.from((net.featuresModel([8]).predict(x) as tf.Tensor).dataSync())),
    );
    expect(a).toEqual(b);
    expect(newHead.model.outputs[0]!.shape).toEqual([null, 50]);
    tf.dispose(x);
    exact.dispose();
    newHead.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('weights of another variant are refused and the network disposed', async () => {
    const before = tf.memory().numTensors;
    setWeightsProvider(async () => ({ bytes: B0_NC10, source: 'b0.safetensors' }));
    await expect(efficientNet('b1', { weights: 'IMAGENET1K_V1' })).rejects.toThrow(
      /b0.safetensors: EfficientNet_B1_Weights.IMAGENET1K_V1 does not fit "efficientnet_b1" \(\d+ backbone tensors missing or of another shape/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('in Node without @art/efficientnet/node, says what to import', async () => {
    await expect(efficientNet('b0', { weights: 'DEFAULT' })).rejects.toThrow(
      "pretrained weights in Node: import '@art/efficientnet/node' once",
    );
  });
});
