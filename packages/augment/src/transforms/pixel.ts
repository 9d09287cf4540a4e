/** Pixel-level transforms: Normalize, ToTensorV2, GaussNoise, CLAHE, colour jitter family, ToGray. */
import { uninitializedBytes, type ImageShape, type RawImage } from '../core/raw-image.js';
import { createRng, zigguratTablesForKernels, type Rng } from '../core/rng.js';
import { wasmKernels } from '../wasm/index.js';
import type { Range } from '../core/options.js';
import type { ChwFusable, Mirror, MirrorFusable } from '../core/compose.js';
import { SchemaTransform, type TransformOptions } from '../core/transform.js';
import {
  bool,
  defineOptions,
  number,
  option,
  range,
  type OptionExtras,
  type OptionsOf,
  type OptionSpec,
} from '../core/schema.js';
import {
  adjustBrightness,
  adjustContrast,
  adjustHue,
  adjustSaturation,
  brightnessContrastAdjust,
  channelShuffle,
  gammaTransform,
  invert,
  solarize,
  toFloat,
  gaussNoise,
  normalize,
  normalizeMirrored,
  shiftHsv,
  toGray,
  toTensorBuffer,
} from '../functional/pixel.js';
import { clahe } from '../functional/clahe.js';

type Empty = Record<string, never>;
const EMPTY: Empty = {};

/** A number or a list of numbers, read as a list. */
function numberList(fallback: number[], extras: OptionExtras<number[]>): OptionSpec<number[], number | number[]> {
  return option((reader, name) => {
    const raw = reader.raw(name) ?? fallback;
    const list = typeof raw === 'number' ? [raw] : raw;
    if (
      !Array.isArray(list) ||
      list.length === 0 ||
      !list.every((value) => typeof value === 'number' && Number.isFinite(value))
    ) {
      reader.fail(name, `must be a number or a list of numbers, got ${JSON.stringify(raw)}`);
    }
    return (list as number[]).slice();
  }, extras);
}

export type NormalizeOptions = OptionsOf<typeof Normalize.schema>;

/**
 * `(px - mean*max) / (std*max)` in float32, bit-exact with albumentations (p defaults to 1).
 * Followed directly by ToTensorV2 inside a Compose, it writes CHW in one pass.
 * @example
 * new Normalize(); // ImageNet statistics
 */
export class Normalize extends SchemaTransform<Empty> implements ChwFusable, MirrorFusable {
  static readonly schema = defineOptions(
    { p: 1 },
    {
      // albumentations keeps a scalar mean/std as the scalar it was given.
      /** Default ImageNet [0.485, 0.456, 0.406]. */
      mean: numberList([0.485, 0.456, 0.406], {
        toDict: (mean, transform) => ((transform as Normalize).meanIsScalar ? mean[0] : mean),
      }),
      /** Default ImageNet [0.229, 0.224, 0.225]. */
      std: numberList([0.229, 0.224, 0.225], {
        check: (std) =>
          std.some((value) => value === 0) ? `must not contain 0, got ${JSON.stringify(std)}` : undefined,
        toDict: (std, transform) => ((transform as Normalize).stdIsScalar ? std[0] : std),
      }),
      /** Default 255. */
      maxPixelValue: number({ default: 255, min: 0, exclusive: true }),
    },
  );
  readonly className = 'Normalize';
  declare readonly mean: number[];
  declare readonly std: number[];
  declare readonly maxPixelValue: number;
  private readonly meanIsScalar: boolean;
  private readonly stdIsScalar: boolean;

  constructor(options: NormalizeOptions = {}) {
    super(Normalize.schema.read('Normalize', options));
    this.meanIsScalar = typeof options.mean === 'number';
    this.stdIsScalar = typeof options.std === 'number';
  }

  protected getParams(): Empty {
    return EMPTY;
  }

  applyWithParams(image: RawImage): RawImage {
    return normalize(image, { mean: this.mean, std: this.std, maxPixelValue: this.maxPixelValue });
  }

