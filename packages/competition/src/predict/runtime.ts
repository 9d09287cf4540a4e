import type * as tf from '@tensorflow/tfjs';
import {
  createInferenceFunction,
  createOnnxInferenceFunction,
  isOnnxRuntimeAvailable,
  type EfficientNet,
  type OnnxExecutionProvider,
} from '@art/efficientnet';

/** Inference runtimes: `auto` (ONNX Runtime when onnxruntime-node is installed, else TF.js), `onnx`, `tfjs`. */
export const INFERENCE_RUNTIMES = ['auto', 'onnx', 'tfjs'] as const;
export type InferenceRuntime = (typeof INFERENCE_RUNTIMES)[number];

/** Options of {@link createPredictor}. */
export interface CreatePredictorOptions {
  /** Default `'auto'`. */
  runtime?: InferenceRuntime;
  /** ONNX Runtime only: `'cpu'` (default) or `'cuda'` (falls back to the CPU with a message). */
  executionProvider?: OnnxExecutionProvider;
  /** ONNX Runtime only: intra-op threads. Default: ONNX Runtime's (the physical cores). */
  threads?: number;
  /** Largest batch run at once. Default: no split. */
  maxBatchSize?: number;
  /** ONNX Runtime only: receives the CUDA fallback message. Default `console.warn`. */
  onFallback?: (message: string) => void;
}

/** A network's eval-mode predict on the chosen runtime. */
export interface RuntimePredictor {
  /**
   * `[N, H, W, 3]` → what `net.model.predict` returns; the caller disposes the result.
   * Synchronous on TF.js (so a pyramid runs it inside its `tf.tidy`), a Promise on ONNX Runtime.
   */
  readonly predict: ((images: tf.Tensor4D) => tf.Tensor) | ((images: tf.Tensor4D) => Promise<tf.Tensor>);
  /** The runtime `auto` resolved to. */
  readonly runtime: 'onnx' | 'tfjs';
  readonly description: string;
  dispose(): Promise<void>;
}

/**
 * The fast inference path of a trained network on ONNX Runtime (`createOnnxInferenceFunction`)
 * or TF.js (`createInferenceFunction`), for `predictProbabilities`, `extractFeatures` and a
 * `PyramidClassifier` backbone. Build it after training (it reads the weights once).
 *
 * @example
 * const predictor = await createPredictor(net, { runtime: 'auto' });
 * const probabilities = await predictProbabilities(predictor.predict, testLoader, { tta: 'hflip' });
 * const pyramid = new PyramidClassifier({ backbone: predictor.predict as Backbone, levels: [1, 2, 5], cropSize: 224 });
 * await predictor.dispose();
 */
export async function createPredictor(
  net: EfficientNet,
  options: CreatePredictorOptions = {},
): Promise<RuntimePredictor> {
  const requested = options.runtime ?? 'auto';
  if (!(INFERENCE_RUNTIMES as readonly string[]).includes(requested)) {
    throw new RangeError(
      `Unknown runtime ${JSON.stringify(requested)}; expected one of ${INFERENCE_RUNTIMES.join(', ')}`,
    );
  }
  const runtime = requested === 'auto' ? ((await isOnnxRuntimeAvailable()) ? 'onnx' : 'tfjs') : requested;
  const maxBatchSize = options.maxBatchSize === undefined ? {} : { maxBatchSize: options.maxBatchSize };
  if (runtime === 'onnx') {
    const predict = await createOnnxInferenceFunction(net, {
      ...maxBatchSize,
      ...(options.executionProvider === undefined ? {} : { executionProvider: options.executionProvider }),
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      ...(options.onFallback === undefined ? {} : { onFallback: options.onFallback }),
    });
    return { predict, runtime, description: predict.description, dispose: () => predict.dispose() };
  }
  const predict = createInferenceFunction(net, maxBatchSize);
  return {
    predict: (images: tf.Tensor4D) => predict(images),
    runtime,
    description: `TF.js ${predict.description}`,
    dispose: async () => predict.dispose(),
  };
}
