import { dirname, join, resolve } from 'node:path';
import { initBackend } from '@art/backend';
import {
  FileSystemError,
  MissingColumnError,
  MissingImagesError,
  NonFiniteLossError,
  PathOutsideRootError,
  ResumeMismatchError,
  SubmissionError,
  UnknownLabelError,
  createDataLoader,
  ensureDir,
  createPredictor,
  evaluate,
  foldPaths,
  loadCompetition,
  predictProbabilities,
  saveProbabilities,
  scoreSubmission,
  stratifiedHoldout,
  stratifiedKFold,
  train,
  writeAugmentationPreview,
  writeFileAtomic,
  writeSubmission,
  type CompetitionData,
} from '@art/competition';
import type { EfficientNet } from '@art/efficientnet';
import { argmax, f1Score, accuracyScore } from '@art/metrics';
import { PyramidClassifier, type Backbone } from '@art/pyramid-pooling';
import { parseExampleArgs, usage, type ExampleOptions, type RunDefaults } from './cli.js';
import { examplesRoot, resolveDataRoot } from './data.js';
import { formatDuration, printTable } from './report.js';
import { loadStartingWeights } from './weights.js';

/** What distinguishes one example from another: the seed's recipe, as data. */
export interface Recipe {
  /** Short name, used for the default output folder `examples/out/<name>`. */
  name: string;
  /** First line of `--help`. */
  summary: string;
  /** The seed's defaults. */
  defaults: RunDefaults;
  /** Defaults under `--smoke` (flags still override them). */
  smokeDefaults: RunDefaults;
  /** Builds the network (`smoke`: a reduced member of the same family). */
  buildNetwork(context: { numClasses: number; imgSize: number; smoke: boolean; seed: number }): EfficientNet;
  /** albumentations dicts of the train, validation and test transforms for an input size. */
  transforms(imgSize: number): { train: object; valid: object; test: object };
  /** ReduceLROnPlateau on the validation Macro F1, or `false`. */
  scheduler: false | { factor: number; patience: number };
  /** Predict with a pyramid of crops (the backbone is trained on `imgSize` crops). */
  pyramid?: { levels: number[]; fusion: 'fixed' | 'soft' | 'hard' | 'adaptive' };
}

/** Figures an example run reports (also written to `OUT/summary.json`). */
export interface RunSummary {
  example: string;
  backend: string;
  data: string;
  trainImages: number;
  validImages: number;
  testImages: number;
  classes: number;
  epochs: number;
  imgSize: number;
  batchSize: number;
  /** The initial learning rate of the run (the checkpoint's when resumed). */
  learningRate: number;
  /** The learning rate at the end (after ReduceLROnPlateau). */
  finalLearningRate: number;
  /** 1-based, as the `epoch` column of history.csv. */
  bestEpoch: number;
  validMacroF1: number;
  validAccuracy: number;
  testMacroF1: number | null;
  testAccuracy: number | null;
  chanceMacroF1: number;
  seconds: number;
  /** Runtime of the test prediction (`--runtime auto` resolved). */
  runtime: 'onnx' | 'tfjs';
  outputs: Record<string, string>;
}

/**
 * Runs an example from its command line: backend → data → split → model → preview grid →
 * training (checkpoints, history, plots) → validation Macro F1 → test prediction →
 * submission (and its Macro F1 when the data has an answers file).
 *
 * @returns the summary, or `null` for `--help`.
 * @example await runExample(b3Recipe, process.argv.slice(2), 'examples/train-b3.ts');
 */
export async function runExample(recipe: Recipe, argv: string[], command: string, overrides: Partial<RunDefaults> = {}): Promise<RunSummary | null> {
  const smoke = argv.includes('--smoke');
  const defaults = { ...(smoke ? recipe.smokeDefaults : recipe.defaults), ...overrides };
  const defaultOut = join(examplesRoot, 'out', smoke ? `${recipe.name}-smoke` : recipe.name);
  const options = parseExampleArgs(argv, defaults, defaultOut, usage(command, recipe.summary, defaults, 'examples/out/<example>'));
  if (options === null) return null;
  return runWithOptions(recipe, options);
}

