/**
 * @art/efficientnet: torchvision's EfficientNet B0-B7 and V2 S/M/L on TensorFlow.js layers,
 * with torchvision-compatible safetensors weights.
 */
export {
  EFFICIENTNET_CONFIGS,
  V1_BASE_STAGES,
  VARIANT_NAMES,
  adjustChannels,
  adjustDepth,
  countParameters,
  efficientNetConfig,
  makeDivisible,
  normalizeVariantName,
  resolveArchitecture,
  scaleStage,
  validateConfig,
  withMultipliers,
} from './configs.js';
export type {
  BlockSpec,
  BlockType,
  EfficientNetConfig,
  ResolvedArchitecture,
  StageSetting,
  VariantName,
} from './configs.js';
export { EfficientNet, HEADS } from './efficientnet.js';
export { buildEfficientNet } from './build.js';
export { initializeTorchvisionWeights } from './init.js';
export type { EfficientNetHead, FeatureInfo, ResolvedEfficientNetOptions } from './efficientnet.js';
export type { EfficientNetOptions } from './build.js';
export type { InitializerMode } from './blocks/conv-norm-activation.js';
export type { PretrainedEfficientNetOptions } from './variants.js';
export { loadPretrainedWeights, setWeightsProvider } from './weights/pretrained.js';
export type { PretrainedOptions, WeightsProvider } from './weights/pretrained.js';
export {
  efficientNet,
  efficientNetB0,
  efficientNetB1,
  efficientNetB2,
  efficientNetB3,
  efficientNetB4,
  efficientNetB5,
  efficientNetB6,
  efficientNetB7,
  efficientNetV2L,
  efficientNetV2M,
  efficientNetV2S,
} from './variants.js';
export { StochasticDepth } from './layers/stochastic-depth.js';
export type { StochasticDepthArgs } from './layers/stochastic-depth.js';
export { MaskedDropout, drawKeepMask, withKeepMasks } from './layers/random-masks.js';
export type { KeepMaskRequest, KeepMaskSource } from './layers/random-masks.js';
export { freezeBackbone, unfreeze } from './freeze.js';
export type { FreezeOptions, FreezeSummary } from './freeze.js';
export { PREPROCESSING, PREPROCESSING_B1_IMAGENET1K_V2, preprocessingFor } from './preprocessing.js';
export {
  DEFAULT_WEIGHTS,
  TIMM_WEIGHTS,
  TORCHVISION_WEIGHTS,
  TORCHVISION_WEIGHTS_HOST,
  pretrainedWeights,
} from './weights/catalogue.js';
export type { Preprocessing, PretrainedWeights } from './weights/catalogue.js';
export {
  MAX_HEADER_BYTES,
  SAFETENSORS_DTYPES,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
  readSafetensors,
  writeSafetensors,
} from './weights/safetensors.js';
export type {
  ReadSafetensorsOptions,
  SafeTensor,
  SafeTensorInput,
  SafetensorsContents,
  SafetensorsDtype,
} from './weights/safetensors.js';
export { CheckpointFormatError, UnsafeCheckpointError } from './weights/errors.js';
export { CHECKPOINT_KEYS, isLegacyTorchFile, openPth, readPth, summarizePickle } from './weights/pytorch.js';
export type { PthArchive, PthContents, PthLimits, ReadPthOptions } from './weights/pytorch.js';
export { DEFAULT_PICKLE_LIMITS } from './weights/pickle.js';
export {
  detectWeightFormat,
  isTimmLayout,
  readWeights,
  timmToTorchvisionKeys,
  toTorchvisionNames,
} from './weights/state-dict.js';
export type { ReadWeightsOptions, WeightsContents, WeightFileFormat } from './weights/state-dict.js';
export {
  MIN_PARTIAL_FRACTION,
  WeightLoadError,
  exportTorchvisionWeights,
  loadTorchvisionWeights,
  toTorchLayout,
  torchvisionParameters,
  torchvisionStateDict,
} from './weights/torchvision.js';
export type {
  LoadWeightsOptions,
  MismatchedKey,
  TorchvisionLayout,
  TorchvisionParameter,
  WeightLoadReport,
} from './weights/torchvision.js';
export { createInferenceFunction, foldBatchNorm } from './inference/index.js';
export type {
  BatchNormParameters,
  FoldedConvolution,
  InferenceFunction,
  InferenceFunctionOptions,
} from './inference/index.js';
export {
  ONNX_EXECUTION_PROVIDERS,
  ONNX_LAYOUTS,
  createOnnxInferenceFunction,
  createOnnxSession,
  defaultOnnxOutput,
  exportOnnx,
  isOnnxRuntimeAvailable,
  loadOnnxRuntime,
} from './onnx/index.js';
export type {
  OnnxExecutionProvider,
  OnnxExportOptions,
  OnnxInferenceFunction,
  OnnxInferenceFunctionOptions,
  OnnxLayout,
  OnnxRuntimeModule,
  OnnxRuntimeSession,
  OnnxRuntimeTensor,
  OnnxSession,
  OnnxSessionOptions,
} from './onnx/index.js';
