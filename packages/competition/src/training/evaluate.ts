import * as tf from '@tensorflow/tfjs';
import { MetricsAccumulator } from '@art/metrics';
import { NonFinitePredictionsError } from '../errors.js';
import type { BatchSource } from '../data/array-loader.js';

/** Result of {@link evaluate}. */
export interface EvaluationResult {
  /** Mean cross-entropy of the softmax probabilities. */
  loss: number;
  accuracy: number;
  macroF1: number;
  /** `confusionMatrix[true][predicted]`. */
  confusionMatrix: number[][];
  /** Softmax probabilities `[N × numClasses]`, rows in dataset-index order. */
  probabilities: Float32Array;
  /** True class of each row (dataset-index order). */
  labels: Int32Array;
}

/** Maps a batch of images to logits `[N, numClasses]`; defaults to `model.predict`. */
export type LogitsFunction = (x: tf.Tensor4D) => tf.Tensor2D;

/**
 * Runs the model on every batch of a labelled loader (epoch `epoch`, default 0, so
 * validation crops stay the same every time) and computes loss, accuracy, Macro F1 and the
 * confusion matrix. No tensor is left behind.
 *
 * @throws {NonFinitePredictionsError} when the model's scores are NaN or infinite (diverged weights)
 *
 * @example
 * const { macroF1 } = await evaluate(model, validLoader, { numClasses: 50 });
 */
export async function evaluate(
  model: tf.LayersModel | LogitsFunction,
  loader: BatchSource,
  options: { numClasses: number; epoch?: number; batchSize?: number },
): Promise<EvaluationResult> {
  const { numClasses, epoch = 0 } = options;
  if (!Number.isInteger(numClasses) || numClasses < 2)
    throw new RangeError(`evaluate: numClasses must be an integer >= 2, got ${numClasses}`);
  const logitsOf: LogitsFunction = typeof model === 'function' ? model : (x) => model.predict(x) as tf.Tensor2D;
  const rows: { index: number; probabilities: Float32Array; label: number }[] = [];
  const accumulator = new MetricsAccumulator({ numClasses });
  let lossSum = 0;
  for await (const batch of loader.batches(epoch)) {
    try {
      if (!batch.labels) throw new Error('evaluate: the loader has no labels');
      const probabilities = tf.tidy(() => tf.softmax(logitsOf(batch.x)));
      const values = (await probabilities.data()) as Float32Array;
      probabilities.dispose();
      if (values.length !== batch.indices.length * numClasses) {
        throw new RangeError(
          `evaluate: the model returns ${values.length / batch.indices.length} classes per image, expected numClasses = ${numClasses}`,
        );
      }
      const bad = values.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new NonFinitePredictionsError(batch.indices[Math.floor(bad / numClasses)]!);
      accumulator.update(batch.labels, values);
      batch.indices.forEach((index, k) => {
        const row = values.slice(k * numClasses, (k + 1) * numClasses);
        const label = batch.labels![k]!;
        lossSum += -Math.log(Math.max(row[label]!, 1e-12));
        rows.push({ index, probabilities: row, label });
      });
    } finally {
      batch.x.dispose();
    }
  }
  if (rows.length === 0) throw new Error('evaluate: the loader yielded no samples');
  rows.sort((a, b) => a.index - b.index);
  const probabilities = new Float32Array(rows.length * numClasses);
  rows.forEach((r, i) => probabilities.set(r.probabilities, i * numClasses));
  const metrics = accumulator.compute();
  return {
    loss: lossSum / rows.length,
    accuracy: metrics.accuracy,
    macroF1: metrics.macroF1,
    confusionMatrix: Array.from(metrics.confusionMatrix as ArrayLike<ArrayLike<number>>, (row) => Array.from(row)),
    probabilities,
    labels: Int32Array.from(rows, (r) => r.label),
  };
}