/** {@link runExample} with options already parsed (used by the demo preset). */
export async function runWithOptions(recipe: Recipe, options: ExampleOptions): Promise<RunSummary> {
  const started = performance.now();
  const backend = await initBackend({ backend: options.backend });
  console.log(`Backend: ${backend.name} (${backend.reason})`);

  const { root, answers, synthetic } = await resolveDataRoot(options.data, options.smoke);
  const data = await loadCompetition(root, { checkImages: options.checkImages === 'full' ? 'decode' : 'header', onCheckProgress: checkProgress(options) });
  const classes = data.labelEncoder.classes;
  const numClasses = classes.length;
  const labels = data.train.map((record) => data.labelEncoder.encode(record.artist) as number);
  const split = options.folds === undefined
    ? stratifiedHoldout(labels, { validFraction: 0.2, seed: options.seed })
    : stratifiedKFold(labels, { folds: options.folds, seed: options.seed })[options.fold]!;
  console.log(
    `Data: ${root}: ${data.train.length} train images (${split.train.length} train / ${split.valid.length} validation` +
      `${options.folds === undefined ? ', hold-out' : `, fold ${options.fold} of ${options.folds}`}), ${data.test.length} test, ${numClasses} artists`,
  );

  // A k-fold job writes into OUT/fold-<i>/, the layout the ensemble step reads.
  const out = options.folds === undefined ? resolve(options.out) : foldPaths(resolve(options.out), options.fold).dir;
  await ensureDir(out);
  const transforms = recipe.transforms(options.imgSize);
  const outputs: Record<string, string> = {};

  const network = recipe.buildNetwork({ numClasses, imgSize: options.imgSize, smoke: options.smoke, seed: options.seed });
  try {
    await loadStartingWeights(network, options);
  } catch (error) {
    network.dispose();
    if (options.weights !== undefined && error instanceof Error && weightErrorNames.includes(error.name)) {
      throw new UserError(`--weights: ${error.message.split('\n')[0]}; pass a torchvision-layout .pth (torch.save) or .safetensors state dict`, { cause: error });
    }
    throw error;
  }
  console.log(`Model: ${network.model.name}, ${network.countParameters().toLocaleString('en-US')} parameters, input ${options.imgSize} px`);

  outputs.preview = await writeAugmentationPreview(out, {
    images: firstOfEachClass(data, split.train, 6),
    transform: transforms.train,
    variants: 4,
    seed: options.seed,
    cellSize: 128,
  });

  const item = (index: number): { imagePath: string; label: number } => ({ imagePath: data.train[index]!.imagePath, label: labels[index]! });
  // Decoded images stay in memory only for the small synthetic sets; real paintings are large.
  const loaderCommon = { batchSize: options.batchSize, seed: options.seed, workers: options.workers, cacheDecoded: synthetic };
  const trainLoader = createDataLoader({ ...loaderCommon, items: split.train.map(item), transform: transforms.train, shuffle: true });
  const validLoader = createDataLoader({ ...loaderCommon, items: split.valid.map(item), transform: transforms.valid });
  const testLoader = createDataLoader({ ...loaderCommon, items: data.test.map((record) => ({ imagePath: record.imagePath })), transform: transforms.test });

  try {
    const result = await train({
      model: network,
      trainLoader,
      validLoader,
      numClasses,
      classes,
      epochs: options.epochs,
      outDir: out,
      seed: options.seed,
      optimizer: 'adam',
      learningRate: options.lr,
      scheduler: recipe.scheduler,
      microBatchSize: options.microBatch,
      resume: options.resume,
      progress: options.progress,
      plots: true,
      // Predict with the best epoch's weights (by validation Macro F1), as the seed does.
      restoreBestWeights: true,
    });

    let valid = await evaluate(network.model, validLoader, { numClasses });
    // Prediction runs on the chosen runtime (ONNX Runtime by default when installed), from the restored best weights.
    const predictor = await createPredictor(network, { runtime: options.runtime });
    console.log(`Prediction runtime: ${predictor.runtime} (${predictor.description})`);
    let probabilities: Float32Array;
    try {
      let pyramid: PyramidClassifier | undefined;
      if (recipe.pyramid) {
        pyramid = new PyramidClassifier({ backbone: predictor.predict as Backbone, levels: recipe.pyramid.levels, cropSize: options.imgSize, fusion: recipe.pyramid.fusion });
        // The pyramid sees whole (resized) validation images, as it will see the test images.
        const pyramidValidLoader = createDataLoader({ ...loaderCommon, items: split.valid.map(item), transform: transforms.test });
        try {
          const pyramidProbabilities = await predictProbabilities(null, pyramidValidLoader, { pyramid });
          const truth = split.valid.map((index) => labels[index]!);
          const predictedValid = truth.map((_, row) => argmax(pyramidProbabilities.subarray(row * numClasses, (row + 1) * numClasses)));
          console.log(`Validation Macro F1 of the backbone alone: ${valid.macroF1.toFixed(4)}; with the pyramid (${recipe.pyramid.fusion} fusion) below.`);
          valid = {
            ...valid,
            macroF1: f1Score(truth, predictedValid, { average: 'macro', numClasses, zeroDivision: 0 }) as number,
            accuracy: accuracyScore(truth, predictedValid) as number,
          };
        } finally {
          pyramidValidLoader.close();
        }
      }
      probabilities = await predictProbabilities(pyramid ? null : predictor.predict, testLoader, pyramid ? { pyramid } : {});
    } finally {
      await predictor.dispose();
    }
    const ids = data.test.map((record) => record.id);
    const predicted = ids.map((_, row) => classes[argmax(probabilities.subarray(row * numClasses, (row + 1) * numClasses))]!);
    outputs.submission = join(out, 'submission.csv');
    await writeSubmission(outputs.submission, { ids, labels: predicted }, { sampleSubmission: data.sampleSubmission, classes });
    // Per-class probabilities: the input of the ensemble step (soft vote over folds).
    outputs.testProbabilities = join(out, 'test-probabilities.csv');
    await saveProbabilities(outputs.testProbabilities, { ids, classes, probabilities });
    const test = answers ? await scoreSubmission(outputs.submission, answers) : null;

    if (options.folds !== undefined) {
      // The validation probabilities give the out-of-fold score once every fold has run.
      outputs.validProbabilities = join(out, 'valid-probabilities.csv');
      await saveProbabilities(outputs.validProbabilities, { ids: split.valid.map((index) => data.train[index]!.id), classes, probabilities: valid.probabilities });
    }
    outputs.history = join(out, 'history.csv');
    outputs.checkpoints = join(out, 'checkpoints');
    outputs.plots = join(out, 'plots');
    const summary: RunSummary = {
      example: recipe.name,
      backend: backend.name,
      data: root,
      trainImages: split.train.length,
      validImages: split.valid.length,
      testImages: data.test.length,
      classes: numClasses,
      epochs: options.epochs,
      imgSize: options.imgSize,
      batchSize: options.batchSize,
      learningRate: result.learningRate,
      finalLearningRate: result.finalLearningRate,
      bestEpoch: result.bestEpoch ?? result.history.length,
      validMacroF1: valid.macroF1,
      validAccuracy: valid.accuracy,
      testMacroF1: test?.macroF1 ?? null,
      testAccuracy: test?.accuracy ?? null,
      chanceMacroF1: 1 / numClasses,
      seconds: (performance.now() - started) / 1000,
      runtime: predictor.runtime,
      outputs,
    };
    outputs.summary = join(out, 'summary.json');
    await writeFileAtomic(outputs.summary, `${JSON.stringify(summary, null, 2)}\n`);
    report(summary, answers);
    return summary;
  } finally {
    trainLoader.close();
    validLoader.close();
    testLoader.close();
    network.dispose();
  }
}

