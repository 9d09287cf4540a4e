/**
 * Crop pyramid geometry shared by the image path ({@link cropPyramidImage}) and the tensor path
 * ({@link cropPyramidTensor}): padding, grid boundaries and the sampling positions of each crop.
 *
 * Both paths sample exactly the same source positions (those `tf.image.cropAndResize` computes
 * from float32 boxes), so on the CPU backend they agree to the last bit.
 */

/** The seed's pyramid: the whole image, a 2×2 grid and a 5×5 grid (1 + 4 + 25 = 30 crops). */
export const SEED_LEVELS: readonly number[] = Object.freeze([1, 2, 5]);
/** The paper's pyramid (Jangtjik, Yeh and Hua 2016): 1, 2×2 and 4×4 (1 + 4 + 16 = 21 crops). */
export const PAPER_LEVELS: readonly number[] = Object.freeze([1, 2, 4]);

/** Named level presets accepted wherever `levels` is. */
export const LEVEL_PRESETS = Object.freeze({ seed: SEED_LEVELS, paper: PAPER_LEVELS });

/** A preset name or an explicit list of grid sizes (level `L` splits the image into `L×L` crops). */
export type LevelsOption = keyof typeof LEVEL_PRESETS | readonly number[];

/** How the image is padded before the grid is laid over it. */
export type PaddingMode = 'square' | 'none';

/**
 * OpenCV border modes, as albumentations' `PadIfNeeded` uses them (`abcdefgh` is the row):
 * - `constant`: `vvvvvv|abcdefgh|vvvvvvv` with `padValue`,
 * - `replicate`: `aaaaaa|abcdefgh|hhhhhhh`,
 * - `reflect` (`BORDER_REFLECT`): `fedcba|abcdefgh|hgfedcb`,
 * - `reflect101` (`BORDER_REFLECT_101`): `gfedcb|abcdefgh|gfedcba`,
 * - `wrap`: `cdefgh|abcdefgh|abcdefg`.
 */
export type BorderMode = 'constant' | 'replicate' | 'reflect' | 'reflect101' | 'wrap';

/** Resampling used to bring every crop to `cropSize × cropSize`. */
export type Interpolation = 'bilinear' | 'nearest';

export const PADDING_MODES: readonly PaddingMode[] = Object.freeze(['square', 'none']);
export const BORDER_MODES: readonly BorderMode[] = Object.freeze([
  'constant',
  'replicate',
  'reflect',
  'reflect101',
  'wrap',
]);
export const INTERPOLATIONS: readonly Interpolation[] = Object.freeze(['bilinear', 'nearest']);

/** Options of the crop pyramid; every field has a default. */
export interface PyramidOptions {
  /** Grid sizes, or a preset name (`'seed'` = `[1, 2, 5]`, `'paper'` = `[1, 2, 4]`). Default `[1, 2, 5]`. */
  levels?: LevelsOption;
  /** `'square'` pads the shorter side (centred, as albumentations' `PadIfNeeded`), `'none'` keeps the aspect. Default `'square'`. */
  padding?: PaddingMode;
  /** Border mode of the padding. Default `'constant'`. */
  borderMode?: BorderMode;
  /** Fill value for `borderMode: 'constant'`, in the image's own units. Default `0`. */
  padValue?: number;
  /** Side of every output crop, in pixels. Default `224`. */
  cropSize?: number;
  /** Resampling of the crops. Default `'bilinear'`. */
  interpolation?: Interpolation;
}

/** {@link PyramidOptions} with every default filled in and validated. */
export interface ResolvedPyramidOptions {
  levels: readonly number[];
  padding: PaddingMode;
  borderMode: BorderMode;
  padValue: number;
  cropSize: number;
  interpolation: Interpolation;
}

/** A rectangle in pixels: `x`, `y` of the top-left pixel, `width`, `height` (all integers). */
export interface PixelBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One crop of the pyramid. */
export interface PyramidCrop {
  /** Position in the pyramid order (level by level, row-major within a level). */
  index: number;
  /** Grid size of the crop's level (e.g. 5 for the 5×5 level). */
  level: number;
  /** Index of the level in `levels`. */
  levelIndex: number;
  /** Grid row (0 = top). */
  row: number;
  /** Grid column (0 = left). */
  column: number;
  /** The crop in the padded image's coordinates. */
  paddedBox: PixelBox;
  /** The same crop in the original image's coordinates (negative or beyond the size where it covers padding). */
  imageBox: PixelBox;
}

/** Padding and crops of one image size. */
export interface PyramidLayout {
  imageWidth: number;
  imageHeight: number;
  paddedWidth: number;
  paddedHeight: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  levels: readonly number[];
  /** `levelOffsets[l]` is the index of the first crop of level `l`; the last entry is the crop count. */
  levelOffsets: readonly number[];
  crops: readonly PyramidCrop[];
}

function listChoices(values: readonly string[]): string {
  return values.map((value) => `"${value}"`).join(', ');
}

/**
 * Validates a levels option and returns the grid sizes.
 *
 * @example
 * resolveLevels('paper'); // [1, 2, 4]
 */