  /** Normalize straight into CHW (identical values to Normalize then ToTensorV2). */
  applyToChw(image: RawImage): RawImage {
    return normalize(image, { mean: this.mean, std: this.std, maxPixelValue: this.maxPixelValue }, 'CHW');
  }

  /** Normalize the mirrored image without materialising it (identical values to flips then Normalize). */
  applyMirrored(image: RawImage, _params: Record<string, unknown>, mirror: Mirror, layout: 'HWC' | 'CHW'): RawImage {
    return normalizeMirrored(
      image,
      { mean: this.mean, std: this.std, maxPixelValue: this.maxPixelValue },
      layout,
      mirror.horizontal,
      mirror.vertical,
    );
  }
}

export type ToTensorV2Options = OptionsOf<typeof ToTensorV2.schema>;

/**
 * albumentations' `ToTensorV2` without torch: HWC → CHW, dtype kept, `layout: 'CHW'` set on the
 * result. Must be the last step. `alwaysApply` defaults to true, p to 1.
 * @example
 * new Compose([new Normalize(), new ToTensorV2()]);
 */
export class ToTensorV2 extends SchemaTransform<Empty> {
  static readonly schema = defineOptions(
    { p: 1, alwaysApply: true },
    {
      /** Kept for serialization (masks are not handled here). Default false. */
      transposeMask: bool(false),
    },
  );
  readonly className = 'ToTensorV2';
  declare readonly transposeMask: boolean;

  constructor(options: ToTensorV2Options = {}) {
    super(ToTensorV2.schema.read('ToTensorV2', options));
  }

  protected getParams(): Empty {
    return EMPTY;
  }

  applyWithParams(image: RawImage): RawImage {
    const planar = toTensorBuffer(image, { layout: 'CHW' });
    const data = image.data instanceof Uint8Array ? Uint8Array.from(planar) : planar;
    return { data, width: image.width, height: image.height, channels: image.channels, layout: 'CHW' };
  }
}

interface GaussNoiseParams {
  var: number;
  /** Seed of the xoshiro128** stream that generates the noise (so records stay small). */
  noise_seed: number;
}

export type GaussNoiseOptions = OptionsOf<typeof GaussNoise.schema>;

/**
 * Additive Gaussian noise: `var = uniform(varLimit)`, `sigma = sqrt(var)`, noise from a seeded
 * normal stream, `uint8(clip(px + noise, 0, 255))` with truncation as albumentations does.
 * @example
 * new GaussNoise({ varLimit: [10, 50], p: 1 });
 */
export class GaussNoise extends SchemaTransform<GaussNoiseParams> {
  static readonly schema = defineOptions(
    { p: 0.5 },
    {
      /** Variance range; a number v means [0, v]. Default [10, 50]. */
      varLimit: range([10, 50], {
        low: 0,
        check: (limit) => (limit[0] < 0 ? `must be non-negative, got ${JSON.stringify(limit)}` : undefined),
      }),
      /** Independent noise per channel (true) or one value per pixel (false). Default true. */
      perChannel: bool(true),
      /** Default 0. */
      mean: number({ default: 0 }),
    },
  );
  readonly className = 'GaussNoise';
  declare readonly varLimit: Range;
  declare readonly mean: number;
  declare readonly perChannel: boolean;

  constructor(options: GaussNoiseOptions = {}) {
    super(GaussNoise.schema.read('GaussNoise', options));
  }

  protected getParams(_shape: ImageShape, rng: Rng): GaussNoiseParams {
    const variance = rng.uniform(this.varLimit[0], this.varLimit[1]);
    return { var: variance, noise_seed: rng.nextUint32() };
  }

  /** The noise array the params stand for (float64, per element or per pixel). */
  noiseFor(shape: ImageShape, params: GaussNoiseParams): Float64Array {
    const count = shape.width * shape.height * (this.perChannel ? shape.channels : 1);
    return createRng(params.noise_seed).normalArray(count, this.mean, Math.sqrt(params.var));
  }

