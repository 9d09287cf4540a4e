import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildEfficientNet, efficientNetConfig, withMultipliers } from '../src/index.js';
import { FusedBatchNormalization, siluActivation } from '../src/layers/fused-kernels.js';
import { siluKernelName } from '../../../internal/kernel-names.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tiny = () =>
  buildEfficientNet(withMultipliers(efficientNetConfig('b0'), 0.25, 0.5, 'tiny'), {
    numClasses: 3,
    seed: 2,
    dropout: 0,
    stochasticDepthProb: 0,
  });

describe('SiLU and BatchNorm layers with optional fused kernels', () => {
  const registered: string[] = [];
  afterEach(() => {
    for (const name of registered.splice(0)) tf.unregisterKernel(name, 'cpu');
  });

  it('serialise exactly as the stock layers (swish activation, BatchNormalization class)', () => {
    const net = tiny();
    const silu = net.model.getLayer('features.0.2');
    const batchNorm = net.model.getLayer('features.0.1');
    expect(silu.getClassName()).toBe('Activation');
    expect(silu.getConfig().activation).toBe('swish');
    expect(batchNorm).toBeInstanceOf(FusedBatchNormalization);
    expect(batchNorm.getClassName()).toBe('BatchNormalization');
    const json = net.model.toJSON(null, false) as { config: { layers: { class_name: string }[] } };
    const classes = new Set(json.config.layers.map((layer) => layer.class_name));
    expect(classes.has('BatchNormalization')).toBe(true);
    net.dispose();
  });

  it('without the kernels (cpu here) compute the stock functions: swish = x * sigmoid(x)', () => {
    const layer = siluActivation('silu');
    const x = tf.tensor1d([-3, -0.5, 0, 0.5, 3, 20]);
    const expected = tf.tidy(() => tf.mul(x, tf.sigmoid(x)).dataSync());
    const actual = tf.tidy(() => (layer.apply(x) as tf.Tensor).dataSync());
    expect(Array.from(actual)).toEqual(Array.from(expected));
    x.dispose();
  });

  it('use a registered kernel only when it also has a gradient, and fall back otherwise', () => {
    // A stand-in ArtSilu on cpu that marks its output; no gradient registered for it in this process.
    tf.registerKernel({
      kernelName: siluKernelName,
      backendName: 'cpu',
      kernelFunc: ({ inputs, backend }) => {
        const cpu = backend as unknown as {
          makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo;
        };
        const x = inputs.x as tf.TensorInfo;
        return cpu.makeTensorInfo(
          x.shape.slice(),
          'float32',
          new Float32Array(tf.util.sizeFromShape(x.shape)).fill(42),
        );
      },
    });
    registered.push(siluKernelName);
    const layer = siluActivation('silu');
    const x = tf.tensor1d([1, 2, 3, 4]);
    const stock = Array.from(tf.tidy(() => tf.mul(x, tf.sigmoid(x)).dataSync()));
    // No gradient yet (test files run in their own workers, and nothing here registers one):
    // the kernel could not train, so the layer keeps the stock ops.
    expect(tf.getGradient(siluKernelName)).toBeUndefined();
    expect(tf.tidy(() => Array.from((layer.apply(x) as tf.Tensor).dataSync()))).toEqual(stock);
    // With a gradient the layer takes the kernel, and tf.grad goes through that gradient.
    tf.registerGradient({
      kernelName: siluKernelName,
      inputsToSave: ['x'],
      gradFunc: (dy) => ({ x: () => tf.mul(dy as tf.Tensor, 7) }),
    });
    expect(tf.tidy(() => Array.from((layer.apply(x) as tf.Tensor).dataSync()))).toEqual([42, 42, 42, 42]);
    const gradient = tf.tidy(() =>
      Array.from(
        tf
          .grad((input: tf.Tensor) => layer.apply(input) as tf.Tensor)(x)
          .dataSync(),
      ),
    );
    expect(gradient).toEqual([7, 7, 7, 7]);
    x.dispose();
  });
});
