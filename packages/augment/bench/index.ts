/**
 * `npm run bench -w @art/augment`: throughput of the seed's B3 train recipe, built from its
 * albumentations 1.3.1 JSON (bench/b3-train.json, a copy of the shared fixture):
 * decode a 256x256 JPEG → Resize 600 → RandomCrop 300 → CoarseDropout → OneOf(MotionBlur,
 * OpticalDistortion, GaussNoise) → VerticalFlip → HorizontalFlip → Normalize → float32 CHW.
 *
 * Reference: albumentations 1.3.1 + OpenCV 4.6 does about 395 images/s single-threaded on the
 * issue's machine. Where Debian's python3-opencv is installed, the bench also runs
 * bench/reference-opencv.py (the same recipe as the OpenCV/NumPy calls albumentations makes) on
 * the same files and compares with that same-machine figure.
 * decodeImage takes these JPEGs through the package's WebAssembly baseline decoder (src/io/jpeg.ts);
 * the "sharp decoder" rows time the same work with `decoder: 'sharp'`, as before that decoder.
 * Options: `--seconds <s>` per measurement (default 4), `--workers 1,2` pool sizes,
 * `--python <path>` (default /usr/bin/python3), `--no-reference` to skip the Python run.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { createRng, fromAlbumentationsDict, toTensorBuffer, type AlbumentationsDict } from '../src/index.js';
import type { RawImage } from '../src/core/raw-image.js';
import { decodeImage, encodeJpeg } from '../src/io/index.js';
import { AugmentationPool, deriveSampleSeed, type ApplicablePipeline } from '../src/pool/index.js';
import { useWasmKernels, wasmKernelsAvailable } from '../src/wasm/index.js';

const REFERENCE_IMAGES_PER_SECOND = 395;
const SEED = 2024;

function argument(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback;
}
const secondsPerRun = Number(argument('seconds', '4'));
const poolSizes = argument('workers', '1,2')
  .split(',')
  .map((value) => Number(value));

interface AlbumentationsJson {
  __version__: string;
  transform: {
    __class_fullname__: string;
    transforms: { __class_fullname__: string; [key: string]: unknown }[];
    [key: string]: unknown;
  };
}
const pipelineJson = JSON.parse(
  readFileSync(new URL('./b3-train.json', import.meta.url), 'utf8'),
) as AlbumentationsJson;
const build = (json: unknown): ApplicablePipeline => fromAlbumentationsDict(json as AlbumentationsDict);
const pipeline = build(pipelineJson);

/** Distinct files, so no cache anywhere can serve a decode twice in a row. */
const FILE_COUNT = 16;

/** A deterministic 256x256 "painting": smooth gradients plus texture, so JPEG has real work. */
function syntheticPainting(variant: number, size = 256): RawImage {
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const texture = (Math.imul(x * 31 + y * 17 + variant * 7919, 2654435761) >>> 27) - 16;
      const offset = (y * size + x) * 3;
      data[offset] = Math.max(0, Math.min(255, x + texture));
      data[offset + 1] = Math.max(0, Math.min(255, y + (texture >> 1)));
      data[offset + 2] = Math.max(0, Math.min(255, 128 + 100 * Math.sin((x + y) / 23) + texture));
    }
  }
  return { data, width: size, height: size, channels: 3 };
}

/** Flattens the pipeline output (ToTensorV2 gives CHW already) into the float32 CHW buffer. */
function toChw(image: RawImage): Float32Array {
  return image.layout === 'CHW' && image.data instanceof Float32Array
    ? image.data
    : toTensorBuffer(image, { layout: 'CHW' });
}

interface Measurement {
  images: number;
  seconds: number;
  /** Wall-clock throughput. */
  perSecond: number;
  /**
   * Images per second of CPU time used by this process (all its threads). On a shared machine
   * wall-clock figures fall with the load; this one estimates what an idle core would give.
   */
  perCpuSecond: number;
}

function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Runs `step` repeatedly for about `seconds` (after a short warm-up). */
async function measure(seconds: number, step: (index: number) => unknown): Promise<Measurement> {
  for (let index = 0; index < 10; index += 1) await step(index);
  let images = 0;
  const cpuStart = cpuSeconds();
  const start = performance.now();
  const deadline = start + seconds * 1000;
  while (performance.now() < deadline) {
    await step(images);
    images += 1;
  }
  const elapsed = (performance.now() - start) / 1000;
  return { images, seconds: elapsed, perSecond: images / elapsed, perCpuSecond: images / (cpuSeconds() - cpuStart) };
}

