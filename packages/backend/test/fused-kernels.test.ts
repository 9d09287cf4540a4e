import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { buildEfficientNet, efficientNetConfig, withMultipliers } from '@art/efficientnet';
import {
  batchNormTrainingGradKernelName,
  batchNormTrainingKernelName,
  registerFusedTrainingKernels,
  registerInferenceKernels,
  siluGradKernelName,
  siluKernelName,
} from '../src/index.js';
import { createRandom, randomData, relativeError, runKernelOn, useWasmBackend, type KernelData } from './helpers.js';

const random = createRandom(20261128);

const randomInput = (shape: number[], scale = 1, shift = 0): KernelData => randomData(random, shape, scale, shift);

/** Shapes with channel counts that are multiples of 4 (SIMD) and not (loops), one big enough for helper threads. */
const shapes = [
  [2, 5, 7, 8],
  [3, 4, 4, 12],
  [1, 6, 5, 6],
  [4, 3, 3, 3],
  [2, 9, 4],
  [7, 20],
  [2, 64, 64, 40],
];

/**
 * The batch-norm kernels' three outputs ([full size, per channel, per channel]): the wasm ones within
 * 1e-5 of the cpu ones, the cpu ones within `referenceTolerance` of the plain-ops reference.
 */
function expectBatchNormOutputs(
  shape: number[],
  actual: KernelData[],
  expected: KernelData[],
  reference: ArrayLike<number>[],
  referenceTolerance: number,
): void {
  const channels = shape[shape.length - 1]!;
  expect(actual.map((output) => output.shape)).toEqual([shape, [channels], [channels]]);
  for (let output = 0; output < 3; output++) {
    const label = `${JSON.stringify(shape)} output ${output}`;
    expect(relativeError(actual[output]!.values, expected[output]!.values), label).toBeLessThan(1e-5);
    expect(relativeError(expected[output]!.values, reference[output]!), label).toBeLessThan(referenceTolerance);
  }
}

