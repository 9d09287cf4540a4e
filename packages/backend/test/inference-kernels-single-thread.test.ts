import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  batchNormTrainingGradKernelName,
  batchNormTrainingKernelName,
  scaleChannelsKernelName,
  siluGradKernelName,
  siluKernelName,
} from '../src/index.js';
import { createRandom, randomValues, relativeError, useWasmBackend } from './helpers.js';

const random = createRandom(20261128);

// One thread: the non-threaded wasm build, whose memory is not shared and which exports its
// memory instead of creating it in JS; the SIMD kernels run on the calling thread only.
describe('SIMD inference and fused training kernels on the single-threaded wasm build', () => {
  useWasmBackend(1, { selected: (selection) => expect(selection.threads).toBe(1) });

  it('ArtSilu and ArtScaleChannels match the cpu reference, large and small, no leaks', async () => {
    for (const [batch, height, width, channels] of [
      [2, 40, 40, 48],
      [1, 3, 5, 7],
    ] as const) {
      const shape = [batch, height, width, channels];
      const x = randomValues(random, batch * height * width * channels).map((v) => v * 10);
      const gate = randomValues(random, batch * channels);
      const results: Record<string, Float32Array[]> = { silu: [], scale: [] };
      const before = tf.memory().numTensors;
      for (const backend of ['cpu', 'wasm']) {
        await tf.setBackend(backend);
        tf.tidy(() => {
          const input = tf.tensor(x, shape);
          results.silu!.push(
            (tf.engine().runKernel(siluKernelName, { x: input }) as tf.Tensor).dataSync() as Float32Array,
          );
          results.scale!.push(
            (
              tf.engine().runKernel(scaleChannelsKernelName, {
                x: input,
                scale: tf.tensor(gate, [batch, channels]),
              }) as tf.Tensor
            ).dataSync() as Float32Array,
          );
        });
      }
      expect(relativeError(results.silu![1]!, results.silu![0]!)).toBeLessThan(1e-6);
      expect(Array.from(results.scale![1]!)).toEqual(Array.from(results.scale![0]!));
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('the fused training kernels (SiLU gradient, BatchNorm forward and backward) match the cpu reference', async () => {
    for (const [batch, height, width, channels] of [
      [2, 40, 40, 48],
      [1, 3, 5, 7],
    ] as const) {
      const shape = [batch, height, width, channels];
      const size = batch * height * width * channels;
      const x = randomValues(random, size).map((v) => v * 3 + 0.5);
      const dy = randomValues(random, size);
      const scale = randomValues(random, channels).map((v) => v + 1);
      const offset = randomValues(random, channels);
      const outputs: Float32Array[][] = [];
      const before = tf.memory().numTensors;
      for (const backend of ['cpu', 'wasm']) {
        await tf.setBackend(backend);
        outputs.push(
          tf.tidy(() => {
            const [input, gradient] = [tf.tensor(x, shape), tf.tensor(dy, shape)];
            const siluGrad = tf.engine().runKernel(siluGradKernelName, { x: input, dy: gradient }) as tf.Tensor;
            const attrs = { varianceEpsilon: 1e-3 };
            const forward = tf
              .engine()
              .runKernel(
                batchNormTrainingKernelName,
                { x: input, scale: tf.tensor(scale), offset: tf.tensor(offset) },
                attrs,
              ) as tf.Tensor[];
            const backward = tf
              .engine()
              .runKernel(
                batchNormTrainingGradKernelName,
                { dy: gradient, x: input, mean: forward[1]!, variance: forward[2]!, scale: tf.tensor(scale) },
                attrs,
              ) as tf.Tensor[];
            return [siluGrad, ...forward, ...backward].map((t) => t.dataSync() as Float32Array);
          }),
        );
      }
      outputs[0]!.forEach((expected, i) =>
        expect(relativeError(outputs[1]![i]!, expected), `[${shape}] output ${i}`).toBeLessThan(1e-5),
      );
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});