function report(summary: RunSummary, answers: string | undefined): void {
  const percent = (value: number | null): string => (value === null ? 'n/a' : `${(100 * value).toFixed(1)} %`);
  printTable(`${summary.example}: done in ${formatDuration(summary.seconds)} on ${summary.backend}`, [
    ['Validation Macro F1', `${summary.validMacroF1.toFixed(4)}  (accuracy ${percent(summary.validAccuracy)}, best epoch ${summary.bestEpoch}/${summary.epochs})`],
    ['Test Macro F1', summary.testMacroF1 === null ? 'n/a (no answers file)' : `${summary.testMacroF1.toFixed(4)}  (accuracy ${percent(summary.testAccuracy)}, scored against ${answers})`],
    ['Chance Macro F1', `${summary.chanceMacroF1.toFixed(4)}  (${summary.classes} artists)`],
    ['Submission', summary.outputs.submission!],
    ['History / plots', `${summary.outputs.history} / ${summary.outputs.plots}`],
    ['Checkpoints', summary.outputs.checkpoints!],
    ['Preview grid', summary.outputs.preview!],
  ]);
}

/** Up to `count` training records, one per artist first, for the preview grid. */
function firstOfEachClass(data: CompetitionData, indices: readonly number[], count: number): CompetitionData['train'] {
  const seen = new Set<string>();
  const chosen: CompetitionData['train'] = [];
  for (const index of indices) {
    const record = data.train[index]!;
    if (!seen.has(record.artist) && chosen.length < count) {
      seen.add(record.artist);
      chosen.push(record);
    }
  }
  return chosen;
}


