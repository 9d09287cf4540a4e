/**
 * @art/pyramid-pooling: multi-scale pyramid weighted pooling (Jangtjik, Yeh and Hua, ACM MM 2016)
 * around any TensorFlow.js backbone.
 */
export {
  SEED_LEVELS,
  PAPER_LEVELS,
  LEVEL_PRESETS,
  PADDING_MODES,
  BORDER_MODES,
  INTERPOLATIONS,
  resolveLevels,
  resolvePyramidOptions,
  cropCount,
  gridBoundary,
  pyramidLayout,
  pyramidCrops,
  borderIndex,
  type LevelsOption,
  type PaddingMode,
  type BorderMode,
  type Interpolation,
  type PyramidOptions,
  type ResolvedPyramidOptions,
  type PixelBox,
  type PyramidCrop,
  type PyramidLayout,
} from './pyramid.js';
export { cropPyramidImage, padImage, type PyramidRawImage, type PyramidImageCrop } from './crop-image.js';
export { cropPyramidTensor } from './crop-tensor.js';
export {
  FUSION_MODES,
  fuse,
  fuseTensors,
  poolLevels,
  poolLevelsTensor,
  defaultFixedWeights,
  softmax,
  entropy,
  type FusionMode,
  type FusionOptions,
  type FusionResult,
  type FusionTensors,
  type FusionTensorOptions,
} from './fusion.js';
// The one argmax lives in @art/metrics (ties: lowest index); kept here under its old name.
export { argmax as argMax } from '@art/metrics';
export {
  PyramidFusionLayer,
  fitFusionWeights,
  type PyramidFusionLayerArgs,
  type FitFusionOptions,
  type FittedFusion,
} from './learned.js';
export type { AsyncBackboneFunction, Backbone, BackboneFunction, FeatureBackbone } from './backbone.js';
export type { PyramidImages } from './images.js';
export {
  pyramidTrainingBatches,
  type PyramidTrainingOptions,
  type PyramidTrainingBatch,
  type LevelAugmentation,
  type LevelAugmentations,
  type LevelAugmentationContext,
  type CropPreprocess,
} from './training.js';
export {
  PyramidClassifier,
  type PyramidClassifierOptions,
  type PyramidPredictOptions,
  type PyramidPrediction,
  type PyramidForwardOptions,
  type PyramidForwardResult,
} from './classifier.js';
export {
  evaluatePyramid,
  type EvaluatedMode,
  type PyramidEvaluationOptions,
  type PyramidEvaluation,
  type PyramidEvaluationRow,
  type TopKScores,
} from './evaluate.js';
