import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  GaussNoise,
  MotionBlur,
  createRng,
  hflip,
  normalize,
  opticalDistortion,
  resize,
  vflip,
  type RawImage,
} from '../src/index.js';
import { runParity } from '../src/parity/parity.js';
import { useWasmKernels, wasmKernelsAvailable } from '../src/wasm/index.js';
import { poisonUninitializedAllocations } from '../src/core/raw-image.js';
import { compileModule, renderModule, WASM_MODULES } from '../scripts/build-wasm.js';
import { fixturesDirectory } from './helpers.js';

/** Runs `run` on the JavaScript paths, then on the WebAssembly kernels. */
function bothPaths<T>(run: () => T): { javascript: T; wasm: T } {
  useWasmKernels(false);
  const javascript = run();
  useWasmKernels(true);
  return { javascript, wasm: run() };
}

function randomImage(seed: number, width: number, height: number, channels: number): RawImage {
  const rng = createRng(seed);
  const data = new Uint8Array(width * height * channels);
  for (let index = 0; index < data.length; index++) data[index] = rng.randint(0, 255);
  return { data, width, height, channels };
}

/** Element-wise identity, float32 bit patterns included (Object.is tells -0 from 0). */
function identical(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (!Object.is(a[index], b[index])) return false;
  return true;
}

afterEach(() => {
  useWasmKernels(true);
  poisonUninitializedAllocations(undefined);
});

