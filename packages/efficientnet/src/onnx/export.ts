import * as tf from '@tensorflow/tfjs';
import type { EfficientNet } from '../efficientnet.js';
import { foldNetwork, type ConvolutionStep, type DenseStep } from '../inference/plan.js';
import { encodeModel, floatValueInfo, OnnxGraphBuilder } from './graph.js';

/** Memory layouts of the input (and of spatial outputs). */
export const ONNX_LAYOUTS = ['NCHW', 'NHWC'] as const;
export type OnnxLayout = (typeof ONNX_LAYOUTS)[number];

/** Options of {@link exportOnnx}. */
export interface OnnxExportOptions {
  /**
   * Layout of the input `input` and of every spatial (`features.<i>`) output. Default `'NCHW'`
   * (PyTorch's, what `torch.onnx.export` of the torchvision model takes); `'NHWC'` takes the
   * same `[N, H, W, 3]` arrays as the TF.js model (the transpose happens inside the graph).
   */
  layout?: OnnxLayout;
  /**
   * Graph outputs, by name: `'logits'` (needs the top), `'pooled'` (the classifier input
   * `[N, C]`), `'features.<i>'` (a stage, as `net.featuresModel([i])` gives it). Default: what
   * `net.model` returns (`logits`; `pooled` or the last `features.<i>` without the top), or
   * `'head'` with a `head`. The features model of stages `s` is `outputs: s.map((i) => \`features.${i}\`)`.
   */
  outputs?: readonly string[];
  /**
   * A head run on the network's output (e.g. the `head` of a pyramid `FeatureBackbone` on an
   * EfficientNet built with `includeTop: false`), exported as the output `head`. A chain of
   * Dense, Dropout, Activation, Flatten, GlobalAveragePooling2D and BatchNormalization layers.
   */
  head?: tf.LayersModel;
  /** Fixed batch size; default `null`: dynamic (the symbolic dimension `batch`). */
  batchSize?: number | null;
}

/** Activations the exporter writes (TF.js names). */
const ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'softmax', 'tanh', 'swish'] as const;
/** Head layers the exporter writes (TF.js class names). */
const HEAD_LAYERS = [
  'Dense',
  'Dropout',
  'Activation',
  'Flatten',
  'GlobalAveragePooling2D',
  'BatchNormalization',
] as const;

/**
 * `[kH, kW, in, out]` (TF.js) to `[out, in, kH, kW]` (ONNX Conv); a depthwise `[kH, kW, C, 1]` becomes
 * `[1, C, kH, kW]`, the same bytes as ONNX's `[C, 1, kH, kW]`.
 */
function hwioToOihw(
  values: Float32Array | Int32Array | Uint8Array,
  kernelHeight: number,
  kernelWidth: number,
  inChannels: number,
  outChannels: number,
): Float32Array {
  const out = new Float32Array(values.length);
  for (let h = 0; h < kernelHeight; h++) {
    for (let w = 0; w < kernelWidth; w++) {
      for (let i = 0; i < inChannels; i++) {
        const source = ((h * kernelWidth + w) * inChannels + i) * outChannels;
        for (let o = 0; o < outChannels; o++)
          out[((o * inChannels + i) * kernelHeight + h) * kernelWidth + w] = values[source + o]!;
      }
    }
  }
  return out;
}

function floats(tensor: tf.Tensor): Float32Array {
  return Float32Array.from(tensor.dataSync());
}

/** Writes the graph of an EfficientNet's folded plan into `builder`. */
class EfficientNetGraphWriter {
  constructor(private readonly builder: OnnxGraphBuilder) {}

