import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { fromAlbumentationsDict, toAlbumentationsDict, type AlbumentationsDict, type BaseTransform } from '../index.js';
import type { RawImage } from '../core/raw-image.js';
import type { DecodeImageOptions } from '../io/sharp.js';
import type { PoolOutputKind, TaskMessage, TensorLayout, WireInput, WorkerSetup, WorkerToPool } from './protocol.js';

/** What the pool accepts per sample: a decoded image, an image file path / `file:` URL, or encoded file bytes. */
export type PoolInput = RawImage | string | URL | Uint8Array | ArrayBuffer;

/** A pool result with `output: 'image'`. */
export interface PoolImageResult {
  /** The sample's index in the stream (its seed is `deriveSampleSeed(seed, index)`). */
  index: number;
  image: RawImage;
  /** The sampled parameters, with `returnParams: true`. */
  params?: unknown;
}

/** A pool result with `output: 'tensor'`. */
export interface PoolTensorResult {
  index: number;
  /** float32 values in `layout` order. */
  tensor: Float32Array;
  /** `[C, H, W]` for CHW, `[H, W, C]` for HWC. */
  shape: [number, number, number];
  layout: TensorLayout;
  params?: unknown;
}

/** The result type for an output kind. */
export type PoolResult<Output extends PoolOutputKind> = Output extends 'tensor' ? PoolTensorResult : PoolImageResult;

/** Options of {@link AugmentationPool}. */
export interface AugmentationPoolOptions<Output extends PoolOutputKind = 'image'> {
  /**
   * The pipeline: an @art/augment transform (e.g. a `Compose`) or its albumentations `to_dict`
   * JSON (`{ __version__, transform }`). Workers receive it as that JSON.
   */
  pipeline: object;
  /** Number of worker threads. Default: `max(1, availableParallelism() - 1)`. */
  workers?: number;
  /** Base seed; sample `i` is augmented with `createRng(deriveSampleSeed(seed, i))`. Default `0`. */
  seed?: number;
  /** `'image'` (default): the augmented RawImage; `'tensor'`: a float32 buffer via `toTensorBuffer`. */
  output?: Output;
  /** Tensor layout for `output: 'tensor'`. Default `'CHW'`. */
  layout?: TensorLayout;
  /** Options for decoding path / bytes inputs inside the workers (see `decodeImage`). */
  decode?: DecodeImageOptions;
  /**
   * Move input pixel / byte buffers to the worker instead of copying them (zero-copy). The
   * caller's buffer is detached afterwards. Default `false`. Outputs always move without a copy.
   */
  transferInput?: boolean;
  /** Also return each sample's sampled parameters. Default `false`. */
  returnParams?: boolean;
  /** Samples queued on one worker at a time, to hide message latency. Default `2`. */
  tasksPerWorker?: number;
  /** Worker entry override (a built `pool-worker.js`); found next to this module by default. */
  workerUrl?: URL;
}

/** Options of {@link AugmentationPool.map}. */
export interface PoolMapOptions {
  /** Index of the first input (sets the seeds). Default `0`. */
  startIndex?: number;
  /** Samples in flight at once. Default `workers * tasksPerWorker * 2`. */
  concurrency?: number;
}

