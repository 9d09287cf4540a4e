import { join, resolve } from 'node:path';
import { initBackend } from '@art/backend';
import type { EfficientNet } from '@art/efficientnet';
import { accuracyScore, f1Score } from '@art/metrics';
import { PyramidClassifier, type Backbone } from '@art/pyramid-pooling';
import type { BatchSource } from '../data/array-loader.js';
import { createDataLoader } from '../data/loader.js';
import { writeAugmentationPreview } from '../data/preview.js';
import { loadCompetition, type CompetitionData } from '../dataset/competition.js';
import { stratifiedHoldout, stratifiedKFold } from '../folds/index.js';
import { foldPaths } from '../folds/jobs.js';
import { ensureDir, writeFileAtomic } from '../io.js';
import { argmaxLabels, predictProbabilities, saveProbabilities } from '../predict/index.js';
import { createPredictor, type InferenceRuntime } from '../predict/runtime.js';
import { buildRecipeNetwork, type Recipe } from '../recipes/index.js';
import { scoreSubmission, writeSubmission } from '../submission/index.js';
import { evaluate } from '../training/evaluate.js';
import { train } from '../training/train.js';
import { resolveDataRoot } from './data.js';
import { UserError, WEIGHT_ERROR_NAMES } from './errors.js';
import type { TrainRunOptions } from './options.js';
import { formatDuration, formatTable } from './report.js';
import { loadStartingWeights } from './weights.js';