  /** Conv + folded BN bias (+ SiLU), torchvision's symmetric padding as explicit `pads`. */
  convolution(x: string, step: ConvolutionStep, prefix: string): string {
    const [kernelHeight, kernelWidth, inChannels, lastAxis] = step.filter.shape;
    const weight = this.builder.constant(
      `${prefix}.weight`,
      step.depthwise
        ? [inChannels * lastAxis, 1, kernelHeight, kernelWidth]
        : [lastAxis, inChannels, kernelHeight, kernelWidth],
      hwioToOihw(step.filter.dataSync(), kernelHeight, kernelWidth, inChannels, lastAxis),
    );
    const bias = this.builder.constant(`${prefix}.bias`, [step.bias.shape[0]], floats(step.bias));
    const p = step.padding;
    const y = this.builder.op('Conv', [x, weight, bias], {
      kernel_shape: [kernelHeight, kernelWidth],
      strides: [step.stride, step.stride],
      pads: [p, p, p, p],
      dilations: [1, 1],
      group: step.depthwise ? inChannels : 1,
    });
    return step.activation ? this.silu(y) : y;
  }

  /** SiLU as `x * sigmoid(x)` (opset 13 has no SiLU op; ONNX Runtime runs the pair fused or not, same result). */
  silu(x: string): string {
    return this.builder.op('Mul', [x, this.builder.op('Sigmoid', [x])]);
  }

  /** A dense layer as a 1x1 convolution on `[N, C, 1, 1]` (squeeze-excitation fc1/fc2). */
  pointwise(x: string, kernel: tf.Tensor2D, bias: tf.Tensor1D, prefix: string): string {
    const [inChannels, outChannels] = kernel.shape;
    const weight = this.builder.constant(
      `${prefix}.weight`,
      [outChannels, inChannels, 1, 1],
      hwioToOihw(kernel.dataSync(), 1, 1, inChannels, outChannels),
    );
    return this.builder.op('Conv', [x, weight, this.builder.constant(`${prefix}.bias`, [outChannels], floats(bias))], {
      kernel_shape: [1, 1],
    });
  }

  /** `x · kernel + bias` on `[N, in]`. */
  dense(x: string, dense: DenseStep | { kernel: tf.Tensor; bias: tf.Tensor | null }, prefix: string): string {
    const [inUnits, outUnits] = dense.kernel.shape as [number, number];
    const kernel = this.builder.constant(`${prefix}.kernel`, [inUnits, outUnits], floats(dense.kernel));
    const bias = dense.bias === null ? new Float32Array(outUnits) : floats(dense.bias);
    return this.builder.op('Gemm', [x, kernel, this.builder.constant(`${prefix}.bias`, [outUnits], bias)]);
  }

  /** `max(x, 0)`: the pyramid head's ReLU before its Linear. */
  relu(x: string): string {
    return this.builder.op('Relu', [x]);
  }

  /** `[N, C, H, W]` → `[N, C]`. */
  globalAveragePool(x: string): string {
    return this.builder.op('Flatten', [this.builder.op('GlobalAveragePool', [x])], { axis: 1 });
  }

  activation(x: string, name: string, layer: string): string {
    switch (name) {
      case 'linear':
        return x;
      case 'relu':
        return this.builder.op('Relu', [x]);
      case 'sigmoid':
        return this.builder.op('Sigmoid', [x]);
      case 'tanh':
        return this.builder.op('Tanh', [x]);
      case 'softmax':
        return this.builder.op('Softmax', [x], { axis: -1 });
      case 'swish':
        return this.silu(x);
      default:
        throw new RangeError(
          `exportOnnx: layer "${layer}" has activation "${name}"; supported: ${ACTIVATIONS.join(', ')}`,
        );
    }
  }
}

function layerWeight(layer: tf.layers.Layer, suffix: string): tf.Tensor | null {
  return layer.weights.find((weight) => weight.originalName.endsWith(`/${suffix}`))?.read() ?? null;
}

/**
 * Appends a head model to `x`. `spatial`: `x` is `[N, C, H, W]` (the network without pooling).
 * Returns the head's output name.
 */
