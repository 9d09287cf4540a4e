/**
 * Worker-thread entry of `AugmentationPool`. It rebuilds the pipeline from its albumentations
 * JSON, then answers one message per sample. A failing sample answers with an error message and
 * the worker keeps serving, so one bad image never takes the pool down.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { fromAlbumentationsDict, type AlbumentationsDict } from '../index.js';
import type { RawImage } from '../core/raw-image.js';
import type { DecodeImageOptions } from '../io/sharp.js';
import type { ResultMessage, TaskMessage, WireInput, WorkerSetup, WorkerToPool } from './protocol.js';
import { augmentSample, imageToTensor, type ApplicablePipeline } from './sample.js';

const port = parentPort;
if (port === null) throw new Error('@art/augment pool worker must run in a worker thread');
const setup = workerData as WorkerSetup;

let pipeline: ApplicablePipeline | undefined;
try {
  pipeline = fromAlbumentationsDict(setup.pipeline as AlbumentationsDict);
  port.postMessage({ type: 'ready' } satisfies WorkerToPool);
} catch (error) {
  port.postMessage({ type: 'setup-error', message: (error as Error).message } satisfies WorkerToPool);
}

type Decode = (source: string | Uint8Array, options: DecodeImageOptions) => Promise<RawImage>;
let decoder: Promise<Decode> | undefined;

/** sharp loads on the first path/bytes sample only: workers fed RawImages start faster without it. */
function decodeImage(source: string | Uint8Array, options: DecodeImageOptions): Promise<RawImage> {
  decoder ??= import('../io/sharp.js').then((module) => module.decodeImage);
  return decoder.then((decode) => decode(source, options));
}

async function toImage(input: WireInput): Promise<RawImage> {
  if (input.kind === 'raw') {
    const image: RawImage = { data: input.data, width: input.width, height: input.height, channels: input.channels };
    if (input.layout !== undefined) image.layout = input.layout;
    return image;
  }
  if (input.kind === 'path') return decodeImage(input.path, setup.decode);
  return decodeImage(input.bytes, setup.decode);
}

async function handle(task: TaskMessage): Promise<void> {
  try {
    const image = await toImage(task.input);
    // Every sample gets its own RNG from (base seed, index): the worker's identity plays no part.
    const { image: augmented, params } = augmentSample(pipeline!, image, setup.seed, task.index);
    const data = setup.output === 'tensor' ? imageToTensor(augmented, setup.layout) : augmented.data;
    const message: ResultMessage = {
      type: 'result',
      id: task.id,
      data,
      width: augmented.width,
      height: augmented.height,
      channels: augmented.channels,
      ...(setup.output === 'image' && augmented.layout !== undefined ? { layout: augmented.layout } : {}),
      ...(setup.returnParams ? { params } : {}),
    };
    port!.postMessage(message, transferable(data));
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    port!.postMessage({
      type: 'error',
      id: task.id,
      name: failure.name,
      message: failure.message,
      ...(failure.stack === undefined ? {} : { stack: failure.stack }),
    } satisfies WorkerToPool);
  }
}

/** The output buffer moves to the main thread without a copy when it owns its whole ArrayBuffer. */
function transferable(data: Uint8Array | Float32Array): ArrayBuffer[] {
  const buffer = data.buffer;
  return buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === buffer.byteLength
    ? [buffer]
    : [];
}

port.on('message', (task: TaskMessage) => {
  void handle(task);
});