  applyWithParams(image: RawImage, params: GaussNoiseParams): RawImage {
    if (!(image.data instanceof Uint8Array)) return gaussNoise(image, this.noiseFor(image, params));
    // uint8: stream the noise through a small buffer instead of materialising it (same values
    // as gaussNoise(image, noiseFor(image, params))).
    const rng = createRng(params.noise_seed);
    const sigma = Math.sqrt(params.var);
    const src = image.data;
    const out = uninitializedBytes(src.length); // every value is written below
    const channels = image.channels;
    const step = this.perChannel ? 1 : channels;
    const kernels = wasmKernels();
    if (kernels) {
      const arena = kernels.arena();
      const { kn, wn, fn } = zigguratTablesForKernels();
      const srcPointer = arena.copyIn(src);
      const outPointer = arena.allocate(src.length);
      new Uint32Array(kernels.exports.memory.buffer, kernels.statePointer, 4).set(rng.getState());
      kernels.exports.gaussNoiseU8(
        srcPointer,
        outPointer,
        src.length,
        step,
        this.mean,
        sigma,
        kernels.statePointer,
        arena.copyIn(kn),
        arena.copyIn(wn),
        arena.copyIn(fn),
      );
      out.set(arena.bytes(outPointer, src.length));
      return { data: out, width: image.width, height: image.height, channels };
    }
    const buffer = noiseBuffer();
    for (let start = 0; start < src.length; start += buffer.length * step) {
      const count = Math.min(buffer.length, (src.length - start) / step);
      rng.fillNormal(buffer, this.mean, sigma, 0, count);
      if (step === 1) addNoiseUint8(src, out, buffer, start, count);
      else addSharedNoiseUint8(src, out, buffer, start, count, channels);
    }
    return { data: out, width: image.width, height: image.height, channels };
  }
}

let scratchNoise: Float64Array | undefined;
function noiseBuffer(): Float64Array {
  scratchNoise ??= new Float64Array(8192);
  return scratchNoise;
}

/** `uint8(clip(px + noise, 0, 255))` (truncating), one noise value per element. */
function addNoiseUint8(src: Uint8Array, out: Uint8Array, noise: Float64Array, start: number, count: number): void {
  for (let k = 0; k < count; k++) {
    const value = src[start + k]! + noise[k]!;
    out[start + k] = value <= 0 ? 0 : value >= 255 ? 255 : value | 0; // truncation, like astype(uint8)
  }
}

/** Same with one noise value per pixel, shared by its channels. */
function addSharedNoiseUint8(
  src: Uint8Array,
  out: Uint8Array,
  noise: Float64Array,
  start: number,
  count: number,
  channels: number,
): void {
  for (let k = 0, i = start; k < count; k++) {
    const n = noise[k]!;
    for (let c = 0; c < channels; c++, i++) {
      const value = src[i]! + n;
      out[i] = value <= 0 ? 0 : value >= 255 ? 255 : value | 0;
    }
  }
}

interface ClaheParams {
  clip_limit: number;
}

export type ClaheOptions = OptionsOf<typeof CLAHE.schema>;

/**
 * Contrast-limited adaptive histogram equalisation on the L channel of OpenCV's 8-bit LAB
 * (uint8, 1 or 3 channels); `clip_limit = uniform(clipLimit)`.
 * @example
 * new CLAHE({ clipLimit: [1, 2], tileGridSize: [8, 8] });
 */
