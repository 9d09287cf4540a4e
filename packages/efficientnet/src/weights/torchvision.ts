import * as tf from '@tensorflow/tfjs';
import { EfficientNet } from '../efficientnet.js';
import { writeSafetensors, type SafeTensorInput, type SafetensorsContents } from './safetensors.js';
import { readWeights, toTorchvisionNames } from './state-dict.js';

/** How a torchvision tensor maps onto a TF.js weight. */
export type TorchvisionLayout = 'conv' | 'depthwise' | 'linear' | 'vector' | 'counter';

/** One entry of the torchvision state_dict that a model expects. */
export interface TorchvisionParameter {
  /** state_dict key, e.g. `features.2.0.block.1.0.weight`. */
  readonly key: string;
  /** Shape in PyTorch layout. */
  readonly shape: readonly number[];
  readonly layout: TorchvisionLayout;
  /** The TF.js weight; `null` for `num_batches_tracked`, which TF.js does not keep. */
  readonly variable: tf.LayerVariable | null;
}

/** A shape disagreement found while loading. */
export interface MismatchedKey {
  readonly key: string;
  /** PyTorch-layout shape the model needs. */
  readonly expected: readonly number[];
  /** Shape (and dtype) found in the file. */
  readonly actual: readonly number[];
  readonly dtype: string;
}

/** What `loadTorchvisionWeights` did. */
export interface WeightLoadReport {
  /** Keys assigned to the model. */
  readonly loaded: readonly string[];
  /** Keys the model needs that the file lacks (`num_batches_tracked` is optional and never listed). */
  readonly missing: readonly string[];
  /** Keys in the file the model has no place for. */
  readonly unexpected: readonly string[];
  /** Keys present in both with another shape or a non-float dtype (skipped). */
  readonly mismatched: readonly MismatchedKey[];
  /** Fraction of the model's parameter elements (not counting `num_batches_tracked`) that were loaded, 0..1. */
  readonly loadedFraction: number;
  /** How the file's names were brought to torchvision's (checkpoint key, `module.` prefix, timm names). */
  readonly notes: readonly string[];
}

/** Options of {@link loadTorchvisionWeights}. */
export interface LoadWeightsOptions {
  /** Throw (and load nothing) unless the keys and shapes match exactly. Default `true`. */
  strict?: boolean;
  /** Name used in error messages. Default `"weights"`. */
  source?: string;
  /**
   * Non-strict loads refuse a file that fills less than half of the model's parameter elements
   * (most likely the wrong variant); `true` loads whatever fits anyway. Default `false`.
   */
  allowPartial?: boolean;
}

/** Below this fraction of its parameter elements, a non-strict load is refused unless `allowPartial`. */
export const MIN_PARTIAL_FRACTION = 0.5;

/** Thrown by a strict load; `report` lists every problem, and nothing was assigned. */
export class WeightLoadError extends Error {
  readonly report: WeightLoadReport;
  constructor(message: string, report: WeightLoadReport) {
    super(message);
    this.name = 'WeightLoadError';
    this.report = report;
  }
}

// TF.js layout → PyTorch layout, and back.
const TO_TORCH: Record<Exclude<TorchvisionLayout, 'counter' | 'vector'>, number[]> = {
  conv: [3, 2, 0, 1], // [kh, kw, I, O] → [O, I, kh, kw]
  depthwise: [2, 3, 0, 1], // [kh, kw, C, 1] → [C, 1, kh, kw]
  linear: [1, 0], // [I, O] → [O, I]
};
const FROM_TORCH: Record<Exclude<TorchvisionLayout, 'counter' | 'vector'>, number[]> = {
  conv: [2, 3, 1, 0],
  depthwise: [2, 3, 0, 1],
  linear: [1, 0],
};

// num_batches_tracked values read from a file, so an export after a load gives them back.
const batchCounters = new WeakMap<tf.LayersModel, Map<string, bigint>>();

const modelOf = (net: EfficientNet | tf.LayersModel): tf.LayersModel => {
  if (net instanceof EfficientNet) return net.model;
  if (net instanceof tf.LayersModel) return net;
  throw new TypeError(`net must be an EfficientNet or a tf.LayersModel; got ${Object.prototype.toString.call(net)}`);
};

