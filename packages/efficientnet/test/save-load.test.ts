import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  StochasticDepth,
  buildEfficientNet,
  efficientNetConfig,
  exportTorchvisionWeights,
  loadTorchvisionWeights,
  withMultipliers,
} from '../src/index.js';
import { fileSystemHandler, readSafetensorsFile, writeSafetensorsFile } from '../src/node/index.js';

const directory = mkdtempSync(join(tmpdir(), 'art-efficientnet-'));

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

describe('TF.js save / load', () => {
  it('StochasticDepth config round-trips through the serialization registry', () => {
    const layer = new StochasticDepth({ rate: 0.125, mode: 'batch', name: 'sd' });
    const config = layer.getConfig();
    expect(config).toMatchObject({ rate: 0.125, mode: 'batch', name: 'sd' });
    const revived = tf.serialization.SerializationMap.getMap().classNameMap.StochasticDepth!;
    const copy = revived[1](revived[0], config) as StochasticDepth;
    expect(copy).toBeInstanceOf(StochasticDepth);
    expect(copy.getConfig()).toEqual(config);
  });

  it('model.save → tf.loadLayersModel through fileSystemHandler gives identical outputs and weights', async () => {
    const net = buildEfficientNet(withMultipliers(efficientNetConfig('b0'), 0.25, 0.5, 'tiny'), {
      numClasses: 4,
      head: 'seed',
      seed: 3,
    });
    const target = join(directory, 'tiny');
    await net.model.save(fileSystemHandler(target));
    expect(readdirSync(target).sort()).toEqual(['model.json', 'weights.bin']); // temp files renamed away
    const loaded = await tf.loadLayersModel(fileSystemHandler(target));
    expect(loaded.layers.filter((layer) => layer instanceof StochasticDepth).length).toBeGreaterThan(0);
    const x = tf.randomUniform([2, 38, 50, 3], 0, 1, 'float32', 4);
    const [a, b] = [net.model, loaded].map((model) => tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync()));
    expect(Array.from(b!)).toEqual(Array.from(a!));
    // The reloaded model keeps the torchvision names, so weights export identically.
    expect(Buffer.from(exportTorchvisionWeights(loaded)).equals(Buffer.from(exportTorchvisionWeights(net)))).toBe(true);
    tf.dispose(x);
    loaded.dispose();
    net.dispose();
  });

  it('loading from a missing folder names the file', async () => {
    await expect(tf.loadLayersModel(fileSystemHandler(join(directory, 'nothing')))).rejects.toThrow(
      /cannot read .*nothing\/model.json/,
    );
  });

  it('safetensors files: write atomically, read back, load weights', async () => {
    const config = withMultipliers(efficientNetConfig('v2-s'), 1, 1, 'v2');
    const tiny = { ...config, stages: config.stages.slice(0, 3).map((stage) => ({ ...stage, numLayers: 1 })) };
    const source = buildEfficientNet(tiny, { numClasses: 2, seed: 5 });
    const path = join(directory, 'weights', 'tiny.safetensors');
    await writeSafetensorsFile(path, exportTorchvisionWeights(source));
    const target = buildEfficientNet(tiny, { numClasses: 2, initializer: 'zeros' });
    loadTorchvisionWeights(target, await readSafetensorsFile(path));
    const x = tf.randomUniform([1, 33, 33, 3], 0, 1, 'float32', 6);
    const [a, b] = [source, target].map((n) => tf.tidy(() => (n.model.predict(x) as tf.Tensor).dataSync()));
    expect(Array.from(b!)).toEqual(Array.from(a!));
    await expect(readSafetensorsFile(join(directory, 'missing.safetensors'))).rejects.toThrow(/missing.safetensors/);
    tf.dispose(x);
    source.dispose();
    target.dispose();
  });
});
