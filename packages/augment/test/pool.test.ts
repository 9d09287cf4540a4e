import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromAlbumentationsDict, toTensorBuffer, type AlbumentationsDict } from '../src/index.js';
import { cloneImage, type RawImage } from '../src/core/raw-image.js';
import { decodeImage, encodePng } from '../src/io/index.js';
import {
  AugmentationPool,
  AugmentationSampleError,
  augmentSample,
  deriveSampleSeed,
  type ApplicablePipeline,
} from '../src/pool/index.js';

/** A small version of the seed's B3 train recipe: the same random steps, on tiny images. */
const pipelineJson = {
  __version__: '1.3.1',
  transform: {
    __class_fullname__: 'Compose',
    p: 1,
    transforms: [
      { __class_fullname__: 'RandomCrop', always_apply: false, p: 1, height: 26, width: 30 },
      { __class_fullname__: 'Resize', always_apply: false, p: 1, height: 24, width: 28, interpolation: 1 },
      {
        __class_fullname__: 'CoarseDropout',
        always_apply: false,
        p: 0.5,
        max_holes: 2,
        max_height: 6,
        max_width: 6,
        min_holes: 1,
        min_height: 3,
        min_width: 3,
        fill_value: 0,
        mask_fill_value: null,
      },
      {
        __class_fullname__: 'OneOf',
        p: 0.9,
        transforms: [
          { __class_fullname__: 'MotionBlur', always_apply: false, p: 1, blur_limit: [3, 7], allow_shifted: true },
          {
            __class_fullname__: 'OpticalDistortion',
            always_apply: false,
            p: 1,
            distort_limit: [-0.3, 0.3],
            shift_limit: [-0.05, 0.05],
            interpolation: 1,
            border_mode: 4,
            value: null,
            mask_value: null,
          },
          {
            __class_fullname__: 'GaussNoise',
            always_apply: false,
            p: 1,
            var_limit: [10, 50],
            per_channel: true,
            mean: 0,
          },
        ],
      },
      { __class_fullname__: 'VerticalFlip', always_apply: false, p: 0.5 },
      { __class_fullname__: 'HorizontalFlip', always_apply: false, p: 0.5 },
    ],
    bbox_params: null,
    keypoint_params: null,
    additional_targets: {},
    is_check_shapes: true,
  },
};

const SAMPLES = 10;
const SEED = 1234;

/** Deterministic varied test images (a hash pattern, so every transform changes pixels). */
function makeImage(index: number, width = 36, height = 30): RawImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 1)
    data[i] = (Math.imul(i + 1, 2654435761) ^ Math.imul(index + 7, 40503)) >>> 24;
  return { data, width, height, channels: 3 };
}

const inputs = Array.from({ length: SAMPLES }, (_, index) => makeImage(index));
let reference: ApplicablePipeline;
let expected: RawImage[];
let directory: string;
/**
 * Worker start-up from TypeScript sources costs about half a second each, so the tests share
 * three pools: 1 worker (zero-copy inputs), 2 workers (with params) and 3 workers (built from a
 * transform object rather than JSON).
 */
let single: AugmentationPool;
let double: AugmentationPool;
let triple: AugmentationPool;