const numbers = (shape: tf.Shape): number[] => shape.map((d) => d as number);

/**
 * Lists the torchvision state_dict entries a model holds, in layer order. Layer names are the
 * torchvision module paths, so this works for built and for re-loaded models alike.
 *
 * @example
 * torchvisionParameters(net).map((p) => p.key); // ['features.0.0.weight', 'features.0.1.weight', ...]
 */
export function torchvisionParameters(net: EfficientNet | tf.LayersModel): TorchvisionParameter[] {
  const model = modelOf(net);
  const result: TorchvisionParameter[] = [];
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const weight = (suffix: string): tf.LayerVariable => {
      const found = layer.weights.find((w) => w.originalName.endsWith(`/${suffix}`));
      if (!found) throw new Error(`layer "${layer.name}" (${layer.getClassName()}) has no "${suffix}" weight`);
      return found;
    };
    const className = layer.getClassName();
    if (className === 'Conv2D') {
      const kernel = weight('kernel');
      const [kh, kw, input, output] = numbers(kernel.shape);
      result.push({
        key: `${layer.name}.weight`,
        shape: [output!, input!, kh!, kw!],
        layout: 'conv',
        variable: kernel,
      });
      if (layer.weights.length > 1)
        result.push({ key: `${layer.name}.bias`, shape: [output!], layout: 'vector', variable: weight('bias') });
    } else if (className === 'DepthwiseConv2D') {
      const kernel = weight('depthwise_kernel');
      const [kh, kw, channels, multiplier] = numbers(kernel.shape);
      if (multiplier !== 1)
        throw new Error(`layer "${layer.name}": depthMultiplier ${multiplier} has no torchvision equivalent`);
      result.push({
        key: `${layer.name}.weight`,
        shape: [channels!, 1, kh!, kw!],
        layout: 'depthwise',
        variable: kernel,
      });
      if (layer.weights.length > 1)
        result.push({ key: `${layer.name}.bias`, shape: [channels!], layout: 'vector', variable: weight('bias') });
    } else if (className === 'BatchNormalization') {
      const gamma = weight('gamma');
      const channels = numbers(gamma.shape);
      result.push({ key: `${layer.name}.weight`, shape: channels, layout: 'vector', variable: gamma });
      result.push({ key: `${layer.name}.bias`, shape: channels, layout: 'vector', variable: weight('beta') });
      result.push({
        key: `${layer.name}.running_mean`,
        shape: channels,
        layout: 'vector',
        variable: weight('moving_mean'),
      });
      result.push({
        key: `${layer.name}.running_var`,
        shape: channels,
        layout: 'vector',
        variable: weight('moving_variance'),
      });
      result.push({ key: `${layer.name}.num_batches_tracked`, shape: [], layout: 'counter', variable: null });
    } else if (className === 'Dense') {
      const kernel = weight('kernel');
      const [input, output] = numbers(kernel.shape);
      result.push({ key: `${layer.name}.weight`, shape: [output!, input!], layout: 'linear', variable: kernel });
      if (layer.weights.length > 1)
        result.push({ key: `${layer.name}.bias`, shape: [output!], layout: 'vector', variable: weight('bias') });
    } else {
      throw new Error(`layer "${layer.name}": ${className} weights have no torchvision mapping`);
    }
  }
  return result;
}

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

function formatList(label: string, items: readonly string[]): string {
  if (items.length === 0) return '';
  const shown = items.slice(0, 20).join(', ');
  return `\n  ${label} (${items.length}): ${shown}${items.length > 20 ? `, ... ${items.length - 20} more` : ''}`;
}