describe('fused training kernels: wasm matches the cpu reference, the reference matches plain TF.js ops', () => {
  useWasmBackend(2);

  it('registers the kernels on wasm and cpu and the gradients of ArtSilu and ArtBatchNormTraining, idempotently', () => {
    expect(registerFusedTrainingKernels()).toEqual([
      siluGradKernelName,
      batchNormTrainingKernelName,
      batchNormTrainingGradKernelName,
    ]);
    for (const backend of ['wasm', 'cpu']) {
      for (const name of [siluGradKernelName, batchNormTrainingKernelName, batchNormTrainingGradKernelName])
        expect(tf.getKernel(name, backend)).toBeDefined();
    }
    expect(tf.getGradient(siluKernelName)).toBeDefined();
    expect(tf.getGradient(batchNormTrainingKernelName)).toBeDefined();
  });

  it('ArtSiluGrad: wasm within 1e-6 of cpu, cpu = dy * d(x sigmoid(x))/dx from tf.grad of plain ops', async () => {
    for (const shape of [[1], [3], [2, 5, 7, 3], [4, 9, 9, 16], [0, 4], [2, 64, 64, 40]]) {
      const x = randomInput(shape, 12);
      const dy = randomInput(shape);
      const before = tf.memory().numTensors;
      const [expected] = await runKernelOn('cpu', siluGradKernelName, { x, dy });
      const [actual] = await runKernelOn('wasm', siluGradKernelName, { x, dy });
      expect(actual!.shape).toEqual(shape);
      expect(relativeError(actual!.values, expected!.values), JSON.stringify(shape)).toBeLessThan(1e-6);
      const reference = tf.tidy(() => {
        const dyTensor = tf.tensor(dy.values, shape);
        return tf
          .grad((input: tf.Tensor) => tf.mul(input, tf.sigmoid(input)))(tf.tensor(x.values, shape), dyTensor)
          .dataSync();
      });
      expect(relativeError(expected!.values, reference), JSON.stringify(shape)).toBeLessThan(1e-6);
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('ArtBatchNormTraining: [y, mean, variance] on wasm within 1e-5 of cpu, cpu = tf.moments + tf.batchNorm', async () => {
    for (const shape of shapes) {
      const channels = shape[shape.length - 1]!;
      // An offset mean, as convolution outputs have, so the variance is a centred computation.
      const x = randomInput(shape, 2, 0.7);
      const scale = randomInput([channels], 1, 1);
      const offset = randomInput([channels]);
      const attrs = { varianceEpsilon: 1e-3 };
      const before = tf.memory().numTensors;
      const expected = await runKernelOn('cpu', batchNormTrainingKernelName, { x, scale, offset }, attrs);
      const actual = await runKernelOn('wasm', batchNormTrainingKernelName, { x, scale, offset }, attrs);
      const reference = tf.tidy(() => {
        const input = tf.tensor(x.values, shape);
        const { mean, variance } = tf.moments(
          input,
          shape.slice(0, -1).map((_, axis) => axis),
        );
        const y = tf.batchNorm(
          input,
          mean,
          variance,
          tf.tensor(offset.values),
          tf.tensor(scale.values),
          attrs.varianceEpsilon,
        );
        return [y, mean, variance].map((t) => t.dataSync());
      });
      expectBatchNormOutputs(shape, actual, expected, reference, 1e-5);
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('ArtBatchNormTrainingGrad: [dx, dScale, dOffset] on wasm within 1e-5 of cpu, cpu = tf.grad of moments + batchNorm', async () => {
    for (const shape of shapes) {
      const channels = shape[shape.length - 1]!;
      const axes = shape.slice(0, -1).map((_, axis) => axis);
      const x = randomInput(shape, 2, 0.7);
      const scale = randomInput([channels], 1, 1);
      const offset = randomInput([channels]);
      const dy = randomInput(shape);
      const meanGradient = randomInput([channels]);
      const varianceGradient = randomInput([channels]);
      const epsilon = 1e-3;
      await tf.setBackend('cpu');
      // The statistics as the forward kernel returns them (the gradient kernel takes them as inputs).
      const [, mean, variance] = await runKernelOn(
        'cpu',
        batchNormTrainingKernelName,
        { x, scale, offset },
        { varianceEpsilon: epsilon },
      );
      const inputs = { dy, x, mean: mean!, variance: variance!, scale, meanGradient, varianceGradient };
      const before = tf.memory().numTensors;
      const expected = await runKernelOn('cpu', batchNormTrainingGradKernelName, inputs, { varianceEpsilon: epsilon });
      const actual = await runKernelOn('wasm', batchNormTrainingGradKernelName, inputs, { varianceEpsilon: epsilon });
      // Plain ops: y, mean and variance all receive gradients (dy, meanGradient, varianceGradient).
      const reference = tf.tidy(() => {
        const grads = tf.grads((input: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => {
          const moments = tf.moments(input, axes);
          const y = tf.batchNorm(input, moments.mean, moments.variance, beta, gamma, epsilon);
          return tf.addN([
            tf.sum(tf.mul(y, tf.tensor(dy.values, shape))),
            tf.sum(tf.mul(moments.mean, tf.tensor(meanGradient.values))),
            tf.sum(tf.mul(moments.variance, tf.tensor(varianceGradient.values))),
          ]);
        });
        return grads([tf.tensor(x.values, shape), tf.tensor(scale.values), tf.tensor(offset.values)]).map((t) =>
          t.dataSync(),
        );
      });
      expectBatchNormOutputs(shape, actual, expected, reference, 1e-4);
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('the registered gradients (tf.grad through the kernels) match the unfused graphs on cpu and on wasm', async () => {
    const shape = [3, 6, 5, 8];
    const x = randomInput(shape, 2, 0.4);
    const scale = randomInput([8], 1, 1);
    const offset = randomInput([8]);
    const weights = randomInput(shape);
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const [fused, unfused] = tf.tidy(() => {
        const w = tf.tensor(weights.values, shape);
        const run = (fusedPath: boolean) =>
          tf
            .grads((input: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => {
              let y: tf.Tensor;
              if (fusedPath) {
                const [normalized] = tf
                  .engine()
                  .runKernel(
                    batchNormTrainingKernelName,
                    { x: input, scale: gamma, offset: beta },
                    { varianceEpsilon: 1e-3 },
                  ) as tf.Tensor[];
                y = tf.engine().runKernel(siluKernelName, { x: normalized! }) as tf.Tensor;
              } else {
                const { mean, variance } = tf.moments(input, [0, 1, 2]);
                const normalized = tf.batchNorm(input, mean, variance, beta, gamma, 1e-3);
                y = tf.mul(normalized, tf.sigmoid(normalized));
              }
              return tf.sum(tf.mul(y, w));
            })([tf.tensor(x.values, shape), tf.tensor(scale.values), tf.tensor(offset.values)])
            .map((t) => t.dataSync());
        return [run(true), run(false)];
      });
      for (let input = 0; input < 3; input++)
        expect(relativeError(fused[input]!, unfused[input]!), `${backend} input ${input}`).toBeLessThan(1e-5);
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('with helper threads, DepthwiseConv2dNativeBackpropFilter (filter offsets shared out) and Transpose match the cpu backend', async () => {
    const cases = [
      { x: [2, 12, 10, 8], filter: [3, 3, 8, 1], strides: 1, pad: 'same' as const },
      {
        x: [3, 15, 14, 16],
        filter: [5, 5, 16, 1],
        strides: 2,
        pad: [
          [0, 0],
          [2, 2],
          [2, 2],
          [0, 0],
        ] as [[0, 0], [number, number], [number, number], [0, 0]],
      },
      {
        x: [4, 28, 28, 144],
        filter: [5, 5, 144, 1],
        strides: 2,
        pad: [
          [0, 0],
          [2, 2],
          [2, 2],
          [0, 0],
        ] as [[0, 0], [number, number], [number, number], [0, 0]],
      },
      { x: [2, 7, 9, 4], filter: [3, 1, 4, 1], strides: 1, pad: 'valid' as const },
    ];
    for (const c of cases) {
      const info = tf.backend_util.computeConv2DInfo(
        c.x as [number, number, number, number],
        c.filter as [number, number, number, number],
        c.strides,
        1,
        c.pad,
        undefined,
        true,
      );
      const x = randomInput(c.x);
      const dy = randomInput(info.outShape);
      const attrs = { strides: c.strides, pad: c.pad, dilations: 1, filterShape: c.filter };
      const before = tf.memory().numTensors;
      const [expected] = await runKernelOn(
        'cpu',
        'DepthwiseConv2dNativeBackpropFilter',
        { x, dy },
        attrs as unknown as tf.NamedAttrMap,
      );
      const [actual] = await runKernelOn(
        'wasm',
        'DepthwiseConv2dNativeBackpropFilter',
        { x, dy },
        attrs as unknown as tf.NamedAttrMap,
      );
      expect(actual!.shape).toEqual(c.filter);
      expect(relativeError(actual!.values, expected!.values), JSON.stringify(c)).toBeLessThan(1e-5);
      expect(tf.memory().numTensors).toBe(before);
    }
    for (const [shape, perm] of [
      [
        [50176, 32],
        [1, 0],
      ],
      [
        [4, 12544, 24],
        [0, 2, 1],
      ],
      [
        [20, 36],
        [1, 0],
      ],
    ] as const) {
      const values = randomInput([...shape]).values;
      const outputs: number[][] = [];
      for (const backend of ['cpu', 'wasm']) {
        await tf.setBackend(backend);
        outputs.push(tf.tidy(() => Array.from(tf.transpose(tf.tensor(values, [...shape]), [...perm]).dataSync())));
      }
      expect(
        outputs[1]!.every((value, i) => value === outputs[0]![i]),
        JSON.stringify(shape),
      ).toBe(true);
    }
  });

  it('an EfficientNet training step takes the fused kernels on wasm and gives the gradients and BN statistics of the stock path', async () => {
    await tf.setBackend('wasm');
    const net = buildEfficientNet(withMultipliers(efficientNetConfig('b0'), 0.25, 0.5, 'tiny'), {
      numClasses: 4,
      seed: 7,
      dropout: 0,
      stochasticDepthProb: 0,
    });
    const x = tf.randomNormal([3, 40, 36, 3], 0, 1, 'float32', 5);
    const y = tf.oneHot(tf.tensor1d([0, 3, 1], 'int32'), 4);
    const movingStatistics = () =>
      net.model.weights
        .filter((w) => /moving_(mean|variance)$/.test(w.originalName))
        .map((w) => w.read().dataSync().slice());
    const initial = net.model.weights.map((w) => w.read().clone());
    const step = () => {
      const { value, grads } = tf.variableGrads(
        () => tf.losses.softmaxCrossEntropy(y, net.model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
      );
      const result = {
        loss: value.dataSync()[0]!,
        grads: Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, g.dataSync().slice()])),
        moving: movingStatistics(),
      };
      tf.dispose([value, ...Object.values(grads)]);
      net.model.weights.forEach((w, i) => w.write(initial[i]!));
      return result;
    };
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => {
      step();
    });
    const names = new Set(profile.kernels.map((kernel) => kernel.name));
    for (const name of [
      siluKernelName,
      siluGradKernelName,
      batchNormTrainingKernelName,
      batchNormTrainingGradKernelName,
    ])
      expect(names.has(name), name).toBe(true);
    const fused = step();
    expect(tf.memory().numTensors).toBe(before);
    // The stock path: the layers see no fused kernel on wasm.
    const removed = [siluKernelName, batchNormTrainingKernelName].map((name) => tf.getKernel(name, 'wasm')!);
    for (const config of removed) tf.unregisterKernel(config.kernelName, 'wasm');
    let stock: ReturnType<typeof step>;
    try {
      const stockProfile = await tf.profile(() => {
        stock = step();
      });
      expect(stockProfile.kernels.some((kernel) => kernel.name.startsWith('Art'))).toBe(false);
    } finally {
      registerInferenceKernels();
      registerFusedTrainingKernels();
    }
    expect(fused.loss).toBeCloseTo(stock!.loss, 5);
    expect(Object.keys(fused.grads).sort()).toEqual(Object.keys(stock!.grads).sort());
    // Relative to the gradient's scale, floored at 0.1: the offsets of BatchNorms that feed a
    // linear layer and then another training-mode BatchNorm have a gradient that is zero in exact
    // arithmetic (~1e-6 of float noise on either path).
    for (const [name, gradient] of Object.entries(fused.grads)) {
      const reference = stock!.grads[name]!;
      const scale = Math.max(0.1, ...Array.from(reference, Math.abs));
      const worst = Math.max(...Array.from(gradient, (value, i) => Math.abs(value - reference[i]!)));
      expect(worst / scale, name).toBeLessThan(1e-4);
    }
    // Moving statistics, floored at 1e-2 likewise: some batch means are zero in exact arithmetic.
    fused.moving.forEach((values, i) => {
      const reference = stock!.moving[i]!;
      const scale = Math.max(1e-2, ...Array.from(reference, Math.abs));
      expect(
        Math.max(...Array.from(values, (value, j) => Math.abs(value - reference[j]!))) / scale,
        `moving statistics ${i}`,
      ).toBeLessThan(1e-5);
    });
    tf.dispose([x, y, ...initial]);
    net.dispose();
  });
});
