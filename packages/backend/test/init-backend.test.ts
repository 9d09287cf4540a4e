import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend, unregisterWasmTrainingKernels } from '../src/index.js';

const require = createRequire(import.meta.url);
const installed = (name: string): boolean => {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
};
const hasTensorflow = installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu');

describe('initBackend', () => {
  const previous = tf.getBackend() ?? 'cpu';
  afterAll(async () => {
    unregisterWasmTrainingKernels();
    await tf.setBackend(previous);
  });

  it('rejects unknown backends and thread counts with the valid choices', async () => {
    await expect(initBackend({ backend: 'cuda' as never })).rejects.toThrow(
      /unknown backend "cuda"; expected one of auto, tensorflow, wasm, cpu, webgpu/,
    );
    await expect(initBackend({ threads: 0 })).rejects.toThrow(RangeError);
    await expect(initBackend({ threads: 1.5 })).rejects.toThrow(/threads must be an integer from 1 to 8, got 1.5/);
  });

  it.skipIf(hasTensorflow)('an explicit backend that cannot start throws instead of falling back', async () => {
    const active = tf.getBackend();
    await expect(initBackend({ backend: 'tensorflow' })).rejects.toThrow(
      /"tensorflow" backend cannot be used: .*tfjs-node/,
    );
    await expect(initBackend({ backend: 'webgpu' })).rejects.toThrow(/"webgpu" backend cannot be used/);
    expect(tf.getBackend()).toBe(active);
  });

  it.skipIf(hasTensorflow)('auto falls back to multi-threaded wasm and says why tensorflow was skipped', async () => {
    const selection = await initBackend({ threads: 2 });
    expect(selection.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(selection.threads).toBe(2);
    expect(selection.reason).toMatch(/2 XNNPACK threads/);
    expect(selection.skipped.map((s) => s.name)).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
    // The pthread pool computes the same matmul as the cpu backend.
    const a = tf.tensor2d(
      Array.from({ length: 64 * 48 }, (_, i) => Math.sin(i)),
      [64, 48],
    );
    const b = tf.tensor2d(
      Array.from({ length: 48 * 32 }, (_, i) => Math.cos(i)),
      [48, 32],
    );
    const onWasm = tf.matMul(a, b).dataSync();
    await tf.setBackend('cpu');
    const onCpu = tf.matMul(a, b).dataSync();
    for (let i = 0; i < onCpu.length; i++) expect(onWasm[i]).toBeCloseTo(onCpu[i]!, 4);
    tf.dispose([a, b]);
    // Asking again reports the running backend.
    const again = await initBackend({ backend: 'wasm', threads: 2 });
    expect(again).toMatchObject({ name: 'wasm', threads: 2, skipped: [] });
  });

  it('cpu on request', async () => {
    expect(await initBackend({ backend: 'cpu' })).toMatchObject({ name: 'cpu', skipped: [] });
    expect(tf.getBackend()).toBe('cpu');
  });
});
