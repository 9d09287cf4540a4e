import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  borderIndex,
  cropCount,
  PAPER_LEVELS,
  pyramidCrops,
  pyramidLayout,
  resolvePyramidOptions,
  SEED_LEVELS,
  type PixelBox,
} from '../src/index.js';

/**
 * Independent computation of the grid: pixel p of an axis of `size` pixels belongs to the last
 * cell i whose start floor(i·size/L) is ≤ p, i.e. i = ceil((p + 1)·L/size) − 1 (scanned pixel by
 * pixel); a cell's box is the span of its pixels.
 */
function independentCells(size: number, cells: number): { start: number; length: number }[] {
  const spans = Array.from({ length: cells }, () => ({ start: Infinity, end: -Infinity }));
  for (let p = 0; p < size; p++) {
    const cell = Math.ceil(((p + 1) * cells) / size) - 1;
    spans[cell]!.start = Math.min(spans[cell]!.start, p);
    spans[cell]!.end = Math.max(spans[cell]!.end, p);
  }
  return spans.map(({ start, end }) => ({ start, length: end - start + 1 }));
}

function independentBoxes(width: number, height: number, levels: readonly number[], square: boolean): PixelBox[][] {
  const paddedWidth = square ? Math.max(width, height) : width;
  const paddedHeight = square ? Math.max(width, height) : height;
  return levels.map((level) => {
    const rows = independentCells(paddedHeight, level);
    const columns = independentCells(paddedWidth, level);
    return rows.flatMap((row) =>
      columns.map((column) => ({ x: column.start, y: row.start, width: column.length, height: row.length })),
    );
  });
}

