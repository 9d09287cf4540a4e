import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  WeightLoadError,
  efficientNetB0,
  exportTorchvisionWeights,
  loadTorchvisionWeights,
  readSafetensors,
  torchvisionParameters,
  writeSafetensors,
  type SafeTensor,
} from '../src/index.js';
import { FIXTURES } from './helpers.js';

const B0_BYTES = new Uint8Array(readFileSync(resolve(FIXTURES, 'efficientnet_b0_nc10/model.safetensors')));
const snapshot = (model: tf.LayersModel) => model.getWeights().map((w) => Array.from(w.dataSync().slice(0, 16)));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('torchvision weights', () => {
  it('maps every layer to a torchvision key with PyTorch shapes (b0 examples from the notes)', () => {
    const net = efficientNetB0({ numClasses: 10, initializer: 'zeros' });
    const shapes = new Map(torchvisionParameters(net).map((p) => [p.key, p.shape]));
    expect(shapes.size).toBe(360);
    expect(shapes.get('features.1.0.block.0.0.weight')).toEqual([32, 1, 3, 3]);
    expect(shapes.get('features.2.0.block.0.0.weight')).toEqual([96, 16, 1, 1]);
    expect(shapes.get('features.2.0.block.1.0.weight')).toEqual([96, 1, 3, 3]);
    expect(shapes.get('features.2.0.block.2.fc1.weight')).toEqual([4, 96, 1, 1]);
    expect(shapes.get('features.2.0.block.3.0.weight')).toEqual([24, 96, 1, 1]);
    expect(shapes.get('features.8.0.weight')).toEqual([1280, 320, 1, 1]);
    expect(shapes.get('classifier.1.weight')).toEqual([10, 1280]);
    expect(shapes.get('features.0.1.num_batches_tracked')).toEqual([]);
    net.dispose();
  });

  it('load → export gives identical tensors (names, dtypes, shapes, values)', () => {
    const before = tf.memory().numTensors;
    const net = efficientNetB0({ numClasses: 10, initializer: 'zeros' });
    const report = loadTorchvisionWeights(net, B0_BYTES);
    expect(report).toMatchObject({ missing: [], unexpected: [], mismatched: [] });
    expect(report.loaded.length).toBe(360);
    const original = readSafetensors(B0_BYTES).tensors;
    const exported = readSafetensors(exportTorchvisionWeights(net)).tensors;
    expect([...exported.keys()].sort()).toEqual([...original.keys()].sort());
    for (const [key, tensor] of original) {
      const mine = exported.get(key) as SafeTensor;
      expect(mine.dtype, key).toBe(tensor.dtype);
      expect(mine.shape, key).toEqual(tensor.shape);
      expect(Buffer.from(mine.data.buffer).equals(Buffer.from(tensor.data.buffer)), key).toBe(true);
    }
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('strict mode names missing, unexpected and mismatched keys, and loads nothing', () => {
    const { tensors } = readSafetensors(B0_BYTES);
    const damaged = new Map<string, SafeTensor>(tensors);
    damaged.delete('features.3.1.block.1.0.weight');
    damaged.set('features.9.0.weight', { dtype: 'F32', shape: [1], data: new Float32Array(1) });
    const net = efficientNetB0({ numClasses: 7, initializer: 'zeros' });
    const before = snapshot(net.model);
    let error: unknown;
    try {
      loadTorchvisionWeights(net, writeSafetensors(damaged), { source: 'damaged.safetensors' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(WeightLoadError);
    const report = (error as WeightLoadError).report;
    expect(report.missing).toEqual(['features.3.1.block.1.0.weight']);
    expect(report.unexpected).toEqual(['features.9.0.weight']);
    expect(report.mismatched.map((m) => m.key)).toEqual(['classifier.1.weight', 'classifier.1.bias']);
    expect((error as Error).message).toMatch(
      new RegExp(
        /damaged.safetensors: strict load .* nothing was loaded[\s\S]*missing \(1\): features.3.1.block.1.0.weight/
          .source + /[\s\S]*classifier.1.weight \(model \[7,1280\], file F32 \[10,1280\]\)/.source,
      ),
    );
    expect(snapshot(net.model)).toEqual(before); // all-or-nothing
    net.dispose();
  });

  it('non-strict mode loads the backbone into a new classifier size and reports the skipped classifier', () => {
    const net = efficientNetB0({ numClasses: 50, initializer: 'zeros' });
    const report = loadTorchvisionWeights(net, B0_BYTES, { strict: false });
    expect(report.mismatched).toEqual([
      { key: 'classifier.1.weight', expected: [50, 1280], actual: [10, 1280], dtype: 'F32' },
      { key: 'classifier.1.bias', expected: [50], actual: [10], dtype: 'F32' },
    ]);
    expect(report.loaded.length).toBe(358);
    const reference = efficientNetB0({ numClasses: 10, initializer: 'zeros' });
    loadTorchvisionWeights(reference, B0_BYTES);
    const x = tf.randomUniform([1, 40, 40, 3], 0, 1, 'float32', 3);
    const [a, b] = [net, reference].map((n) =>
      tf.tidy(() => (n.featuresModel([8]).predict(x) as tf.Tensor).dataSync()),
    );
    expect(Array.from(a!)).toEqual(Array.from(b!));
    tf.dispose(x);
    net.dispose();
    reference.dispose();
  });

  it('non-strict into the seed head: backbone loads, 1000-way classifier mismatched, head.1 missing', () => {
    const net = efficientNetB0({ numClasses: 5, head: 'seed', initializer: 'zeros' });
    const report = loadTorchvisionWeights(net, B0_BYTES, { strict: false });
    expect(report.missing).toEqual(['head.1.weight', 'head.1.bias']);
    expect(report.mismatched.map((m) => m.key)).toEqual(['classifier.1.weight', 'classifier.1.bias']);
    expect(report.unexpected).toEqual([]);
    net.dispose();
  });

  it('a truncated or corrupt file throws before anything is assigned', () => {
    const net = efficientNetB0({ numClasses: 10, initializer: 'zeros' });
    const before = snapshot(net.model);
    expect(() =>
      loadTorchvisionWeights(net, B0_BYTES.subarray(0, B0_BYTES.byteLength - 100), { source: 'b0.safetensors' }),
    ).toThrow(/b0.safetensors: truncated file/);
    expect(snapshot(net.model)).toEqual(before);
    net.dispose();
  });

  it('F16 and BF16 state dicts load (converted to float32)', () => {
    const { tensors } = readSafetensors(B0_BYTES);
    const half = new Map(
      [...tensors].map(([key, t]) => [key, t.dtype === 'F32' ? { ...t, dtype: 'BF16' as const } : t]),
    );
    const net = efficientNetB0({ numClasses: 10, initializer: 'zeros' });
    loadTorchvisionWeights(net, writeSafetensors(half));
    const stem = readSafetensors(exportTorchvisionWeights(net)).tensors.get('features.0.0.weight')!
      .data as Float32Array;
    const reference = tensors.get('features.0.0.weight')!.data as Float32Array;
    stem.forEach((value, i) =>
      expect(Math.abs(value - reference[i]!)).toBeLessThanOrEqual(Math.abs(reference[i]!) * 2 ** -8),
    );
    net.dispose();
  });
});
