import * as tf from '@tensorflow/tfjs';
import type { EfficientNet } from '../efficientnet.js';
import { defaultOnnxOutput, exportOnnx } from './export.js';

/** The part of an ONNX Runtime JS module (`onnxruntime-node`, `onnxruntime-web`) used here. */
export interface OnnxRuntimeModule {
  InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OnnxRuntimeSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OnnxRuntimeTensor;
  env?: { versions?: { common?: string } };
}

/** An ONNX Runtime inference session (the calls used here). */
export interface OnnxRuntimeSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OnnxRuntimeTensor>): Promise<Record<string, OnnxRuntimeTensor>>;
  release(): Promise<void>;
}

/** An ONNX Runtime tensor (the fields used here). */
export interface OnnxRuntimeTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
  dispose?(): void;
}

/** Execution providers {@link createOnnxSession} can ask for. */
export const ONNX_EXECUTION_PROVIDERS = ['cpu', 'cuda'] as const;
export type OnnxExecutionProvider = (typeof ONNX_EXECUTION_PROVIDERS)[number];

/** The optional peer dependency that runs ONNX models in Node. */
const NODE_RUNTIME = 'onnxruntime-node';

/**
 * Imports `onnxruntime-node` (an optional peer dependency of this package).
 *
 * @returns the module, or throws one line naming the package and how to install it.
 * @example
 * const ort = await loadOnnxRuntime();
 */
