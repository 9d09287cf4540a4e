/** The built-in transforms, in one table (drives serialization and the registry-wide tests). */
import type { BaseTransform } from '../core/transform.js';
import { CenterCrop, Crop, Flip, HorizontalFlip, LongestMaxSize, PadIfNeeded, RandomCrop, RandomResizedCrop, RandomRotate90, Resize, SmallestMaxSize, Transpose, VerticalFlip } from './geometric.js';
import { OpticalDistortion, Rotate, ShiftScaleRotate } from './affine.js';
import { CoarseDropout, GaussianBlur, MotionBlur } from './blur.js';
import {
  CLAHE,
  ChannelShuffle,
  ColorJitter,
  GaussNoise,
  HueSaturationValue,
  InvertImg,
  NoOp,
  Normalize,
  RandomBrightnessContrast,
  RandomGamma,
  Solarize,
  ToFloat,
  ToGray,
  ToTensorV2,
} from './pixel.js';

/** A transform class as the registry sees it. */
export interface TransformClass {
  readonly albumentationsArgs: readonly string[];
  new (options: never): BaseTransform;
}

/** Every built-in transform class, keyed by its albumentations name. */
export const TRANSFORM_CLASSES: Readonly<Record<string, TransformClass>> = {
  CLAHE,
  CenterCrop,
  ChannelShuffle,
  CoarseDropout,
  ColorJitter,
  Crop,
  Flip,
  GaussNoise,
  GaussianBlur,
  HorizontalFlip,
  HueSaturationValue,
  InvertImg,
  LongestMaxSize,
  MotionBlur,
  NoOp,
  Normalize,
  OpticalDistortion,
  PadIfNeeded,
  RandomBrightnessContrast,
  RandomCrop,
  RandomGamma,
  RandomResizedCrop,
  RandomRotate90,
  Resize,
  Rotate,
  ShiftScaleRotate,
  SmallestMaxSize,
  Solarize,
  ToFloat,
  ToGray,
  ToTensorV2,
  Transpose,
  VerticalFlip,
};