describe('pyramidCrops / pyramidLayout', () => {
  it('has the seed default of 1 + 4 + 25 = 30 crops and the paper preset of 21', () => {
    expect(SEED_LEVELS).toEqual([1, 2, 5]);
    expect(PAPER_LEVELS).toEqual([1, 2, 4]);
    expect(pyramidCrops(224, 224)).toHaveLength(30);
    expect(pyramidCrops(224, 224, { levels: 'paper' })).toHaveLength(21);
    expect(cropCount('seed')).toBe(30);
    expect(resolvePyramidOptions()).toEqual({
      levels: [1, 2, 5],
      padding: 'square',
      borderMode: 'constant',
      padValue: 0,
      cropSize: 224,
      interpolation: 'bilinear',
    });
  });

  it('pads a 7×5 image to 7×7 (centred) and splits it with floor boundaries (hand-computed)', () => {
    const layout = pyramidLayout(7, 5, { levels: [1, 2, 3] });
    expect([
      layout.paddedWidth,
      layout.paddedHeight,
      layout.padTop,
      layout.padBottom,
      layout.padLeft,
      layout.padRight,
    ]).toEqual([7, 7, 1, 1, 0, 0]);
    // level 2 over 7 px: boundaries 0, 3, 7 → cells of 3 and 4
    const level2 = layout.crops.filter((crop) => crop.level === 2).map((crop) => crop.paddedBox);
    expect(level2).toEqual([
      { x: 0, y: 0, width: 3, height: 3 },
      { x: 3, y: 0, width: 4, height: 3 },
      { x: 0, y: 3, width: 3, height: 4 },
      { x: 3, y: 3, width: 4, height: 4 },
    ]);
    // level 3 over 7 px: boundaries 0, 2, 4, 7
    const level3 = layout.crops.filter((crop) => crop.level === 3);
    expect(level3.map((crop) => crop.paddedBox.x)).toEqual([0, 2, 4, 0, 2, 4, 0, 2, 4]);
    expect(level3.map((crop) => crop.paddedBox.width)).toEqual([2, 2, 3, 2, 2, 3, 2, 2, 3]);
    // image coordinates: shifted by the top padding of 1
    expect(level3[0]!.imageBox).toEqual({ x: 0, y: -1, width: 2, height: 2 });
    expect(level3.map((crop) => [crop.row, crop.column])).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
      [1, 2],
      [2, 0],
      [2, 1],
      [2, 2],
    ]);
    expect(layout.levelOffsets).toEqual([0, 1, 5, 14]);
  });

  it('puts the odd padding pixel at the bottom/right (as PadIfNeeded)', () => {
    const tall = pyramidLayout(4, 9, { levels: [1] });
    expect([tall.padLeft, tall.padRight, tall.padTop, tall.padBottom]).toEqual([2, 3, 0, 0]);
    expect(tall.crops[0]!.imageBox).toEqual({ x: -2, y: 0, width: 9, height: 9 });
  });

  it('keeps the aspect ratio with padding: "none"', () => {
    const crops = pyramidCrops(10, 6, { levels: [2], padding: 'none' });
    expect(crops.map((crop) => crop.imageBox)).toEqual([
      { x: 0, y: 0, width: 5, height: 3 },
      { x: 5, y: 0, width: 5, height: 3 },
      { x: 0, y: 3, width: 5, height: 3 },
      { x: 5, y: 3, width: 5, height: 3 },
    ]);
  });

  it('matches an independent per-pixel computation for any size, levels and padding (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 97 }),
        fc.integer({ min: 1, max: 97 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (width, height, levels, square) => {
          const paddedWidth = square ? Math.max(width, height) : width;
          const paddedHeight = square ? Math.max(width, height) : height;
          fc.pre(levels.every((level) => level <= Math.min(paddedWidth, paddedHeight)));
          const layout = pyramidLayout(width, height, { levels, padding: square ? 'square' : 'none' });
          const expected = independentBoxes(width, height, levels, square).flat();
          expect(layout.crops.map((crop) => crop.paddedBox)).toEqual(expected);
          // Each level tiles the padded image exactly: areas add up.
          levels.forEach((level, levelIndex) => {
            const area = layout.crops
              .filter((crop) => crop.levelIndex === levelIndex)
              .reduce((sum, crop) => sum + crop.paddedBox.width * crop.paddedBox.height, 0);
            expect(area).toBe(paddedWidth * paddedHeight);
            expect(level).toBeGreaterThan(0);
          });
          for (const crop of layout.crops) {
            expect(crop.imageBox.x).toBe(crop.paddedBox.x - layout.padLeft);
            expect(crop.imageBox.y).toBe(crop.paddedBox.y - layout.padTop);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('rejects bad input with errors naming the argument and the choices', () => {
    expect(() => pyramidCrops(0, 5)).toThrow(/imageWidth must be a positive integer, got 0/);
    expect(() => pyramidCrops(5, 2.5)).toThrow(/imageHeight/);
    expect(() => pyramidCrops(5, 5, { levels: [] })).toThrow(TypeError);
    expect(() => pyramidCrops(5, 5, { levels: [1, 0] })).toThrow(/levels must hold positive integers/);
    expect(() => pyramidCrops(5, 5, { levels: 'pyramid' as never })).toThrow(/expected one of "seed", "paper"/);
    expect(() => pyramidCrops(5, 5, { borderMode: 'mirror' as never })).toThrow(
      /Unknown borderMode "mirror"; expected one of "constant", "replicate", "reflect", "reflect101", "wrap"/,
    );
    expect(() => pyramidCrops(5, 5, { padding: 'pad' as never })).toThrow(/expected one of "square", "none"/);
    expect(() => pyramidCrops(5, 5, { interpolation: 'cubic' as never })).toThrow(/"bilinear", "nearest"/);
    expect(() => pyramidCrops(5, 5, { cropSize: 0 })).toThrow(/cropSize must be a positive integer/);
    expect(() => pyramidCrops(4, 4, { levels: [5] })).toThrow(/5×5 grid does not fit a 4×4/);
  });
});

describe('borderIndex (OpenCV borderInterpolate)', () => {
  // Row "abcdefgh" = indices 0..7; the OpenCV documentation's pictures, 6 before and 7 after.
  const row = 'abcdefgh';
  const render = (mode: Parameters<typeof borderIndex>[2]): string => {
    let text = '';
    for (let p = -6; p < 8 + 7; p++) {
      const index = borderIndex(p, 8, mode);
      text += index < 0 ? 'v' : row[index];
      if (p === -1 || p === 7) text += '|';
    }
    return text;
  };

  it('reproduces the documented patterns', () => {
    expect(render('constant')).toBe('vvvvvv|abcdefgh|vvvvvvv');
    expect(render('replicate')).toBe('aaaaaa|abcdefgh|hhhhhhh');
    expect(render('reflect')).toBe('fedcba|abcdefgh|hgfedcb');
    expect(render('reflect101')).toBe('gfedcb|abcdefgh|gfedcba');
    expect(render('wrap')).toBe('cdefgh|abcdefgh|abcdefg');
  });

  it('reflects repeatedly for offsets larger than the axis, and handles one-pixel axes', () => {
    expect([-1, -2, -3, -4, -5, 3, 4, 5, 6].map((p) => borderIndex(p, 3, 'reflect101'))).toEqual([
      1, 2, 1, 0, 1, 1, 0, 1, 2,
    ]);
    expect([-1, -2, -3, -4, 3, 4, 5, 6].map((p) => borderIndex(p, 3, 'reflect'))).toEqual([0, 1, 2, 2, 2, 1, 0, 0]);
    expect([-4, -3, 3, 7].map((p) => borderIndex(p, 3, 'wrap'))).toEqual([2, 0, 0, 1]);
    expect(borderIndex(-5, 1, 'reflect101')).toBe(0);
    expect(borderIndex(9, 1, 'reflect')).toBe(0);
  });
});
