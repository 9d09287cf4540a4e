import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../src/index.js';
import {
  createRandom,
  randomData,
  randomValues,
  relativeError,
  runKernelOn,
  useWasmBackend,
  type KernelData,
} from './helpers.js';

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

interface KernelCase {
  label: string;
  inputs: Record<string, KernelData>;
  attrs: Record<string, unknown>;
}

/** Runs one kernel on a backend from plain arrays, returning its output values and shape. */
async function runOn(backend: string, kernelName: string, testCase: KernelCase): Promise<KernelData> {
  return (await runKernelOn(backend, kernelName, testCase.inputs, testCase.attrs as tf.NamedAttrMap))[0]!;
}

const random = createRandom(20261126);

function pickPad(kernelSize: number): Pad {
  const kind = random.pick(['same', 'valid', 'explicit'] as const);
  if (kind !== 'explicit') return kind;
  const amount = () => random.int(0, kernelSize - 1);
  return [
    [0, 0],
    [amount(), amount()],
    [amount(), amount()],
    [0, 0],
  ];
}

function convCases(
  depthwise: boolean,
  count: number,
  dilated = false,
): { x: number[]; filter: number[]; strides: number; dilations: number; pad: Pad; out: number[] }[] {
  const cases = [];
  while (cases.length < count) {
    const batch = random.int(1, 3);
    const height = random.int(3, 11);
    const width = random.int(3, 11);
    // Up to 20 input channels: below 16 Conv2DBackpropFilter uses im2col, above per-offset matmuls.
    const channels = depthwise ? random.int(1, 7) : random.int(1, 20);
    const kernelHeight = random.pick([1, 2, 3, 5]);
    const kernelWidth = random.pick([1, 3, 5]);
    // TF.js takes a dilation only with stride 1; the cpu backprop kernels ignore it (see below).
    const strides = dilated ? 1 : random.pick([1, 2]);
    const dilations = dilated ? random.pick([2, 3]) : 1;
    const pad = pickPad(Math.max(kernelHeight, kernelWidth));
    const multiplier = depthwise ? random.pick([1, 1, 2]) : random.int(1, 9);
    const filter = [kernelHeight, kernelWidth, channels, multiplier];
    const x = [batch, height, width, channels];
    let info: tf.backend_util.Conv2DInfo;
    try {
      info = tf.backend_util.computeConv2DInfo(
        x as [number, number, number, number],
        filter as [number, number, number, number],
        strides,
        dilations,
        pad,
        undefined,
        depthwise,
      );
    } catch {
      continue;
    }
    if (info.outHeight < 1 || info.outWidth < 1) continue;
    cases.push({ x, filter, strides, dilations, pad, out: info.outShape });
  }
  return cases;
}

