import { mkdtempSync, readFileSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runParity, formatParityReport } from '../src/parity/parity.js';
import { drawLine, labToRgb, rgbToLab } from '../src/index.js';
import { fixturesDirectory, sameBytes } from './helpers.js';

const manifestPath = resolve(fixturesDirectory, 'manifest.json');

describe('parity with albumentations 1.3.1 / OpenCV 4.6 (committed manifest)', () => {
  const report = runParity(manifestPath);

  it('runs all 46 cases and every one is exact (uint8 bytes, float32 bits)', () => {
    expect(report.results).toHaveLength(46);
    const notExact = report.results.filter((result) => result.maxAbsDiff !== 0 || result.error);
    expect(notExact).toEqual([]);
    expect(report.passed).toBe(true);
  });

  it('matches every intermediate stage (CLAHE LAB/L, optical-distortion maps, kernels, matrices)', () => {
    const stages = report.results.flatMap((result) => result.stages.map((stage) => ({ id: result.id, ...stage })));
    expect(stages.length).toBeGreaterThan(20);
    expect(stages.filter((stage) => stage.differing !== 0)).toEqual([]);
  });

  it('summarises per op with exact shares', () => {
    const ops = report.summary.map((row) => row.op).sort();
    expect(ops).toEqual(
      [
        'clahe',
        'coarse_dropout',
        'crop',
        'gauss_noise',
        'hflip',
        'motion_blur',
        'normalize',
        'optical_distortion',
        'random_crop',
        'resize',
        'rotate',
        'shift_scale_rotate',
        'vflip',
      ].sort(),
    );
    for (const row of report.summary) expect(row.exactShare).toBe(1);
    expect(formatParityReport(report)).toContain('46/46 cases exact');
  });

  it('fails (passed=false) when an expected array is wrong', () => {
    const directory = mkdtempSync(join(tmpdir(), 'augment-parity-'));
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    const testCase = manifest.cases.find((entry: { id: string }) => entry.id === 'hflip_a');
    mkdirSync(join(directory, 'inputs'));
    mkdirSync(join(directory, 'cases'));
    copyFileSync(
      resolve(fixturesDirectory, manifest.inputs.img_a_w64_h48.raw.file),
      join(directory, manifest.inputs.img_a_w64_h48.raw.file),
    );
    const wrong = new Uint8Array(readFileSync(resolve(fixturesDirectory, testCase.expected.file)));
    wrong[100] = (wrong[100]! + 3) & 255;
    writeFileSync(join(directory, testCase.expected.file), wrong);
    writeFileSync(
      join(directory, 'manifest.json'),
      JSON.stringify({ inputs: { img_a_w64_h48: manifest.inputs.img_a_w64_h48 }, cases: [testCase] }),
    );
    const broken = runParity(join(directory, 'manifest.json'));
    expect(broken.passed).toBe(false);
    expect(broken.results[0]!.maxAbsDiff).toBe(3);
    expect(broken.results[0]!.differing).toBe(1);
    expect(runParity(join(directory, 'manifest.json'), { tolerance: 3 }).passed).toBe(true);
  });

  it('rejects a file that is not a manifest with a clear error', () => {
    expect(() => runParity(resolve(fixturesDirectory, 'pipelines', 'b3-test.json'))).toThrow(/not a fixture manifest/);
    expect(() => runParity(resolve(fixturesDirectory, 'missing.json'))).toThrow(/cannot read manifest/);
  });
});

describe('parity with cv2 4.6 on paths the albumentations manifest does not cover (test/fixtures/opencv)', () => {
  const report = runParity(resolve(fixturesDirectory, 'opencv', 'manifest.json'));

  it('nearest/cubic/area resize, warpAffine in every border mode and interpolation, padding, Gaussian blur, gray, HSV: all exact', () => {
    expect(report.results.length).toBeGreaterThanOrEqual(70);
    expect(report.results.filter((result) => result.maxAbsDiff !== 0 || result.error)).toEqual([]);
    const manifest = JSON.parse(readFileSync(resolve(fixturesDirectory, 'opencv', 'manifest.json'), 'utf8')) as {
      cases: { op: string; params: Record<string, unknown> }[];
    };
    for (const op of ['warp_affine', 'pad']) {
      const modes = new Set(manifest.cases.filter((entry) => entry.op === op).map((entry) => entry.params.border_mode));
      expect(modes).toEqual(
        new Set(['BORDER_CONSTANT', 'BORDER_REPLICATE', 'BORDER_REFLECT', 'BORDER_WRAP', 'BORDER_REFLECT_101']),
      );
    }
  });
});