export class CLAHE extends SchemaTransform<ClaheParams> {
  static readonly schema = defineOptions(
    { p: 0.5 },
    {
      /** Clip limit range; a number v means [1, v]. Default 4. */
      clipLimit: range(4, { low: 1 }),
      /** [tilesX, tilesY]. Default [8, 8]. */
      tileGridSize: option<[number, number]>((reader, name) => {
        const grid = (reader.raw(name) ?? [8, 8]) as unknown[];
        if (
          !Array.isArray(grid) ||
          grid.length !== 2 ||
          !grid.every((value) => Number.isInteger(value) && (value as number) >= 1)
        ) {
          reader.fail(name, `must be two positive integers [tilesX, tilesY], got ${JSON.stringify(grid)}`);
        }
        return [grid[0] as number, grid[1] as number];
      }),
    },
  );
  readonly className = 'CLAHE';
  declare readonly clipLimit: Range;
  declare readonly tileGridSize: [number, number];

  constructor(options: ClaheOptions = {}) {
    super(CLAHE.schema.read('CLAHE', options));
  }

  protected getParams(_shape: ImageShape, rng: Rng): ClaheParams {
    return { clip_limit: rng.uniform(this.clipLimit[0], this.clipLimit[1]) };
  }

  applyWithParams(image: RawImage, params: ClaheParams): RawImage {
    if (image.channels !== 1 && image.channels !== 3) {
      throw new TypeError(`CLAHE expects 1-channel or 3-channel images, got ${image.channels} channels`);
    }
    return clahe(image, params.clip_limit, this.tileGridSize);
  }
}

interface ColorJitterParams {
  brightness: number;
  contrast: number;
  saturation: number;
  hue: number;
  order: number[];
}

export type ColorJitterOptions = OptionsOf<typeof ColorJitter.schema>;

/**
 * A ColorJitter factor (torchvision's `_check_input`): a number v means [offset - v, offset + v]
 * (clipped at 0), a pair must lie within `bounds`. Default 0.2.
 */
function jitterFactor(offset: number, bounds: Range, clip: boolean): OptionSpec<Range, number | Range> {
  return option((reader, name) => {
    const raw = reader.raw(name) ?? 0.2;
    if (typeof raw === 'number') {
      if (!Number.isFinite(raw) || raw < 0) reader.fail(name, `as a single number must be non-negative, got ${raw}`);
      const range: Range = [offset - raw, offset + raw];
      if (clip) range[0] = Math.max(range[0], 0);
      return range;
    }
    if (Array.isArray(raw) && raw.length === 2 && raw.every((value) => typeof value === 'number')) {
      if (!(bounds[0] <= raw[0] && raw[0] <= raw[1] && raw[1] <= bounds[1]))
        reader.fail(name, `values should be between ${JSON.stringify(bounds)}, got ${JSON.stringify(raw)}`);
      return [raw[0] as number, raw[1] as number];
    }
    return reader.fail(name, `must be a number or a [min, max] pair, got ${JSON.stringify(raw)}`);
  });
}

/**
 * torchvision-style colour jitter (albumentations 1.3 `ColorJitter`, uint8): four factors drawn
 * in the order brightness, contrast, saturation, hue, then applied in a shuffled order.
 * @example
 * new ColorJitter({ brightness: 0.2, contrast: 0.2, saturation: 0.2, hue: 0.1 });
 */
export class ColorJitter extends SchemaTransform<ColorJitterParams> {
  static readonly schema = defineOptions(
    { p: 0.5 },
    {
      /** A number v means [max(0, 1 - v), 1 + v]. Default 0.2. */
      brightness: jitterFactor(1, [0, Infinity], true),
      contrast: jitterFactor(1, [0, Infinity], true),
      saturation: jitterFactor(1, [0, Infinity], true),
      /** A number v means [-v, v], within [-0.5, 0.5]. Default 0.2. */
      hue: jitterFactor(0, [-0.5, 0.5], false),
    },
  );
  readonly className = 'ColorJitter';
  declare readonly brightness: Range;
  declare readonly contrast: Range;
  declare readonly saturation: Range;
  declare readonly hue: Range;

  constructor(options: ColorJitterOptions = {}) {
    super(ColorJitter.schema.read('ColorJitter', options));
  }