/**
 * Loads a torchvision `state_dict` into a model, from `.safetensors` or `.pth` (torch.save zip,
 * read safely: see `readPth`) bytes or from already parsed contents: conv OIHW → HWIO,
 * depthwise `[C,1,kh,kw]` → `[kh,kw,C,1]`, Linear transposed, BatchNorm weight/bias/running
 * stats. A checkpoint dict (`{'state_dict': ...}`), a `module.` prefix and timm's key names are
 * recognised and reported in `notes`. All-or-nothing: every key, shape and dtype is checked before
 * anything is assigned.
 *
 * Strict (default) throws a {@link WeightLoadError} naming missing, unexpected and
 * shape-mismatched keys. Non-strict loads what matches and reports the rest (e.g. ImageNet
 * weights into a 50-class model: `classifier.1.*` end up in `mismatched`), but refuses a file
 * that fills less than half the model unless `allowPartial: true`.
 *
 * @example
 * const net = efficientNetB3({ numClasses: 50, initializer: 'zeros' });
 * const report = loadTorchvisionWeights(net, bytes, { strict: false });
 * report.mismatched.map((m) => m.key); // ['classifier.1.weight', 'classifier.1.bias']
 */
export function loadTorchvisionWeights(
  net: EfficientNet | tf.LayersModel,
  weights: Uint8Array | SafetensorsContents,
  options: LoadWeightsOptions = {},
): WeightLoadReport {
  const model = modelOf(net);
  const strict = options.strict ?? true;
  if (typeof strict !== 'boolean') throw new TypeError(`options.strict must be a boolean; got ${String(strict)}`);
  const source = options.source ?? 'weights';
  let notes: readonly string[] = [];
  let contents: SafetensorsContents;
  if (weights instanceof Uint8Array) {
    const read = readWeights(weights, { source });
    contents = read;
    notes = read.notes;
  } else {
    if (!weights || !(weights.tensors instanceof Map))
      throw new TypeError('weights must be a Uint8Array or the result of readSafetensors / readPth / readWeights');
    const renamed = toTorchvisionNames(weights.tensors, source);
    contents = { tensors: renamed.tensors, metadata: weights.metadata };
    notes = [...((weights as { notes?: readonly string[] }).notes ?? []), ...renamed.notes];
  }
  const parameters = torchvisionParameters(model);
  const expected = new Set(parameters.map((p) => p.key));
  const missing: string[] = [];
  const mismatched: MismatchedKey[] = [];
  const plan: { parameter: TorchvisionParameter; data: Float32Array }[] = [];
  const counters = new Map<string, bigint>();
  for (const parameter of parameters) {
    const tensor = contents.tensors.get(parameter.key);
    if (!tensor) {
      if (parameter.layout !== 'counter') missing.push(parameter.key);
      continue;
    }
    const isFloat = tensor.data instanceof Float32Array;
    const wantsFloat = parameter.layout !== 'counter';
    if (!sameShape(tensor.shape, parameter.shape) || isFloat !== wantsFloat) {
      mismatched.push({ key: parameter.key, expected: parameter.shape, actual: tensor.shape, dtype: tensor.dtype });
      continue;
    }
    if (parameter.layout === 'counter')
      counters.set(parameter.key, BigInt((tensor.data as BigInt64Array | Int32Array)[0] ?? 0));
    else plan.push({ parameter, data: tensor.data as Float32Array });
  }
  const unexpected = [...contents.tensors.keys()].filter((key) => !expected.has(key));
  const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
  const total = parameters.reduce((sum, p) => sum + (p.layout === 'counter' ? 0 : size(p.shape)), 0);
  const loadedElements = plan.reduce((sum, p) => sum + size(p.parameter.shape), 0);
  const loadedFraction = total === 0 ? 1 : loadedElements / total;
  const report: WeightLoadReport = {
    loaded: [...plan.map((p) => p.parameter.key), ...counters.keys()],
    missing,
    unexpected,
    mismatched,
    loadedFraction,
    notes,
  };
  if (strict && (missing.length > 0 || unexpected.length > 0 || mismatched.length > 0)) {
    const mismatchText = mismatched.map(
      (m) => `${m.key} (model ${JSON.stringify(m.expected)}, file ${m.dtype} ${JSON.stringify(m.actual)})`,
    );
    throw new WeightLoadError(
      `${source}: strict load into "${model.name}" failed; nothing was ` +
        `loaded${formatList('missing', missing)}${formatList('unexpected', unexpected)}${formatList('shape mismatch', mismatchText)}`,
      report,
    );
  }
  if (!strict && !(options.allowPartial ?? false) && loadedFraction < MIN_PARTIAL_FRACTION) {
    throw new WeightLoadError(
      `${source}: only ${(100 * loadedFraction).toFixed(1)} % of the weights of "${model.name}" are ` +
        `in this file (${plan.length} of ${parameters.filter((p) => p.layout !== 'counter').length} tensors); ` +
        `it is probably for another variant. Nothing was loaded; pass allowPartial (--weights-partial) ` +
        `to load what fits anyway${formatList('missing', missing)}${formatList('unexpected', unexpected)}`,
      report,
    );
  }
  // Convert everything first; only then assign, so a failure cannot leave a half-loaded model.
  const converted: tf.Tensor[] = [];
  try {
    for (const { parameter, data } of plan) {
      converted.push(
        tf.tidy(() => {
          const tensor = tf.tensor(data, [...parameter.shape], 'float32');
          return parameter.layout === 'vector'
            ? tensor
            : tf.transpose(tensor, FROM_TORCH[parameter.layout as keyof typeof FROM_TORCH]);
        }),
      );
    }
  } catch (error) {
    tf.dispose(converted);
    throw error;
  }
  plan.forEach(({ parameter }, index) => parameter.variable!.write(converted[index]!));
  tf.dispose(converted);
  const stored = batchCounters.get(model) ?? new Map<string, bigint>();
  for (const [key, value] of counters) stored.set(key, value);
  batchCounters.set(model, stored);
  return report;
}