/** The error a failed sample's promise rejects with; it names the sample's index and path. */
export class AugmentationSampleError extends Error {
  override name = 'AugmentationSampleError';
  constructor(
    message: string,
    /** Index of the sample in the stream. */
    readonly index: number,
    /** The input path, when the sample was given as a path. */
    readonly path: string | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

interface PendingTask {
  id: number;
  index: number;
  path: string | undefined;
  input: WireInput;
  transfer: ArrayBuffer[];
  resolve: (value: PoolImageResult | PoolTensorResult) => void;
  reject: (error: Error) => void;
}

interface WorkerSlot {
  worker: Worker;
  inFlight: Map<number, PendingTask>;
  ready: Promise<void>;
  rejectReady: (error: Error) => void;
  isReady: boolean;
  /** Set once the worker is gone (crashed, or stopped by the pool). */
  exited: boolean;
  /** Set when the pool itself stops the worker, so its exit is not a crash. */
  stopping: boolean;
}

const OUTPUT_KINDS: readonly PoolOutputKind[] = ['image', 'tensor'];
const LAYOUTS: readonly TensorLayout[] = ['CHW', 'HWC'];

/**
 * A pool of worker threads that augments a stream of images in parallel. Sample `i` always
 * gets the RNG `createRng(deriveSampleSeed(seed, i))`, so the output is byte-identical for any
 * number of workers and any scheduling, and `map` yields results in input order.
 *
 * Path and byte inputs are decoded inside the workers, so decoding runs in parallel too.
 * A sample that fails rejects its own promise with an {@link AugmentationSampleError} naming
 * its index (and path); the pool keeps working. Call `close()` when done.
 *
 * Works from the built package (`dist/pool-worker.js`) and from TypeScript sources run by
 * tsx or vitest (the worker then loads `worker.ts` through tsx's loader).
 *
 * @example
 * const pool = new AugmentationPool({ pipeline: b3TrainJson, workers: 2, seed: 42, output: 'tensor' });
 * for await (const { index, tensor, shape } of pool.map(['a.jpg', 'b.jpg'])) console.log(index, shape);
 * await pool.close();
 */
export class AugmentationPool<Output extends PoolOutputKind = 'image'> {
  /** Number of worker threads. */
  readonly workers: number;
  /** Base seed of the stream. */
  readonly seed: number;
  readonly #setup: WorkerSetup;
  readonly #slots: WorkerSlot[] = [];
  readonly #queue: PendingTask[] = [];
  readonly #tasksPerWorker: number;
  readonly #transferInput: boolean;
  readonly #workerUrl: URL | undefined;
  #nextTaskId = 0;
  #nextIndex = 0;
  #closing: Promise<void> | undefined;
  #fatal: Error | undefined;

  constructor(options: AugmentationPoolOptions<Output>) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`AugmentationPool: options must be an object with a pipeline; got ${String(options)}`);
    }
    const {
      workers = Math.max(1, availableParallelism() - 1),
      seed = 0,
      output = 'image' as Output,
      layout = 'CHW',
      decode = {},
      transferInput = false,
      returnParams = false,
      tasksPerWorker = 2,
    } = options;
    if (!Number.isInteger(workers) || workers < 1) {
      throw new RangeError(`AugmentationPool: options.workers must be a positive integer; got ${workers}`);
    }
    if (!Number.isSafeInteger(seed))
      throw new RangeError(`AugmentationPool: options.seed must be a safe integer; got ${seed}`);
    if (!OUTPUT_KINDS.includes(output)) {
      throw new RangeError(
        `AugmentationPool: options.output must be one of ${OUTPUT_KINDS.join(', ')}; got ${JSON.stringify(output)}`,
      );
    }
    if (!LAYOUTS.includes(layout)) {
      throw new RangeError(
        `AugmentationPool: options.layout must be one of ${LAYOUTS.join(', ')}; got ${JSON.stringify(layout)}`,
      );
    }
    if (!Number.isInteger(tasksPerWorker) || tasksPerWorker < 1) {
      throw new RangeError(
        `AugmentationPool: options.tasksPerWorker must be a positive integer; got ${tasksPerWorker}`,
      );
    }
    this.workers = workers;
    this.seed = seed;
    this.#tasksPerWorker = tasksPerWorker;
    this.#transferInput = transferInput;
    this.#workerUrl = options.workerUrl;
    this.#setup = { pipeline: pipelineDict(options.pipeline), seed, output, layout, decode, returnParams };
    for (let i = 0; i < workers; i += 1) this.#slots.push(this.#spawn());
  }

  /** Resolves once every worker has built the pipeline. */
  async ready(): Promise<void> {
    await Promise.all(this.#slots.map((slot) => slot.ready));
  }

  /**
   * Augments one sample. `index` (default: a counter of calls without an index) sets its seed.
   *
   * @example
   * const { image } = await pool.augment('painting.jpg', 0);
   */
  augment(input: PoolInput, index?: number): Promise<PoolResult<Output>> {
    const sampleIndex = index ?? this.#nextIndex++;
    if (!Number.isSafeInteger(sampleIndex) || sampleIndex < 0) {
      return Promise.reject(
        new RangeError(`AugmentationPool.augment: index must be a non-negative safe integer; got ${index}`),
      );
    }
    if (this.#closing !== undefined) {
      return Promise.reject(new Error(`AugmentationPool.augment: the pool is closed (sample ${sampleIndex})`));
    }
    if (this.#fatal !== undefined) return Promise.reject(this.#fatal);
    let wire: { input: WireInput; transfer: ArrayBuffer[]; path: string | undefined };
    try {
      wire = toWire(input, this.#transferInput);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<PoolResult<Output>>((resolve, reject) => {
      this.#queue.push({
        id: this.#nextTaskId++,
        index: sampleIndex,
        ...wire,
        resolve: resolve as (value: PoolImageResult | PoolTensorResult) => void,
        reject,
      });
      this.#dispatch();
    });
  }

  /**
   * Augments a stream of inputs, yielding results in input order; input `k` has index
   * `startIndex + k`. At most `concurrency` samples are in flight, so long streams do not
   * pile up in memory. A failed sample throws its {@link AugmentationSampleError} when reached.
   *
   * @example
   * for await (const { index, image } of pool.map(paths)) await writeImage(`out/${index}.png`, image);
   */
  async *map(
    inputs: Iterable<PoolInput> | AsyncIterable<PoolInput>,
    options: PoolMapOptions = {},
  ): AsyncGenerator<PoolResult<Output>> {
    const { startIndex = 0, concurrency = this.workers * this.#tasksPerWorker * 2 } = options;
    if (!Number.isSafeInteger(startIndex) || startIndex < 0) {
      throw new RangeError(
        `AugmentationPool.map: options.startIndex must be a non-negative safe integer; got ${startIndex}`,
      );
    }
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`AugmentationPool.map: options.concurrency must be a positive integer; got ${concurrency}`);
    }
    const window: Promise<PoolResult<Output>>[] = [];
    let index = startIndex;
    try {
      for await (const input of inputs) {
        const promise = this.augment(input, index++);
        promise.catch(() => undefined); // reported in order below, not as an unhandled rejection
        window.push(promise);
        if (window.length >= concurrency) yield await window.shift()!;
      }
      while (window.length > 0) yield await window.shift()!;
    } finally {
      for (const promise of window) promise.catch(() => undefined);
    }
  }

  /**
   * Finishes the queued samples, then stops the workers. Later `augment` calls reject.
   *
   * @example
   * await pool.close();
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#drained();
      await Promise.all(
        this.#slots.map((slot) => {
          if (slot.exited) return undefined;
          slot.stopping = true;
          slot.worker.ref(); // keep the process up until the worker has really stopped
          return slot.worker.terminate();
        }),
      );
    })();
    return this.#closing;
  }

  #drainWaiters: (() => void)[] = [];

  #drained(): Promise<void> {
    if (this.#idle()) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  #idle(): boolean {
    return this.#queue.length === 0 && this.#slots.every((slot) => slot.inFlight.size === 0);
  }

  #spawn(): WorkerSlot {
    const { entry, evalCode } = resolveWorkerEntry(this.#workerUrl);
    const worker = evalCode
      ? new Worker(entry as string, { eval: true, workerData: this.#setup })
      : new Worker(entry, { workerData: this.#setup });
    let markReady!: () => void;
    let failReady!: (error: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    ready.catch(() => undefined);
    const slot: WorkerSlot = {
      worker,
      inFlight: new Map(),
      ready,
      rejectReady: failReady,
      isReady: false,
      exited: false,
      stopping: false,
    };
    // Workers stay referenced while starting (so `await pool.ready()` holds the process open),
    // then are unreferenced whenever idle: an idle pool never keeps the process alive.
    worker.on('message', (message: WorkerToPool) => {
      if (message.type === 'ready') {
        slot.isReady = true;
        if (slot.inFlight.size === 0) worker.unref();
        markReady();
        return;
      }
      if (message.type === 'setup-error') {
        const error = new Error(`AugmentationPool: a worker could not build the pipeline: ${message.message}`);
        failReady(error);
        this.#fail(error);
        return;
      }
      const task = slot.inFlight.get(message.id);
      if (task === undefined) return;
      slot.inFlight.delete(message.id);
      if (message.type === 'error') {
        const cause = Object.assign(new Error(message.message), { name: message.name, stack: message.stack });
        task.reject(
          new AugmentationSampleError(
            `AugmentationPool: sample ${describeTask(task)} failed: ${message.message}`,
            task.index,
            task.path,
            { cause },
          ),
        );
      } else if (this.#setup.output === 'tensor') {
        const { width, height, channels } = message;
        task.resolve({
          index: task.index,
          tensor: message.data as Float32Array,
          shape: this.#setup.layout === 'CHW' ? [channels, height, width] : [height, width, channels],
          layout: this.#setup.layout,
          ...(this.#setup.returnParams ? { params: message.params } : {}),
        });
      } else {
        task.resolve({
          index: task.index,
          image: {
            data: message.data,
            width: message.width,
            height: message.height,
            channels: message.channels,
            ...(message.layout === undefined ? {} : { layout: message.layout }),
          },
          ...(this.#setup.returnParams ? { params: message.params } : {}),
        });
      }
      this.#afterTask(slot);
    });
    const crash = (reason: string, error?: Error) => {
      if (slot.exited) return;
      slot.exited = true;
      if (!slot.isReady) {
        // A worker that dies while starting would die again if replaced: stop the pool instead.
        const failure = new Error(`AugmentationPool: a worker failed to start: ${reason}`, { cause: error });
        failReady(failure);
        this.#fail(failure);
        return;
      }
      for (const task of slot.inFlight.values()) {
        task.reject(
          new AugmentationSampleError(
            `AugmentationPool: sample ${describeTask(task)} failed: its worker crashed (${reason})`,
            task.index,
            task.path,
            {
              cause: error,
            },
          ),
        );
      }
      slot.inFlight.clear();
      const position = this.#slots.indexOf(slot);
      if (position >= 0 && this.#fatal === undefined && (this.#closing === undefined || this.#queue.length > 0)) {
        this.#slots[position] = this.#spawn(); // replace it, so the pool keeps its size
      }
      this.#afterTask(slot);
    };
    worker.on('error', (error) => crash(error.message, error));
    worker.on('exit', (code) => {
      if (slot.stopping) slot.exited = true;
      else crash(`exit code ${code}`);
    });
    return slot;
  }

  #afterTask(slot: WorkerSlot): void {
    if (slot.inFlight.size === 0 && slot.isReady && !slot.exited) slot.worker.unref();
    this.#dispatch();
    if (this.#idle()) {
      for (const resolve of this.#drainWaiters.splice(0)) resolve();
    }
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      // The least busy live worker takes the next sample; which one it is never changes the output.
      let best: WorkerSlot | undefined;
      for (const slot of this.#slots) {
        if (
          !slot.exited &&
          slot.inFlight.size < this.#tasksPerWorker &&
          (best === undefined || slot.inFlight.size < best.inFlight.size)
        ) {
          best = slot;
        }
      }
      if (best === undefined) return;
      const task = this.#queue.shift()!;
      best.inFlight.set(task.id, task);
      best.worker.ref();
      const message: TaskMessage = { type: 'task', id: task.id, index: task.index, input: task.input };
      best.worker.postMessage(message, task.transfer);
    }
  }

  #fail(error: Error): void {
    if (this.#fatal !== undefined) return;
    this.#fatal = error;
    for (const task of this.#queue.splice(0)) task.reject(error);
    for (const slot of this.#slots) {
      slot.rejectReady(error); // no effect on a worker that was already ready
      for (const task of slot.inFlight.values()) task.reject(error);
      slot.inFlight.clear();
      if (!slot.exited) {
        slot.stopping = true;
        slot.exited = true;
        void slot.worker.terminate();
      }
    }
    for (const resolve of this.#drainWaiters.splice(0)) resolve();
  }
}

function describeTask(task: PendingTask): string {
  return task.path === undefined ? `${task.index}` : `${task.index} (${JSON.stringify(task.path)})`;
}

/** Turns the `pipeline` option into albumentations JSON, checking that it loads. */
function pipelineDict(pipeline: unknown): unknown {
  if (pipeline === null || typeof pipeline !== 'object') {
    throw new TypeError(
      `AugmentationPool: options.pipeline must be a transform or its albumentations to_dict JSON; got ${String(pipeline)}`,
    );
  }
  // Duck-typed rather than `instanceof`, so transforms from another copy of the package work too.
  const isTransform = typeof (pipeline as { toDict?: unknown }).toDict === 'function';
  const dict = isTransform ? toAlbumentationsDict(pipeline as BaseTransform) : (pipeline as AlbumentationsDict);
  try {
    fromAlbumentationsDict(dict); // fail here, in the caller's thread, rather than in every worker
  } catch (error) {
    throw new Error(`AugmentationPool: options.pipeline cannot be loaded: ${(error as Error).message}`, {
      cause: error,
    });
  }
  // A JSON round trip drops anything structured clone would choke on and matches what users save.
  return JSON.parse(JSON.stringify(dict));
}

