import type * as tf from '@tensorflow/tfjs';

/** The wasm backend's heap cannot grow past 4 GiB (32-bit WebAssembly memory). */
export const wasmMemoryCeilingBytes = 4 * 2 ** 30;

/**
 * wasm heap high-water mark of a training step per byte of layer outputs, measured on
 * EfficientNet-B0 at 224 px (TF.js 4.22, this package's kernels; `npm run bench`): forward
 * intermediates kept for the backward pass (BatchNorm moments, activations), gradients in
 * flight and heap fragmentation. About 7.7 with the stock copying `Identity` kernel.
 */
export const activationPeakFactor = 6;

export interface TrainingMemoryOptions {
  /** Bytes the step may use. Default: 85% of the 4 GiB wasm ceiling (the heap also fragments). */
  limitBytes?: number;
  /** Optimizer slots per parameter (Adam: 2, momentum: 1, SGD: 0). Default 2. */
  optimizerSlots?: number;
}

export interface TrainingMemoryEstimate {
  batchSize: number;
  /** Weights, their gradients (accumulated ones too) and optimizer slots. */
  parameterBytes: number;
  /** Sum of every layer's output for one sample. */
  activationBytesPerSample: number;
  /** Estimated peak of live tensor memory during one step at `batchSize`. */
  peakBytes: number;
  limitBytes: number;
  fits: boolean;
  /** Largest micro-batch whose estimated peak stays under `limitBytes` (0: not even one sample). */
  maxMicroBatchSize: number;
}

function elements(shape: readonly (number | null)[], what: string): number {
  let size = 1;
  for (const dim of shape) {
    if (dim === null)
      throw new RangeError(
        `estimateTrainingMemory: ${what} has an unknown dimension (${JSON.stringify(shape)}); pass inputShape`,
      );
    size *= dim;
  }
  return size;
}

/** Output shapes of every layer for one sample of `inputShape`, following the layer graph. */
function layerOutputElements(model: tf.LayersModel, inputShape: number[] | undefined): number {
  const shapes = new Map<number, (number | null)[]>();
  model.inputs.forEach((input, index) => {
    const shape = index === 0 && inputShape !== undefined ? [1, ...inputShape] : [1, ...input.shape.slice(1)];
    shapes.set(input.id, shape);
  });
  let total = 0;
  const containerNodes = new Set<unknown>();
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    for (const node of layer.inboundNodes) {
      const inputs = node.inputTensors.map((t) => shapes.get(t.id));
      if (inputs.some((s) => s === undefined)) continue; // a node of another model sharing this layer
      if (containerNodes.has(node)) continue;
      containerNodes.add(node);
      const computed = layer.computeOutputShape((inputs.length === 1 ? inputs[0] : inputs) as tf.Shape | tf.Shape[]);
      const outputs = (Array.isArray(computed[0]) || computed.length === 0 ? computed : [computed]) as (
        | number
        | null
      )[][];
      node.outputTensors.forEach((t, i) => {
        const shape = outputs[i] ?? outputs[0]!;
        shapes.set(t.id, shape);
        total += elements(shape, `the output of layer "${layer.name}"`);
      });
    }
  }
  return total;
}

/**
 * Estimates the peak memory of one training step (forward, backward, update) and the largest
 * micro-batch that stays under the wasm backend's 4 GiB ceiling.
 *
 * @param model a functional or sequential `tf.LayersModel`.
 * @param batchSize samples per step (per micro-batch when accumulating), integer >= 1.
 * @param inputShape one sample's shape, e.g. `[224, 224, 3]`. Default: the model's input shape.
 * @param options `{ limitBytes = 0.85 * 4 GiB, optimizerSlots = 2 }`
 * @example
 * const estimate = estimateTrainingMemory(net.model, 8, [224, 224, 3]);
 * if (!estimate.fits) console.log(`use microBatchSize <= ${estimate.maxMicroBatchSize}`);
 */
export function estimateTrainingMemory(
  model: tf.LayersModel,
  batchSize: number,
  inputShape?: number[],
  options: TrainingMemoryOptions = {},
): TrainingMemoryEstimate {
  if (model === null || typeof model !== 'object' || !Array.isArray((model as tf.LayersModel).layers)) {
    throw new TypeError('estimateTrainingMemory: model must be a tf.LayersModel');
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`estimateTrainingMemory: batchSize must be an integer >= 1, got ${String(batchSize)}`);
  }
  if (
    inputShape !== undefined &&
    (!Array.isArray(inputShape) || inputShape.some((d) => !Number.isInteger(d) || d < 1))
  ) {
    throw new RangeError(
      `estimateTrainingMemory: inputShape must be positive integers, got ${JSON.stringify(inputShape)}`,
    );
  }
  const limitBytes = options.limitBytes ?? 0.85 * wasmMemoryCeilingBytes;
  const optimizerSlots = options.optimizerSlots ?? 2;
  const parameters = model.countParams();
  // weights + gradient + accumulated gradient + optimizer slots
  const parameterBytes = 4 * parameters * (3 + optimizerSlots);
  const activationBytesPerSample = 4 * layerOutputElements(model, inputShape);
  const perSample = activationPeakFactor * activationBytesPerSample;
  const peakBytes = parameterBytes + batchSize * perSample;
  const maxMicroBatchSize = Math.max(0, Math.floor((limitBytes - parameterBytes) / perSample));
  return {
    batchSize,
    parameterBytes,
    activationBytesPerSample,
    peakBytes,
    limitBytes,
    fits: peakBytes <= limitBytes,
    maxMicroBatchSize,
  };
}

/** Formats bytes as GiB/MiB for error messages. */
export function formatBytes(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GiB` : `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}