describe('WebAssembly SIMD kernels', () => {
  it('load in Node (WebAssembly SIMD) and can be switched off', () => {
    expect(wasmKernelsAvailable()).toBe(true);
    expect(useWasmKernels(false)).toBe(false);
    expect(useWasmKernels(true)).toBe(true);
  });

  it.each(Object.values(WASM_MODULES))(
    'the committed binary is what $source compiles to',
    async (module) => {
      const committed = readFileSync(resolve(__dirname, '..', module.target), 'utf8');
      expect(renderModule(await compileModule(module), module)).toBe(committed);
    },
    60_000,
  );

  it('resize (linear, fused crop windows, area-as-linear upscales) gives the JavaScript bytes', () => {
    const rng = createRng(11);
    for (let trial = 0; trial < 120; trial++) {
      const image = randomImage(trial, rng.randint(1, 48), rng.randint(1, 48), [1, 2, 3, 4][rng.randint(0, 3)]!);
      const width = rng.randint(1, 120);
      const height = rng.randint(1, 120);
      const x = rng.randint(0, width - 1);
      const y = rng.randint(0, height - 1);
      const region = { x, y, width: rng.randint(1, width - x), height: rng.randint(1, height - y) };
      for (const interpolation of [1, 3] as const) {
        const { javascript, wasm } = bothPaths(() => [
          resize(image, height, width, interpolation).data,
          resize(image, height, width, interpolation, region).data,
        ]);
        expect(
          identical(javascript[0]!, wasm[0]!),
          `${image.width}x${image.height}x${image.channels} -> ${width}x${height}`,
        ).toBe(true);
        expect(identical(javascript[1]!, wasm[1]!), `region ${JSON.stringify(region)}`).toBe(true);
      }
    }
  });

  it('normalize (HWC and CHW, 1-4 channels, odd pixel counts, several 4096-pixel blocks) gives the same float32 bits', () => {
    for (let trial = 0; trial < 68; trial++) {
      const channels = (trial % 4) + 1;
      // The last 8: 12707 and 8192 pixels, so the kernel runs in blocks with and without a tail.
      const [width, height] =
        trial < 60 ? [1 + ((trial * 7) % 37), 1 + ((trial * 5) % 23)] : trial % 2 === 0 ? [97, 131] : [128, 64];
      const image = randomImage(100 + trial, width, height, channels);
      const parameters = {
        mean: Array.from({ length: channels }, (_, c) => 0.3 + 0.05 * c),
        std: Array.from({ length: channels }, (_, c) => 0.2 + 0.01 * c),
      };
      for (const layout of ['HWC', 'CHW'] as const) {
        const { javascript, wasm } = bothPaths(() => normalize(image, parameters, layout).data);
        expect(identical(javascript, wasm), `${channels} channels ${layout}`).toBe(true);
      }
    }
  });

  it('MotionBlur and GaussNoise give the JavaScript bytes for the same seed', () => {
    const transforms = [
      new MotionBlur({ blurLimit: [3, 11], p: 1 }),
      new MotionBlur({ blurLimit: [3, 5], allowShifted: false, p: 1 }),
      new GaussNoise({ varLimit: [10, 900], p: 1 }),
      new GaussNoise({ varLimit: [10, 50], mean: 7, perChannel: false, p: 1 }),
    ];
    for (let trial = 0; trial < 40; trial++) {
      const image = randomImage(200 + trial, 1 + ((trial * 13) % 61), 1 + ((trial * 11) % 47), [1, 3, 4][trial % 3]!);
      for (const transform of transforms) {
        const { javascript, wasm } = bothPaths(() => transform.apply(image, createRng(trial)).image.data);
        expect(
          identical(javascript, wasm),
          `${transform.className} ${image.width}x${image.height}x${image.channels}`,
        ).toBe(true);
      }
    }
  });

  it('flips (1-4 channels, every width around the 4-pixel SIMD groups) give the JavaScript bytes', () => {
    for (let trial = 0; trial < 96; trial++) {
      const width = trial < 48 ? 1 + (trial % 24) : 1 + ((trial * 37) % 131);
      const image = randomImage(400 + trial, width, 1 + ((trial * 7) % 9), [3, 1, 2, 4][trial % 4]!);
      const { javascript, wasm } = bothPaths(() => [hflip(image).data, vflip(image).data, hflip(vflip(image)).data]);
      for (let index = 0; index < 3; index++) {
        expect(
          identical(javascript[index]!, wasm[index]!),
          `${['hflip', 'vflip', 'both'][index]} ${image.width}x${image.height}x${image.channels}`,
        ).toBe(true);
      }
      // The mirror really mirrors (the JS path is the reference, but not a tautology).
      const c = image.channels;
      expect(Array.from(wasm[0]!.slice(0, c))).toEqual(
        Array.from(image.data.slice((image.width - 1) * c, image.width * c)),
      );
    }
  });

  it('OpticalDistortion (uint8 RGB, every border mode, strong k, the guard for huge maps) gives the JavaScript bytes', () => {
    const rng = createRng(17);
    for (let trial = 0; trial < 80; trial++) {
      const image = randomImage(300 + trial, rng.randint(1, 70), rng.randint(1, 70), 3);
      // Mostly the recipe's range, some strong distortions (many border pixels) and, last, maps
      // far beyond 2^26 pixels, which the kernel leaves to the JavaScript path.
      const k =
        trial < 50 ? rng.uniform(-0.05, 0.05) : trial < 75 ? rng.uniform(-3, 3) : 1e9 * (trial % 2 === 0 ? 1 : -1);
      const dx = rng.uniform(-4, 4);
      const dy = rng.uniform(-4, 4);
      const border = rng.randint(0, 4) as 0 | 1 | 2 | 3 | 4;
      const { javascript, wasm } = bothPaths(() => opticalDistortion(image, k, dx, dy, 1, border, [9, 99, 199]).data);
      expect(
        identical(javascript, wasm),
        `${image.width}x${image.height} k=${k} dx=${dx} dy=${dy} border=${border}`,
      ).toBe(true);
    }
  });

  it('outputs allocated without zero-filling are written in full (parity with poisoned allocations, both paths)', () => {
    // 0xA5 everywhere a kernel forgot to write: parity against albumentations then fails.
    poisonUninitializedAllocations(0xa5);
    for (const on of [true, false]) {
      useWasmKernels(on);
      for (const manifest of ['manifest.json', 'opencv/manifest.json']) {
        const report = runParity(resolve(fixturesDirectory, manifest));
        expect(
          report.results.filter((result) => result.maxAbsDiff !== 0 || result.error),
          `${manifest}, kernels ${on ? 'on' : 'off'}`,
        ).toEqual([]);
      }
    }
  }, 120_000);

  it('albumentations parity holds on the JavaScript paths too', () => {
    useWasmKernels(false);
    for (const manifest of ['manifest.json', 'opencv/manifest.json']) {
      const report = runParity(resolve(fixturesDirectory, manifest));
      expect(
        report.results.filter((result) => result.maxAbsDiff !== 0 || result.error),
        manifest,
      ).toEqual([]);
    }
  }, 120_000);
});
