import type * as tf from '@tensorflow/tfjs';
import { EfficientNet } from './efficientnet.js';

/** Options of {@link freezeBackbone}. Give at most one of the two. */
export interface FreezeOptions {
  /**
   * How many of the last `features.i` modules stay trainable (the 1x1 head conv counts as one).
   * Default 0: only the classifier (`classifier.*`, `head.*`) trains.
   */
  trainableStages?: number;
  /** Alternatively: freeze only the first N `features.i` modules (stem = module 0), train the rest. */
  frozenStages?: number;
}

/** Parameter counts after (un)freezing. */
export interface FreezeSummary {
  readonly trainableParameters: number;
  readonly frozenParameters: number;
}

const STAGE_PATTERN = /^features\.(\d+)(?:\.|$)/;

const modelOf = (net: EfficientNet | tf.LayersModel): tf.LayersModel => (net instanceof EfficientNet ? net.model : net);

/** `features.<i>` index of a layer, or null for the classifier/head and parameterless glue. */
function stageOfLayer(layer: tf.layers.Layer): number | null {
  const match = STAGE_PATTERN.exec(layer.name);
  return match ? Number(match[1]) : null;
}

function summarize(model: tf.LayersModel): FreezeSummary {
  const size = (weights: tf.LayerVariable[]) =>
    weights
      .filter((w) => !/\/moving_(mean|variance)$/.test(w.originalName))
      .reduce((sum, w) => sum + w.shape.reduce<number>((a, b) => a * (b as number), 1), 0);
  return { trainableParameters: size(model.trainableWeights), frozenParameters: size(model.nonTrainableWeights) };
}

/**
 * Freezes the backbone for fine-tuning. Frozen BatchNorm layers still update their running
 * statistics when called with `training: true`, as in PyTorch with `requires_grad=False`;
 * recompile before `model.fit` after changing what is trainable.
 *
 * @param net an `EfficientNet` or a model with torchvision layer names (e.g. one loaded back).
 * @param options `{ trainableStages = 0 }` or `{ frozenStages }`.
 * @example
 * freezeBackbone(net);                         // only the classifier trains
 * freezeBackbone(net, { trainableStages: 2 }); // plus the last stage and the 1x1 head conv
 * freezeBackbone(net, { frozenStages: 3 });    // stem, stage 1 and 2 frozen
 */
export function freezeBackbone(net: EfficientNet | tf.LayersModel, options: FreezeOptions = {}): FreezeSummary {
  const model = modelOf(net);
  const stageCount = 1 + Math.max(-1, ...model.layers.map((layer) => stageOfLayer(layer) ?? -1));
  if (options.trainableStages !== undefined && options.frozenStages !== undefined) {
    throw new TypeError('freezeBackbone: give options.trainableStages or options.frozenStages, not both');
  }
  let firstTrainableStage = stageCount;
  if (options.trainableStages !== undefined) {
    const n = options.trainableStages;
    if (!Number.isInteger(n) || n < 0 || n > stageCount)
      throw new RangeError(`options.trainableStages must be an integer in 0..${stageCount}; got ${String(n)}`);
    firstTrainableStage = stageCount - n;
  } else if (options.frozenStages !== undefined) {
    const n = options.frozenStages;
    if (!Number.isInteger(n) || n < 0 || n > stageCount)
      throw new RangeError(`options.frozenStages must be an integer in 0..${stageCount}; got ${String(n)}`);
    firstTrainableStage = n;
  }
  for (const layer of model.layers) {
    const stage = stageOfLayer(layer);
    layer.trainable = stage === null || stage >= firstTrainableStage;
  }
  return summarize(model);
}

/**
 * Makes every layer trainable again.
 *
 * @example
 * unfreeze(net);
 */
export function unfreeze(net: EfficientNet | tf.LayersModel): FreezeSummary {
  const model = modelOf(net);
  for (const layer of model.layers) layer.trainable = true;
  return summarize(model);
}
