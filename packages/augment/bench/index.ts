/**
 * `npm run bench -w @art/augment`: throughput of the seed's B3 train recipe, built from its
 * albumentations 1.3.1 JSON (bench/b3-train.json, a copy of the shared fixture):
 * decode a 256x256 JPEG → Resize 600 → RandomCrop 300 → CoarseDropout → OneOf(MotionBlur,
 * OpticalDistortion, GaussNoise) → VerticalFlip → HorizontalFlip → Normalize → float32 CHW.
 *
 * Reference: albumentations 1.3.1 + OpenCV 4.6 does about 395 images/s single-threaded.
 * Options: `--seconds <s>` per measurement (default 4), `--workers 1,2` pool sizes.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
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
  transform: { __class_fullname__: string; transforms: { __class_fullname__: string; [key: string]: unknown }[]; [key: string]: unknown };
}
const pipelineJson = JSON.parse(readFileSync(new URL('./b3-train.json', import.meta.url), 'utf8')) as AlbumentationsJson;
const build = (json: unknown): ApplicablePipeline => fromAlbumentationsDict(json as AlbumentationsDict);
const pipeline = build(pipelineJson);

/** A deterministic 256x256 "painting": smooth gradients plus texture, so JPEG has real work. */
function syntheticPainting(size = 256): RawImage {
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const texture = (Math.imul(x * 31 + y * 17, 2654435761) >>> 27) - 16;
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
  return image.layout === 'CHW' && image.data instanceof Float32Array ? image.data : toTensorBuffer(image, { layout: 'CHW' });
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
  return [label, measurement.images, measurement.seconds.toFixed(2), measurement.perSecond.toFixed(1), measurement.perCpuSecond.toFixed(1)];
}