function ownsBuffer(view: ArrayBufferView): boolean {
  return view.buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === view.buffer.byteLength;
}

/** Converts an input to its wire form; copies compactly unless a zero-copy transfer is allowed. */
function toWire(
  input: PoolInput,
  transferInput: boolean,
): { input: WireInput; transfer: ArrayBuffer[]; path: string | undefined } {
  if (typeof input === 'string') return { input: { kind: 'path', path: input }, transfer: [], path: input };
  if (input instanceof URL) {
    const path = fileURLToPath(input);
    return { input: { kind: 'path', path }, transfer: [], path };
  }
  if (input instanceof ArrayBuffer) {
    const bytes = new Uint8Array(transferInput ? input : input.slice(0));
    return { input: { kind: 'bytes', bytes }, transfer: [bytes.buffer as ArrayBuffer], path: undefined };
  }
  if (input instanceof Uint8Array) {
    const bytes = transferInput && ownsBuffer(input) ? input : input.slice();
    return { input: { kind: 'bytes', bytes }, transfer: [bytes.buffer as ArrayBuffer], path: undefined };
  }
  if (input !== null && typeof input === 'object' && 'data' in input) {
    const { data, width, height, channels, layout } = input;
    if (!(data instanceof Uint8Array || data instanceof Float32Array)) {
      throw new TypeError(
        `AugmentationPool.augment: image.data must be a Uint8Array or Float32Array; got ${Object.prototype.toString.call(data)}`,
      );
    }
    if (data.length !== width * height * channels) {
      throw new RangeError(
        `AugmentationPool.augment: image.data has ${data.length} values but width*height*channels = ${width}*${height}*${channels}`,
      );
    }
    const pixels = transferInput && ownsBuffer(data) ? data : data.slice();
    return {
      input: { kind: 'raw', data: pixels, width, height, channels, ...(layout === undefined ? {} : { layout }) },
      transfer: [pixels.buffer as ArrayBuffer],
      path: undefined,
    };
  }
  throw new TypeError(
    'AugmentationPool.augment: input must be a RawImage, a file path, a file: URL, a Uint8Array or an ArrayBuffer; ' +
      `got ${Object.prototype.toString.call(input)}`,
  );
}