describe('OpenCV building blocks', () => {
  const values: number[] = [];
  for (let value = 0; value < 256; value += 7) values.push(value);
  values.push(255);
  const grid = new Uint8Array(values.length ** 3 * 3);
  let index = 0;
  for (const a of values) for (const b of values) for (const c of values) grid.set([a, b, c], index++ * 3);
  const image = { data: grid, width: values.length ** 3, height: 1, channels: 3 };

  it('RGB2LAB (8-bit) matches cv2 on the 38^3 grid', () => {
    const expected = new Uint8Array(readFileSync(resolve(fixturesDirectory, 'cases', 'cv2_rgb2lab_u8_grid.bin')));
    expect(sameBytes(rgbToLab(image).data, expected)).toBe(true);
  });

  it('LAB2RGB (8-bit) matches cv2 on the 38^3 grid', () => {
    const expected = new Uint8Array(readFileSync(resolve(fixturesDirectory, 'cases', 'cv2_lab2rgb_u8_grid.bin')));
    expect(sameBytes(labToRgb(image).data, expected)).toBe(true);
  });

  it('cv2.line kernels match the full 3/5/7 table', () => {
    const table = JSON.parse(
      readFileSync(resolve(fixturesDirectory, 'cases', 'motion_blur_line_table.json'), 'utf8'),
    ) as { rows: [number, number, number, number, number, string][] };
    expect(table.rows.length).toBe(3107);
    const mismatches = table.rows.filter(
      ([size, x1, y1, x2, y2, bits]) => Array.from(drawLine(size, x1, y1, x2, y2)).join('') !== bits,
    );
    expect(mismatches).toEqual([]);
  });
});

describe('filter2D equal-weight shortcut', () => {
  it('gives the same bytes as the fused float32 path for every 3/5/7 motion kernel', async () => {
    const { filter2DImplementation } = await import('../src/cv/filter.js');
    const { motionBlurKernel: kernelOf } = await import('../src/functional/blur.js');
    const table = JSON.parse(
      readFileSync(resolve(fixturesDirectory, 'cases', 'motion_blur_line_table.json'), 'utf8'),
    ) as { rows: [number, number, number, number, number, string][] };
    const data = new Uint8Array(23 * 17 * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 97 + ((i * i) >> 3)) & 255;
    const image = { data, width: 23, height: 17, channels: 3 };
    let mismatches = 0;
    for (const [size, x1, y1, x2, y2] of table.rows) {
      const kernel = kernelOf(size, x1, y1, x2, y2);
      const fast = filter2DImplementation(image, kernel, size, size, 4, true).data;
      const reference = filter2DImplementation(image, kernel, size, size, 4, false).data;
      if (!sameBytes(fast, reference)) mismatches++;
    }
    expect(mismatches).toBe(0);
  });
});

describe('opticalDistortion fused path', () => {
  it('equals opticalDistortionMaps + remap', async () => {
    const { opticalDistortion, opticalDistortionMaps, remap } = await import('../src/index.js');
    const data = new Uint8Array(31 * 19 * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 53 + (i >> 4)) & 255;
    const image = { data, width: 31, height: 19, channels: 3 };
    for (const [k, dx, dy] of [
      [0.05, 0, 0],
      [-0.7, 3, -2],
      [0.33, -5, 4],
      [0, 0, 0],
    ] as const) {
      const { mapX, mapY } = opticalDistortionMaps(31, 19, k, dx, dy);
      expect(sameBytes(opticalDistortion(image, k, dx, dy).data, remap(image, mapX, mapY).data)).toBe(true);
    }
  });
});

describe('hflip and cutout fast paths', () => {
  it('hflip (word path for widths divisible by 4, byte path otherwise) mirrors every pixel', async () => {
    const { hflip } = await import('../src/functional/geometric.js');
    for (const [width, height, offset] of [
      [4, 1, 0],
      [8, 3, 0],
      [12, 5, 0],
      [5, 2, 0],
      [8, 2, 1],
    ] as const) {
      const backing = new Uint8Array(width * height * 3 + offset);
      for (let i = 0; i < backing.length; i++) backing[i] = (i * 97 + 13) & 255;
      const data = backing.subarray(offset);
      const out = hflip({ data, width, height, channels: 3 }).data;
      const expected = new Uint8Array(data.length);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++)
          for (let c = 0; c < 3; c++) expected[(y * width + x) * 3 + c] = data[(y * width + width - 1 - x) * 3 + c]!;
      }
      expect(sameBytes(out, expected)).toBe(true);
    }
  });

  it('cutout fills holes with one value per channel or a shared value', async () => {
    const { cutout } = await import('../src/functional/dropout.js');
    const image = { data: new Uint8Array(6 * 4 * 3).fill(9), width: 6, height: 4, channels: 3 };
    const shared = cutout(
      image,
      [
        [1, 1, 3, 3],
        [5, 3, 9, 9],
      ],
      200,
    ).data;
    const perChannel = cutout(
      image,
      [
        [1, 1, 3, 3],
        [5, 3, 9, 9],
      ],
      [1, 2, 3],
    ).data;
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 6; x++) {
        const inside = (x >= 1 && x < 3 && y >= 1 && y < 3) || (x >= 5 && y >= 3);
        for (let c = 0; c < 3; c++) {
          expect(shared[(y * 6 + x) * 3 + c]).toBe(inside ? 200 : 9);
          expect(perChannel[(y * 6 + x) * 3 + c]).toBe(inside ? c + 1 : 9);
        }
      }
    }
  });
});