beforeAll(async () => {
  reference = fromAlbumentationsDict(pipelineJson as AlbumentationsDict);
  expected = inputs.map((input, index) => augmentSample(reference, input, SEED, index).image);
  directory = await mkdtemp(join(tmpdir(), 'art-augment-pool-'));
  single = new AugmentationPool({ pipeline: pipelineJson, workers: 1, seed: SEED, transferInput: true });
  double = new AugmentationPool({ pipeline: pipelineJson, workers: 2, seed: SEED, returnParams: true });
  triple = new AugmentationPool({ pipeline: reference as object, workers: 3, seed: SEED });
});
afterAll(async () => {
  await Promise.all([single.close(), double.close(), triple.close()]);
  await rm(directory, { recursive: true, force: true });
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

function bytes(image: RawImage): Buffer {
  return Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
}

describe('deriveSampleSeed', () => {
  it('is deterministic, uint32, distinct across indices and base seeds', () => {
    expect(deriveSampleSeed(1, 5)).toBe(deriveSampleSeed(1, 5));
    const seeds = new Set<number>();
    for (let index = 0; index < 2000; index += 1) seeds.add(deriveSampleSeed(7, index));
    for (let base = 0; base < 2000; base += 1) seeds.add(deriveSampleSeed(base, 3));
    expect(seeds.size).toBeGreaterThan(3990); // a couple of 32-bit collisions across the two sets at most
    expect(deriveSampleSeed(0, 2 ** 32)).not.toBe(deriveSampleSeed(0, 0));
    expect(deriveSampleSeed(-1, 0)).not.toBe(deriveSampleSeed(2 ** 32 - 1, 0));
    expect([...seeds].every((seed) => Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32)).toBe(true);
    expect(() => deriveSampleSeed(0, -1)).toThrow(/index must be a non-negative safe integer; got -1/);
    expect(() => deriveSampleSeed(0.5, 1)).toThrow(RangeError);
  });
});

describe('AugmentationPool', () => {
  it('gives byte-identical results in input order for 1, 2 and 3 workers', async () => {
    const outputs: Buffer[][] = [];
    for (const pool of [single, double, triple]) {
      // `single` moves its inputs (transferInput), so it gets copies.
      const results = await collect(pool.map(pool === single ? inputs.map(cloneImage) : inputs));
      expect(results.map((result) => result.index)).toEqual(inputs.map((_, index) => index));
      results.forEach((result) => expect(result.image).toMatchObject({ width: 28, height: 24, channels: 3 }));
      outputs.push(results.map((result) => bytes(result.image)));
    }
    expect([single.workers, double.workers, triple.workers]).toEqual([1, 2, 3]);
    for (let index = 0; index < SAMPLES; index += 1) {
      expect(outputs[1]![index]!.equals(outputs[0]![index]!)).toBe(true);
      expect(outputs[2]![index]!.equals(outputs[0]![index]!)).toBe(true);
      // ...and equal to augmenting in this thread with the same per-sample seed.
      expect(outputs[0]![index]!.equals(bytes(expected[index]!))).toBe(true);
    }
    // The samples really were augmented differently from each other.
    expect(new Set(outputs[0]!.map((buffer) => buffer.toString('hex'))).size).toBe(SAMPLES);
  });

  it('ties seeds to sample indices, whatever the completion order', async () => {
    const order = [7, 2, 9, 0, 5];
    const results = await Promise.all(order.map((index) => double.augment(inputs[index]!, index)));
    results.forEach((result, position) => {
      const index = order[position]!;
      expect(result.index).toBe(index);
      expect(bytes(result.image).equals(bytes(expected[index]!))).toBe(true);
      expect(result.params).toEqual(augmentSample(reference, inputs[index]!, SEED, index).params);
    });
    // The base seed matters: another stream gives other pixels for the same index.
    expect(bytes(augmentSample(reference, inputs[7]!, SEED + 1, 7).image).equals(bytes(expected[7]!))).toBe(false);
  });

  it('returns float32 tensors in CHW or HWC, equal to toTensorBuffer', async () => {
    const layouts = ['CHW', 'HWC'] as const;
    const pools = layouts.map(
      (layout) => new AugmentationPool({ pipeline: pipelineJson, workers: 1, seed: SEED, output: 'tensor', layout }),
    );
    try {
      const runs = await Promise.all(pools.map((pool) => collect(pool.map(inputs.slice(0, 4)))));
      runs.forEach((results, run) => {
        const layout = layouts[run]!;
        results.forEach((result, index) => {
          expect(result.layout).toBe(layout);
          expect(result.shape).toEqual(layout === 'CHW' ? [3, 24, 28] : [24, 28, 3]);
          expect(result.tensor).toBeInstanceOf(Float32Array);
          expect(Array.from(result.tensor)).toEqual(Array.from(toTensorBuffer(expected[index]!, { layout })));
        });
      });
    } finally {
      await Promise.all(pools.map((pool) => pool.close()));
    }
  });

  it('decodes paths and encoded bytes inside the workers', async () => {
    const paths: string[] = [];
    for (let index = 0; index < 4; index += 1) {
      const path = join(directory, `input-${index}.png`);
      await writeFile(path, await encodePng(inputs[index]!));
      paths.push(path);
    }
    // An async iterable works as the source too (e.g. a directory walk).
    const fromPaths = await collect(
      double.map(
        (async function* () {
          yield* paths;
        })(),
      ),
    );
    fromPaths.forEach((result, index) => expect(bytes(result.image).equals(bytes(expected[index]!))).toBe(true));
    const fromBytes = await double.augment(await encodePng(inputs[3]!), 3);
    expect(bytes(fromBytes.image).equals(bytes(expected[3]!))).toBe(true);
    // decodeImage is what the worker used: same pixels as the in-memory input.
    expect(await decodeImage(paths[0]!)).toEqual(inputs[0]);
  });

  it('rejects only the failing sample, naming its index and path, and keeps working', async () => {
    const bad = join(directory, 'corrupt.jpg');
    await writeFile(bad, 'not a jpeg');
    const missing = join(directory, 'missing.png');
    // An image smaller than the crop: a transform error raised inside the worker.
    const tooSmall = makeImage(4, 8, 8);
    const settled = await Promise.allSettled([
      double.augment(inputs[0]!, 0),
      double.augment(bad, 1),
      double.augment(inputs[2]!, 2),
      double.augment(missing, 3),
      double.augment(tooSmall, 4),
    ]);
    expect(settled.map((entry) => entry.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'rejected',
      'rejected',
    ]);
    const corrupt = (settled[1] as PromiseRejectedResult).reason as AugmentationSampleError;
    expect(corrupt).toBeInstanceOf(AugmentationSampleError);
    expect(corrupt.index).toBe(1);
    expect(corrupt.path).toBe(bad);
    expect(corrupt.message).toContain(`sample 1 ("${bad}") failed: decodeImage: cannot decode "${bad}"`);
    expect((settled[3] as PromiseRejectedResult).reason.message).toContain(
      `sample 3 ("${missing}") failed: decodeImage: image file not found`,
    );
    const transformError = (settled[4] as PromiseRejectedResult).reason as AugmentationSampleError;
    expect(transformError.message).toMatch(/^AugmentationPool: sample 4 failed: .*RandomCrop/);
    expect(transformError.path).toBeUndefined();
    // The pool survived: later samples still work, in order.
    const after = await collect(double.map(inputs.slice(5, 8), { startIndex: 5 }));
    after.forEach((result, position) => expect(bytes(result.image).equals(bytes(expected[5 + position]!))).toBe(true));
    // map reports a failure when it reaches it.
    await expect(collect(double.map([inputs[0]!, bad]))).rejects.toThrow(/sample 1 \(".*corrupt\.jpg"\) failed/);
  });

  it('copies inputs by default and transfers them (zero-copy) with transferInput', async () => {
    const copied = makeImage(0);
    const moved = makeImage(0);
    const [a, b] = await Promise.all([double.augment(copied, 0), single.augment(moved, 0)]);
    expect(copied.data.length).toBe(36 * 30 * 3);
    expect(moved.data.length).toBe(0); // detached: the worker owns the buffer now
    expect(bytes(a.image).equals(bytes(b.image))).toBe(true);
    expect(bytes(a.image).equals(bytes(expected[0]!))).toBe(true);
  });

  it('validates options and the pipeline in the calling thread', async () => {
    expect(() => new AugmentationPool({ pipeline: pipelineJson, workers: 0 })).toThrow(
      /options.workers must be a positive integer; got 0/,
    );
    expect(() => new AugmentationPool({ pipeline: pipelineJson, output: 'png' as never })).toThrow(
      /one of image, tensor; got "png"/,
    );
    expect(() => new AugmentationPool({ pipeline: pipelineJson, layout: 'NCHW' as never })).toThrow(
      /one of CHW, HWC; got "NCHW"/,
    );
    const unknown = {
      __version__: '1.3.1',
      transform: { __class_fullname__: 'Compose', p: 1, transforms: [{ __class_fullname__: 'Sharpen', p: 1 }] },
    };
    expect(() => new AugmentationPool({ pipeline: unknown, workers: 1 })).toThrow(
      /options.pipeline cannot be loaded: .*Sharpen/,
    );
    expect(() => new AugmentationPool({ pipeline: 'b3-train.json' as never })).toThrow(TypeError);
    await expect(double.augment(42 as never)).rejects.toThrow(/input must be a RawImage, a file path/);
    await expect(double.augment(inputs[0]!, -1)).rejects.toThrow(/index must be a non-negative safe integer; got -1/);
  });

  it('replaces a worker that crashes mid-sample, and fails fast when workers cannot start', async () => {
    // A stand-in worker speaking the pool's protocol: it echoes images and dies on sample 666.
    const crashing = join(directory, 'crashing-worker.mjs');
    await writeFile(
      crashing,
      `import { parentPort } from 'node:worker_threads';
      parentPort.postMessage({ type: 'ready' });
      parentPort.on('message', (task) => {
        if (task.index === 666) process.exit(3);
        const { data, width, height, channels } = task.input;
        parentPort.postMessage({ type: 'result', id: task.id, data, width, height, channels });
      });`,
    );
    const pool = new AugmentationPool({ pipeline: pipelineJson, workers: 1, workerUrl: pathToFileURL(crashing) });
    try {
      const [before, crashed] = await Promise.allSettled([pool.augment(inputs[0]!, 1), pool.augment(inputs[0]!, 666)]);
      expect(before.status).toBe('fulfilled');
      expect((crashed as PromiseRejectedResult).reason).toBeInstanceOf(AugmentationSampleError);
      expect((crashed as PromiseRejectedResult).reason.message).toBe(
        'AugmentationPool: sample 666 failed: its worker crashed (exit code 3)',
      );
      expect((await pool.augment(inputs[1]!, 2)).image.data).toEqual(inputs[1]!.data); // served by the replacement
    } finally {
      await pool.close();
    }
    const broken = join(directory, 'broken-worker.mjs');
    await writeFile(broken, `throw new Error('cannot load the pipeline module');`);
    const dead = new AugmentationPool({ pipeline: pipelineJson, workers: 2, workerUrl: pathToFileURL(broken) });
    await expect(dead.augment(inputs[0]!, 0)).rejects.toThrow(
      /a worker failed to start: cannot load the pipeline module/,
    );
    await expect(dead.ready()).rejects.toThrow(/failed to start/);
    await dead.close();
  });

  it('finishes queued work on close, then refuses new samples', async () => {
    const pending = inputs.map((input, index) => double.augment(input, index));
    await double.close();
    const results = await Promise.all(pending);
    results.forEach((result, index) => expect(bytes(result.image).equals(bytes(expected[index]!))).toBe(true));
    await expect(double.augment(inputs[0]!, 0)).rejects.toThrow(/the pool is closed/);
    await double.close(); // idempotent
  });
});