export async function loadOnnxRuntime(): Promise<OnnxRuntimeModule> {
  try {
    // A computed specifier: bundlers for the browser must not try to resolve the Node runtime.
    const specifier = NODE_RUNTIME;
    const module = (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as OnnxRuntimeModule & {
      default?: OnnxRuntimeModule;
    };
    return module.InferenceSession ? module : module.default!;
  } catch (error) {
    throw new Error(
      `ONNX Runtime is not installed: cannot import "${NODE_RUNTIME}" (${(error as Error).message.split('\n')[0]}). ` +
        `Install it with \`npm install ${NODE_RUNTIME}\` (an optional peer dependency of @art/efficientnet), ` +
        `or pass options.ort (e.g. onnxruntime-web in a browser).`,
      { cause: error },
    );
  }
}

/**
 * Whether `onnxruntime-node` can be imported here (what `--runtime auto` asks).
 *
 * @example
 * const runtime = (await isOnnxRuntimeAvailable()) ? 'onnx' : 'tfjs';
 */
export async function isOnnxRuntimeAvailable(): Promise<boolean> {
  try {
    await loadOnnxRuntime();
    return true;
  } catch {
    return false;
  }
}

/** Options of {@link createOnnxSession} and {@link createOnnxInferenceFunction}. */
export interface OnnxSessionOptions {
  /**
   * `'cpu'` (default) or `'cuda'`. CUDA needs onnxruntime-node's CUDA binaries (see the README,
   * "GPU inference"); when they cannot load, the session runs on the CPU and `onFallback` is told why.
   */
  executionProvider?: OnnxExecutionProvider;
  /** Threads of one operator (ONNX Runtime's `intraOpNumThreads`). Default: ONNX Runtime's (the physical cores). */
  threads?: number;
  /** The runtime module. Default: `onnxruntime-node`, imported on first use; pass `onnxruntime-web`'s in a browser. */
  ort?: OnnxRuntimeModule;
  /** Receives the one-line message when CUDA cannot load. Default: `console.warn`. */
  onFallback?: (message: string) => void;
}

/** A loaded ONNX model and where it runs. */
export interface OnnxSession {
  readonly session: OnnxRuntimeSession;
  readonly ort: OnnxRuntimeModule;
  /** The provider the session actually runs on (`'cpu'` after a CUDA fallback). */
  readonly executionProvider: OnnxExecutionProvider;
}

/**
 * Creates an ONNX Runtime session for a model, on the CPU or on CUDA with a fallback to the CPU.
 *
 * @example
 * const { session, executionProvider } = await createOnnxSession(exportOnnx(net), { executionProvider: 'cuda' });
 */
export async function createOnnxSession(model: Uint8Array, options: OnnxSessionOptions = {}): Promise<OnnxSession> {
  const executionProvider = options.executionProvider ?? 'cpu';
  if (!(ONNX_EXECUTION_PROVIDERS as readonly string[]).includes(executionProvider)) {
    throw new RangeError(
      `Unknown executionProvider ${JSON.stringify(executionProvider)}; expected one of ${ONNX_EXECUTION_PROVIDERS.join(', ')}`,
    );
  }
  const threads = options.threads;
  if (threads !== undefined && !(Number.isInteger(threads) && threads > 0))
    throw new RangeError(`options.threads must be a positive integer; got ${String(threads)}`);
  const ort = options.ort ?? (await loadOnnxRuntime());
  const sessionOptions = (provider: OnnxExecutionProvider): Record<string, unknown> => ({
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    ...(threads === undefined ? {} : { intraOpNumThreads: threads, interOpNumThreads: 1 }),
  });
  if (executionProvider === 'cuda') {
    try {
      return {
        session: await ort.InferenceSession.create(model, sessionOptions('cuda')),
        ort,
        executionProvider: 'cuda',
      };
    } catch (error) {
      const reason = (error as Error).message.split('\n')[0];
      (options.onFallback ?? console.warn)(
        `ONNX Runtime: the CUDA execution provider cannot load (${reason}); running on the CPU. ` +
          'For GPU inference install its CUDA binaries: `npm rebuild onnxruntime-node --onnxruntime-node-install=cuda12` (needs network, CUDA 12 and cuDNN 9).',
      );
    }
  }
  return { session: await ort.InferenceSession.create(model, sessionOptions('cpu')), ort, executionProvider: 'cpu' };
}

/** Options of {@link createOnnxInferenceFunction}. */
export interface OnnxInferenceFunctionOptions extends OnnxSessionOptions {
  /** Largest batch run at once; bigger inputs are split and the results concatenated. Default: no split. */
  maxBatchSize?: number;
}

/**
 * `createInferenceFunction`'s contract on ONNX Runtime: `predict(x)` takes the same `[N, H, W, 3]`
 * tensor and resolves to what `net.model.predict(x)` returns, as a new tensor the caller
 * disposes; the input is not disposed. Asynchronous, because ONNX Runtime's `run` is.
 */
export interface OnnxInferenceFunction {
  (input: tf.Tensor4D): Promise<tf.Tensor>;
  /** Releases the ONNX Runtime session (the network is untouched). */
  dispose(): Promise<void>;
  /** What the function runs, for logs and benchmarks. */
  readonly description: string;
  /** Where it runs (`'cpu'` after a CUDA fallback). */
  readonly executionProvider: OnnxExecutionProvider;
}

function checkMaxBatchSize(value: number | undefined): number {
  const maxBatchSize = value ?? Number.POSITIVE_INFINITY;
  if (!(maxBatchSize === Number.POSITIVE_INFINITY || (Number.isInteger(maxBatchSize) && maxBatchSize > 0))) {
    throw new RangeError(`options.maxBatchSize must be a positive integer; got ${String(value)}`);
  }
  return maxBatchSize;
}

/**
 * Runs an EfficientNet through ONNX Runtime: exports it (`exportOnnx`, NHWC input, BatchNorm
 * folded, torchvision padding) from its current weights, loads the bytes into a session (CPU, or
 * CUDA with a CPU fallback), and returns a predict function with `createInferenceFunction`'s
 * contract, except that it returns a Promise. Rebuild it after the weights change.
 *
 * @param net a built EfficientNet (any variant, head or feature configuration).
 * @param options execution provider (default `'cpu'`), threads, `maxBatchSize`, the runtime module.
 * @example
 * const predict = await createOnnxInferenceFunction(net, { threads: 2 });
 * const logits = await predict(images); // same as net.model.predict(images), within float32 rounding
 * await predict.dispose();
 */
export async function createOnnxInferenceFunction(
  net: EfficientNet,
  options: OnnxInferenceFunctionOptions = {},
): Promise<OnnxInferenceFunction> {
  const maxBatchSize = checkMaxBatchSize(options.maxBatchSize);
  const output = defaultOnnxOutput(net);
  const { session, ort, executionProvider } = await createOnnxSession(exportOnnx(net, { layout: 'NHWC' }), options);
  let disposed = false;

  const runPart = async (values: Float32Array, dims: readonly number[]): Promise<tf.Tensor> => {
    const feed = new ort.Tensor('float32', values, dims);
    const results = await session.run({ input: feed });
    const result = results[output]!;
    try {
      return tf.tensor(result.data as Float32Array, [...result.dims], 'float32');
    } finally {
      feed.dispose?.();
      for (const tensor of Object.values(results)) tensor.dispose?.();
    }
  };

  const predict = (async (input: tf.Tensor4D): Promise<tf.Tensor> => {
    if (disposed) throw new Error('createOnnxInferenceFunction: this function was disposed');
    if (!(input instanceof tf.Tensor) || input.rank !== 4 || input.shape[3] !== 3) {
      throw new TypeError(
        `predict expects a [N, H, W, 3] tensor; got ${input instanceof tf.Tensor ? `shape [${input.shape.join(', ')}]` : String(input)}`,
      );
    }
    const [batch, height, width] = input.shape;
    const values =
      input.dtype === 'float32' ? ((await input.data()) as Float32Array) : Float32Array.from(await input.data());
    if (batch <= maxBatchSize) return runPart(values, input.shape);
    const perImage = height * width * 3;
    const parts: tf.Tensor[] = [];
    try {
      for (let start = 0; start < batch; start += maxBatchSize) {
        const size = Math.min(maxBatchSize, batch - start);
        parts.push(await runPart(values.slice(start * perImage, (start + size) * perImage), [size, height, width, 3]));
      }
      return tf.concat(parts, 0);
    } finally {
      tf.dispose(parts);
    }
  }) as OnnxInferenceFunction;
  const version = ort.env?.versions?.common;
  Object.defineProperties(predict, {
    dispose: {
      value: async () => {
        if (disposed) return;
        disposed = true;
        await session.release();
      },
    },
    description: {
      value: `ONNX Runtime${version ? ` ${version}` : ''} (${executionProvider} execution provider), exported graph with BatchNorm folded, output "${output}"`,
    },
    executionProvider: { value: executionProvider },
  });
  return predict;
}