/**
 * Finds the worker entry next to this module. From sources (`pool.ts`, run by tsx or vitest)
 * the worker is `worker.ts`, started through a small bootstrap that registers tsx's loader
 * first (`--import tsx` in a worker's execArgv does not apply to its entry on Node 20).
 * From the build it is `pool-worker.js` (tsup entry) or `worker.js` (a tsc-style build).
 */
function resolveWorkerEntry(override: URL | undefined): { entry: URL | string; evalCode: boolean } {
  const here = import.meta.url;
  const isTypeScript = /\.[mc]?ts$/.test(new URL(here).pathname);
  const candidates = override
    ? [override]
    : isTypeScript
      ? [new URL('./worker.ts', here)]
      : [new URL('./pool-worker.js', here), new URL('./worker.js', here)];
  const entry = candidates.find((url) => existsSync(fileURLToPath(url)));
  if (entry === undefined) {
    throw new Error(
      `AugmentationPool: cannot find the worker entry; looked for ${candidates.map((url) => fileURLToPath(url)).join(', ')}`,
    );
  }
  if (!/\.[mc]?ts$/.test(entry.pathname)) return { entry, evalCode: false };
  let tsxApi: string;
  try {
    // `require.resolve` picks the CommonJS build of the API; its ESM twin registers the hooks correctly.
    const resolved = createRequire(here).resolve('tsx/esm/api');
    const esm = resolved.replace(/\.cjs$/, '.mjs');
    tsxApi = pathToFileURL(existsSync(esm) ? esm : resolved).href;
  } catch (error) {
    throw new Error(
      'AugmentationPool: running from TypeScript sources needs the `tsx` package to load the worker; install it or use the built package',
      {
        cause: error,
      },
    );
  }
  const bootstrap =
    `import(${JSON.stringify(tsxApi)})` +
    `.then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })` +
    `.catch((error) => { setImmediate(() => { throw error; }); });`;
  return { entry: bootstrap, evalCode: true };
}