/** Figures a training run reports (also written to `OUT/summary.json`). */
export interface RunSummary {
  recipe: string;
  backend: string;
  data: string;
  /** k of k-fold and this job's fold; `null` for the hold-out split. */
  folds: number | null;
  fold: number | null;
  trainImages: number;
  validImages: number;
  testImages: number;
  classes: number;
  epochs: number;
  imgSize: number;
  batchSize: number;
  learningRate: number;
  finalLearningRate: number;
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

/** What `art predict` needs to rebuild a run's network: written to `OUT/run.json` when training starts. */
export interface RunRecord {
  format: 'art-run';
  version: 1;
  recipe: string;
  imgSize: number;
  smoke: boolean;
  seed: number;
  folds: number | null;
  fold: number | null;
}

/** File name of the {@link RunRecord} in a run's output folder. */
export const RUN_RECORD = 'run.json';

/** Where a run's messages go: one line at a time (default `console.log`). */
export interface RunSettings {
  log?: (line: string) => void;
  /** Folder of generated data sets (default {@link defaultDataDir}). */
  dataDir?: string;
}

/**
 * Trains a recipe from parsed options: backend → data → split → model → preview grid →
 * training (checkpoints, history, plots) → validation Macro F1 → test prediction → submission
 * (and its Macro F1 when the data has an answers file). This is `art train`.
 *
 * A k-fold job (`folds` set) writes only inside `OUT/fold-<i>/`, so jobs of one run can share
 * `--out` on any number of machines; `art ensemble` combines them.
 *
 * @example
 * const summary = await runTrain(b3Recipe, parseTrainArgs(['--smoke'], b3Recipe)!);
 */
export async function runTrain(
  recipe: Recipe,
  options: TrainRunOptions,
  settings: RunSettings = {},
): Promise<RunSummary> {
  const log = settings.log ?? ((line: string) => console.log(line));
  const started = performance.now();
  const backend = await initBackend({ backend: options.backend });
  log(`Backend: ${backend.name} (${backend.reason})`);

  const { root, answers, synthetic } = await resolveDataRoot(options.data, {
    smoke: options.smoke,
    log,
    ...(settings.dataDir ? { dataDir: settings.dataDir } : {}),
  });
  const data = await loadCompetition(root, {
    checkImages: options.checkImages === 'full' ? 'decode' : 'header',
    onCheckProgress: checkProgress(options),
  });
  const classes = data.labelEncoder.classes;
  const numClasses = classes.length;
  const labels = data.train.map((record) => data.labelEncoder.encode(record.artist) as number);
  const split =
    options.folds === undefined
      ? stratifiedHoldout(labels, { validFraction: 0.2, seed: options.seed })
      : stratifiedKFold(labels, { folds: options.folds, seed: options.seed })[options.fold]!;
  log(
    `Data: ${root}: ${data.train.length} train images (${split.train.length} train / ${split.valid.length} validation` +
      `${options.folds === undefined ? ', hold-out' : `, fold ${options.fold} of ${options.folds}`}), ${data.test.length} test, ${numClasses} artists`,
  );

  // A k-fold job writes into OUT/fold-<i>/ only: the layout the ensemble step reads.
  const out = options.folds === undefined ? resolve(options.out) : foldPaths(resolve(options.out), options.fold).dir;
  await ensureDir(out);
  const record: RunRecord = {
    format: 'art-run',
    version: 1,
    recipe: recipe.name,
    imgSize: options.imgSize,
    smoke: options.smoke,
    seed: options.seed,
    folds: options.folds ?? null,
    fold: options.folds === undefined ? null : options.fold,
  };
  await writeFileAtomic(join(out, RUN_RECORD), `${JSON.stringify(record, null, 2)}\n`);
  const augmentation = recipe.augmentation(options.imgSize);
  const outputs: Record<string, string> = {};

  const network = buildRecipeNetwork(recipe, {
    numClasses,
    imgSize: options.imgSize,
    smoke: options.smoke,
    seed: options.seed,
  });
  try {
    await loadStartingWeights(network, options, log);
  } catch (error) {
    network.dispose();
    if (options.weights !== undefined && error instanceof Error && WEIGHT_ERROR_NAMES.includes(error.name)) {
      throw new UserError(
        `--weights: ${error.message.split('\n')[0]}; pass a torchvision-layout .pth (torch.save) or .safetensors state dict`,
        { cause: error },
      );
    }
    throw error;
  }
  log(
    `Model: ${network.model.name}, ${network.countParameters().toLocaleString('en-US')} parameters, input ${options.imgSize} px`,
  );

  outputs.preview = await writeAugmentationPreview(out, {
    images: firstOfEachClass(data, split.train, 6),
    transform: augmentation.train,
    variants: 4,
    seed: options.seed,
    cellSize: 128,
  });

  const item = (index: number): { imagePath: string; label: number } => ({
    imagePath: data.train[index]!.imagePath,
    label: labels[index]!,
  });
  // Decoded images stay in memory only for the small synthetic sets; real paintings are large.
  const loaderCommon = {
    batchSize: options.batchSize,
    seed: options.seed,
    workers: options.workers,
    cacheDecoded: synthetic,
  };
  const trainLoader = createDataLoader({
    ...loaderCommon,
    items: split.train.map(item),
    transform: augmentation.train,
    shuffle: true,
  });
  const validLoader = createDataLoader({
    ...loaderCommon,
    items: split.valid.map(item),
    transform: augmentation.valid,
  });
  const testLoader = createDataLoader({
    ...loaderCommon,
    items: data.test.map((record) => ({ imagePath: record.imagePath })),
    transform: augmentation.test,
  });

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
      optimizer: recipe.optimizer,
      learningRate: options.lr,
      scheduler:
        recipe.schedule === false ? false : { factor: recipe.schedule.factor, patience: recipe.schedule.patience },
      microBatchSize: options.microBatch,
      resume: options.resume,
      progress: options.progress,
      plots: true,
      // Predict with the best epoch's weights (by validation Macro F1), as the seed does.
      restoreBestWeights: true,
    });

    let valid = await evaluate(network.model, validLoader, { numClasses });
    const predictor = await createRecipePredictor(network, recipe, options.imgSize, options.runtime);
    log(`Prediction runtime: ${predictor.runtime} (${predictor.description})`);
    let probabilities: Float32Array;
    try {
      if (recipe.pyramid) {
        // The pyramid sees whole (resized) validation images, as it will see the test images.
        const pyramidValidLoader = createDataLoader({
          ...loaderCommon,
          items: split.valid.map(item),
          transform: augmentation.test,
        });
        try {
          const pyramidProbabilities = await predictor.predict(pyramidValidLoader);
          const truth = split.valid.map((index) => labels[index]!);
          const predictedValid = argmaxLabels({
            ids: truth.map(String),
            classes,
            probabilities: pyramidProbabilities,
          }).map((name) => classes.indexOf(name));
          log(
            `Validation Macro F1 of the backbone alone: ${valid.macroF1.toFixed(4)}; with the pyramid (${recipe.pyramid.fusion} fusion) below.`,
          );
          valid = {
            ...valid,
            macroF1: f1Score(truth, predictedValid, { average: 'macro', numClasses, zeroDivision: 0 }) as number,
            accuracy: accuracyScore(truth, predictedValid) as number,
          };
        } finally {
          pyramidValidLoader.close();
        }
      }
      probabilities = await predictor.predict(testLoader);
    } finally {
      await predictor.dispose();
    }
    const ids = data.test.map((record) => record.id);
    Object.assign(
      outputs,
      await writePredictions(out, { ids, classes, probabilities, sampleSubmission: data.sampleSubmission }),
    );
    const test = answers ? await scoreSubmission(outputs.submission!, answers) : null;

    if (options.folds !== undefined) {
      // The validation probabilities give the out-of-fold score once every fold has run.
      outputs.validProbabilities = join(out, 'valid-probabilities.csv');
      await saveProbabilities(outputs.validProbabilities, {
        ids: split.valid.map((index) => data.train[index]!.id),
        classes,
        probabilities: valid.probabilities,
      });
    }
    outputs.history = join(out, 'history.csv');
    outputs.checkpoints = join(out, 'checkpoints');
    outputs.plots = join(out, 'plots');
    const summary: RunSummary = {
      recipe: recipe.name,
      backend: backend.name,
      data: root,
      folds: record.folds,
      fold: record.fold,
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
    log(report(summary, answers));
    return summary;
  } finally {
    trainLoader.close();
    validLoader.close();
    testLoader.close();
    network.dispose();
  }
}