  protected getParams(_shape: ImageShape, rng: Rng): ColorJitterParams {
    const brightness = rng.uniform(this.brightness[0], this.brightness[1]);
    const contrast = rng.uniform(this.contrast[0], this.contrast[1]);
    const saturation = rng.uniform(this.saturation[0], this.saturation[1]);
    const hue = rng.uniform(this.hue[0], this.hue[1]);
    return { brightness, contrast, saturation, hue, order: rng.shuffle([0, 1, 2, 3]) };
  }

  applyWithParams(image: RawImage, params: ColorJitterParams): RawImage {
    if (image.channels !== 1 && image.channels !== 3) {
      throw new TypeError(`ColorJitter expects 1-channel or 3-channel images, got ${image.channels} channels`);
    }
    let out = image;
    for (const step of params.order) {
      if (step === 0) out = adjustBrightness(out, params.brightness);
      else if (step === 1) out = adjustContrast(out, params.contrast);
      else if (step === 2) out = adjustSaturation(out, params.saturation);
      else out = adjustHue(out, params.hue);
    }
    return out;
  }
}

interface BrightnessContrastParams {
  alpha: number;
  beta: number;
}

export type RandomBrightnessContrastOptions = OptionsOf<typeof RandomBrightnessContrast.schema>;

/**
 * `alpha = 1 + uniform(contrastLimit)`, `beta = uniform(brightnessLimit)`; uint8 LUT
 * `clip(i*alpha + beta*255)` truncated.
 * @example
 * new RandomBrightnessContrast({ brightnessLimit: 0.2, contrastLimit: 0.2 });
 */
export class RandomBrightnessContrast extends SchemaTransform<BrightnessContrastParams> {
  static readonly schema = defineOptions(
    { p: 0.5 },
    {
      /** Default 0.2 → [-0.2, 0.2]. */
      brightnessLimit: range(0.2),
      /** Default 0.2 → [-0.2, 0.2]. */
      contrastLimit: range(0.2),
      /** Brightness relative to 255 (true) or to the image mean (false). Default true. */
      brightnessByMax: bool(true),
    },
  );
  readonly className = 'RandomBrightnessContrast';
  declare readonly brightnessLimit: Range;
  declare readonly contrastLimit: Range;
  declare readonly brightnessByMax: boolean;

  constructor(options: RandomBrightnessContrastOptions = {}) {
    super(RandomBrightnessContrast.schema.read('RandomBrightnessContrast', options));
  }

  protected getParams(_shape: ImageShape, rng: Rng): BrightnessContrastParams {
    const alpha = 1 + rng.uniform(this.contrastLimit[0], this.contrastLimit[1]);
    const beta = 0 + rng.uniform(this.brightnessLimit[0], this.brightnessLimit[1]);
    return { alpha, beta };
  }

  applyWithParams(image: RawImage, params: BrightnessContrastParams): RawImage {
    return brightnessContrastAdjust(image, params.alpha, params.beta, this.brightnessByMax);
  }
}

interface GammaParams {
  gamma: number;
}

export type RandomGammaOptions = OptionsOf<typeof RandomGamma.schema>;

/**
 * `gamma = uniform(gammaLimit) / 100`, then {@link gammaTransform} (p defaults to 0.5).
 * @example
 * new RandomGamma({ gammaLimit: [80, 120] });
 */
export class RandomGamma extends SchemaTransform<GammaParams> {
  static readonly schema = defineOptions(
    { p: 0.5 },
    {
      /** Gamma range in percent; a number v means [-v, v]. Default [80, 120]. */
      gammaLimit: range([80, 120]),
      /** Deprecated in albumentations and unused; kept for its dicts. Default null. */
      eps: option<number | null>((reader, name) => {
        const eps = reader.raw(name) ?? null;
        if (eps !== null && (typeof eps !== 'number' || !Number.isFinite(eps)))
          reader.fail(name, `must be a number or null, got ${JSON.stringify(eps)}`);
        return eps as number | null;
      }),
    },
  );
  readonly className = 'RandomGamma';
  declare readonly gammaLimit: Range;
  declare readonly eps: number | null;

