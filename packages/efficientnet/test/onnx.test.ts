import * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EFFICIENTNET_CONFIGS,
  VARIANT_NAMES,
  buildEfficientNet,
  createOnnxInferenceFunction,
  createOnnxSession,
  efficientNetConfig,
  exportOnnx,
  withMultipliers,
  type EfficientNet,
  type EfficientNetConfig,
  type EfficientNetOptions,
  type OnnxRuntimeModule,
} from '../src/index.js';
import { runParity } from '../src/node/index.js';
import { MANIFEST, PARITY_TOLERANCE as TOLERANCE, parityError, randomizeInferenceParameters } from './helpers.js';

const { onnx } = onnxProto;
const THREADS = { threads: 1 };

/**
 * A variant's row at test size: the same block kinds, kernels, strides, expansion ratios and
 * BatchNorm epsilon; a quarter of the widths and at most two blocks per stage.
 */
function reduced(config: EfficientNetConfig): EfficientNetConfig {
  if (config.stages.every((stage) => stage.block === 'MBConv') && config.lastChannels === null) {
    return withMultipliers(
      config,
      config.widthMultiplier / 4,
      Math.min(config.depthMultiplier, 1) / 2,
      `${config.name}-reduced`,
    );
  }
  const quarter = (channels: number): number => Math.max(4, channels / 4);
  return {
    ...config,
    name: `${config.name}-reduced`,
    stages: config.stages.map((stage) => ({
      ...stage,
      inputChannels: quarter(stage.inputChannels),
      outputChannels: quarter(stage.outputChannels),
      numLayers: Math.min(stage.numLayers, 2),
    })),
    lastChannels: config.lastChannels === null ? null : quarter(config.lastChannels),
  };
}

