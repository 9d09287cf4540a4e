import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildEfficientNet } from '../build.js';
import type { EfficientNet } from '../efficientnet.js';
import {
  efficientNetConfig,
  resolveArchitecture,
  withMultipliers,
  type EfficientNetConfig,
  type StageSetting,
} from '../configs.js';
import { loadTorchvisionWeights } from '../weights/torchvision.js';
import { readWeightsFile } from './safetensors-file.js';
import { exportOnnx } from '../onnx/export.js';
import { createOnnxSession, type OnnxSessionOptions } from '../onnx/runtime.js';

/** The parts of a fixture manifest (`/work/shared/fixtures/efficientnet/manifest.json` format) parity reads. */
export interface FixtureManifest {
  models: FixtureModel[];
}
interface FixtureLayer {
  op: string;
  in: number;
  out: number;
  kernel?: number;
  stride?: number;
}
interface FixtureBlock {
  type: string;
  in_channels: number;
  out_channels: number;
  use_residual: boolean;
  stochastic_depth_p_train_only: number;
  layers: FixtureLayer[];
}
interface FixtureTensor {
  file: string;
  shape: number[];
}
/** One model entry of a fixture manifest. */
export interface FixtureModel {
  name: string;
  constructor: string;
  constructor_kwargs?: Record<string, unknown>;
  python?: string;
  weights: { file: string };
  param_count?: number;
  num_classes: number;
  architecture: {
    stem: { out: number };
    stages: { index: number; blocks: FixtureBlock[] }[];
    head: { out: number };
    classifier: { dropout_p_train_only: number; out: number };
    bn_eps: number;
    bn_momentum: number;
  };
  cases: { id: string; input: FixtureTensor; outputs: Record<string, FixtureTensor> }[];
}

/** Options of {@link runParity}. */
export interface ParityOptions {
  /** Pass when `max|ours - ref| <= tolerance * max(1, max|ref|)`. Default 1e-4. */
  tolerance?: number;
  /** Only these model names (default: all). */
  models?: readonly string[];
  /** Only these case ids (default: all). */
  cases?: readonly string[];
  /** Receives one line per compared tensor. */
  log?: (line: string) => void;
  /**
   * Read each model's weights from the manifest's file with this extension instead, e.g. `'.pth'`
   * for `model.pth` beside `model.safetensors` (written by `scripts/make-pth-fixtures.py --manifest`).
   * Default: the manifest's file. Either format is recognised by content.
   */
  weightsExtension?: string;
  /** Folder the manifest's weights paths are resolved against (default: the manifest's folder), for weights kept apart from a read-only fixture set. */
  weightsRoot?: string;
  /**
   * `'tfjs'` (default): the TF.js layers model on the active backend. `'onnx'`: the network
   * exported by `exportOnnx` (NHWC, BatchNorm folded) and run by ONNX Runtime.
   */
  runtime?: 'tfjs' | 'onnx';
  /** Session options of the `'onnx'` runtime (execution provider, threads, runtime module). */
  onnx?: OnnxSessionOptions;
}

/** One compared tensor. */
export interface ParityRow {
  readonly model: string;
  readonly caseId: string;
  readonly tensor: string;
  readonly maxAbsError: number;
  /** `max(1, max|ref|)`. */
  readonly scale: number;
  /** `maxAbsError / scale`. */
  readonly relativeError: number;
  readonly passed: boolean;
}

/** Result of a parity run. */
export interface ParityResult {
  /** The runtime that ran the networks. */
  readonly runtime: 'tfjs' | 'onnx';
  /** The active TF.js backend (`'tfjs'`), or `onnx-<execution provider>` (`'onnx'`). */
  readonly backend: string;
  readonly passed: boolean;
  readonly rows: readonly ParityRow[];
}