  constructor(options: RandomGammaOptions = {}) {
    super(RandomGamma.schema.read('RandomGamma', options));
  }

  protected getParams(_shape: ImageShape, rng: Rng): GammaParams {
    return { gamma: rng.uniform(this.gammaLimit[0], this.gammaLimit[1]) / 100 };
  }

  applyWithParams(image: RawImage, params: GammaParams): RawImage {
    return gammaTransform(image, params.gamma);
  }
}

interface HsvParams {
  hue_shift: number;
  sat_shift: number;
  val_shift: number;
}

export type HueSaturationValueOptions = OptionsOf<typeof HueSaturationValue.schema>;

/**
 * Random HSV shifts (`hue_shift, sat_shift, val_shift = uniform(...)` in that order) on
 * OpenCV's 8-bit HSV.
 * @example
 * new HueSaturationValue({ hueShiftLimit: 10 });
 */
export class HueSaturationValue extends SchemaTransform<HsvParams> {
  static readonly schema = defineOptions(
    { p: 0.5 },
    {
      /** Default 20 → [-20, 20] (OpenCV hue units, 0..180). */
      hueShiftLimit: range(20),
      /** Default 30. */
      satShiftLimit: range(30),
      /** Default 20. */
      valShiftLimit: range(20),
    },
  );
  readonly className = 'HueSaturationValue';
  declare readonly hueShiftLimit: Range;
  declare readonly satShiftLimit: Range;
  declare readonly valShiftLimit: Range;

  constructor(options: HueSaturationValueOptions = {}) {
    super(HueSaturationValue.schema.read('HueSaturationValue', options));
  }

  protected getParams(_shape: ImageShape, rng: Rng): HsvParams {
    const hue = rng.uniform(this.hueShiftLimit[0], this.hueShiftLimit[1]);
    const saturation = rng.uniform(this.satShiftLimit[0], this.satShiftLimit[1]);
    const value = rng.uniform(this.valShiftLimit[0], this.valShiftLimit[1]);
    return { hue_shift: hue, sat_shift: saturation, val_shift: value };
  }

  applyWithParams(image: RawImage, params: HsvParams): RawImage {
    if (image.channels !== 1 && image.channels !== 3) {
      throw new TypeError(`HueSaturationValue expects 1-channel or 3-channel images, got ${image.channels} channels`);
    }
    return shiftHsv(image, params.hue_shift, params.sat_shift, params.val_shift);
  }
}

/**
 * RGB → gray → RGB with OpenCV's integer weights (p defaults to 0.5); 1-channel input is
 * returned unchanged.
 * @example
 * new ToGray({ p: 0.1 });
 */
export class ToGray extends SchemaTransform<Empty> {
  static readonly schema = defineOptions({ p: 0.5 }, {});
  readonly className = 'ToGray';
  constructor(options: TransformOptions = {}) {
    super(ToGray.schema.read('ToGray', options));
  }
  protected getParams(): Empty {
    return EMPTY;
  }
  applyWithParams(image: RawImage): RawImage {
    if (image.channels === 1) return image;
    if (image.channels !== 3) throw new TypeError(`ToGray expects 3-channel images, got ${image.channels} channels`);
    return toGray(image);
  }
}

/**
 * Identity (albumentations `NoOp`; p defaults to 0.5).
 * @example
 * new NoOp();
 */
export class NoOp extends SchemaTransform<Empty> {
  static readonly schema = defineOptions({ p: 0.5 }, {});
  readonly className = 'NoOp';
  constructor(options: TransformOptions = {}) {
    super(NoOp.schema.read('NoOp', options));
  }
  protected getParams(): Empty {
    return EMPTY;
  }
  applyWithParams(image: RawImage): RawImage {
    return image;
  }
}

