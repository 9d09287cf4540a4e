/**
 * @art/augment: albumentations 1.3 for TypeScript. Seeded sample-then-apply transforms on plain
 * RGB images, pixel-exact with OpenCV 4.6, albumentations `to_dict` JSON both ways.
 * No native dependency here: decoding/encoding live in `@art/augment/io`, workers in
 * `@art/augment/pool`.
 */

// core
export { createImage, cloneImage, assertRawImage, type RawImage, type ImageShape } from './core/raw-image.js';
export { createRng, rngFromState, type Rng } from './core/rng.js';
export {
  BaseTransform,
  ImageOnlyTransform,
  SchemaTransform,
  readOptions,
  type TransformRecord,
  type TransformResult,
  type TransformOptions,
  type ApplyOptions,
  type AlbumentationsTransformDict,
} from './core/transform.js';
export {
  Compose,
  OneOf,
  OneOrOther,
  SomeOf,
  type ComposeOptions,
  type OneOfOptions,
  type OneOrOtherOptions,
  type SomeOfOptions,
  type Rect,
} from './core/compose.js';
export { TransformOptionError, OptionReader, type Range } from './core/options.js';
export {
  defineOptions,
  int,
  number,
  bool,
  range,
  enumOf,
  fillValue,
  option,
  OMIT,
  OptionSchema,
  ReadOptions,
  type OptionsOf,
  type ValuesOf,
  type OptionSpec,
  type OptionExtras,
  type OptionGetter,
  type Fallback,
} from './core/schema.js';
export {
  ALBUMENTATIONS_VERSION,
  fromAlbumentationsDict,
  toAlbumentationsDict,
  registerTransform,
  registeredTransforms,
  createTransform,
  type AlbumentationsDict,
  type TransformRegistration,
} from './serialization.js';

// transforms
export {
  Resize,
  LongestMaxSize,
  SmallestMaxSize,
  RandomCrop,
  CenterCrop,
  Crop,
  RandomResizedCrop,
  PadIfNeeded,
  Flip,
  HorizontalFlip,
  VerticalFlip,
  Transpose,
  RandomRotate90,
  type ResizeOptions,
  type MaxSizeOptions,
  type CropSizeOptions,
  type CropOptions,
  type RandomResizedCropOptions,
  type PadIfNeededOptions,
  type PadPosition,
} from './transforms/geometric.js';
export {
  Rotate,
  ShiftScaleRotate,
  OpticalDistortion,
  type RotateOptions,
  type ShiftScaleRotateOptions,
  type OpticalDistortionOptions,
} from './transforms/affine.js';
export {
  MotionBlur,
  GaussianBlur,
  CoarseDropout,
  type MotionBlurOptions,
  type GaussianBlurOptions,
  type CoarseDropoutOptions,
} from './transforms/blur.js';
export {
  Normalize,
  ToTensorV2,
  GaussNoise,
  CLAHE,
  ColorJitter,
  RandomBrightnessContrast,
  RandomGamma,
  HueSaturationValue,
  ToGray,
  Solarize,
  InvertImg,
  ChannelShuffle,
  ToFloat,
  NoOp,
  type NormalizeOptions,
  type ToTensorV2Options,
  type GaussNoiseOptions,
  type ClaheOptions,
  type ColorJitterOptions,
  type RandomBrightnessContrastOptions,
  type RandomGammaOptions,
  type HueSaturationValueOptions,
  type SolarizeOptions,
  type ToFloatOptions,
} from './transforms/pixel.js';
export {
  Blur,
  MedianBlur,
  ChannelDropout,
  Posterize,
  RGBShift,
  Equalize,
  RandomScale,
  RandomSizedCrop,
  type BlurOptions,
  type ChannelDropoutOptions,
  type PosterizeOptions,
  type RGBShiftOptions,
  type EqualizeOptions,
  type RandomScaleOptions,
  type RandomSizedCropOptions,
} from './transforms/extra.js';
export { TRANSFORM_CLASSES, type TransformClass } from './transforms/registry.js';

// WebAssembly SIMD kernels behind the hottest uint8 paths (same bytes as the JavaScript paths)
export { useWasmKernels, wasmKernelsAvailable } from './wasm/index.js';

// functional API (explicit parameters, pure)
export {
  BorderMode,
  Interpolation,
  borderInterpolate,
  roundHalfEven,
  saturateUint8,
  type BorderModeValue,
  type InterpolationValue,
} from './functional/common.js';
export {
  resize,
  crop,
  randomCrop,
  randomCropCoordinates,
  centerCropCoordinates,
  hflip,
  vflip,
  transpose,
  rot90,
  padWithParams,
  rotationMatrix2D,
  shiftScaleRotateMatrix,
  warpAffine,
  remap,
  opticalDistortionMaps,
  opticalDistortion,
  type AffineMatrix,
  type WarpOptions,
  type OutputRegion,
} from './functional/geometric.js';
export {
  normalize,
  toTensorBuffer,
  gaussNoise,
  rgbToGray,
  toGray,
  rgbToHsv,
  hsvToRgb,
  shiftHsv,
  brightnessContrastAdjust,
  gammaTransform,
  invert,
  solarize,
  toFloat,
  channelShuffle,
  adjustBrightness,
  adjustContrast,
  adjustSaturation,
  adjustHue,
  type NormalizeParameters,
  type TensorBufferOptions,
} from './functional/pixel.js';
export { drawLine, motionBlurKernel, filter2D, gaussianKernel, gaussianBlur } from './functional/blur.js';
export { cutout, type Hole } from './functional/dropout.js';
export { boxBlur, medianBlur } from './functional/blur.js';
export { posterize, shiftRgb, equalize, channelDropout } from './functional/pixel-extra.js';
export { clahe, clahePlane } from './functional/clahe.js';
export { rgbToLab, labToRgb, softfloatCbrt } from './cv/color-lab.js';

// bounding boxes and keypoints (albumentations core/bbox_utils.py, core/keypoints_utils.py and the bbox_*/keypoint_* functionals)
export * from './core/bbox-utils.js';
export * from './core/keypoints-utils.js';
export * from './functional/bbox.js';
export * from './functional/keypoints.js';
export { fma } from './cv/saturate.js';
export {
  readBboxParams,
  readKeypointParams,
  readAdditionalTargets,
  type BboxParams,
  type KeypointParams,
  type BboxParamsDict,
  type KeypointParamsDict,
  type TargetKind,
  type TargetData,
  type TargetResult,
} from './core/targets.js';
export type { TargetShape } from './core/transform.js';