function network(config: EfficientNetConfig, options: EfficientNetOptions = {}): EfficientNet {
  const net = buildEfficientNet(config, { seed: 3, ...options });
  randomizeInferenceParameters(net, 5);
  return net;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('exportOnnx + ONNX Runtime against TF.js', () => {
  it.each(VARIANT_NAMES.map((name) => [name]))(
    '%s (reduced): every features.i, pooled and logits within 1e-4 of TF.js at 2x35x29',
    async (name) => {
      const net = network(reduced(efficientNetConfig(name)), { numClasses: 6 });
      const names = [...net.featureInfo.map((info) => `features.${info.stage}`), 'pooled', 'logits'];
      const { session, ort } = await createOnnxSession(exportOnnx(net, { layout: 'NHWC', outputs: names }), THREADS);
      const input = tf.randomNormal([2, 35, 29, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const results = await session.run({
        input: new ort.Tensor('float32', input.dataSync() as Float32Array, input.shape),
      });
      const probe = tf.model({
        inputs: net.model.inputs,
        outputs: [...net.stageOutputs, net.pooledOutput, net.model.outputs[0]!],
      });
      const expected = probe.predict(input) as tf.Tensor[];
      names.forEach((output, index) => {
        expect(results[output]!.dims, output).toEqual(expected[index]!.shape);
        expect(parityError(results[output]!.data as Float32Array, expected[index]!.dataSync()), output).toBeLessThan(
          TOLERANCE,
        );
      });
      await session.release();
      tf.dispose([input, ...expected]);
      net.dispose();
    },
  );

  const tinyV1 = withMultipliers(EFFICIENTNET_CONFIGS.b0, 0.25, 0.5, 'tiny_v1');
  const options: [string, EfficientNetOptions][] = [
    ['seed head', { numClasses: 4, head: 'seed' }],
    ['pyramid head (ReLU + Dense)', { numClasses: 4, head: 'pyramid' }],
    ['pooled features', { includeTop: false }],
    ['spatial features', { includeTop: false, pooling: 'none' }],
    ['fixed 33x47 input', { numClasses: 3, inputSize: [33, 47] }],
  ];
  it.each(options)(
    'tiny B0, %s: the output of model.predict; batches split by maxBatchSize',
    async (_label, netOptions) => {
      const net = network(tinyV1, netOptions);
      const [height, width] =
        netOptions.inputSize === undefined ? [31, 26] : (netOptions.inputSize as [number, number]);
      const input = tf.randomUniform([3, height, width, 3], -2, 2, 'float32', 2) as tf.Tensor4D;
      const predict = await createOnnxInferenceFunction(net, { ...THREADS, maxBatchSize: 2 });
      const ours = await predict(input);
      const expected = net.model.predict(input) as tf.Tensor;
      expect(ours.shape).toEqual(expected.shape);
      expect(parityError(ours.dataSync(), expected.dataSync())).toBeLessThan(TOLERANCE);
      tf.dispose([ours, expected, input]);
      await predict.dispose();
      await expect(predict(input)).rejects.toThrow(/disposed/);
      net.dispose();
    },
  );

  it('NCHW input, every stage output (a features model), pooled and logits in one graph', async () => {
    const net = network(tinyV1, { numClasses: 5 });
    const stages = net.featureInfo.map((info) => info.stage);
    const outputs = [...stages.map((stage) => `features.${stage}`), 'pooled', 'logits'];
    const { session, ort } = await createOnnxSession(exportOnnx(net, { layout: 'NCHW', outputs }), THREADS);
    const nhwc = tf.randomNormal([2, 30, 34, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const nchw = tf.transpose(nhwc, [0, 3, 1, 2]);
    const results = await session.run({
      input: new ort.Tensor('float32', nchw.dataSync() as Float32Array, nchw.shape),
    });
    const features = net.featuresModel(stages).predict(nhwc) as tf.Tensor[];
    const expected = [
      ...features.map((tensor) => tf.transpose(tensor, [0, 3, 1, 2])),
      tf.mean(features.at(-1)!, [1, 2]),
      net.model.predict(nhwc) as tf.Tensor,
    ];
    outputs.forEach((name, index) => {
      expect(results[name]!.dims, name).toEqual(expected[index]!.shape);
      expect(parityError(results[name]!.data as Float32Array, expected[index]!.dataSync()), name).toBeLessThan(
        TOLERANCE,
      );
    });
    await session.release();
    tf.dispose([nhwc, nchw, ...features, ...expected]);
    net.dispose();
  });

  it('a pyramid FeatureBackbone: features without the top plus a head model, as one graph', async () => {
    const net = network(tinyV1, { includeTop: false });
    const channels = net.featureInfo.at(-1)!.channels;
    const head = tf.sequential({
      layers: [
        tf.layers.batchNormalization({ inputShape: [channels], epsilon: 1e-3 }),
        tf.layers.dropout({ rate: 0.3 }),
        tf.layers.dense({
          units: 8,
          activation: 'relu',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
        }),
        tf.layers.dense({
          units: 3,
          activation: 'softmax',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
        }),
      ],
    });
    head.layers[0]!.setWeights([
      tf.fill([channels], 1.3),
      tf.fill([channels], 0.1),
      tf.fill([channels], 0.05),
      tf.fill([channels], 0.7),
    ]);
    const { session, ort } = await createOnnxSession(exportOnnx(net, { layout: 'NHWC', head }), THREADS);
    const input = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
    const results = await session.run({
      input: new ort.Tensor('float32', input.dataSync() as Float32Array, input.shape),
    });
    const expected = tf.tidy(() => head.predict(net.model.predict(input) as tf.Tensor) as tf.Tensor);
    expect(results.head!.dims).toEqual([2, 3]);
    expect(parityError(results.head!.data as Float32Array, expected.dataSync())).toBeLessThan(TOLERANCE);
    await session.release();
    tf.dispose([input, expected]);
    head.dispose();
    net.dispose();
  });
});

describe('exportOnnx structure', () => {
  it('opset 13, dynamic batch, symmetric pads, BatchNorm folded away, metadata', () => {
    const net = network(withMultipliers(EFFICIENTNET_CONFIGS.b0, 0.25, 0.25, 'tiny'), { numClasses: 2 });
    const model = onnx.ModelProto.decode(exportOnnx(net));
    const graph = model.graph!;
    expect(model.opsetImport.map((set) => [set.domain, Number(set.version)])).toEqual([['', 13]]);
    const input = graph.input![0]!;
    expect(input.name).toBe('input');
    expect(input.type!.tensorType!.shape!.dim!.map((dim) => dim.dimParam || Number(dim.dimValue))).toEqual([
      'batch',
      3,
      'height',
      'width',
    ]);
    expect(graph.output!.map((output) => output.name)).toEqual(['logits']);
    const ops = new Set(graph.node!.map((node) => node.opType));
    expect(ops.has('BatchNormalization')).toBe(false);
    const stem = graph.node!.find((node) => node.opType === 'Conv')!;
    const attributes = Object.fromEntries(
      stem.attribute!.map((attribute) => [attribute.name, attribute.ints!.map(Number)]),
    );
    // torchvision: 3x3 stride-2 stem padded by 1 on every side (TF 'same' would pad 0 before, 1 after).
    expect(attributes).toMatchObject({ kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
    expect(Object.fromEntries(model.metadataProps.map((entry) => [entry.key, entry.value]))).toMatchObject({
      layout: 'NCHW',
      outputs: 'logits',
    });
    net.dispose();
  });

  it('rejects unknown layouts, outputs and head layers with the valid choices', () => {
    const net = network(withMultipliers(EFFICIENTNET_CONFIGS.b0, 0.25, 0.25, 'tiny'), { includeTop: false });
    expect(() => exportOnnx(net, { layout: 'HWC' as never })).toThrow(
      /unknown layout "HWC"; expected one of NCHW, NHWC/,
    );
    expect(() => exportOnnx(net, { outputs: ['logits'] })).toThrow(
      /unknown output "logits".*expected one of pooled, features.0/,
    );
    const head = tf.sequential({
      layers: [tf.layers.reshape({ inputShape: [net.featureInfo.at(-1)!.channels], targetShape: [4, -1] })],
    });
    expect(() => exportOnnx(net, { head })).toThrow(
      /head layer ".*" \(Reshape\) is not supported; supported: Dense, Dropout/,
    );
    head.dispose();
    net.dispose();
  });
});

describe('ONNX Runtime sessions', () => {
  it('falls back to the CPU with one clear line when CUDA cannot load', async () => {
    const net = network(withMultipliers(EFFICIENTNET_CONFIGS.b0, 0.25, 0.25, 'tiny'), { numClasses: 2 });
    const real = (await import('onnxruntime-node')) as unknown as OnnxRuntimeModule;
    // A runtime whose CUDA provider fails as onnxruntime-node's does without its CUDA binaries.
    const ort: OnnxRuntimeModule = {
      Tensor: real.Tensor,
      InferenceSession: {
        create: (model, options) => {
          if ((options?.executionProviders as string[] | undefined)?.includes('cuda'))
            return Promise.reject(new Error('libonnxruntime_providers_cuda.so: cannot open shared object file'));
          return real.InferenceSession.create(model, options);
        },
      },
    };
    const messages: string[] = [];
    const predict = await createOnnxInferenceFunction(net, {
      ort,
      executionProvider: 'cuda',
      onFallback: (message) => messages.push(message),
      ...THREADS,
    });
    expect(predict.executionProvider).toBe('cpu');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(
      /CUDA execution provider cannot load \(libonnxruntime_providers_cuda.so: cannot open.*running on the CPU.*onnxruntime-node-install=cuda12/,
    );
    await predict.dispose();
    await expect(createOnnxSession(new Uint8Array(), { executionProvider: 'tpu' as never })).rejects.toThrow(
      /Unknown executionProvider "tpu"; expected one of cpu, cuda/,
    );
    net.dispose();
  });
});

describe('torchvision parity through ONNX Runtime', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('every fixture model and input: every features.i, pooled and logits within 1e-4 relative', async () => {
    const lines: string[] = [];
    const result = await runParity(MANIFEST, {
      runtime: 'onnx',
      onnx: THREADS,
      tolerance: TOLERANCE,
      log: (line) => lines.push(line),
    });
    expect(result.runtime).toBe('onnx');
    expect(result.backend).toBe('onnx-cpu');
    expect(
      result.rows.filter((row) => !row.passed),
      lines.join('\n'),
    ).toEqual([]);
    expect(result.rows.length).toBe(2 * (9 + 2) + (7 + 2) + (9 + 2));
  });
});
