import * as tf from '@tensorflow/tfjs';
import { estimateTrainingMemory, formatBytes, wasmMemoryCeilingBytes, type TrainingMemoryOptions } from './memory.js';

/** Losses known by name; each takes `(yTrue, yPred)` and returns the batch mean. */
export const lossNames = ['softmaxCrossEntropy', 'sparseSoftmaxCrossEntropy', 'meanSquaredError'] as const;
export type LossName = (typeof lossNames)[number];
export type LossFunction = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;

export interface TrainStepOptions {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  /**
   * A mean-over-the-batch loss `(yTrue, yPred) => tf.Scalar`, or a name:
   * `softmaxCrossEntropy` (one-hot labels, logits), `sparseSoftmaxCrossEntropy` (class indices,
   * logits), `meanSquaredError`.
   */
  loss: LossFunction | LossName;
  /**
   * Samples per forward/backward pass; gradients of the micro-batches are accumulated and
   * applied once. Default: the whole batch, or on the wasm backend the largest micro-batch
   * `estimateTrainingMemory` fits under the 4 GiB ceiling.
   */
  microBatchSize?: number;
  /** Memory limit and optimizer slots for the wasm ceiling check (see `estimateTrainingMemory`). */
  memory?: TrainingMemoryOptions;
}

/** One optimisation step on a batch; resolves to the batch's mean loss. */
export type TrainStep = (x: tf.Tensor, y: tf.Tensor) => Promise<number>;

function resolveLoss(loss: TrainStepOptions['loss']): LossFunction {
  if (typeof loss === 'function') return loss;
  switch (loss) {
    case 'softmaxCrossEntropy':
      return (yTrue, yPred) => tf.losses.softmaxCrossEntropy(yTrue, yPred) as tf.Scalar;
    case 'sparseSoftmaxCrossEntropy':
      return (yTrue, yPred) =>
        tf.tidy(
          () =>
            tf.losses.softmaxCrossEntropy(
              tf.oneHot(tf.cast(tf.reshape(yTrue, [-1]), 'int32'), yPred.shape[1]!),
              yPred,
            ) as tf.Scalar,
        );
    case 'meanSquaredError':
      return (yTrue, yPred) => tf.losses.meanSquaredError(yTrue, yPred) as tf.Scalar;
    default:
      throw new RangeError(
        `createTrainStep: unknown loss "${String(loss)}"; expected a function or one of ${lossNames.join(', ')}`,
      );
  }
}