function writeHead(
  writer: EfficientNetGraphWriter,
  builder: OnnxGraphBuilder,
  head: tf.LayersModel,
  input: string,
  inputSpatial: boolean,
): string {
  let x = input;
  let spatial = inputSpatial;
  for (const layer of head.layers) {
    const className = layer.getClassName();
    if (className === 'InputLayer') continue;
    if (layer.inboundNodes.length !== 1 || layer.inboundNodes[0]!.inboundLayers.length > 1) {
      throw new RangeError(
        `exportOnnx: head layer "${layer.name}" has several inputs; only a chain of layers is supported`,
      );
    }
    const config = layer.getConfig() as { activation?: string; epsilon?: number; axis?: number | number[] };
    const prefix = `head/${layer.name}`;
    switch (className) {
      case 'Dropout':
        break; // the identity at inference
      case 'Dense': {
        if (spatial)
          throw new RangeError(
            `exportOnnx: head layer "${layer.name}" (Dense) follows a spatial output; pool or flatten first`,
          );
        x = writer.activation(
          writer.dense(x, { kernel: layerWeight(layer, 'kernel')!, bias: layerWeight(layer, 'bias') }, prefix),
          config.activation ?? 'linear',
          layer.name,
        );
        break;
      }
      case 'Activation':
        x = writer.activation(x, config.activation ?? 'linear', layer.name);
        break;
      case 'GlobalAveragePooling2D':
        if (!spatial)
          throw new RangeError(`exportOnnx: head layer "${layer.name}" (GlobalAveragePooling2D) needs a spatial input`);
        x = writer.globalAveragePool(x);
        spatial = false;
        break;
      case 'Flatten':
        // TF.js flattens NHWC: bring the channels last first so the order matches.
        if (spatial) x = builder.op('Flatten', [builder.op('Transpose', [x], { perm: [0, 2, 3, 1] })], { axis: 1 });
        spatial = false;
        break;
      case 'BatchNormalization': {
        const axis = Array.isArray(config.axis) ? config.axis[0] : config.axis;
        if (spatial || !(axis === -1 || axis === 1))
          throw new RangeError(
            `exportOnnx: head layer "${layer.name}" (BatchNormalization) is supported on [N, C] only`,
          );
        const mean = layerWeight(layer, 'moving_mean')!.dataSync();
        const variance = layerWeight(layer, 'moving_variance')!.dataSync();
        const gamma = layerWeight(layer, 'gamma')?.dataSync();
        const beta = layerWeight(layer, 'beta')?.dataSync();
        const scale = new Float32Array(mean.length);
        const shift = new Float32Array(mean.length);
        for (let c = 0; c < mean.length; c++) {
          const s = (gamma?.[c] ?? 1) / Math.sqrt(variance[c]! + (config.epsilon ?? 1e-3));
          scale[c] = s;
          shift[c] = (beta?.[c] ?? 0) - mean[c]! * s;
        }
        x = builder.op('Add', [
          builder.op('Mul', [x, builder.constant(`${prefix}.scale`, [mean.length], scale)]),
          builder.constant(`${prefix}.shift`, [mean.length], shift),
        ]);
        break;
      }
      default:
        throw new RangeError(
          `exportOnnx: head layer "${layer.name}" (${className}) is not supported; supported: ${HEAD_LAYERS.join(', ')}`,
        );
    }
  }
  if (spatial)
    throw new RangeError(
      'exportOnnx: the head must end in [N, classes]; it ends spatial (add GlobalAveragePooling2D or Flatten)',
    );
  return x;
}

/** The output name `net.model` corresponds to. */
export function defaultOnnxOutput(net: EfficientNet): string {
  if (net.options.includeTop) return 'logits';
  return net.options.pooling === 'avg' ? 'pooled' : `features.${net.featureInfo.at(-1)!.stage}`;
}

/** Output spatial size of a conv stack: `floor((n + 2p - k) / s) + 1` per step. */
function convolvedSize(size: number | null, steps: readonly ConvolutionStep[]): number | null {
  if (size === null) return null;
  return steps.reduce((n, step) => Math.floor((n + 2 * step.padding - step.filter.shape[0]) / step.stride) + 1, size);
}