/** A trained network's prediction on the chosen runtime, through the recipe's pyramid when it has one. */
export interface RecipePredictor {
  readonly runtime: 'onnx' | 'tfjs';
  readonly description: string;
  /** Class probabilities `[N × classes]` of every image of `loader`, in loader order. */
  predict(loader: BatchSource): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/**
 * The prediction of a recipe's trained network: ONNX Runtime or TF.js (`runtime`), with the
 * recipe's pyramid of `imgSize` crops when it has one.
 * @example
 * const predictor = await createRecipePredictor(network, pyramidRecipe, 224, 'auto');
 * const probabilities = await predictor.predict(testLoader);
 * await predictor.dispose();
 */
export async function createRecipePredictor(
  network: EfficientNet,
  recipe: Pick<Recipe, 'pyramid'>,
  imgSize: number,
  runtime: InferenceRuntime,
): Promise<RecipePredictor> {
  const predictor = await createPredictor(network, { runtime });
  const pyramid = recipe.pyramid
    ? new PyramidClassifier({
        backbone: predictor.predict as Backbone,
        levels: recipe.pyramid.levels,
        cropSize: imgSize,
        fusion: recipe.pyramid.fusion,
      })
    : undefined;
  return {
    runtime: predictor.runtime,
    description: predictor.description,
    predict: (loader) =>
      pyramid ? predictProbabilities(null, loader, { pyramid }) : predictProbabilities(predictor.predict, loader),
    dispose: () => predictor.dispose(),
  };
}

/**
 * Writes `submission.csv` (arg-max artist, in the sample submission's order) and
 * `test-probabilities.csv` (per-class probabilities: the input of `art ensemble`) into `out`.
 * @example await writePredictions('runs/b3', { ids, classes, probabilities, sampleSubmission: 'data/sample_submission.csv' });
 */
export async function writePredictions(
  out: string,
  table: {
    ids: readonly string[];
    classes: readonly string[];
    probabilities: Float32Array;
    sampleSubmission: Parameters<typeof writeSubmission>[2]['sampleSubmission'];
  },
): Promise<{ submission: string; testProbabilities: string }> {
  const { ids, classes, probabilities } = table;
  const submission = join(out, 'submission.csv');
  await writeSubmission(
    submission,
    { ids, labels: argmaxLabels({ ids: [...ids], classes: [...classes], probabilities }) },
    { sampleSubmission: table.sampleSubmission, classes },
  );
  const testProbabilities = join(out, 'test-probabilities.csv');
  await saveProbabilities(testProbabilities, { ids: [...ids], classes: [...classes], probabilities });
  return { submission, testProbabilities };
}

function report(summary: RunSummary, answers: string | undefined): string {
  const percent = (value: number | null): string => (value === null ? 'n/a' : `${(100 * value).toFixed(1)} %`);
  return formatTable(`${summary.recipe}: done in ${formatDuration(summary.seconds)} on ${summary.backend}`, [
    [
      'Validation Macro F1',
      `${summary.validMacroF1.toFixed(4)}  (accuracy ${percent(summary.validAccuracy)}, best epoch ${summary.bestEpoch}/${summary.epochs})`,
    ],
    [
      'Test Macro F1',
      summary.testMacroF1 === null
        ? 'n/a (no answers file)'
        : `${summary.testMacroF1.toFixed(4)}  (accuracy ${percent(summary.testAccuracy)}, scored against ${answers})`,
    ],
    ['Chance Macro F1', `${summary.chanceMacroF1.toFixed(4)}  (${summary.classes} artists)`],
    ['Submission', summary.outputs.submission!],
    ['History / plots', `${summary.outputs.history} / ${summary.outputs.plots}`],
    ['Checkpoints', summary.outputs.checkpoints!],
    ['Preview grid', summary.outputs.preview!],
  ]).trimEnd();
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

/** Progress of the image check on stderr: a bar on a terminal, one line at the end otherwise. */
function checkProgress(options: TrainRunOptions): ((done: number, total: number) => void) | undefined {
  if (options.progress === 'none') return undefined;
  const label = options.checkImages === 'full' ? 'decoding' : 'checking headers of';
  const bar = options.progress !== 'lines' && process.stderr.isTTY;
  return (done, total) => {
    if (bar)
      process.stderr.write(
        `\r${label} ${total} images: ${done}/${total} (${Math.floor((100 * done) / total)} %)${done === total ? '\n' : ''}`,
      );
    else if (done === total)
      process.stderr.write(
        `Checked ${total} images (${options.checkImages === 'full' ? 'full decode' : 'header and size'})\n`,
      );
  };
}