const TORCHVISION_BUILDER = /^torchvision\.models\.efficientnet_(b[0-7]|v2_[sml])$/;
const CONF_CALL =
  /_efficientnet_conf\(\s*['"]efficientnet_(b[0-7])['"]\s*,\s*width_mult\s*=\s*([\d.]+)\s*,\s*depth_mult\s*=\s*([\d.]+)\s*\)/;
const STAGE_CALL = /^(FusedMBConvConfig|MBConvConfig)\(([^)]*)\)$/;

/**
 * Rebuilds an EfficientNet config from a manifest model entry, through the same paths a user
 * takes: a named variant (`torchvision.models.efficientnet_b0`), `withMultipliers` for
 * `_efficientnet_conf(..., width_mult, depth_mult)`, or a custom stage table for
 * `inverted_residual_setting`. Falls back to the explicit `architecture` block.
 */
export function configFromFixture(entry: FixtureModel): EfficientNetConfig {
  const arch = entry.architecture;
  const batchNorm = { epsilon: arch.bn_eps, momentum: arch.bn_momentum };
  const dropout = arch.classifier.dropout_p_train_only;
  const blocks = arch.stages.flatMap((stage) => stage.blocks);
  // torchvision: p_i = prob * i / total, so block 1 recovers prob.
  const stochasticDepthProb =
    blocks.length > 1 ? Number((blocks[1]!.stochastic_depth_p_train_only * blocks.length).toPrecision(12)) : 0.2;
  const kwargs = entry.constructor_kwargs ?? {};
  const builder = TORCHVISION_BUILDER.exec(entry.constructor);
  if (builder && Object.keys(kwargs).every((key) => key === 'weights' || key === 'num_classes')) {
    return efficientNetConfig(builder[1]!);
  }
  const conf = CONF_CALL.exec(entry.python ?? '') ?? CONF_CALL.exec(String(kwargs.inverted_residual_setting ?? ''));
  if (conf) {
    const base = withMultipliers(efficientNetConfig(conf[1]!), Number(conf[2]), Number(conf[3]), entry.name);
    return {
      ...base,
      batchNorm,
      dropout,
      stochasticDepthProb,
      lastChannels: typeof kwargs.last_channel === 'number' ? kwargs.last_channel : null,
    };
  }
  const setting = kwargs.inverted_residual_setting;
  if (Array.isArray(setting) && setting.every((row) => typeof row === 'string' && STAGE_CALL.test(row))) {
    const stages: StageSetting[] = setting.map((row: string) => {
      const [, kind, args] = STAGE_CALL.exec(row)!;
      const [expandRatio, kernelSize, stride, inputChannels, outputChannels, numLayers] = args!
        .split(',')
        .map((value) => Number(value.trim()));
      return {
        block: kind === 'FusedMBConvConfig' ? 'FusedMBConv' : 'MBConv',
        expandRatio: expandRatio!,
        kernelSize: kernelSize!,
        stride: stride!,
        inputChannels: inputChannels!,
        outputChannels: outputChannels!,
        numLayers: numLayers!,
      };
    });
    const lastChannels = typeof kwargs.last_channel === 'number' ? kwargs.last_channel : null;
    return {
      name: entry.name,
      stages,
      widthMultiplier: 1,
      depthMultiplier: 1,
      lastChannels,
      batchNorm,
      dropout,
      stochasticDepthProb,
    };
  }
  // Explicit per-block description: one stage row per stage, from its first block.
  const stages: StageSetting[] = arch.stages.map((stage) => {
    const first = stage.blocks[0]!;
    const spatial = first.layers.find((layer) =>
      first.type === 'MBConv' ? layer.op === 'depthwise_conv' : layer.op === 'conv',
    )!;
    const expanded =
      first.type === 'MBConv' ? spatial.out : first.layers.length > 1 ? first.layers[0]!.out : first.in_channels;
    return {
      block: first.type === 'FusedMBConv' ? 'FusedMBConv' : 'MBConv',
      expandRatio: expanded / first.in_channels,
      kernelSize: spatial.kernel!,
      stride: spatial.stride!,
      inputChannels: first.in_channels,
      outputChannels: first.out_channels,
      numLayers: stage.blocks.length,
    };
  });
  return {
    name: entry.name,
    stages,
    widthMultiplier: 1,
    depthMultiplier: 1,
    lastChannels: arch.head.out,
    batchNorm,
    dropout,
    stochasticDepthProb,
  };
}

/** Throws if the config's blocks differ from the manifest's explicit architecture. */
function checkArchitecture(entry: FixtureModel, config: EfficientNetConfig): void {
  const ours = resolveArchitecture(config);
  const theirs = entry.architecture;
  const problems: string[] = [];
  if (ours.stemChannels !== theirs.stem.out) problems.push(`stem ${ours.stemChannels} != ${theirs.stem.out}`);
  if (ours.lastChannels !== theirs.head.out) problems.push(`head ${ours.lastChannels} != ${theirs.head.out}`);
  if (ours.stages.length !== theirs.stages.length)
    problems.push(`${ours.stages.length} stages != ${theirs.stages.length}`);
  theirs.stages.forEach((stage, s) => {
    const blocks = ours.stages[s] ?? [];
    if (blocks.length !== stage.blocks.length)
      problems.push(`features.${stage.index}: ${blocks.length} blocks != ${stage.blocks.length}`);
    stage.blocks.forEach((block, b) => {
      const mine = blocks[b];
      if (
        mine &&
        (mine.block !== block.type ||
          mine.inputChannels !== block.in_channels ||
          mine.outputChannels !== block.out_channels ||
          mine.useResidual !== block.use_residual)
      ) {
        problems.push(
          `features.${stage.index}.${b}: ${mine.block} ${mine.inputChannels}->${mine.outputChannels} ` +
            `!= ${block.type} ${block.in_channels}->${block.out_channels}`,
        );
      }
    });
  });
  if (problems.length > 0)
    throw new Error(
      `manifest model "${entry.name}": architecture differs from config "${config.name}": ${problems.slice(0, 10).join('; ')}`,
    );
}

async function readFloat32(path: string, shape: readonly number[]): Promise<Float32Array> {
  const bytes = await readFile(path);
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.byteLength !== count * 4)
    throw new Error(`${path}: ${bytes.byteLength} bytes, expected ${count * 4} for float32 ${JSON.stringify(shape)}`);
  const out = new Float32Array(count);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/**
 * Builds one manifest model and loads its weights strictly.
 *
 * @example
 * const net = await loadFixtureModel(manifest.models[0], 'test/fixtures/efficientnet');
 */
export async function loadFixtureModel(
  entry: FixtureModel,
  root: string,
  weightsExtension?: string,
  weightsRoot: string = root,
): Promise<EfficientNet> {
  const config = configFromFixture(entry);
  checkArchitecture(entry, config);
  const net = buildEfficientNet(config, {
    numClasses: entry.num_classes,
    initializer: 'zeros',
    name: entry.name.replace(/[^A-Za-z0-9_]/g, '_'),
  });
  try {
    if (entry.param_count !== undefined && net.countParameters() !== entry.param_count) {
      throw new Error(
        `manifest model "${entry.name}": ${net.countParameters()} parameters, torchvision has ${entry.param_count}`,
      );
    }
    const file =
      weightsExtension === undefined
        ? entry.weights.file
        : entry.weights.file.replace(/\.[^./]+$/, '') + weightsExtension;
    loadTorchvisionWeights(net, await readWeightsFile(resolve(weightsRoot, file)), { strict: true, source: file });
  } catch (error) {
    net.dispose();
    throw error;
  }
  return net;
}

/** Float32 outputs of one probe run, in the order of the names asked for. */
type Probe = (
  input: Float32Array,
  shape: readonly number[],
) => Promise<{ data: Float32Array; shape: readonly number[] }[]>;

/** Every `features.i`, pooled and logits of `net`, through TF.js or ONNX Runtime; `release` frees the runtime's side. */
async function createProbe(
  net: EfficientNet,
  names: readonly string[],
  options: ParityOptions,
): Promise<{ probe: Probe; release: () => Promise<void>; backend: string }> {
  if ((options.runtime ?? 'tfjs') === 'onnx') {
    const { session, ort, executionProvider } = await createOnnxSession(
      exportOnnx(net, { layout: 'NHWC', outputs: names }),
      options.onnx,
    );
    const probe: Probe = async (input, shape) => {
      const results = await session.run({ input: new ort.Tensor('float32', input, shape) });
      return names.map((name) => ({ data: results[name]!.data as Float32Array, shape: results[name]!.dims }));
    };
    return { probe, release: () => session.release(), backend: `onnx-${executionProvider}` };
  }
  const model = tf.model({
    inputs: net.model.inputs,
    outputs: [...net.stageOutputs, net.pooledOutput, net.model.outputs[0]!],
  });
  const probe: Probe = async (input, shape) => {
    const outputs = tf.tidy(() => model.predict(tf.tensor(input, [...shape], 'float32')) as tf.Tensor[]);
    try {
      return await Promise.all(
        outputs.map(async (tensor) => ({ data: (await tensor.data()) as Float32Array, shape: tensor.shape })),
      );
    } finally {
      tf.dispose(outputs);
    }
  };
  return { probe, release: async () => undefined, backend: tf.getBackend() };
}

/**
 * Runs every model and input of a fixture manifest on the active TF.js backend (or on ONNX
 * Runtime with `runtime: 'onnx'`) and compares
 * logits, pooled features and every `features.i` output against torchvision's.
 *
 * @param manifestPath path of `manifest.json`; files are resolved next to it.
 * @example
 * const result = await runParity('test/fixtures/efficientnet/manifest.json', { log: console.log });
 * if (!result.passed) process.exitCode = 1;
 */
export async function runParity(manifestPath: string, options: ParityOptions = {}): Promise<ParityResult> {
  const tolerance = options.tolerance ?? 1e-4;
  if (!(typeof tolerance === 'number' && tolerance > 0))
    throw new RangeError(`options.tolerance must be a positive number; got ${String(tolerance)}`);
  const log = options.log ?? (() => undefined);
  const runtime = options.runtime ?? 'tfjs';
  if (runtime !== 'tfjs' && runtime !== 'onnx')
    throw new RangeError(`options.runtime must be one of tfjs, onnx; got ${JSON.stringify(runtime)}`);
  let backend = runtime === 'tfjs' ? tf.getBackend() : 'onnx';
  let manifest: FixtureManifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as FixtureManifest;
  } catch (error) {
    throw new Error(`cannot read manifest ${manifestPath}: ${(error as Error).message}`);
  }
  if (!Array.isArray(manifest.models)) throw new Error(`${manifestPath}: "models" must be an array`);
  const root = dirname(resolve(manifestPath));
  const known = manifest.models.map((m) => m.name);
  for (const name of options.models ?? []) {
    if (!known.includes(name))
      throw new RangeError(`Unknown model "${name}" in ${manifestPath}; expected one of ${known.join(', ')}`);
  }
  const rows: ParityRow[] = [];
  for (const entry of manifest.models) {
    if (options.models && !options.models.includes(entry.name)) continue;
    const net = await loadFixtureModel(
      entry,
      root,
      options.weightsExtension,
      options.weightsRoot === undefined ? root : resolve(options.weightsRoot),
    );
    try {
      const headIndex = net.stageOutputs.length - 1;
      const names = [...net.stageOutputs.map((_, i) => `features.${i}`), 'pooled', 'logits'];
      const probe = await createProbe(net, names, options);
      backend = probe.backend;
      try {
        for (const fixtureCase of entry.cases) {
          if (options.cases && !options.cases.includes(fixtureCase.id)) continue;
          const inputData = await readFloat32(resolve(root, fixtureCase.input.file), fixtureCase.input.shape);
          const outputs = await probe.probe(inputData, fixtureCase.input.shape);
          for (const [index, name] of names.entries()) {
            const reference = fixtureCase.outputs[name];
            if (!reference) {
              if (index <= headIndex || name === 'pooled' || name === 'logits')
                throw new Error(`${entry.name}/${fixtureCase.id}: manifest has no "${name}" output`);
              continue;
            }
            const ours = outputs[index]!;
            if (ours.shape.join('x') !== reference.shape.join('x')) {
              throw new Error(
                `${entry.name}/${fixtureCase.id}/${name}: shape [${ours.shape}] differs from the reference [${reference.shape}]`,
              );
            }
            const expected = await readFloat32(resolve(root, reference.file), reference.shape);
            const actual = ours.data;
            let maxAbsError = 0;
            let maxReference = 0;
            for (let i = 0; i < expected.length; i += 1) {
              const difference = Math.abs(actual[i]! - expected[i]!);
              // NaN must fail, so compare with `!(<=)`.
              if (!(difference <= maxAbsError))
                maxAbsError = Number.isNaN(difference) ? Number.POSITIVE_INFINITY : difference;
              maxReference = Math.max(maxReference, Math.abs(expected[i]!));
            }
            const scale = Math.max(1, maxReference);
            const relativeError = maxAbsError / scale;
            const row: ParityRow = {
              model: entry.name,
              caseId: fixtureCase.id,
              tensor: name,
              maxAbsError,
              scale,
              relativeError,
              passed: relativeError <= tolerance,
            };
            rows.push(row);
            log(
              `${row.passed ? 'ok  ' : 'FAIL'} ${entry.name.padEnd(22)} ${fixtureCase.id.padEnd(6)} ${name.padEnd(11)} ` +
                `max|d|=${maxAbsError.toExponential(2)} rel=${relativeError.toExponential(2)}`,
            );
          }
        }
      } finally {
        await probe.release();
      }
    } finally {
      net.dispose();
    }
  }
  return { runtime, backend, passed: rows.length > 0 && rows.every((row) => row.passed), rows };
}