describe('wasm training kernels match the cpu backend', () => {
  useWasmBackend(1, { beforeRestore: unregisterWasmTrainingKernels });

  async function expectMatch(kernelName: string, testCase: KernelCase): Promise<void> {
    const before = tf.memory().numTensors;
    const expected = await runOn('cpu', kernelName, testCase);
    const actual = await runOn('wasm', kernelName, testCase);
    expect(actual.shape, testCase.label).toEqual(expected.shape);
    expect(relativeError(actual.values, expected.values), testCase.label).toBeLessThanOrEqual(1e-5);
    expect(tf.memory().numTensors).toBe(before);
  }

  /** Runs `op` on cpu, then on wasm: the same dtype, shape and values, exactly, and no tensor left behind. */
  async function expectExactOnBoth(label: string, op: () => tf.Tensor): Promise<void> {
    const before = tf.memory().numTensors;
    const results: { dtype: string; shape: number[]; values: number[] }[] = [];
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      results.push(
        tf.tidy(() => {
          const out = op();
          return { dtype: out.dtype, shape: out.shape, values: Array.from(out.dataSync()) };
        }),
      );
    }
    expect(results[1], label).toEqual(results[0]);
    expect(tf.memory().numTensors).toBe(before);
  }

  type ConvCase = ReturnType<typeof convCases>[number];
  const CONVOLUTION_GRADIENTS = [
    'Conv2DBackpropFilter',
    'Conv2DBackpropInput',
    'DepthwiseConv2dNativeBackpropInput',
    'DepthwiseConv2dNativeBackpropFilter',
  ] as const;

  /** One convolution gradient's inputs (random, drawn in argument order) and attributes for a case. */
  function gradientCase(kernelName: (typeof CONVOLUTION_GRADIENTS)[number], c: ConvCase): KernelCase {
    const depthwise = kernelName.startsWith('Depthwise');
    const byInput = kernelName.endsWith('BackpropInput');
    const inputs: Record<string, KernelData> = byInput
      ? { dy: randomData(random, c.out), filter: randomData(random, c.filter) }
      : { x: randomData(random, c.x), dy: randomData(random, c.out) };
    return {
      label: JSON.stringify(c),
      inputs,
      attrs: {
        strides: c.strides,
        pad: c.pad,
        ...(depthwise ? { dilations: c.dilations } : { dataFormat: 'NHWC' }),
        ...(byInput ? { inputShape: c.x } : { filterShape: c.filter }),
      },
    };
  }

  it.each(CONVOLUTION_GRADIENTS)('%s', async (kernelName) => {
    for (const c of convCases(kernelName.startsWith('Depthwise'), 24)) {
      await expectMatch(kernelName, gradientCase(kernelName, c));
    }
  });

  it('DepthwiseConv2dNativeBackpropFilter, SIMD path: channels a multiple of 4, multiplier 1, incl. EfficientNet-like sizes', async () => {
    const cases = convCases(true, 12).map((c) => {
      const channels = random.pick([4, 8, 12, 36]);
      return {
        ...c,
        x: [c.x[0]!, c.x[1]!, c.x[2]!, channels],
        filter: [c.filter[0]!, c.filter[1]!, channels, 1],
        out: [c.out[0]!, c.out[1]!, c.out[2]!, channels],
      };
    });
    // Long rows (float32 row sums over 56 terms) and a 5x5 stride-2 kernel with symmetric padding.
    cases.push({
      x: [2, 56, 56, 24],
      filter: [3, 3, 24, 1],
      strides: 1,
      dilations: 1,
      pad: 'same',
      out: [2, 56, 56, 24],
    });
    cases.push({
      x: [2, 29, 29, 40],
      filter: [5, 5, 40, 1],
      strides: 2,
      dilations: 1,
      pad: [
        [0, 0],
        [2, 2],
        [2, 2],
        [0, 0],
      ],
      out: [2, 15, 15, 40],
    });
    for (const c of cases) {
      await expectMatch('DepthwiseConv2dNativeBackpropFilter', gradientCase('DepthwiseConv2dNativeBackpropFilter', c));
    }
  });

  it('Sum and Mean: contiguous axes in one SIMD pass, the other cases through the stock kernels', async () => {
    const cases: [number[], number[], boolean][] = [
      [[4, 30, 31, 24], [0, 1, 2], false], // BatchNorm statistics, more rows than one float32 block
      [[2, 9, 7, 16], [1, 2], true], // spatial mean per sample
      [[3, 5, 8], [0], false],
      [[2, 3, 4, 12], [1], false],
      [[2, 6, 6, 6], [0, 1, 2], false], // 6 channels: stock
      [[2, 6, 6, 8], [0, 2], true], // not contiguous: stock
      [[5, 8], [1], false], // reduces the last axis: stock
    ];
    for (const kernelName of ['Sum', 'Mean']) {
      for (const [shape, axis, keepDims] of cases) {
        await expectMatch(kernelName, {
          label: `${kernelName} ${JSON.stringify(shape)} axis ${JSON.stringify(axis)} keepDims ${keepDims}`,
          inputs: { x: randomData(random, shape, 1, 0.5) },
          attrs: { axis, keepDims },
        });
      }
    }
  });

  it('FusedBatchNorm: [C] parameters on a last axis that is a multiple of 4 in SIMD, the other cases through the stock kernel', async () => {
    const cases: [number[], number, boolean, boolean][] = [
      [[2, 9, 7, 12], 12, true, true],
      [[3, 5, 16], 16, false, true], // no offset
      [[2, 4, 4, 8], 8, true, false], // no scale
      [[2, 3, 3, 6], 6, true, true], // 6 channels: stock
    ];
    for (const [shape, channels, withOffset, withScale] of cases) {
      const vectorOf = (low: number, high: number) => ({
        shape: [channels],
        values: Float32Array.from(randomValues(random, channels), (v) => low + ((v + 1) / 2) * (high - low)),
      });
      await expectMatch('FusedBatchNorm', {
        label: `${JSON.stringify(shape)} offset ${withOffset} scale ${withScale}`,
        inputs: {
          x: randomData(random, shape, 3),
          mean: vectorOf(-0.5, 0.5),
          variance: vectorOf(0.2, 3),
          ...(withOffset ? { offset: vectorOf(-0.3, 0.3) } : {}),
          ...(withScale ? { scale: vectorOf(0.5, 1.5) } : {}),
        },
        attrs: { varianceEpsilon: 1e-3 },
      });
    }
  });

  // The cpu backend's depthwise backprop kernels ignore `dilations` (and TF.js autodiff never
  // passes one), so dilated cases are checked with the adjoint identity against the cpu forward
  // convolution, which does support dilation: <dy, conv(x, w)> = <dx, x> = <dw, w>.
  it('dilated depthwise backprop kernels are the adjoints of the cpu forward convolution', async () => {
    for (const c of convCases(true, 16, true)) {
      const size = (shape: number[]) => shape.reduce((a, b) => a * b);
      const values = {
        x: randomValues(random, size(c.x)),
        w: randomValues(random, size(c.filter)),
        dy: randomValues(random, size(c.out)),
      };
      const before = tf.memory().numTensors;
      await tf.setBackend('cpu');
      const forward = tf.tidy(() => {
        const y = tf.depthwiseConv2d(
          tf.tensor4d(values.x, c.x as never),
          tf.tensor4d(values.w, c.filter as never),
          c.strides,
          c.pad,
          'NHWC',
          c.dilations,
        );
        return tf.sum(tf.mul(y, tf.tensor(values.dy, c.out))).dataSync()[0]!;
      });
      await tf.setBackend('wasm');
      const [viaInput, viaFilter, scale] = tf.tidy(() => {
        const x = tf.tensor4d(values.x, c.x as never);
        const w = tf.tensor4d(values.w, c.filter as never);
        const dy = tf.tensor4d(values.dy, c.out as never);
        const attrs = { strides: c.strides, dilations: c.dilations, pad: c.pad };
        const dx = tf
          .engine()
          .runKernel(
            'DepthwiseConv2dNativeBackpropInput',
            { dy, filter: w },
            { ...attrs, inputShape: c.x },
          ) as tf.Tensor;
        const dw = tf
          .engine()
          .runKernel(
            'DepthwiseConv2dNativeBackpropFilter',
            { x, dy },
            { ...attrs, filterShape: c.filter },
          ) as tf.Tensor;
        return [
          tf.sum(tf.mul(dx, x)).dataSync()[0]!,
          tf.sum(tf.mul(dw, w)).dataSync()[0]!,
          tf.sum(tf.abs(dx)).dataSync()[0]!,
        ];
      });
      const label = JSON.stringify(c);
      expect(
        Math.abs(viaInput - forward) / Math.max(1, Math.abs(forward), scale / c.x.length),
        label,
      ).toBeLessThanOrEqual(1e-5);
      expect(Math.abs(viaFilter - forward) / Math.max(1, Math.abs(forward)), label).toBeLessThanOrEqual(1e-5);
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('Tile', async () => {
    for (let i = 0; i < 24; i++) {
      const rank = random.int(1, 5);
      const shape = Array.from({ length: rank }, () => random.int(1, 5));
      const reps = Array.from({ length: rank }, () => random.int(1, 4));
      await expectMatch('Tile', {
        label: JSON.stringify({ shape, reps }),
        inputs: { x: randomData(random, shape) },
        attrs: { reps },
      });
    }
  });

  it('Slice: random ranks 1-5, partial and whole axes, -1 sizes, float32 and int32, exact', async () => {
    for (let i = 0; i < 40; i++) {
      const rank = random.int(1, 5);
      const shape = Array.from({ length: rank }, () => random.int(1, 6));
      const begin = shape.map((dim) => (random.next() < 0.5 ? 0 : random.int(0, dim - 1)));
      const size = shape.map((dim, axis) => {
        const choice = random.next();
        if (choice < 0.4) return dim - begin[axis]!; // to the end (whole when begin is 0)
        if (choice < 0.5) return -1;
        return random.int(0, dim - begin[axis]!);
      });
      const dtype = random.pick(['float32', 'int32'] as const);
      const values = randomValues(
        random,
        shape.reduce((a, b) => a * b),
      ).map((v) => (dtype === 'int32' ? Math.round(v * 100) : v));
      const label = JSON.stringify({ shape, begin, size, dtype });
      await expectExactOnBoth(label, () => {
        const out = tf.slice(tf.tensor(values, shape, dtype), begin, size);
        expect(out.dtype, label).toBe(dtype);
        return out;
      });
    }
  });

  it('Transpose: matrix and batched-matrix permutations (SIMD when sides are multiples of 4) and others, exact', async () => {
    const cases: { shape: number[]; perm: number[] }[] = [
      { shape: [8, 12], perm: [1, 0] },
      { shape: [4, 3, 4], perm: [2, 0, 1] },
      { shape: [2, 4, 6, 8], perm: [0, 3, 1, 2] },
      { shape: [3, 8, 20], perm: [0, 2, 1] },
      { shape: [1, 1, 1152, 192], perm: [2, 3, 0, 1] },
      { shape: [6, 5], perm: [1, 0] },
      // 16-row bands plus a 4-row remainder, batched too.
      { shape: [52, 12], perm: [1, 0] },
      { shape: [64, 20], perm: [1, 0] },
      { shape: [2, 36, 8], perm: [0, 2, 1] },
      { shape: [4, 7, 7, 48], perm: [3, 0, 1, 2] },
    ];
    for (let i = 0; i < 20; i++) {
      const rank = random.int(2, 5);
      const shape = Array.from({ length: rank }, () => random.pick([1, 2, 3, 4, 8, 12]));
      const perm = Array.from({ length: rank }, (_, axis) => axis);
      for (let j = rank - 1; j > 0; j--) {
        const k = random.int(0, j);
        [perm[j], perm[k]] = [perm[k]!, perm[j]!];
      }
      cases.push({ shape, perm });
    }
    for (const { shape, perm } of cases) {
      for (const dtype of ['float32', 'int32'] as const) {
        const values = randomValues(
          random,
          shape.reduce((a, b) => a * b),
        ).map((v) => (dtype === 'int32' ? Math.round(v * 1000) : v));
        const label = JSON.stringify({ shape, perm, dtype });
        await expectExactOnBoth(label, () => tf.transpose(tf.tensor(values, shape, dtype), perm));
      }
    }
  });

  it('Identity and same-dtype Cast share data instead of copying, and stay correct', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const buffers = () => tf.backend().numDataIds();
    const start = buffers();
    const clone = tf.clone(x);
    const same = tf.cast(x, 'float32');
    expect(buffers()).toBe(start);
    const asInt = tf.cast(tf.tensor1d([1.7, -2.2]), 'int32');
    expect(buffers()).toBe(start + 2); // a real cast allocates
    x.dispose();
    expect(clone.arraySync()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(same.arraySync()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(asInt.arraySync()).toEqual([1, -2]);
    tf.dispose([clone, same, asInt]);
    expect(tf.memory().numTensors).toBe(before + 1); // the float tensor fed to cast above
  });

  it("the lean BatchNorm/Mean/Sum gradients equal tfjs-core's", async () => {
    const shape = [3, 5, 7, 4];
    const values = {
      x: randomValues(random, 3 * 5 * 7 * 4),
      scale: randomValues(random, 4),
      offset: randomValues(random, 4),
      w: randomValues(random, 3 * 5 * 7 * 4),
    };
    const gradients = () =>
      tf.tidy(() => {
        const x = tf.tensor(values.x, shape);
        const scale = tf.tensor1d(values.scale);
        const offset = tf.tensor1d(values.offset);
        const w = tf.tensor(values.w, shape);
        // Like tfjs-layers BatchNormalization in training: moments, then batchNorm; plus a Sum.
        const f = (xx: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => {
          const { mean, variance } = tf.moments(xx, [0, 1, 2]);
          const y = tf.batchNorm(xx, mean, variance, o, s, 1e-3);
          return tf.add(tf.sum(tf.mul(y, w)), tf.sum(tf.square(tf.sum(xx, [0, 1]))));
        };
        return tf
          .grads(f)([x, scale, offset])
          .map((g) => g.dataSync() as Float32Array);
      });
    await tf.setBackend('cpu');
    const lean = gradients();
    unregisterWasmTrainingKernels();
    const stock = gradients();
    registerWasmTrainingKernels();
    await tf.setBackend('wasm');
    const onWasm = gradients();
    lean.forEach((g, i) => {
      expect(relativeError(g, stock[i]!)).toBeLessThanOrEqual(1e-5);
      expect(relativeError(onWasm[i]!, stock[i]!)).toBeLessThanOrEqual(1e-5);
    });
  });

  it('trains through the gradients of a conv/depthwise/batch-norm model like the cpu backend', async () => {
    const weightsSeed = 7;
    const build = () => {
      const input = tf.input({ shape: [9, 9, 3] });
      let h = tf.layers
        .conv2d({
          filters: 8,
          kernelSize: 3,
          strides: 2,
          padding: 'same',
          useBias: false,
          kernelInitializer: tf.initializers.glorotUniform({ seed: weightsSeed }),
        })
        .apply(input) as tf.SymbolicTensor;
      h = tf.layers.batchNormalization().apply(h) as tf.SymbolicTensor;
      h = tf.layers
        .depthwiseConv2d({
          kernelSize: 3,
          padding: 'same',
          depthwiseInitializer: tf.initializers.glorotUniform({ seed: weightsSeed + 1 }),
        })
        .apply(h) as tf.SymbolicTensor;
      h = tf.layers
        .conv2d({
          filters: 5,
          kernelSize: 1,
          kernelInitializer: tf.initializers.glorotUniform({ seed: weightsSeed + 2 }),
        })
        .apply(h) as tf.SymbolicTensor;
      h = tf.layers.globalAveragePooling2d({}).apply(h) as tf.SymbolicTensor;
      return tf.model({ inputs: input, outputs: h });
    };
    const xValues = randomValues(random, 2 * 9 * 9 * 3);
    const gradientsOn = async (backend: string) => {
      await tf.setBackend(backend);
      const model = build();
      const grads = tf.tidy(() => {
        const x = tf.tensor4d(xValues, [2, 9, 9, 3]);
        const { grads } = tf.variableGrads(
          () => tf.sum(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar,
        );
        return Object.values(grads).map((g) => g.dataSync() as Float32Array);
      });
      model.dispose();
      return grads;
    };
    const before = tf.memory().numTensors;
    const expected = await gradientsOn('cpu');
    const actual = await gradientsOn('wasm');
    expect(actual.length).toBe(expected.length);
    for (let i = 0; i < expected.length; i++) expect(relativeError(actual[i]!, expected[i]!)).toBeLessThanOrEqual(1e-4);
    expect(tf.memory().numTensors).toBe(before);
  });
});
