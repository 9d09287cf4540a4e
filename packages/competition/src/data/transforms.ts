import {
  CLAHE,
  CoarseDropout,
  Compose,
  GaussNoise,
  HorizontalFlip,
  MotionBlur,
  Normalize,
  OneOf,
  OpticalDistortion,
  RandomCrop,
  Resize,
  Rotate,
  ShiftScaleRotate,
  VerticalFlip,
  type AlbumentationsDict,
  type RawImage,
} from '@art/augment';
import { SeededRandom } from '../random.js';

/**
 * An albumentations 1.3 `to_dict` pipeline (plain JSON), as @art/augment loads it: the form a
 * pipeline takes to cross into worker threads or to be saved.
 */
export type AlbumentationsPipeline = AlbumentationsDict;

/** ImageNet statistics; `Normalize`'s defaults, spelled out because the seed passes them. */
const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], maxPixelValue: 255 };

function checkSize(inputSize: number, caller: string): void {
  if (!Number.isInteger(inputSize) || inputSize < 1)
    throw new RangeError(`${caller}: inputSize must be a positive integer, got ${inputSize}`);
}

const square = (size: number): { height: number; width: number } => ({ height: size, width: size });

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

/** The seed's `OneOf([MotionBlur(p=1), OpticalDistortion(p=1), GaussNoise(p=1)])` members (albumentations defaults). */
function textureTransforms(): [MotionBlur, OpticalDistortion, GaussNoise] {
  return [new MotionBlur({ p: 1 }), new OpticalDistortion({ p: 1 }), new GaussNoise({ p: 1 })];
}

/**
 * The seed's training augmentation as a typed @art/augment `Compose` (no ToTensorV2: the data
 * pipeline makes NHWC tensors). `b3`: Resize 2x → RandomCrop → CoarseDropout(max_holes 4,
 * 64x64 px at the seed's 150 px input, scaled with other sizes; p 0.5) → OneOf(MotionBlur,
 * OpticalDistortion, GaussNoise; p 0.3) → flips → Normalize. `v2m`: Resize → flips →
 * ShiftScaleRotate → OneOf(MotionBlur, OpticalDistortion, GaussNoise, CLAHE, Rotate; p 0.5) →
 * Normalize. `toAlbumentationsDict(pipeline)` is the JSON albumentations 1.3.1 writes for the
 * seed's code.
 *
 * @param variant 'b3' | 'v2m'
 * @param inputSize model input side (default: the seed's, {@link SEED_INPUT_SIZES}: 150 for B3, 384 for V2-M)
 * @example
 * const pipeline = seedTrainTransform('b3', 64); // a Compose; createDataLoader({ transform: pipeline, ... })
 */
export function seedTrainTransform(variant: SeedVariant, inputSize = SEED_INPUT_SIZES[variant] ?? 150): Compose {
  checkSize(inputSize, 'seedTrainTransform');
  if (variant === 'b3') {
    // The seed's CoarseDropout(max_holes=4, max_height=64, max_width=64): 64 px holes on its
    // 150 px crops, the same fraction of the crop at other sizes (min_* default to max_*).
    const hole = Math.max(1, Math.round((SEED_HOLE.size * inputSize) / SEED_HOLE.atInputSize));
    return new Compose([
      new Resize(square(inputSize * 2)),
      new RandomCrop({ ...square(inputSize), p: 1 }),
      new CoarseDropout({ maxHoles: 4, maxHeight: hole, maxWidth: hole, p: 0.5 }),
      new OneOf(textureTransforms(), { p: 0.3 }),
      new VerticalFlip({ p: 0.5 }),
      new HorizontalFlip({ p: 0.5 }),
      new Normalize(IMAGENET),
    ]);
  }
  if (variant === 'v2m') {
    return new Compose([
      new Resize(square(inputSize)),
      new HorizontalFlip({ p: 0.5 }),
      new VerticalFlip({ p: 0.5 }),
      // scale_limit=0.2 is stored as albumentations computes it: to_tuple(0.2, bias=1) = (0.8, 1.2),
      // written back minus 1, i.e. [-0.19999999999999996, 0.19999999999999996] in its JSON (the
      // float values that the parity fixtures and the worker threads see).
      new ShiftScaleRotate({ shiftLimit: 0.1, scaleLimit: 0.2, rotateLimit: 30, p: 0.5 }),
      new OneOf(
        [
          ...textureTransforms(),
          new CLAHE({ clipLimit: 2, tileGridSize: [8, 8], p: 1 }),
          // cv2.BORDER_CONSTANT = 0
          new Rotate({ limit: [45, 90], p: 1, borderMode: 0 }),
        ],
        { p: 0.5 },
      ),
      new Normalize(IMAGENET),
    ]);
  }
  throw new RangeError(
    `seedTrainTransform: unknown variant ${JSON.stringify(variant)}; expected one of ${SEED_VARIANTS.join(', ')}`,
  );
}

/**
 * The seed's B3 validation transform: Resize to 2x the input size, RandomCrop to the input size
 * (a seeded quarter of the resized image, imitating the test crops), Normalize.
 * @param inputSize default 150 (the seed's B3)
 * @example
 * const pipeline = seedValidTransform(150);
 */
export function seedValidTransform(inputSize = SEED_INPUT_SIZES.b3): Compose {
  checkSize(inputSize, 'seedValidTransform');
  return new Compose([
    new Resize(square(inputSize * 2)),
    new RandomCrop({ ...square(inputSize), p: 1 }),
    new Normalize(IMAGENET),
  ]);
}

/**
 * The seed's test transform: Resize to the input size, Normalize.
 * @param inputSize default 150 (the seed's B3)
 * @example
 * const pipeline = seedTestTransform(150);
 */
export function seedTestTransform(inputSize = SEED_INPUT_SIZES.b3): Compose {
  checkSize(inputSize, 'seedTestTransform');
  return new Compose([new Resize(square(inputSize)), new Normalize(IMAGENET)]);
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
  if (!(areaFraction > 0 && areaFraction <= 1))
    throw new RangeError(`quarterCrop: areaFraction must be in (0, 1], got ${areaFraction}`);
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