function row(label: string, measurement: Measurement): (string | number)[] {
  return [
    label,
    measurement.images,
    measurement.seconds.toFixed(2),
    measurement.perSecond.toFixed(1),
    measurement.perCpuSecond.toFixed(1),
  ];
}

function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  return [line(cells[0]!), widths.map((width) => '-'.repeat(width)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

interface ReferenceFigures {
  opencv: string;
  withDecode: { perSecond: number; perCpuSecond: number };
  transformsOnly: { perSecond: number; perCpuSecond: number };
  decodeOnly: { perSecond: number; perCpuSecond: number };
}

/** Runs bench/reference-opencv.py (one OpenCV thread) on the same files, or says why not. */
async function opencvReference(paths: string[]): Promise<ReferenceFigures | string> {
  const python = argument('python', '/usr/bin/python3');
  if (process.argv.includes('--no-reference')) return 'skipped (--no-reference)';
  if (!existsSync(python)) return `skipped (${python} not found)`;
  const script = fileURLToPath(new URL('./reference-opencv.py', import.meta.url));
  try {
    const { stdout } = await promisify(execFile)(python, [script, String(secondsPerRun), '1', ...paths], {
      timeout: 120_000,
    });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as ReferenceFigures;
  } catch (error) {
    const reason = (error as { stderr?: string }).stderr?.trim().split('\n').at(-1) ?? String(error);
    return `skipped (${reason}; install python3-opencv with apt to compare on this machine)`;
  }
}

async function main(): Promise<void> {
  // One libvips thread: "single thread" then really means one core for decoding as well.
  sharp.concurrency(1);
  // A training process never decodes the same input twice in a row: libvips' operation cache
  // only costs time there (about 0.05 ms per decode). An application setting, not the library's.
  sharp.cache(false);
  const directory = await mkdtemp(join(tmpdir(), 'art-augment-bench-'));
  const jpegPaths: string[] = [];
  for (let variant = 0; variant < FILE_COUNT; variant += 1) {
    const path = join(directory, `painting-${variant}.jpg`);
    await writeFile(path, await encodeJpeg(syntheticPainting(variant), 90));
    jpegPaths.push(path);
  }
  const pathOf = (index: number) => jpegPaths[index % FILE_COUNT]!;
  const decoded = await decodeImage(jpegPaths[0]!);
  const started = performance.now();
  console.log(
    `@art/augment bench: B3 train recipe (bench/b3-train.json), 256x256 JPEG → 300x300 float32 CHW, ${FILE_COUNT} files in turn`,
  );
  // The load average says how much other work shared the cores: figures scale down with it.
  const load = loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
  console.log(
    `node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()}, load average ${load}, ${secondsPerRun}s per measurement`,
  );
  console.log(
    `WebAssembly SIMD kernels: ${wasmKernelsAvailable() ? 'on' : 'unavailable (JavaScript kernels)'}; sharp.concurrency(1), sharp.cache(false)\n`,
  );

  try {
    // 1. Single thread, decode included: read + decode + augment + CHW buffer per image.
    const withDecode = await measure(secondsPerRun, async (index) => {
      const image = await decodeImage(pathOf(index));
      toChw(pipeline.apply(image, createRng(deriveSampleSeed(SEED, index))).image);
    });
    // 1a. The same with every decode through sharp (decoder: 'sharp'), for comparison.
    const withSharpDecode = await measure(secondsPerRun, async (index) => {
      const image = await decodeImage(pathOf(index), { decoder: 'sharp' });
      toChw(pipeline.apply(image, createRng(deriveSampleSeed(SEED, index))).image);
    });
    // 1b. sharp's decode of the next image started before this one is augmented, as a data
    // loader prefetches: sharp decodes on its own (libuv) thread while JavaScript augments, so
    // this row uses up to two cores; its images/CPU-s still counts all of them. (The WebAssembly
    // decoder runs on the calling thread, so prefetching it would change nothing.)
    let nextIndex = 0;
    let nextImage = decodeImage(pathOf(nextIndex), { decoder: 'sharp' });
    const prefetched = await measure(secondsPerRun, async (index) => {
      const image = await nextImage;
      nextIndex += 1;
      nextImage = decodeImage(pathOf(nextIndex), { decoder: 'sharp' });
      toChw(pipeline.apply(image, createRng(deriveSampleSeed(SEED, index))).image);
    });
    await nextImage;
    // 2. Single thread, transforms only (image decoded once).
    const transformsOnly = await measure(secondsPerRun, (index) =>
      toChw(pipeline.apply(decoded, createRng(deriveSampleSeed(SEED, index))).image),
    );
    // 2b. The same on the JavaScript reference kernels (WebAssembly SIMD off).
    useWasmKernels(false);
    const transformsJavaScript = await measure(secondsPerRun, (index) =>
      toChw(pipeline.apply(decoded, createRng(deriveSampleSeed(SEED, index))).image),
    );
    useWasmKernels(true);
    // 3. Decode alone, to split the first figures.
    const decodeOnly = await measure(Math.min(2, secondsPerRun), (index) => decodeImage(pathOf(index)));
    const decodeOnlySharp = await measure(Math.min(2, secondsPerRun), (index) =>
      decodeImage(pathOf(index), { decoder: 'sharp' }),
    );

    // 4. The pool, decoding inside the workers from the file path.
    const poolRows: (string | number)[][] = [];
    for (const workers of poolSizes) {
      const pool = new AugmentationPool({
        pipeline: pipelineJson,
        workers,
        seed: SEED,
        output: 'tensor',
        layout: 'CHW',
      });
      try {
        await pool.ready();
        const window = workers * 4;
        // Warm-up: let each worker's JIT optimise the kernels, as the single-thread runs did.
        const warm = await Promise.all(
          Array.from({ length: workers * 20 }, (_, index) => pool.augment(pathOf(index), index)),
        );
        if (warm[0]!.shape.join('x') !== '3x300x300')
          throw new Error(`unexpected pool output shape ${warm[0]!.shape.join('x')}`);
        let images = 0;
        const cpuStart = cpuSeconds();
        const start = performance.now();
        const deadline = start + secondsPerRun * 1000;
        const inFlight = new Set<Promise<unknown>>();
        while (performance.now() < deadline) {
          while (inFlight.size < window) {
            const sample = workers * 20 + images + inFlight.size;
            const promise: Promise<unknown> = pool.augment(pathOf(sample), sample).then(() => {
              inFlight.delete(promise);
              images += 1;
            });
            inFlight.add(promise);
          }
          await Promise.race(inFlight);
        }
        await Promise.all(inFlight);
        const elapsed = (performance.now() - start) / 1000;
        const measurement = {
          images,
          seconds: elapsed,
          perSecond: images / elapsed,
          perCpuSecond: images / (cpuSeconds() - cpuStart),
        };
        poolRows.push(row(`pool, ${workers} worker${workers > 1 ? 's' : ''} (decode in worker)`, measurement));
      } finally {
        await pool.close();
      }
    }

    // 5. The same recipe in Python/OpenCV on the same files, after our runs (not beside them).
    const reference = await opencvReference(jpegPaths);
    const referenceRow = (label: string, figures: { perSecond: number; perCpuSecond: number }) => [
      label,
      '',
      '',
      figures.perSecond.toFixed(1),
      figures.perCpuSecond.toFixed(1),
    ];
    console.log(
      table(
        ['mode', 'images', 'seconds', 'images/s', 'images/CPU-s'],
        [
          row('single thread, decode + transforms', withDecode),
          row('single thread, decode + transforms, sharp decoder', withSharpDecode),
          row('one JS thread, sharp decoder prefetched', prefetched),
          row('single thread, transforms only', transformsOnly),
          row('transforms only, JavaScript kernels', transformsJavaScript),
          row('single thread, decode only', decodeOnly),
          row('single thread, decode only, sharp decoder', decodeOnlySharp),
          ...poolRows,
          ...(typeof reference === 'string'
            ? []
            : [
                referenceRow(`OpenCV ${reference.opencv} reference, decode + transforms`, reference.withDecode),
                referenceRow(`OpenCV ${reference.opencv} reference, transforms only`, reference.transformsOnly),
                referenceRow(`OpenCV ${reference.opencv} reference, decode only`, reference.decodeOnly),
              ]),
        ],
      ),
    );
    // The target: the 395 images/s, or where it ran, the same-machine OpenCV figure (an
    // upper bound on albumentations, which adds its Python wrappers to the same calls).
    const target = typeof reference === 'string' ? REFERENCE_IMAGES_PER_SECOND : reference.withDecode.perSecond;
    const targetName =
      typeof reference === 'string'
        ? `albumentations 1.3.1 + OpenCV 4.6 ≈ ${REFERENCE_IMAGES_PER_SECOND} images/s single-threaded ` +
          `on the issue's machine (same-machine reference ${reference})`
        : `the same recipe in OpenCV ${reference.opencv} + NumPy on this machine, one thread: ${target.toFixed(1)} ` +
          `images/s (${reference.withDecode.perCpuSecond.toFixed(1)} per CPU-second)`;
    const verdict = (value: number, goal = target) =>
      `${(value / goal).toFixed(2)}x: ${value >= goal ? 'meets' : 'below'}`;
    const cpuGoal = typeof reference === 'string' ? target : reference.withDecode.perCpuSecond;
    console.log(
      `\ntarget: ${targetName}.\n` +
        `decode + transforms here, one thread: ${withDecode.perSecond.toFixed(1)} images/s wall-clock (${verdict(withDecode.perSecond)} the target), ` +
        `${withDecode.perCpuSecond.toFixed(1)} per CPU-second (${verdict(withDecode.perCpuSecond, cpuGoal)} it); ` +
        `with sharp decoding instead: ${withSharpDecode.perSecond.toFixed(1)} images/s (${verdict(withSharpDecode.perSecond)} it), ` +
        `sharp's next decode prefetched: ${prefetched.perSecond.toFixed(1)} images/s (${verdict(prefetched.perSecond)} it).\n` +
        `images/CPU-s counts every thread of this process (decode threads, GC); for the pool rows it is the work per image, not a speed.\n`,
    );

    // 6. Per-transform breakdown: the same pipeline run step by step on the same RNG stream.
    // Runs that Compose fuses (Resize + crop: only the crop window is resized; flips + Normalize:
    // read mirrored, not copied; Normalize + ToTensorV2: written straight to CHW) are timed
    // together, as they really run.
    const groups: (typeof pipelineJson.transform.transforms)[] = [];
    const flips = ['VerticalFlip', 'HorizontalFlip'];
    const transforms = pipelineJson.transform.transforms;
    const nameAt = (index: number) => transforms[index]?.__class_fullname__ ?? '';
    for (let index = 0; index < transforms.length; ) {
      let end = index + 1;
      if (nameAt(index) === 'Resize' && /Crop$/.test(nameAt(end))) end++;
      else {
        let afterFlips = index;
        while (flips.includes(nameAt(afterFlips))) afterFlips++;
        if (nameAt(afterFlips) === 'Normalize') end = afterFlips + 1;
        if (nameAt(end - 1) === 'Normalize' && nameAt(end) === 'ToTensorV2') end++;
      }
      groups.push(transforms.slice(index, end));
      index = end;
    }
    const steps = groups.map((group) => ({
      name: group.map((dict) => dict.__class_fullname__).join(' + '),
      transform: build({
        __version__: pipelineJson.__version__,
        transform: { ...pipelineJson.transform, transforms: group },
      }),
      milliseconds: 0,
    }));
    let count = 0;
    const breakdownStart = performance.now();
    while (performance.now() - breakdownStart < Math.min(3, secondsPerRun) * 1000) {
      const rng = createRng(deriveSampleSeed(SEED, count));
      let image = decoded;
      for (const step of steps) {
        const t0 = performance.now();
        image = step.transform.apply(image, rng).image;
        step.milliseconds += performance.now() - t0;
      }
      count += 1;
    }
    // Each random branch forced on (p = 1), to see its cost when it is picked.
    const cropped = steps[0]!.transform.apply(decoded, createRng(1)).image;
    const oneOf = pipelineJson.transform.transforms.find((dict) => dict.__class_fullname__ === 'OneOf') as
      | { transforms: { __class_fullname__: string }[] }
      | undefined;
    const forced: (string | number)[][] = [];
    for (const dict of [
      pipelineJson.transform.transforms.find((d) => d.__class_fullname__ === 'CoarseDropout'),
      ...(oneOf?.transforms ?? []),
    ]) {
      if (dict === undefined) continue;
      const transform = build({
        __version__: pipelineJson.__version__,
        transform: { ...pipelineJson.transform, transforms: [{ ...dict, p: 1, always_apply: true }] },
      });
      const result = await measure(0.5, (index) => transform.apply(cropped, createRng(index)));
      forced.push([`${dict.__class_fullname__} (forced, 300x300)`, (1000 / result.perSecond).toFixed(3)]);
    }
    const total = steps.reduce((sum, step) => sum + step.milliseconds, 0);
    console.log(
      `per-transform time over ${count} images (average per image, p gates included; each step run as its own Compose):`,
    );
    console.log(
      table(
        ['transform', 'ms/image', 'share'],
        [
          ...steps.map((step) => [
            step.name,
            (step.milliseconds / count).toFixed(3),
            `${((100 * step.milliseconds) / total).toFixed(1)} %`,
          ]),
          ['total', (total / count).toFixed(3), '100.0 %'],
        ],
      ),
    );
    console.log(`\ncost of each random transform when it runs:`);
    console.log(table(['transform', 'ms/call'], forced));
    console.log(`\nbench finished in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

await main();
