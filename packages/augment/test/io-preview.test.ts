import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { RawImage } from '../src/core/raw-image.js';
import { previewGrid, toDisplayable } from '../src/io/index.js';
import { escapeSvgText } from '../src/io/preview-grid.js';

const cellSize = 48;
const fixtures = new URL('./fixtures/io/', import.meta.url);

const flipsAndNoise = {
  __version__: '1.3.1',
  transform: {
    __class_fullname__: 'Compose',
    p: 1,
    transforms: [
      { __class_fullname__: 'RandomCrop', always_apply: false, p: 1, height: 24, width: 24 },
      {
        __class_fullname__: 'GaussNoise',
        always_apply: false,
        p: 1,
        var_limit: [100, 400],
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

function gradient(width: number, height: number, phase: number): RawImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1)
      data.set([(x * 7 + phase) % 256, (y * 5 + phase) % 256, (x * y + phase) % 256], (y * width + x) * 3);
  }
  return { data, width, height, channels: 3 };
}

async function decodeGrid(png: Buffer): Promise<RawImage> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: info.channels };
}

/** The picture area of cell (row, column), as bytes. */
function cell(grid: RawImage, row: number, column: number): Buffer {
  const left = 4 + column * (cellSize + 4);
  const top = 4 + row * (cellSize + 18 + 4) + 18;
  const rows: Buffer[] = [];
  for (let y = top; y < top + cellSize; y += 1) {
    const start = (y * grid.width + left) * grid.channels;
    rows.push(Buffer.from(grid.data.subarray(start, start + cellSize * grid.channels)));
  }
  return Buffer.concat(rows);
}

describe('previewGrid', () => {
  const images = [
    { image: gradient(36, 30, 0), label: 'monet' },
    { image: gradient(30, 40, 90), label: 'degas <&>' },
  ];

  it('lays out rows of original + variants at the documented size, each variant different', async () => {
    const png = await previewGrid({ images, pipeline: flipsAndNoise, variants: 3, seed: 5, cellSize });
    const metadata = await sharp(png).metadata();
    expect(metadata.format).toBe('png');
    expect([metadata.width, metadata.height]).toEqual([4 * (cellSize + 4) + 4, 2 * (cellSize + 18 + 4) + 4]);
    const grid = await decodeGrid(png);
    for (let row = 0; row < 2; row += 1) {
      const cells = [0, 1, 2, 3].map((column) => cell(grid, row, column).toString('hex'));
      expect(new Set(cells).size).toBe(4); // original and three distinct variants
    }
    // Captions are drawn: the label strip above a cell holds dark text pixels on the white canvas.
    let dark = 0;
    for (let y = 4; y < 4 + 18; y += 1) {
      for (let x = 4; x < 4 + cellSize; x += 1) if (grid.data[(y * grid.width + x) * grid.channels]! < 100) dark += 1;
    }
    expect(dark).toBeGreaterThan(10);
  });

  it('is reproducible from its seed', async () => {
    const a = await previewGrid({ images, pipeline: flipsAndNoise, variants: 2, seed: 11, cellSize });
    const b = await previewGrid({ images, pipeline: flipsAndNoise, variants: 2, seed: 11, cellSize });
    const c = await previewGrid({ images, pipeline: flipsAndNoise, variants: 2, seed: 12, cellSize });
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
  });

  it('shows the B3 train pipeline (Normalize + ToTensorV2 output) as pixels, from a file path', async () => {
    const b3 = JSON.parse(await readFile(new URL('../bench/b3-train.json', import.meta.url), 'utf8'));
    // Shrink Resize/RandomCrop so the test stays tiny; the rest is the seed's recipe as saved.
    b3.transform.transforms[0] = { ...b3.transform.transforms[0], height: 60, width: 60 };
    b3.transform.transforms[1] = { ...b3.transform.transforms[1], height: 40, width: 40 };
    b3.transform.transforms[2] = {
      ...b3.transform.transforms[2],
      max_height: 8,
      max_width: 8,
      min_height: 8,
      min_width: 8,
    };
    const path = new URL('img_a_w64_h48.png', fixtures);
    const png = await previewGrid({
      images: [{ image: fileURLToPath(path), label: 'fixture' }],
      pipeline: b3,
      variants: 2,
      seed: 3,
      cellSize,
    });
    const grid = await decodeGrid(png);
    expect([grid.width, grid.height]).toEqual([3 * (cellSize + 4) + 4, cellSize + 18 + 4 + 4]);
    // Denormalised output has the picture's brightness, not a black or saturated square.
    const variant = cell(grid, 0, 1);
    const mean = variant.reduce((sum, value) => sum + value, 0) / variant.length;
    expect(mean).toBeGreaterThan(30);
    expect(mean).toBeLessThan(225);
  });

  it('rejects bad options by name', async () => {
    await expect(previewGrid({ images: [], pipeline: flipsAndNoise })).rejects.toThrow(
      /options.images must be a non-empty array/,
    );
    await expect(previewGrid({ images, pipeline: flipsAndNoise, cellSize: 3 })).rejects.toThrow(
      /cellSize must be an integer 8\.\.4096; got 3/,
    );
    await expect(previewGrid({ images, pipeline: flipsAndNoise, variants: -1 })).rejects.toThrow(
      /variants must be a non-negative integer/,
    );
    await expect(previewGrid({ images: [{ image: 'no/such/file.jpg' }], pipeline: flipsAndNoise })).rejects.toThrow(
      /image file not found: "no\/such\/file.jpg"/,
    );
  });
});

describe('toDisplayable / escapeSvgText', () => {
  it('undoes Normalize on CHW float output and passes uint8 HWC through', () => {
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    const pixels = [10, 128, 250, 0, 64, 255]; // two RGB pixels
    const chw = new Float32Array(6);
    for (let p = 0; p < 2; p += 1)
      for (let c = 0; c < 3; c += 1) chw[c * 2 + p] = (pixels[p * 3 + c]! / 255 - mean[c]!) / std[c]!;
    const shown = toDisplayable({ data: chw, width: 2, height: 1, channels: 3, layout: 'CHW' }, { mean, std });
    expect(Array.from(shown.data)).toEqual(pixels);
    const unit = toDisplayable({ data: Float32Array.from([0, 0.5, 1]), width: 1, height: 1, channels: 3 });
    expect(Array.from(unit.data)).toEqual([0, 128, 255]);
    const image: RawImage = { data: new Uint8Array(3), width: 1, height: 1, channels: 3 };
    expect(toDisplayable(image)).toBe(image);
  });

  it('escapes markup in captions', () => {
    expect(escapeSvgText(`a<b>&"c'`)).toBe('a&#60;b&#62;&#38;&#34;c&#39;');
  });
});
