import { normalizeVariantName, type VariantName } from './configs.js';

/** Evaluation preprocessing of a pretrained-weights entry (torchvision `ImageClassification` preset). */
export interface Preprocessing {
  /** Shorter side is resized to this many pixels first. */
  readonly resizeSize: number;
  /** Then a centre crop of `cropSize` x `cropSize` (the native resolution). */
  readonly cropSize: number;
  /** Per-channel RGB mean, for pixel values scaled to [0, 1]. */
  readonly mean: readonly [number, number, number];
  /** Per-channel RGB std. */
  readonly std: readonly [number, number, number];
  /** Resize interpolation (torchvision `InterpolationMode`, lower-case). */
  readonly interpolation: 'bilinear' | 'bicubic';
  /** torchvision weights enum this entry copies. */
  readonly weights: string;
}

const IMAGENET_MEAN = Object.freeze([0.485, 0.456, 0.406] as const);
const IMAGENET_STD = Object.freeze([0.229, 0.224, 0.225] as const);

const entry = (weights: string, cropSize: number, resizeSize: number, interpolation: 'bilinear' | 'bicubic', mean: Preprocessing['mean'] = IMAGENET_MEAN, std: Preprocessing['std'] = IMAGENET_STD): Preprocessing =>
  Object.freeze({ weights, cropSize, resizeSize, interpolation, mean, std });

/** torchvision 0.14 weights enums (`EfficientNet_*_Weights.IMAGENET1K_V1`, `E:456-715`). */
export const PREPROCESSING: Readonly<Record<VariantName, Preprocessing>> = Object.freeze({
  b0: entry('EfficientNet_B0_Weights.IMAGENET1K_V1', 224, 256, 'bicubic'),
  b1: entry('EfficientNet_B1_Weights.IMAGENET1K_V1', 240, 256, 'bicubic'),
  b2: entry('EfficientNet_B2_Weights.IMAGENET1K_V1', 288, 288, 'bicubic'),
  b3: entry('EfficientNet_B3_Weights.IMAGENET1K_V1', 300, 320, 'bicubic'),
  b4: entry('EfficientNet_B4_Weights.IMAGENET1K_V1', 380, 384, 'bicubic'),
  b5: entry('EfficientNet_B5_Weights.IMAGENET1K_V1', 456, 456, 'bicubic'),
  b6: entry('EfficientNet_B6_Weights.IMAGENET1K_V1', 528, 528, 'bicubic'),
  b7: entry('EfficientNet_B7_Weights.IMAGENET1K_V1', 600, 600, 'bicubic'),
  'v2-s': entry('EfficientNet_V2_S_Weights.IMAGENET1K_V1', 384, 384, 'bilinear'),
  'v2-m': entry('EfficientNet_V2_M_Weights.IMAGENET1K_V1', 480, 480, 'bilinear'),
  'v2-l': entry('EfficientNet_V2_L_Weights.IMAGENET1K_V1', 480, 480, 'bicubic', Object.freeze([0.5, 0.5, 0.5] as const), Object.freeze([0.5, 0.5, 0.5] as const)),
});

/** B1 also has torchvision's `IMAGENET1K_V2` weights, evaluated at 240/255 bilinear. */
export const PREPROCESSING_B1_IMAGENET1K_V2: Preprocessing = entry('EfficientNet_B1_Weights.IMAGENET1K_V2', 240, 255, 'bilinear');

/**
 * Evaluation preprocessing of a variant's default torchvision weights: resize the shorter
 * side to `resizeSize`, centre-crop `cropSize`, scale to [0, 1], subtract `mean`, divide by `std`.
 *
 * @example
 * preprocessingFor('b3'); // { resizeSize: 320, cropSize: 300, interpolation: 'bicubic', mean: [0.485, ...], ... }
 */
export function preprocessingFor(variant: string): Preprocessing {
  return PREPROCESSING[normalizeVariantName(variant)];
}
