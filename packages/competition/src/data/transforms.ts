import type { RawImage } from '@art/augment';
import { SeededRandom } from '../random.js';

/** An albumentations 1.3 `to_dict` pipeline (plain JSON), as @art/augment loads it. */
export interface AlbumentationsPipeline {
  __version__: string;
  transform: { __class_fullname__: string; p: number; transforms: Record<string, unknown>[]; [key: string]: unknown };
}

const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

function normalize(): Record<string, unknown> {
  return { __class_fullname__: 'Normalize', always_apply: false, p: 1.0, ...IMAGENET, max_pixel_value: 255.0 };
}

function compose(transforms: Record<string, unknown>[]): AlbumentationsPipeline {
  return {
    __version__: '1.3.1',
    transform: { __class_fullname__: 'Compose', p: 1.0, transforms, bbox_params: null, keypoint_params: null, additional_targets: {}, is_check_shapes: true },
  };
}

function checkSize(inputSize: number, caller: string): void {
  if (!Number.isInteger(inputSize) || inputSize < 1) throw new RangeError(`${caller}: inputSize must be a positive integer, got ${inputSize}`);
}

const resize = (size: number): Record<string, unknown> => ({ __class_fullname__: 'Resize', always_apply: false, p: 1, height: size, width: size, interpolation: 1 });
const randomCrop = (size: number): Record<string, unknown> => ({ __class_fullname__: 'RandomCrop', always_apply: false, p: 1, height: size, width: size });

/** The seed's training recipes. */
export const SEED_VARIANTS = ['b3', 'v2m'] as const;
export type SeedVariant = (typeof SEED_VARIANTS)[number];

/**
 * Input sizes of the seed's recipes: B3's `IMG_SIZE` is 150 (its comment `# 300*300` on
 * `Resize(IMG_SIZE*2)`); V2-M's is not given, and 384 is EfficientNetV2-M's training
 * resolution in the paper (torchvision evaluates its weights at 480).
 */
export const SEED_INPUT_SIZES: Readonly<Record<SeedVariant, number>> = Object.freeze({ b3: 150, v2m: 384 });

/** The seed's CoarseDropout holes: 64 px at its 150 px B3 crops. */
const SEED_HOLE = { size: 64, atInputSize: SEED_INPUT_SIZES.b3 };

/**
 * The seed's training augmentation as an albumentations dict (no ToTensorV2: the data
 * pipeline makes NHWC tensors). `b3`: Resize 2x → RandomCrop → CoarseDropout(max_holes 4,
 * 64x64 px at the seed's 150 px input, scaled with other sizes; p 0.5) → OneOf(MotionBlur,
 * OpticalDistortion, GaussNoise; p 0.3) → flips → Normalize. `v2m`: Resize → flips →
 * ShiftScaleRotate → OneOf(MotionBlur, OpticalDistortion, GaussNoise, CLAHE, Rotate; p 0.5) →
 * Normalize.
 *
 * @param variant 'b3' | 'v2m'
 * @param inputSize model input side (default: the seed's, {@link SEED_INPUT_SIZES}: 150 for B3, 384 for V2-M)
 * @example
 * const pipeline = seedTrainTransform('b3', 64);
 */
