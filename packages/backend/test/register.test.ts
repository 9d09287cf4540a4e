import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import {
  batchNormTrainingGradKernelName,
  batchNormTrainingKernelName,
  registerFusedTrainingKernels,
  registerInferenceKernels,
  registerWasmTrainingKernels,
  scaleChannelsKernelName,
  siluGradKernelName,
  siluKernelName,
  unregisterWasmTrainingKernels,
} from '../src/index.js';

// Importing tfjs-backend-wasm registers its kernels; the backend itself never starts in this file.
const replacedKernels = [
  'Conv2DBackpropInput',
  'Tile',
  'Slice',
  'Transpose',
  'Identity',
  'Cast',
  'Sum',
  'Mean',
  'FusedBatchNorm',
];
const missingKernels = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
];
const leanGradients = ['Mean', 'Sum', 'FusedBatchNorm'];
const customKernels = [
  siluKernelName,
  scaleChannelsKernelName,
  siluGradKernelName,
  batchNormTrainingKernelName,
  batchNormTrainingGradKernelName,
];

describe('the one registration table', () => {
  it(
    'registerWasmTrainingKernels serves the TF.js kernel names only, keeps the stock setup, and ' +
      'unregistering restores the stock kernels and gradients',
    () => {
      const stock = new Map([...replacedKernels, ...missingKernels].map((name) => [name, tf.getKernel(name, 'wasm')]));
      const stockGradients = new Map(leanGradients.map((name) => [name, tf.getGradient(name)]));
      for (const name of missingKernels) expect(stock.get(name), name).toBeUndefined();
      for (const name of replacedKernels) expect(stock.get(name), name).toBeDefined();

      const served = registerWasmTrainingKernels();
      expect([...served].sort()).toEqual([...replacedKernels, ...missingKernels].sort());
      for (const name of served) {
        const config = tf.getKernel(name, 'wasm')!;
        expect(config.kernelFunc, name).not.toBe(stock.get(name)?.kernelFunc);
        // The fast paths fall back to the stock kernel, whose setup must still run.
        expect(config.setupFunc, name).toBe(stock.get(name)?.setupFunc);
      }
      for (const name of leanGradients) expect(tf.getGradient(name), name).not.toBe(stockGradients.get(name));
      for (const name of customKernels) expect(tf.getKernel(name, 'wasm'), name).toBeUndefined();
      expect(registerWasmTrainingKernels()).toEqual(served);

      unregisterWasmTrainingKernels();
      for (const [name, config] of stock) expect(tf.getKernel(name, 'wasm')?.kernelFunc, name).toBe(config?.kernelFunc);
      for (const [name, gradient] of stockGradients) expect(tf.getGradient(name), name).toBe(gradient);
    },
  );

  it(
    'the inference kernels come without gradients; the training kernels bring the gradients of ' +
      'ArtSilu and ArtBatchNormTraining; neither replaces a stock kernel',
    () => {
      const stock = new Map(replacedKernels.map((name) => [name, tf.getKernel(name, 'wasm')?.kernelFunc]));
      expect(registerInferenceKernels()).toEqual([siluKernelName, scaleChannelsKernelName]);
      for (const backend of ['wasm', 'cpu']) {
        for (const name of [siluKernelName, scaleChannelsKernelName])
          expect(tf.getKernel(name, backend), `${name} ${backend}`).toBeDefined();
        for (const name of [siluGradKernelName, batchNormTrainingKernelName, batchNormTrainingGradKernelName])
          expect(tf.getKernel(name, backend), `${name} ${backend}`).toBeUndefined();
      }
      // Without a gradient @art/efficientnet's layers keep the plain ops when training.
      expect(tf.getGradient(siluKernelName)).toBeUndefined();

      expect(registerFusedTrainingKernels()).toEqual([
        siluGradKernelName,
        batchNormTrainingKernelName,
        batchNormTrainingGradKernelName,
      ]);
      expect(tf.getGradient(siluKernelName)).toBeDefined();
      expect(tf.getGradient(batchNormTrainingKernelName)).toBeDefined();
      expect(tf.getGradient(scaleChannelsKernelName)).toBeUndefined();
      for (const [name, kernelFunc] of stock) expect(tf.getKernel(name, 'wasm')?.kernelFunc, name).toBe(kernelFunc);
    },
  );
});