/** An error in what the user asked for (a flag, a file): printed as one line, without a stack. */
export class UserError extends Error {
  override name = 'UserError';
}

/** Errors a user causes (bad flag, file, data, or a diverging run): one line, no stack trace. */
const weightErrorNames = ['WeightLoadError', 'CheckpointFormatError', 'UnsafeCheckpointError', 'DownloadError'];
const userErrors = [UserError, RangeError, FileSystemError, MissingColumnError, MissingImagesError, PathOutsideRootError, UnknownLabelError, SubmissionError];

/**
 * The message `main` prints for an error: one line naming the culprit and what to do for the
 * errors a user causes; the message plus a hint to `--debug` for anything else.
 * @example console.error(errorMessage(error, 'examples/train-b3.ts'));
 */
export function errorMessage(error: unknown, command: string): string {
  if (error instanceof NonFiniteLossError) {
    const what = error.where === 'training' ? `loss ${error.loss}` : 'validation predictions NaN';
    return (
      `${command}: training diverged at epoch ${error.epoch} step ${error.step} (${what}); lower --lr` +
      `${error.learningRate !== null ? ` (it was ${error.learningRate})` : ''} and train again in a new --out` +
      (error.lastGoodCheckpoint ? `; the last good checkpoint is ${error.lastGoodCheckpoint}` : '')
    );
  }
  if (error instanceof ResumeMismatchError && error.option === 'learningRate') {
    return `${command}: --lr ${error.given} differs from ${error.saved}, the learning rate the run in ${dirname(dirname(error.checkpoint))} started with; --resume continues its schedule: resume with --lr ${error.saved}, or train in a new --out`;
  }
  if (error instanceof FileSystemError) {
    const advice: Record<string, string> = { ENOSPC: 'free space on that disk', EDQUOT: 'free space on that disk', EROFS: 'choose a writable --out', EACCES: 'choose a writable --out' };
    return `${command}: ${error.message}${error.code && advice[error.code] ? `; ${advice[error.code]}` : '; check the path (--out, --data)'}`;
  }
  const parseError = error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS');
  // Weight files and downloads: their reports list details below the first line.
  const weightsError = error instanceof Error && weightErrorNames.includes(error.name);
  if (weightsError) return `${command}: ${(error as Error).message.split('\n')[0]}`;
  if (parseError || userErrors.some((kind) => error instanceof kind)) return `${command}: ${(error as Error).message}`;
  return `${command}: ${error instanceof Error ? error.message : String(error)} (an unexpected error: run again with --debug for the stack trace)`;
}

/** Progress of the image check on stderr: a bar on a terminal, one line at the end otherwise. */
function checkProgress(options: ExampleOptions): ((done: number, total: number) => void) | undefined {
  if (options.progress === 'none') return undefined;
  const label = options.checkImages === 'full' ? 'decoding' : 'checking headers of';
  const bar = options.progress !== 'lines' && process.stderr.isTTY;
  return (done, total) => {
    if (bar) process.stderr.write(`\r${label} ${total} images: ${done}/${total} (${Math.floor((100 * done) / total)} %)${done === total ? '\n' : ''}`);
    else if (done === total) process.stderr.write(`Checked ${total} images (${options.checkImages === 'full' ? 'full decode' : 'header and size'})\n`);
  };
}

/**
 * Entry point of an example script: runs it, prints an error as one line naming the culprit
 * (the stack trace only with `--debug`) and exits. The explicit exit matters: wasm worker
 * threads keep Node's event loop alive after the work is done.
 *
 * @example await main(b3Recipe, 'examples/train-b3.ts');
 */
export async function main(recipe: Recipe, command: string): Promise<never> {
  try {
    await runExample(recipe, process.argv.slice(2), command);
    process.exit(0);
  } catch (error) {
    console.error(process.argv.includes('--debug') ? error : errorMessage(error, command));
    process.exit(1);
  }
}
