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
export { createDataLoader, createValidationLoader, DataLoader, type DataLoaderOptions, type LoaderItem, type Batch } from './data/loader.js';
export { createArrayLoader, type BatchSource } from './data/array-loader.js';
export { writeAugmentationPreview } from './data/preview.js';
export { train, writeTrainingPlots, type TrainOptions, type TrainResult, type TrainState, type StopReason } from './training/train.js';
export { evaluate, type EvaluationResult, type LogitsFunction } from './training/evaluate.js';
export { createOptimizer, AdamWOptimizer, getLearningRate, setLearningRate, OPTIMIZER_NAMES, type OptimizerName, type OptimizerSpec } from './training/optimizers.js';
export { ReduceLROnPlateau, EarlyStopping, type ReduceLROnPlateauOptions, type ReduceLROnPlateauState, type EarlyStoppingState } from './training/schedulers.js';
export { saveCheckpoint, loadCheckpoint, loadCheckpointModel, resolveCheckpointDir, CheckpointStore, CHECKPOINT_FILES, CHECKPOINT_POINTER, type CheckpointContents } from './training/checkpoint.js';
export { writeHistory, HISTORY_COLUMNS, type EpochRecord } from './training/history.js';
export { createProgressReporter, PROGRESS_MODES, type ProgressMode, type ProgressReporter, type ProgressValues } from './training/progress.js';
export { renderVegaLiteSvg, svgToPng, learningCurvesSpec, confusionMatrixSpec, writePlot } from './training/plots.js';
export {
  predictProbabilities,
  saveProbabilities,
  loadProbabilities,
  ensembleProbabilities,
  ensembleFiles,
  scoreOutOfFold,
  argmaxLabels,
  TTA_MODES,
  type TtaMode,
  type PredictOptions,
  type ProbabilityPredictor,
  type ProbabilityTable,
} from './predict/index.js';
export { writeSubmission, readSubmission, scoreSubmission, scoreRows, type SubmissionRow, type SubmissionScore } from './submission/index.js';
export { foldPaths, type FoldPaths } from './folds/jobs.js';
export { runCli } from './cli/run.js';
export { selectFold } from './folds/jobs.js';
// The synthetic competition generator (src/synthetic, written alongside this package).
export * from './synthetic/index.js';
