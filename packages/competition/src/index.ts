/**
 * @art/competition: dataset I/O, folds, data pipeline, resumable training, prediction,
 * fold ensembling, submissions and scoring for the artist-classification competition.
 */
export {
  MissingColumnError,
  MissingImagesError,
  UnknownLabelError,
  PathOutsideRootError,
  SubmissionError,
  NonFiniteLossError,
  NonFinitePredictionsError,
  ResumeMismatchError,
} from './errors.js';
export { mixSeeds, SeededRandom, withSeededRandom } from './random.js';
export { writeFileAtomic, writeFileDurable, ensureDir, FileSystemError } from './io.js';
export { readCsvFile, parseCsvText } from './dataset/csv.js';
export { LabelEncoder, type LabelEncoderJson } from './dataset/label-encoder.js';
export {
  loadCompetition,
  resolveImagePath,
  checkImages,
  type CompetitionData,
  type TrainRecord,
  type TestRecord,
  type LoadCompetitionOptions,
  type ImageCheck,
  type CheckImagesOptions,
} from './dataset/competition.js';
export { stratifiedKFold, stratifiedHoldout, type Split } from './folds/index.js';
export {
  seedTrainTransform,
  seedValidTransform,
  seedTestTransform,
  quarterCrop,
  SEED_VARIANTS,
  SEED_INPUT_SIZES,
  VALIDATION_MODES,
  type SeedVariant,
  type ValidationMode,
  type AlbumentationsPipeline,
} from './data/transforms.js';
export {
  createDataLoader,
  createValidationLoader,
  DataLoader,
  pipelineJson,
  type DataLoaderOptions,
  type LoaderItem,
  type Batch,
  type PipelineSource,
} from './data/loader.js';
export { createArrayLoader, type BatchSource } from './data/array-loader.js';
export { writeAugmentationPreview } from './data/preview.js';
export {
  train,
  writeTrainingPlots,
  type TrainOptions,
  type TrainResult,
  type TrainState,
  type StopReason,
} from './training/train.js';
export { evaluate, type EvaluationResult, type LogitsFunction } from './training/evaluate.js';
export {
  createOptimizer,
  AdamWOptimizer,
  getLearningRate,
  setLearningRate,
  OPTIMIZER_NAMES,
  type OptimizerName,
  type OptimizerSpec,
} from './training/optimizers.js';
export {
  ReduceLROnPlateau,
  EarlyStopping,
  type ReduceLROnPlateauOptions,
  type ReduceLROnPlateauState,
  type EarlyStoppingState,
} from './training/schedulers.js';
export {
  saveCheckpoint,
  loadCheckpoint,
  loadCheckpointModel,
  resolveCheckpointDir,
  CheckpointStore,
  CHECKPOINT_FILES,
  CHECKPOINT_POINTER,
  type CheckpointContents,
} from './training/checkpoint.js';
export { writeHistory, HISTORY_COLUMNS, type EpochRecord } from './training/history.js';
export {
  createProgressReporter,
  PROGRESS_MODES,
  type ProgressMode,
  type ProgressReporter,
  type ProgressValues,
} from './training/progress.js';
export { renderVegaLiteSvg, svgToPng, learningCurvesSpec, confusionMatrixSpec, writePlot } from './training/plots.js';
export {
  predictProbabilities,
  extractFeatures,
  saveProbabilities,
  loadProbabilities,
  ensembleProbabilities,
  ensembleFiles,
  scoreOutOfFold,
  argmaxLabels,
  TTA_MODES,
  type TtaMode,
  type PredictOptions,
  type Predictor,
  type ExtractFeaturesOptions,
  type ProbabilityPredictor,
  type ProbabilityTable,
} from './predict/index.js';
export {
  createPredictor,
  INFERENCE_RUNTIMES,
  type CreatePredictorOptions,
  type InferenceRuntime,
  type RuntimePredictor,
} from './predict/runtime.js';
export {
  writeSubmission,
  readSubmission,
  scoreSubmission,
  scoreRows,
  type SubmissionRow,
  type SubmissionScore,
} from './submission/index.js';
export { foldPaths, type FoldPaths } from './folds/jobs.js';
export { runCli, packageVersion, type CliIo } from './cli/run.js';
// The seed's recipes and the `art` command's building blocks (train, predict, ensemble).
export {
  RECIPES,
  RECIPE_NAMES,
  BACKEND_NAMES,
  SMOKE_SCALE,
  b3Recipe,
  v2mRecipe,
  pyramidRecipe,
  demoRecipe,
  getRecipe,
  buildRecipeNetwork,
  type Recipe,
  type RecipeName,
  type RecipeSizes,
  type RecipeAugmentation,
  type BackendName,
} from './recipes/index.js';
export {
  parseTrainArgs,
  trainUsage,
  recipeDefaults,
  defaultOutDir,
  checkWeightsPath,
  optionalInteger,
  MAX_IMG_SIZE,
  type TrainRunOptions,
} from './app/options.js';
export {
  runTrain,
  createRecipePredictor,
  writePredictions,
  RUN_RECORD,
  type RunSummary,
  type RunRecord,
  type RunSettings,
  type RecipePredictor,
} from './app/train.js';
export { runPredict, type PredictRunOptions } from './app/predict.js';
export { runEnsemble, type EnsembleRunOptions } from './app/ensemble.js';
export { foldFromScheduler, ARRAY_INDEX_VARIABLES } from './app/cluster.js';
export { resolveDataRoot, defaultDataDir, SYNTHETIC_PRESETS } from './app/data.js';
export { errorMessage, UserError } from './app/errors.js';
export { loadStartingWeights, describeWeightLoad } from './app/weights.js';
export { formatTable, formatDuration } from './app/report.js';
export { selectFold } from './folds/jobs.js';
// The synthetic competition generator (src/synthetic, written alongside this package).
export * from './synthetic/index.js';