export function resolveLevels(levels: LevelsOption | undefined, argumentName = 'levels'): readonly number[] {
  if (levels === undefined) return SEED_LEVELS;
  if (typeof levels === 'string') {
    const preset = (LEVEL_PRESETS as Record<string, readonly number[]>)[levels];
    if (preset === undefined) {
      throw new RangeError(
        `Unknown ${argumentName} preset "${levels}"; expected one of ${listChoices(Object.keys(LEVEL_PRESETS))} or an array of grid sizes`,
      );
    }
    return preset;
  }
  if (!Array.isArray(levels) || levels.length === 0) {
    throw new TypeError(
      `${argumentName} must be a non-empty array of positive integers, got ${JSON.stringify(levels)}`,
    );
  }
  for (const level of levels) {
    if (!Number.isInteger(level) || level < 1) {
      throw new RangeError(`${argumentName} must hold positive integers, got ${JSON.stringify(levels)}`);
    }
  }
  return Object.freeze([...levels]);
}

function checkChoice<T extends string>(value: unknown, choices: readonly T[], name: string): T {
  if (!choices.includes(value as T)) {
    throw new RangeError(`Unknown ${name} ${JSON.stringify(value)}; expected one of ${listChoices(choices)}`);
  }
  return value as T;
}

/**
 * Fills the defaults of {@link PyramidOptions} and validates them.
 *
 * @example
 * resolvePyramidOptions({ levels: 'paper', cropSize: 128 }).borderMode; // 'constant'
 */
export function resolvePyramidOptions(options: PyramidOptions = {}): ResolvedPyramidOptions {
  const cropSize = options.cropSize ?? 224;
  if (!Number.isInteger(cropSize) || cropSize < 1) {
    throw new RangeError(`cropSize must be a positive integer, got ${cropSize}`);
  }
  const padValue = options.padValue ?? 0;
  if (typeof padValue !== 'number' || !Number.isFinite(padValue)) {
    throw new TypeError(`padValue must be a finite number, got ${String(padValue)}`);
  }
  return {
    levels: resolveLevels(options.levels),
    padding: checkChoice(options.padding ?? 'square', PADDING_MODES, 'padding'),
    borderMode: checkChoice(options.borderMode ?? 'constant', BORDER_MODES, 'borderMode'),
    padValue,
    cropSize,
    interpolation: checkChoice(options.interpolation ?? 'bilinear', INTERPOLATIONS, 'interpolation'),
  };
}

/**
 * Number of crops of a pyramid: the sum of `L²` over its levels.
 *
 * @example
 * cropCount([1, 2, 5]); // 30
 * cropCount('paper'); // 21
 */
export function cropCount(levels: LevelsOption = SEED_LEVELS): number {
  return resolveLevels(levels).reduce((sum, level) => sum + level * level, 0);
}

/**
 * Grid boundary `i` of `L` cells over `size` pixels: `floor(i · size / L)`, in exact integer
 * arithmetic. Cells therefore differ in size by at most one pixel and tile the axis without gap
 * or overlap.
 *
 * @example
 * [0, 1, 2, 3].map((i) => gridBoundary(i, 3, 7)); // [0, 2, 4, 7]
 */
export function gridBoundary(index: number, cells: number, size: number): number {
  return Math.floor((index * size) / cells);
}

function checkDimension(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
}

/**
 * Padding and crops of an image of the given size.
 *
 * With `padding: 'square'`, the shorter side is padded to the longer one, centred as
 * albumentations' `PadIfNeeded` does (`top = floor((side - height) / 2)`, the odd pixel going to
 * the bottom/right). Level `L` then splits the padded image into an `L×L` grid whose boundaries
 * are `floor(i · side / L)` (see {@link gridBoundary}). Crops are ordered level by level, in the
 * order of `levels`, and row-major inside a level.
 *
 * @example
 * const layout = pyramidLayout(300, 200); // padded to 300×300, 30 crops
 * layout.crops[1].paddedBox; // { x: 0, y: 0, width: 150, height: 150 }
 */