function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column]!.length)));
  const line = (row: string[]) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  return [line(cells[0]!), widths.map((width) => '-'.repeat(width)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  // One libvips thread: "single thread" then really means one core for decoding as well.
  sharp.concurrency(1);
  const directory = await mkdtemp(join(tmpdir(), 'art-augment-bench-'));
  const jpegPath = join(directory, 'painting-256.jpg');
  await writeFile(jpegPath, await encodeJpeg(syntheticPainting(), 90));
  const decoded = await decodeImage(jpegPath);
  const started = performance.now();
  console.log(`@art/augment bench: B3 train recipe (bench/b3-train.json), 256x256 JPEG → 300x300 float32 CHW`);
  // The load average says how much other work shared the cores: figures scale down with it.
  const load = loadavg().map((value) => value.toFixed(2)).join(' ');
  console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()}, load average ${load}, ${secondsPerRun}s per measurement`);
  console.log(`WebAssembly SIMD kernels: ${wasmKernelsAvailable() ? 'on' : 'unavailable (JavaScript kernels)'}\n`);

  try {
    // 1. Single thread, decode included: read + decode + augment + CHW buffer per image.
    const withDecode = await measure(secondsPerRun, async (index) => {
      const image = await decodeImage(await readFile(jpegPath));
      toChw(pipeline.apply(image, createRng(deriveSampleSeed(SEED, index))).image);
    });
    // 1b. The same work with the next image's decode started before this one is augmented, as
    // a data loader prefetches: sharp decodes on its own (libuv) thread while JavaScript
    // augments, so this row uses up to two cores; its images/CPU-s still counts all of them.
    // decodeImage(bytes) hands the bytes to sharp before it returns, so the decode runs while
    // this thread augments; the file read is synchronous for the same reason (a few µs).
    let nextImage = decodeImage(readFileSync(jpegPath));
    const prefetched = await measure(secondsPerRun, async (index) => {
      const image = await nextImage;
      nextImage = decodeImage(readFileSync(jpegPath));
      toChw(pipeline.apply(image, createRng(deriveSampleSeed(SEED, index))).image);
    });
    await nextImage;
    // 2. Single thread, transforms only (image decoded once).
    const transformsOnly = await measure(secondsPerRun, (index) => toChw(pipeline.apply(decoded, createRng(deriveSampleSeed(SEED, index))).image));
    // 2b. The same on the JavaScript reference kernels (WebAssembly SIMD off).
    useWasmKernels(false);
    const transformsJavaScript = await measure(secondsPerRun, (index) => toChw(pipeline.apply(decoded, createRng(deriveSampleSeed(SEED, index))).image));
    useWasmKernels(true);
    // 3. Decode alone, to split the first figure.
    const decodeOnly = await measure(Math.min(2, secondsPerRun), async () => decodeImage(await readFile(jpegPath)));

    // 4. The pool, decoding inside the workers from the file path.
    const poolRows: (string | number)[][] = [];
    for (const workers of poolSizes) {
      const pool = new AugmentationPool({ pipeline: pipelineJson, workers, seed: SEED, output: 'tensor', layout: 'CHW' });
      try {
        await pool.ready();
        const window = workers * 4;
        // Warm-up: let each worker's JIT optimise the kernels, as the single-thread runs did.
        const warm = await Promise.all(Array.from({ length: workers * 20 }, (_, index) => pool.augment(jpegPath, index)));
        if (warm[0]!.shape.join('x') !== '3x300x300') throw new Error(`unexpected pool output shape ${warm[0]!.shape.join('x')}`);
        let images = 0;
        const cpuStart = cpuSeconds();
        const start = performance.now();
        const deadline = start + secondsPerRun * 1000;
        const inFlight = new Set<Promise<unknown>>();
        while (performance.now() < deadline) {
          while (inFlight.size < window) {
            const promise: Promise<unknown> = pool.augment(jpegPath, workers * 20 + images + inFlight.size).then(() => {
              inFlight.delete(promise);
              images += 1;
            });
            inFlight.add(promise);
          }
          await Promise.race(inFlight);
        }
        await Promise.all(inFlight);
        const elapsed = (performance.now() - start) / 1000;
        const measurement = { images, seconds: elapsed, perSecond: images / elapsed, perCpuSecond: images / (cpuSeconds() - cpuStart) };
        poolRows.push(row(`pool, ${workers} worker${workers > 1 ? 's' : ''} (decode in worker)`, measurement));
      } finally {
        await pool.close();
      }
    }

    console.log(
      table(
        ['mode', 'images', 'seconds', 'images/s', 'images/CPU-s'],
        [
          row('single thread, decode + transforms', withDecode),
          row('one JS thread, decode prefetched', prefetched),
          row('single thread, transforms only', transformsOnly),
          row('transforms only, JavaScript kernels', transformsJavaScript),
          row('single thread, decode only', decodeOnly),
          ...poolRows,
        ],
      ),
    );
    const verdict = (value: number) => (value >= REFERENCE_IMAGES_PER_SECOND ? 'meets' : 'below');
    console.log(
      `\nreference: albumentations 1.3.1 + OpenCV 4.6 ≈ ${REFERENCE_IMAGES_PER_SECOND} images/s single-threaded.\n` +
        `decode + transforms here: ${withDecode.perSecond.toFixed(1)} images/s wall-clock (${verdict(withDecode.perSecond)} the target), ` +
        `${withDecode.perCpuSecond.toFixed(1)} per CPU-second (${verdict(withDecode.perCpuSecond)} it); ` +
        `with the next decode prefetched: ${prefetched.perSecond.toFixed(1)} images/s (${verdict(prefetched.perSecond)} it).\n` +
        `images/CPU-s counts every thread of this process (decode threads, GC); for the pool rows it is the work per image, not a speed.\n`,
    );

    // 5. Per-transform breakdown: the same pipeline run step by step on the same RNG stream.
    // Pairs that Compose fuses (Resize + crop: only the crop window is resized; Normalize +
    // ToTensorV2: written straight to CHW) are timed together, as they really run.
    const groups: (typeof pipelineJson.transform.transforms)[] = [];
    for (const dict of pipelineJson.transform.transforms) {
      const previous = groups.at(-1)?.at(-1)?.__class_fullname__;
      const fused =
        (previous === 'Resize' && /Crop$/.test(dict.__class_fullname__)) || (previous === 'Normalize' && dict.__class_fullname__ === 'ToTensorV2');
      if (fused) groups.at(-1)!.push(dict);
      else groups.push([dict]);
    }
    const steps = groups.map((group) => ({
      name: group.map((dict) => dict.__class_fullname__).join(' + '),
      transform: build({ __version__: pipelineJson.__version__, transform: { ...pipelineJson.transform, transforms: group } }),
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
    const oneOf = pipelineJson.transform.transforms.find((dict) => dict.__class_fullname__ === 'OneOf') as { transforms: { __class_fullname__: string }[] } | undefined;
    const forced: (string | number)[][] = [];
    for (const dict of [pipelineJson.transform.transforms.find((d) => d.__class_fullname__ === 'CoarseDropout'), ...(oneOf?.transforms ?? [])]) {
      if (dict === undefined) continue;
      const transform = build({ __version__: pipelineJson.__version__, transform: { ...pipelineJson.transform, transforms: [{ ...dict, p: 1, always_apply: true }] } });
      const result = await measure(0.5, (index) => transform.apply(cropped, createRng(index)));
      forced.push([`${dict.__class_fullname__} (forced, 300x300)`, (1000 / result.perSecond).toFixed(3)]);
    }
    const total = steps.reduce((sum, step) => sum + step.milliseconds, 0);
    console.log(`per-transform time over ${count} images (average per image, p gates included; each step run as its own Compose):`);
    console.log(
      table(
        ['transform', 'ms/image', 'share'],
        [
          ...steps.map((step) => [step.name, (step.milliseconds / count).toFixed(3), `${((100 * step.milliseconds) / total).toFixed(1)} %`]),
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
