import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { buildEfficientNet, createInferenceFunction, efficientNetConfig, withMultipliers } from '@art/efficientnet';
import { runParity } from '@art/efficientnet/node';
import { registerInferenceKernels, scaleChannelsKernelName, siluKernelName } from '../src/index.js';
import { instantiateSimdModule, simdModuleBytes, type WasmMemory } from '../src/kernels/simd-module.js';
import { createRandom, randomValues, relativeError, runKernelOn, useWasmBackend, type KernelData } from './helpers.js';

const random = createRandom(20261127);

/** Runs a single-output kernel on a backend from plain arrays. */
async function runOn(backend: string, kernelName: string, inputs: Record<string, KernelData>): Promise<KernelData> {
  return (await runKernelOn(backend, kernelName, inputs))[0]!;
}

describe('SIMD inference kernels on wasm match the cpu reference', () => {
  useWasmBackend(2);

  it('registers both kernels on wasm and cpu, idempotently', () => {
    expect(registerInferenceKernels()).toEqual([siluKernelName, scaleChannelsKernelName]);
    for (const backend of ['wasm', 'cpu']) {
      expect(tf.getKernel(siluKernelName, backend)).toBeDefined();
      expect(tf.getKernel(scaleChannelsKernelName, backend)).toBeDefined();
    }
    const { WebAssembly } = globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } };
    expect(WebAssembly.validate(simdModuleBytes(true))).toBe(true);
    expect(WebAssembly.validate(simdModuleBytes(false))).toBe(true);
  });

  it('ArtSilu: random shapes (sizes not multiples of 4 included) within 1e-6 relative of x / (1 + exp(-x))', async () => {
    // The last two are big enough to be split between the caller and a helper thread.
    for (const shape of [
      [1],
      [3],
      [2, 5, 7, 3],
      [4, 9, 9, 16],
      [1, 31, 17, 8],
      [0, 4],
      [2, 64, 64, 40],
      [1, 300, 301, 3],
    ]) {
      const size = shape.reduce((a, b) => a * b, 1);
      const values = randomValues(random, size).map((v) => v * 12);
      const before = tf.memory().numTensors;
      const expected = await runOn('cpu', siluKernelName, { x: { shape, values } });
      const actual = await runOn('wasm', siluKernelName, { x: { shape, values } });
      expect(actual.shape).toEqual(shape);
      expect(relativeError(actual.values, expected.values), JSON.stringify(shape)).toBeLessThan(1e-6);
      // Elementwise too: small outputs (large negative x) must be right, not just small.
      let worst = 0;
      for (let i = 0; i < size; i++)
        worst = Math.max(
          worst,
          Math.abs(actual.values[i]! - expected.values[i]!) / (Math.abs(expected.values[i]!) + 1e-30),
        );
      expect(worst, JSON.stringify(shape)).toBeLessThan(2.5e-7);
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('ArtSilu: NaN, infinities, overflowing exponents, signed zeros (in the SIMD part and the tail)', async () => {
    const special = [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      -100,
      100,
      0,
      -0,
      1e-30,
      -87.5,
      88.5,
      -88.5,
      89,
      20,
      -20,
      1,
      -1,
    ];
    const values = Float32Array.from([...special, 3, -3, 1e-3]);
    const actual = await runOn('wasm', siluKernelName, { x: { shape: [values.length], values } });
    const reference = (x: number) => Math.fround(x / (1 + Math.exp(-x)));
    expect(Number.isNaN(actual.values[0]!)).toBe(true);
    expect(actual.values[1]).toBe(Number.POSITIVE_INFINITY);
    // -inf * sigmoid(-inf) is NaN in TF.js's (and PyTorch's) x * sigmoid(x); the kernel gives -inf / inf = NaN too.
    expect(Number.isNaN(actual.values[2]!)).toBe(true);
    for (let i = 3; i < values.length; i++) {
      const expected = reference(values[i]!);
      expect(Math.abs(actual.values[i]! - expected), `x = ${values[i]}`).toBeLessThanOrEqual(
        2e-7 * Math.abs(expected) + 1e-36,
      );
    }
    expect(Object.is(actual.values[6], -0) || actual.values[6] === 0).toBe(true);
  });

  it('the SiLU loop gives the same bits for any number of vectors per iteration (remainders included)', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as {
      wasm: { wasmMemory?: WasmMemory; asm?: { memory?: WasmMemory } };
      dataIdMap: { get(dataId: object): { memoryOffset: number } };
    };
    const memory = (backend.wasm.wasmMemory ?? backend.wasm.asm?.memory)!;
    const x = tf.tensor1d(randomValues(random, 4 * 37).map((v) => v * 30));
    const offset = (tensor: tf.Tensor) => backend.dataIdMap.get(tensor.dataId).memoryOffset;
    const outputs: number[][] = [];
    for (const vectors of [1, 2, 3, 4, 6]) {
      const out = tf.zerosLike(x);
      // 4 * 37 floats = 37 vectors: a remainder for every unroll above 1; also a shorter count.
      for (const count of [4 * 37, 4 * 5]) instantiateSimdModule(memory, vectors).silu(offset(x), offset(out), count);
      outputs.push(Array.from(out.dataSync()));
      out.dispose();
    }
    for (const output of outputs.slice(1)) expect(output).toEqual(outputs[0]);
    x.dispose();
  });

  it('ArtScaleChannels: [N, C] and [N, 1, 1, C] gates, channels multiple of 4 (SIMD) and not (stock Multiply), exact', async () => {
    // The last one is split between the caller and a helper thread, with chunks across samples.
    for (const [batch, height, width, channels, gateRank] of [
      [2, 5, 3, 8, 2],
      [3, 4, 4, 12, 4],
      [1, 7, 9, 5, 2],
      [2, 1, 1, 4, 4],
      [2, 3, 3, 3, 4],
      [3, 61, 59, 36, 2],
    ] as const) {
      const x = {
        shape: [batch, height, width, channels],
        values: randomValues(random, batch * height * width * channels),
      };
      const scale = {
        shape: gateRank === 2 ? [batch, channels] : [batch, 1, 1, channels],
        values: randomValues(random, batch * channels),
      };
      const before = tf.memory().numTensors;
      const expected = await runOn('cpu', scaleChannelsKernelName, { x, scale });
      const actual = await runOn('wasm', scaleChannelsKernelName, { x, scale });
      const label = `[${x.shape}] x [${scale.shape}]`;
      expect(actual.shape, label).toEqual(x.shape);
      expect(Array.from(actual.values), label).toEqual(Array.from(expected.values));
      // The cpu reference itself against a broadcasting tf.mul.
      await tf.setBackend('cpu');
      const broadcast = tf.tidy(() =>
        tf.mul(tf.tensor(x.values, x.shape), tf.tensor(scale.values, [batch, 1, 1, channels])).dataSync(),
      );
      expect(Array.from(expected.values), label).toEqual(Array.from(broadcast));
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('ArtScaleChannels rejects a gate of the wrong shape', async () => {
    const x = { shape: [2, 3, 3, 4], values: new Float32Array(72) };
    await expect(
      runOn('wasm', scaleChannelsKernelName, { x, scale: { shape: [2, 3], values: new Float32Array(6) } }),
    ).rejects.toThrow(/scale must be \[2, 4\]/);
  });

  it("createInferenceFunction uses the kernels on wasm and matches the layers model's predict", async () => {
    await tf.setBackend('wasm');
    const net = buildEfficientNet(withMultipliers(efficientNetConfig('b0'), 0.25, 0.5, 'tiny'), {
      numClasses: 6,
      seed: 3,
    });
    // Non-trivial BatchNorm statistics, so that folding matters.
    tf.tidy(() => {
      for (const weight of net.model.weights) {
        if (/\/moving_variance$/.test(weight.originalName))
          weight.write(tf.randomUniform(weight.shape as number[], 0.3, 2, 'float32', 1));
        if (/\/moving_mean$/.test(weight.originalName))
          weight.write(tf.randomUniform(weight.shape as number[], -0.3, 0.3, 'float32', 2));
      }
    });
    const predict = createInferenceFunction(net);
    expect(predict.description).toMatch(/ArtSilu/);
    const x = tf.randomNormal([3, 45, 40, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const expected = tf.tidy(() => (net.model.predict(x) as tf.Tensor).dataSync());
    const profile = await tf.profile(() => {
      predict(x).dispose();
    });
    expect(profile.kernels.some((kernel) => kernel.name === siluKernelName)).toBe(true);
    expect(profile.kernels.some((kernel) => kernel.name === scaleChannelsKernelName)).toBe(true);
    expect(profile.kernels.some((kernel) => kernel.name === 'FusedBatchNorm' || kernel.name === 'PadV2')).toBe(false);
    const output = predict(x);
    expect(Math.max(...Array.from(expected, Math.abs))).toBeGreaterThan(1e-3);
    expect(relativeError(output.dataSync(), expected)).toBeLessThan(1e-5);
    output.dispose();
    expect(tf.memory().numTensors).toBe(before);
    predict.dispose();
    x.dispose();
    net.dispose();
  });

  it('torchvision parity of the layers model with these kernels and the SIMD Sum/Mean/FusedBatchNorm registered', async () => {
    await tf.setBackend('wasm');
    const manifest = fileURLToPath(
      new URL('../../efficientnet/test/fixtures/efficientnet/manifest.json', import.meta.url),
    );
    const before = tf.memory().numTensors;
    const result = await runParity(manifest, { tolerance: 1e-4 });
    expect(result.backend).toBe('wasm');
    expect(result.rows.length).toBeGreaterThan(30);
    expect(result.rows.filter((row) => !row.passed)).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