export function pyramidLayout(imageWidth: number, imageHeight: number, options: PyramidOptions = {}): PyramidLayout {
  checkDimension(imageWidth, 'imageWidth');
  checkDimension(imageHeight, 'imageHeight');
  const resolved = resolvePyramidOptions(options);
  const side = Math.max(imageWidth, imageHeight);
  const paddedWidth = resolved.padding === 'square' ? side : imageWidth;
  const paddedHeight = resolved.padding === 'square' ? side : imageHeight;
  const padLeft = Math.floor((paddedWidth - imageWidth) / 2);
  const padTop = Math.floor((paddedHeight - imageHeight) / 2);
  const crops: PyramidCrop[] = [];
  const levelOffsets: number[] = [];
  resolved.levels.forEach((level, levelIndex) => {
    if (level > paddedWidth || level > paddedHeight) {
      throw new RangeError(
        `levels: a ${level}×${level} grid does not fit a ${paddedWidth}×${paddedHeight} (padded) image; every cell needs at least one pixel`,
      );
    }
    levelOffsets.push(crops.length);
    for (let row = 0; row < level; row++) {
      const y0 = gridBoundary(row, level, paddedHeight);
      const y1 = gridBoundary(row + 1, level, paddedHeight);
      for (let column = 0; column < level; column++) {
        const x0 = gridBoundary(column, level, paddedWidth);
        const x1 = gridBoundary(column + 1, level, paddedWidth);
        const paddedBox = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
        crops.push({
          index: crops.length,
          level,
          levelIndex,
          row,
          column,
          paddedBox,
          imageBox: { x: x0 - padLeft, y: y0 - padTop, width: paddedBox.width, height: paddedBox.height },
        });
      }
    }
  });
  levelOffsets.push(crops.length);
  return {
    imageWidth,
    imageHeight,
    paddedWidth,
    paddedHeight,
    padTop,
    padBottom: paddedHeight - imageHeight - padTop,
    padLeft,
    padRight: paddedWidth - imageWidth - padLeft,
    levels: resolved.levels,
    levelOffsets,
    crops,
  };
}

/**
 * The crop boxes of the pyramid for an image of `imageWidth × imageHeight` (see
 * {@link pyramidLayout} for the padding and grid rules, and the order).
 *
 * @example
 * pyramidCrops(640, 480).length; // 30 (levels [1, 2, 5])
 * pyramidCrops(640, 480, { levels: 'paper', padding: 'none' })[1].imageBox; // { x: 0, y: 0, width: 320, height: 240 }
 */
export function pyramidCrops(imageWidth: number, imageHeight: number, options: PyramidOptions = {}): PyramidCrop[] {
  return [...pyramidLayout(imageWidth, imageHeight, options).crops];
}

/**
 * OpenCV's `borderInterpolate`: the source index of position `position` on an axis of `length`
 * pixels, or `-1` for `constant` positions outside the axis. Large offsets reflect repeatedly,
 * as OpenCV does.
 *
 * @example
 * borderIndex(-2, 5, 'reflect101'); // 2
 */
export function borderIndex(position: number, length: number, mode: BorderMode): number {
  if (position >= 0 && position < length) return position;
  switch (mode) {
    case 'constant':
      return -1;
    case 'replicate':
      return position < 0 ? 0 : length - 1;
    case 'reflect':
    case 'reflect101': {
      if (length === 1) return 0;
      const delta = mode === 'reflect101' ? 1 : 0;
      let p = position;
      do {
        p = p < 0 ? -p - 1 + delta : length - 1 - (p - length) - delta;
      } while (p < 0 || p >= length);
      return p;
    }
    case 'wrap': {
      let p = position;
      if (p < 0) p -= Math.trunc((p - length + 1) / length) * length;
      if (p >= length) p %= length;
      return p;
    }
    default:
      throw new RangeError(`Unknown borderMode ${JSON.stringify(mode)}; expected one of ${listChoices(BORDER_MODES)}`);
  }
}

/*
 * Sampling geometry. The padded image is extended by one replicated pixel on every side (the
 * "margin") so that float32 rounding of the last sample position never falls outside the image,
 * where `tf.image.cropAndResize` would write its extrapolation value instead of a pixel.
 */

/** Source index of every position of the margin-extended padded axis. */
export function extendedAxisIndex(
  paddedSize: number,
  padBefore: number,
  imageSize: number,
  mode: BorderMode,
): Int32Array {
  const indices = new Int32Array(paddedSize + 2);
  for (let extended = 0; extended < paddedSize + 2; extended++) {
    const padded = Math.min(Math.max(extended - 1, 0), paddedSize - 1);
    indices[extended] = borderIndex(padded - padBefore, imageSize, mode);
  }
  return indices;
}

/**
 * Normalised `[start, end]` of a crop along one axis of the margin-extended image, as float32
 * (the values that go into `tf.image.cropAndResize`'s `boxes`). Output pixel 0 samples the centre
 * of the crop's first pixel and output pixel `cropSize - 1` the centre of its last pixel.
 */
export function normalisedSpan(start: number, length: number, paddedSize: number): [number, number] {
  const extendedLast = paddedSize + 1; // extendedSize - 1
  return [Math.fround((start + 1) / extendedLast), Math.fround((start + length) / extendedLast)];
}

/**
 * Sample positions (in margin-extended pixel coordinates) of one crop axis, computed exactly as
 * the TF.js CPU kernel of `cropAndResize` does from the float32 normalised box.
 */
export function samplePositions(start: number, length: number, paddedSize: number, cropSize: number): Float64Array {
  const [low, high] = normalisedSpan(start, length, paddedSize);
  const extendedLast = paddedSize + 1;
  const positions = new Float64Array(cropSize);
  if (cropSize === 1) {
    positions[0] = 0.5 * (low + high) * extendedLast;
    return positions;
  }
  const scale = ((high - low) * extendedLast) / (cropSize - 1);
  for (let i = 0; i < cropSize; i++) positions[i] = low * extendedLast + i * scale;
  return positions;
}
