/** The built-in transforms, in one table (drives serialization and the registry-wide tests). */
import type { BaseTransform } from '../core/transform.js';
import {
  CenterCrop,
  Crop,
  Flip,
  HorizontalFlip,
  LongestMaxSize,
  PadIfNeeded,
  RandomCrop,
  RandomResizedCrop,
  RandomRotate90,
  Resize,
  SmallestMaxSize,
  Transpose,
  VerticalFlip,
} from './geometric.js';
import { OpticalDistortion, Rotate, ShiftScaleRotate } from './affine.js';
import { CoarseDropout, GaussianBlur, MotionBlur } from './blur.js';
import {
  Blur,
  ChannelDropout,
  Equalize,
  MedianBlur,
  Posterize,
  RGBShift,
  RandomScale,
  RandomSizedCrop,
} from './extra.js';
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
  Blur,
  CLAHE,
  ChannelDropout,
  CenterCrop,
  ChannelShuffle,
  CoarseDropout,
  ColorJitter,
  Crop,
  Equalize,
  Flip,
  GaussNoise,
  GaussianBlur,
  HorizontalFlip,
  HueSaturationValue,
  InvertImg,
  LongestMaxSize,
  MedianBlur,
  MotionBlur,
  NoOp,
  Normalize,
  OpticalDistortion,
  PadIfNeeded,
  Posterize,
  RGBShift,
  RandomBrightnessContrast,
  RandomCrop,
  RandomGamma,
  RandomResizedCrop,
  RandomRotate90,
  RandomScale,
  RandomSizedCrop,
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
