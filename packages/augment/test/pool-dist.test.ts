/**
 * The pool must also work from the built package, where the worker is a plain .js file next to
 * the pool module. This test bundles the pool entries with tsup exactly as tsup.config.ts does
 * (`pool` + `pool-worker`, ESM, code splitting), loads the built module through Node, and checks
 * that its output equals augmenting in this thread.
 */
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'tsup';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RawImage } from '../src/core/raw-image.js';
import { fromAlbumentationsDict, type AlbumentationsDict } from '../src/index.js';
import { augmentSample, type AugmentationPool } from '../src/pool/index.js';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
let outDir: string;

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'art-augment-pool-dist-'));
  // The bundle keeps `sharp` external; give the temp folder a node_modules entry for it.
  const sharpRoot = dirname(createRequire(import.meta.url).resolve('sharp/package.json'));
  await mkdir(join(outDir, 'node_modules'));
  await symlink(sharpRoot, join(outDir, 'node_modules', 'sharp'), 'dir');
  await build({
    config: false,
    entry: { pool: join(packageRoot, 'src/pool/index.ts'), 'pool-worker': join(packageRoot, 'src/pool/worker.ts') },
    outDir,
    format: ['esm'],
    target: 'node20',
    splitting: true,
    dts: false,
    silent: true,
    external: ['sharp'],
    tsconfig: join(packageRoot, 'tsconfig.json'),
  });
});
afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

const pipeline = {
  __version__: '1.3.1',
  transform: {
    __class_fullname__: 'Compose',
    p: 1,
    transforms: [
      { __class_fullname__: 'RandomCrop', always_apply: false, p: 1, height: 12, width: 10 },
      {
        __class_fullname__: 'GaussNoise',
        always_apply: false,
        p: 0.7,
        var_limit: [10, 50],
        per_channel: true,
        mean: 0,
      },
      { __class_fullname__: 'HorizontalFlip', always_apply: false, p: 0.5 },
    ],
    bbox_params: null,
    keypoint_params: null,
    additional_targets: {},
    is_check_shapes: true,
  },
};

it('runs from the built dist (pool.js + pool-worker.js) with the same output as in this thread', async () => {
  const built = (await import(pathToFileURL(join(outDir, 'pool.js')).href)) as {
    AugmentationPool: typeof AugmentationPool;
  };
  const image: RawImage = {
    data: Uint8Array.from({ length: 20 * 16 * 3 }, (_, i) => (i * 37) % 256),
    width: 20,
    height: 16,
    channels: 3,
  };
  const fromDist = new built.AugmentationPool({ pipeline, workers: 2, seed: 9 });
  try {
    const results: Buffer[] = [];
    for await (const result of fromDist.map(Array.from({ length: 6 }, () => image)))
      results.push(Buffer.from(result.image.data));
    const transform = fromAlbumentationsDict(pipeline as AlbumentationsDict);
    results.forEach((bytes, index) =>
      expect(bytes.equals(Buffer.from(augmentSample(transform, image, 9, index).image.data))).toBe(true),
    );
    expect(new Set(results.map((bytes) => bytes.toString('hex'))).size).toBeGreaterThan(1);
  } finally {
    await fromDist.close();
  }
});