/**
 * A TF.js weight (or its gradient) in PyTorch's layout: conv HWIO → OIHW, depthwise
 * `[kh,kw,C,1]` → `[C,1,kh,kw]`, Dense `[I,O]` → Linear `[O,I]`; vectors are copied. Returns a
 * new tensor.
 *
 * @example
 * const grad = toTorchLayout(grads[p.variable!.read().name]!, p.layout); // compare with PyTorch's p.grad
 */
export function toTorchLayout(value: tf.Tensor, layout: TorchvisionLayout): tf.Tensor {
  if (layout === 'counter') throw new RangeError('toTorchLayout: num_batches_tracked has no TF.js tensor');
  return tf.tidy(() => (layout === 'vector' ? value.clone() : tf.transpose(value, TO_TORCH[layout])));
}

/**
 * The model's weights as a torchvision-named state_dict (PyTorch layouts), including an I64
 * `num_batches_tracked` per BatchNorm so `load_state_dict(strict=True)` accepts it.
 *
 * @example
 * const stateDict = torchvisionStateDict(net); // Map<'features.0.0.weight', { dtype: 'F32', shape: [32, 3, 3, 3], data }>
 */
export function torchvisionStateDict(net: EfficientNet | tf.LayersModel): Map<string, SafeTensorInput> {
  const model = modelOf(net);
  const counters = batchCounters.get(model);
  const result = new Map<string, SafeTensorInput>();
  for (const parameter of torchvisionParameters(model)) {
    if (parameter.layout === 'counter') {
      result.set(parameter.key, {
        dtype: 'I64',
        shape: [],
        data: new BigInt64Array([counters?.get(parameter.key) ?? 0n]),
      });
      continue;
    }
    const tensor = toTorchLayout(parameter.variable!.read(), parameter.layout);
    const data = new Float32Array(tensor.dataSync());
    tensor.dispose();
    result.set(parameter.key, { dtype: 'F32', shape: parameter.shape, data });
  }
  return result;
}

/**
 * Exports the model's weights as torchvision-named `.safetensors` bytes (F32, plus I64
 * `num_batches_tracked`), loadable with `model.load_state_dict(safetensors.torch.load_file(path))`.
 *
 * @param metadata extra `__metadata__` strings.
 * @example
 * const bytes = exportTorchvisionWeights(net);
 */
export function exportTorchvisionWeights(
  net: EfficientNet | tf.LayersModel,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  return writeSafetensors(torchvisionStateDict(net), { format: 'pt', producer: '@art/efficientnet', ...metadata });
}