/**
 * `max - x` with max 255 for uint8 and 1 for float32 (albumentations `InvertImg`; p defaults to 0.5).
 * @example
 * new InvertImg();
 */
export class InvertImg extends SchemaTransform<Empty> {
  static readonly schema = defineOptions({ p: 0.5 }, {});
  readonly className = 'InvertImg';
  constructor(options: TransformOptions = {}) {
    super(InvertImg.schema.read('InvertImg', options));
  }
  protected getParams(): Empty {
    return EMPTY;
  }
  applyWithParams(image: RawImage): RawImage {
    return invert(image);
  }
}

interface SolarizeParams {
  threshold: number;
}

export type SolarizeOptions = OptionsOf<typeof Solarize.schema>;

/**
 * Values at or above `threshold = uniform(range)` become `max - x` (albumentations `Solarize`;
 * p defaults to 0.5).
 * @example
 * new Solarize({ threshold: [100, 200] });
 */
export class Solarize extends SchemaTransform<SolarizeParams> {
  static readonly schema = defineOptions(
    { p: 0.5 },
    {
      /** A number t means exactly t; a range [a, b] samples uniformly. Default 128. */
      threshold: option<Range, number | Range>((reader, name) => {
        const raw = reader.raw(name) ?? 128;
        // albumentations: a scalar t gives (t, t), a pair is kept (to_tuple with low = t or 0).
        return typeof raw === 'number' ? reader.range(name, 128, { low: raw }) : reader.range(name, 128, { low: 0 });
      }),
    },
  );
  readonly className = 'Solarize';
  declare readonly threshold: Range;
  constructor(options: SolarizeOptions = {}) {
    super(Solarize.schema.read('Solarize', options));
  }
  protected getParams(_shape: ImageShape, rng: Rng): SolarizeParams {
    return { threshold: rng.uniform(this.threshold[0], this.threshold[1]) };
  }
  applyWithParams(image: RawImage, params: SolarizeParams): RawImage {
    return solarize(image, params.threshold);
  }
}

export type ToFloatOptions = OptionsOf<typeof ToFloat.schema>;

/**
 * uint8 → float32 as `x / maxValue` (albumentations `ToFloat`; p defaults to 1).
 * @example
 * new ToFloat(); // uint8 0..255 → float32 0..1
 */
export class ToFloat extends SchemaTransform<Empty> {
  static readonly schema = defineOptions(
    { p: 1 },
    {
      /** Divisor; null means the dtype's maximum (255 for uint8, 1 for float32). Default null. */
      maxValue: number({ default: null, min: 0, exclusive: true }),
    },
  );
  readonly className = 'ToFloat';
  declare readonly maxValue: number | null;
  constructor(options: ToFloatOptions = {}) {
    super(ToFloat.schema.read('ToFloat', options));
  }
  protected getParams(): Empty {
    return EMPTY;
  }
  applyWithParams(image: RawImage): RawImage {
    return toFloat(image, this.maxValue ?? undefined);
  }
}

interface ChannelShuffleParams {
  channels_shuffled: number[];
}

/**
 * Permutes the channels, `random.shuffle(range(channels))` (albumentations `ChannelShuffle`;
 * p defaults to 0.5).
 * @example
 * new ChannelShuffle();
 */
export class ChannelShuffle extends SchemaTransform<ChannelShuffleParams> {
  static readonly schema = defineOptions({ p: 0.5 }, {});
  readonly className = 'ChannelShuffle';
  constructor(options: TransformOptions = {}) {
    super(ChannelShuffle.schema.read('ChannelShuffle', options));
  }
  protected getParams(shape: ImageShape, rng: Rng): ChannelShuffleParams {
    return { channels_shuffled: rng.shuffle(Array.from({ length: shape.channels }, (_, index) => index)) };
  }
  applyWithParams(image: RawImage, params: ChannelShuffleParams): RawImage {
    return channelShuffle(image, params.channels_shuffled);
  }
}
