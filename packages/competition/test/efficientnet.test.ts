import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEfficientNet, efficientNetConfig, readSafetensors, withMultipliers } from '@art/efficientnet';
import { fileSystemHandler } from '@art/efficientnet/node';
import { buildRecipeNetwork, createArrayLoader, demoRecipe, loadCheckpointModel, train } from '../src/index.js';
import { tinyImages } from './helpers/tiny.js';

const SIZE = 32;
let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'art-competition-effnet-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('train with an EfficientNet', () => {
  it('trains a tiny EfficientNet, writes TF.js + safetensors checkpoints that load back, leaks nothing', async () => {
    const config = withMultipliers(efficientNetConfig('b0'), 0.25, 0.25, 'tiny');
    const net = buildEfficientNet(config, { numClasses: 3, inputSize: SIZE, seed: 1 });
    const data = tinyImages(4, 1, 3, SIZE);
    const loader = createArrayLoader({
      images: data.images,
      labels: data.labels,
      shape: [SIZE, SIZE, 3],
      batchSize: 2,
    });
    const before = tf.memory().numTensors;
    const result = await train({
      model: net,
      trainLoader: loader,
      validLoader: loader,
      numClasses: 3,
      epochs: 1,
      outDir: root,
      progress: 'none',
      plots: false,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.step).toBe(2);
    const safetensors = readSafetensors(
      new Uint8Array(await readFile(join(result.lastCheckpoint!, 'model.safetensors'))),
    );
    expect(safetensors.tensors.size).toBeGreaterThan(10);
    expect([...safetensors.tensors.keys()]).toContain('classifier.1.weight');
    const restored = await loadCheckpointModel(join(root, 'checkpoints/last'));
    const x = tf.tensor4d(data.images.subarray(0, SIZE * SIZE * 3), [1, SIZE, SIZE, 3]);
    const a = net.model.predict(x) as tf.Tensor;
    const b = restored.predict(x) as tf.Tensor;
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    // the same files load through @art/efficientnet/node's filesystem handler (TF.js file:// layout)
    const viaHandler = await tf.loadLayersModel(fileSystemHandler(result.bestCheckpoint!));
    const c = viaHandler.predict(x) as tf.Tensor;
    expect(c.shape).toEqual([1, 3]);
    tf.dispose([x, a, b, c]);
    viaHandler.dispose();
    restored.dispose();
    net.model.dispose();
  });
});

describe('buildRecipeNetwork', () => {
  it("initialises from the run's --seed: the same seed gives the same weights, another seed others", () => {
    const firstWeights = (seed: number) => {
      const network = buildRecipeNetwork(demoRecipe, { numClasses: 3, imgSize: SIZE, smoke: true, seed });
      const values = network.model.getWeights()[0]!.dataSync().slice();
      network.model.dispose();
      return Array.from(values);
    };
    const before = tf.memory().numTensors;
    const seed0 = firstWeights(0);
    expect(firstWeights(0)).toEqual(seed0);
    expect(firstWeights(1)).not.toEqual(seed0);
    expect(tf.memory().numTensors).toBe(before);
  });
});