export function seedTrainTransform(variant: SeedVariant, inputSize = SEED_INPUT_SIZES[variant] ?? 150): AlbumentationsPipeline {
  checkSize(inputSize, 'seedTrainTransform');
  const motionBlur = { __class_fullname__: 'MotionBlur', always_apply: false, p: 1, blur_limit: [3, 7], allow_shifted: true };
  const optical = {
    __class_fullname__: 'OpticalDistortion',
    always_apply: false,
    p: 1,
    distort_limit: [-0.05, 0.05],
    shift_limit: [-0.05, 0.05],
    interpolation: 1,
    border_mode: 4,
    value: null,
    mask_value: null,
  };
  const noise = { __class_fullname__: 'GaussNoise', always_apply: false, p: 1, var_limit: [10.0, 50.0], per_channel: true, mean: 0 };
  const vflip = { __class_fullname__: 'VerticalFlip', always_apply: false, p: 0.5 };
  const hflip = { __class_fullname__: 'HorizontalFlip', always_apply: false, p: 0.5 };
  if (variant === 'b3') {
    // The seed's CoarseDropout(max_holes=4, max_height=64, max_width=64): 64 px holes on its
    // 150 px crops, the same fraction of the crop at other sizes.
    const hole = Math.max(1, Math.round((SEED_HOLE.size * inputSize) / SEED_HOLE.atInputSize));
    return compose([
      resize(inputSize * 2),
      randomCrop(inputSize),
      {
        __class_fullname__: 'CoarseDropout',
        always_apply: false,
        p: 0.5,
        max_holes: 4,
        max_height: hole,
        max_width: hole,
        min_holes: 4,
        min_height: hole,
        min_width: hole,
        fill_value: 0,
        mask_fill_value: null,
      },
      { __class_fullname__: 'OneOf', p: 0.3, transforms: [motionBlur, optical, noise] },
      vflip,
      hflip,
      normalize(),
    ]);
  }
  if (variant === 'v2m') {
    return compose([
      resize(inputSize),
      hflip,
      vflip,
      {
        __class_fullname__: 'ShiftScaleRotate',
        always_apply: false,
        p: 0.5,
        shift_limit_x: [-0.1, 0.1],
        shift_limit_y: [-0.1, 0.1],
        scale_limit: [-0.19999999999999996, 0.19999999999999996],
        rotate_limit: [-30, 30],
        interpolation: 1,
        border_mode: 4,
        value: null,
        mask_value: null,
        rotate_method: 'largest_box',
      },
      {
        __class_fullname__: 'OneOf',
        p: 0.5,
        transforms: [
          motionBlur,
          optical,
          noise,
          { __class_fullname__: 'CLAHE', always_apply: false, p: 1, clip_limit: [1, 2], tile_grid_size: [8, 8] },
          {
            __class_fullname__: 'Rotate',
            always_apply: false,
            p: 1,
            limit: [45, 90],
            interpolation: 1,
            border_mode: 0,
            value: null,
            mask_value: null,
            rotate_method: 'largest_box',
            crop_border: false,
          },
        ],
      },
      normalize(),
    ]);
  }
  throw new RangeError(`seedTrainTransform: unknown variant ${JSON.stringify(variant)}; expected one of ${SEED_VARIANTS.join(', ')}`);
}

/**
 * The seed's B3 validation transform: Resize to 2x the input size, RandomCrop to the input size
 * (a seeded quarter of the resized image, imitating the test crops), Normalize.
 * @param inputSize default 150 (the seed's B3)
 * @example
 * const pipeline = seedValidTransform(150);
 */
export function seedValidTransform(inputSize = SEED_INPUT_SIZES.b3): AlbumentationsPipeline {
  checkSize(inputSize, 'seedValidTransform');
  return compose([resize(inputSize * 2), randomCrop(inputSize), normalize()]);
}

/**
 * The seed's test transform: Resize to the input size, Normalize.
 * @param inputSize default 150 (the seed's B3)
 * @example
 * const pipeline = seedTestTransform(150);
 */
export function seedTestTransform(inputSize = SEED_INPUT_SIZES.b3): AlbumentationsPipeline {
  checkSize(inputSize, 'seedTestTransform');
  return compose([resize(inputSize), normalize()]);
}

/** Validation modes: the seed's transform, or quarter crops of the original image + test transform. */
export const VALIDATION_MODES = ['seed', 'quarter-crop'] as const;
export type ValidationMode = (typeof VALIDATION_MODES)[number];

/**
 * Crops about `areaFraction` of the image area (default 1/4: half of each side, keeping the
 * aspect ratio) at a position drawn from `seed`, like the competition's test images, which
 * are random crops of about a quarter of a painting. Pure; never mutates `image`.
 *
 * @example
 * const crop = quarterCrop(image, 1234); // then apply seedTestTransform
 */
export function quarterCrop(image: RawImage, seed: number, options: { areaFraction?: number } = {}): RawImage {
  const { areaFraction = 0.25 } = options;
  if (!(areaFraction > 0 && areaFraction <= 1)) throw new RangeError(`quarterCrop: areaFraction must be in (0, 1], got ${areaFraction}`);
  const side = Math.sqrt(areaFraction);
  const width = Math.max(1, Math.round(image.width * side));
  const height = Math.max(1, Math.round(image.height * side));
  const rng = new SeededRandom(seed);
  const x0 = rng.int(image.width - width + 1);
  const y0 = rng.int(image.height - height + 1);
  const { channels } = image;
  const Data = image.data.constructor as Uint8ArrayConstructor | Float32ArrayConstructor;
  const data = new Data(width * height * channels);
  for (let y = 0; y < height; y++) {
    const from = ((y0 + y) * image.width + x0) * channels;
    data.set(image.data.subarray(from, from + width * channels), y * width * channels);
  }
  return { data, width, height, channels };
}