/**
 * Exports an EfficientNet (any variant, with or without the top, the seed head, a features
 * model's stages, optionally with a head model) to an ONNX file, from its current weights: every
 * BatchNorm folded into its convolution (as `createInferenceFunction` runs it), torchvision's
 * symmetric `(k - 1) // 2` padding as explicit `pads`, squeeze-excitation as two 1x1
 * convolutions, SiLU as `x * sigmoid(x)`, dropout and stochastic depth removed (eval mode).
 * Opset 13, float32, dynamic batch size (`batch`); the spatial size is dynamic unless the
 * network was built with a fixed `inputSize`. The file loads in any ONNX runtime (ONNX Runtime
 * in Node, Python or the browser, netron). Metadata: `layout`, `variant`, `outputs`.
 *
 * @param net a built EfficientNet with its weights loaded.
 * @param options layout (default `'NCHW'`), outputs (default: `net.model`'s), an optional head, batch size.
 * @returns the `.onnx` file's bytes.
 * @example
 * const bytes = exportOnnx(efficientNetB0({ numClasses: 10 }), { layout: 'NCHW' });
 * await writeFile('b0.onnx', bytes); // python: onnxruntime.InferenceSession('b0.onnx').run(None, {'input': x})
 */
export function exportOnnx(net: EfficientNet, options: OnnxExportOptions = {}): Uint8Array {
  const layout = options.layout ?? 'NCHW';
  if (!(ONNX_LAYOUTS as readonly string[]).includes(layout))
    throw new RangeError(
      `exportOnnx: unknown layout ${JSON.stringify(layout)}; expected one of ${ONNX_LAYOUTS.join(', ')}`,
    );
  const batchSize = options.batchSize ?? null;
  if (batchSize !== null && !(Number.isInteger(batchSize) && batchSize > 0))
    throw new RangeError(`exportOnnx: batchSize must be a positive integer or null; got ${String(batchSize)}`);
  const head = options.head;
  if (head !== undefined && !(head instanceof tf.LayersModel))
    throw new TypeError('exportOnnx: head must be a tf.LayersModel');
  const lastStage = net.featureInfo.at(-1)!.stage;
  const known = [
    'logits',
    'pooled',
    ...net.featureInfo.map((info) => `features.${info.stage}`),
    ...(head ? ['head'] : []),
  ];
  const outputs = options.outputs ?? [head ? 'head' : defaultOnnxOutput(net)];
  if (!Array.isArray(outputs) || outputs.length === 0)
    throw new RangeError('exportOnnx: outputs must be a non-empty array of output names');
  for (const name of outputs) {
    if (!known.includes(name) || (name === 'logits' && !net.options.includeTop)) {
      throw new RangeError(
        `exportOnnx: unknown output ${JSON.stringify(name)} for ${net.model.name}; expected one ` +
          `of ${known.filter((k) => k !== 'logits' || net.options.includeTop).join(', ')}`,
      );
    }
  }
  if (new Set(outputs).size !== outputs.length)
    throw new RangeError(`exportOnnx: outputs ${JSON.stringify(outputs)} repeat a name`);

  const plan = foldNetwork(net);
  try {
    const builder = new OnnxGraphBuilder();
    const writer = new EfficientNetGraphWriter(builder);
    const [height, width] = net.options.inputSize;
    const batch = batchSize ?? 'batch';
    const inputDims =
      layout === 'NCHW'
        ? [batch, 3, height ?? 'height', width ?? 'width']
        : [batch, height ?? 'height', width ?? 'width', 3];
    // Internally NCHW throughout; spatial outputs go back to NHWC when asked.
    let x = layout === 'NCHW' ? 'input' : builder.op('Transpose', ['input'], { perm: [0, 3, 1, 2] });
    const produced = new Map<string, { value: string; channels: number; spatial: boolean }>();
    x = writer.convolution(x, plan.stem, 'features.0');
    produced.set('features.0', { value: x, channels: plan.stem.bias.shape[0], spatial: true });
    plan.blocks.forEach((block, blockIndex) => {
      const input = x;
      block.convolutions.forEach((step, index) => {
        x = writer.convolution(x, step, `features.${block.stage}.b${blockIndex}.${index}`);
        const se = block.squeezeExcitation;
        if (se !== null && index === block.squeezeAfter) {
          const pooled = builder.op('GlobalAveragePool', [x]);
          const hidden = writer.silu(
            writer.pointwise(pooled, se.reduceKernel, se.reduceBias, `features.${block.stage}.b${blockIndex}.se.fc1`),
          );
          const gate = builder.op('Sigmoid', [
            writer.pointwise(hidden, se.expandKernel, se.expandBias, `features.${block.stage}.b${blockIndex}.se.fc2`),
          ]);
          x = builder.op('Mul', [x, gate]);
        }
      });
      if (block.residual) x = builder.op('Add', [x, input]);
      const next = plan.blocks[blockIndex + 1];
      if (next === undefined || next.stage !== block.stage)
        produced.set(`features.${block.stage}`, {
          value: x,
          channels: block.convolutions.at(-1)!.bias.shape[0],
          spatial: true,
        });
    });
    x = writer.convolution(x, plan.head, `features.${lastStage}`);
    produced.set(`features.${lastStage}`, { value: x, channels: plan.head.bias.shape[0], spatial: true });
    const wantsPooled =
      outputs.some((name) => name === 'pooled' || name === 'logits') ||
      (head !== undefined && (net.options.includeTop || net.options.pooling === 'avg'));
    if (wantsPooled) {
      const pooled = writer.globalAveragePool(x);
      produced.set('pooled', { value: pooled, channels: plan.head.bias.shape[0], spatial: false });
      if (net.options.includeTop) {
        let logits = pooled;
        plan.classifier.forEach((dense, index) => {
          logits = writer.dense(
            dense.reluBefore ? writer.relu(logits) : logits,
            dense,
            index === 0 ? 'classifier.1' : 'head.1',
          );
        });
        produced.set('logits', { value: logits, channels: plan.classifier.at(-1)!.bias.shape[0], spatial: false });
      }
    }
    if (head !== undefined) {
      const source = produced.get(defaultOnnxOutput(net))!;
      const value = writeHead(writer, builder, head, source.value, source.spatial);
      produced.set('head', { value, channels: head.outputs[0]!.shape.at(-1) as number, spatial: false });
    }

    const stageSteps = [plan.stem, ...plan.blocks.flatMap((block) => block.convolutions)];
    const spatialSize = (stage: number): [number | null, number | null] => {
      const steps =
        stage === 0
          ? [plan.stem]
          : stageSteps.slice(
              0,
              1 +
                plan.blocks
                  .filter((block) => block.stage <= stage)
                  .reduce((n, block) => n + block.convolutions.length, 0),
            );
      return [convolvedSize(height, steps), convolvedSize(width, steps)];
    };
    const outputInfos = outputs.map((name) => {
      const entry = produced.get(name)!;
      if (!entry.spatial) {
        builder.op('Identity', [entry.value], {}, name);
        return floatValueInfo(name, [batch, entry.channels]);
      }
      const [h, w] = spatialSize(
        name === `features.${lastStage}` ? lastStage - 1 : Number(name.slice('features.'.length)),
      );
      if (layout === 'NHWC') {
        builder.op('Transpose', [entry.value], { perm: [0, 2, 3, 1] }, name);
        return floatValueInfo(name, [batch, h, w, entry.channels]);
      }
      builder.op('Identity', [entry.value], {}, name);
      return floatValueInfo(name, [batch, entry.channels, h, w]);
    });
    return encodeModel({
      graphName: net.model.name,
      builder,
      inputs: [floatValueInfo('input', inputDims)],
      outputs: outputInfos,
      docString:
        `${net.config.name} exported by @art/efficientnet: BatchNorm folded, torchvision ` +
        `padding, eval mode. Input "input" ${layout} float32, normalised as for the weights.`,
      metadata: { layout, variant: net.config.name, outputs: outputs.join(',') },
    });
  } finally {
    tf.dispose([...plan.tensors]);
  }
}