const wasmAbort =
  /Aborted\(|memory access out of bounds|Cannot enlarge memory|Out of memory|Array buffer allocation failed/i;

/**
 * Builds a training step with micro-batching and gradient accumulation.
 *
 * Each micro-batch of size b (of a batch of B) contributes `(b / B) * grad(loss_b)`, so for a
 * mean loss the accumulated gradient equals the full-batch gradient. Exception: BatchNorm in
 * training mode normalises with the statistics of each micro-batch (and updates its moving
 * averages once per micro-batch), so with BatchNorm the result matches training at the
 * micro-batch size, not at B. Dropout draws differ per micro-batch as well.
 *
 * On the wasm backend the step first checks `estimateTrainingMemory` and throws a RangeError
 * naming a micro-batch size that fits, instead of letting the 4 GiB heap abort.
 *
 * @param options `{ model, optimizer, loss, microBatchSize = whole batch (wasm: largest that fits), memory }`
 * @returns `(x, y) => Promise<number>`: the batch's mean loss before the update.
 * @example
 * const step = createTrainStep({ model: net.model, optimizer: tf.train.adam(1e-3), loss: 'softmaxCrossEntropy', microBatchSize: 4 });
 * const loss = await step(images, oneHotLabels); // batch of 8: two micro-batches of 4
 */
export function createTrainStep(options: TrainStepOptions): TrainStep {
  if (options === null || typeof options !== 'object')
    throw new TypeError('createTrainStep: options must be an object');
  const { model, optimizer, microBatchSize } = options;
  if (
    model === null ||
    typeof model !== 'object' ||
    typeof (model as tf.LayersModel).apply !== 'function' ||
    !Array.isArray(model.trainableWeights)
  ) {
    throw new TypeError('createTrainStep: model must be a tf.LayersModel');
  }
  if (
    optimizer === null ||
    typeof optimizer !== 'object' ||
    typeof (optimizer as tf.Optimizer).applyGradients !== 'function'
  ) {
    throw new TypeError('createTrainStep: optimizer must be a tf.Optimizer (e.g. tf.train.adam(1e-3))');
  }
  if (microBatchSize !== undefined && (!Number.isInteger(microBatchSize) || microBatchSize < 1)) {
    throw new RangeError(`createTrainStep: microBatchSize must be an integer >= 1, got ${String(microBatchSize)}`);
  }
  const lossFunction = resolveLoss(options.loss);
  const estimates = new Map<string, ReturnType<typeof estimateTrainingMemory>>();

  const chooseMicroBatch = (x: tf.Tensor): number => {
    const batch = x.shape[0]!;
    const requested = Math.min(microBatchSize ?? batch, batch);
    if (tf.getBackend() !== 'wasm') return requested;
    const key = x.shape.slice(1).join('x');
    let estimate = estimates.get(key);
    if (estimate === undefined) {
      estimate = estimateTrainingMemory(model, 1, x.shape.slice(1), options.memory);
      estimates.set(key, estimate);
    }
    const fitting = estimate.maxMicroBatchSize;
    if (fitting < 1) {
      throw new RangeError(
        `createTrainStep: one sample of shape [${x.shape.slice(1).join(', ')}] needs about ${formatBytes(estimate.peakBytes)} ` +
          `on the wasm backend, above its ${formatBytes(estimate.limitBytes)} budget (4 GiB ceiling); use a smaller input or another backend`,
      );
    }
    if (microBatchSize === undefined) return Math.min(batch, fitting);
    if (requested > fitting) {
      const needed = estimate.parameterBytes + requested * (estimate.peakBytes - estimate.parameterBytes);
      throw new RangeError(
        `createTrainStep: microBatchSize ${requested} needs about ${formatBytes(needed)} on the wasm backend, above its ` +
          `${formatBytes(estimate.limitBytes)} budget (the heap cannot grow past ${formatBytes(wasmMemoryCeilingBytes)}); use microBatchSize <= ${fitting}`,
      );
    }
    return requested;
  };

  return async (x: tf.Tensor, y: tf.Tensor): Promise<number> => {
    if (!(x instanceof tf.Tensor) || !(y instanceof tf.Tensor))
      throw new TypeError('trainStep: x and y must be tf.Tensors');
    const batch = x.shape[0];
    if (x.rank < 1 || batch === undefined || batch < 1)
      throw new RangeError(`trainStep: x must have a batch dimension, got shape [${x.shape.join(', ')}]`);
    if (y.shape[0] !== batch) throw new RangeError(`trainStep: y has ${y.shape[0]} samples but x has ${batch}`);
    const micro = chooseMicroBatch(x);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    let accumulated: tf.NamedTensorMap | null = null;
    const losses: tf.Scalar[] = [];
    try {
      for (let start = 0; start < batch; start += micro) {
        const size = Math.min(micro, batch - start);
        const weight = size / batch;
        const { value, grads } = tf.tidy(() => {
          const xPart = size === batch ? x : tf.slice(x, start, size);
          const yPart = size === batch ? y : tf.slice(y, start, size);
          return tf.variableGrads(() => {
            const prediction = model.apply(xPart, { training: true }) as tf.Tensor;
            let total = lossFunction(yPart, prediction);
            // Regularisation penalties belong to the step once: weight them like the data loss.
            for (const penalty of model.calculateLosses()) total = tf.add(total, penalty);
            return tf.mul(total, weight) as tf.Scalar;
          }, variables);
        });
        losses.push(value);
        if (accumulated === null) {
          accumulated = grads;
        } else {
          const previous: tf.NamedTensorMap = accumulated;
          accumulated = {};
          for (const name of Object.keys(grads)) {
            accumulated[name] = tf.add(previous[name]!, grads[name]!);
            previous[name]!.dispose();
            grads[name]!.dispose();
          }
        }
      }
      optimizer.applyGradients(accumulated!);
      const total = tf.tidy(() => tf.addN(losses));
      const [lossValue] = await total.data();
      total.dispose();
      return lossValue!;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (tf.getBackend() === 'wasm' && wasmAbort.test(message)) {
        throw new RangeError(
          `trainStep: the wasm backend ran out of memory (${message.slice(0, 120)}) at micro-batch ${micro}; ` +
            `pass a smaller microBatchSize (estimateTrainingMemory suggests at most ${estimates.get(x.shape.slice(1).join('x'))?.maxMicroBatchSize ?? '?'})` +
            '. The wasm module may be unusable after an abort: restart the process.',
          { cause: error },
        );
      }
      throw error;
    } finally {
      if (accumulated !== null) tf.dispose(accumulated);
      tf.dispose(losses);
    }
  };
}
