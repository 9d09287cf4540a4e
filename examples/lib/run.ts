import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { initBackend } from '@art/backend';
import {
  createDataLoader,
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
  writeSubmission,
  type CompetitionData,
} from '@art/competition';
import type { EfficientNet } from '@art/efficientnet';
import { f1Score, accuracyScore } from '@art/metrics';
import { PyramidClassifier } from '@art/pyramid-pooling';
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
  learningRate: number;
  /** 0-based, as the `epoch` column of history.csv. */
  bestEpoch: number;
  validMacroF1: number;
  validAccuracy: number;
  testMacroF1: number | null;
  testAccuracy: number | null;
  chanceMacroF1: number;
  seconds: number;
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
  const data = await loadCompetition(root);
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
  await mkdir(out, { recursive: true });
  const transforms = recipe.transforms(options.imgSize);
  const outputs: Record<string, string> = {};

  outputs.preview = await writeAugmentationPreview(out, {
    images: firstOfEachClass(data, split.train, 6),
    transform: transforms.train,
    variants: 4,
    seed: options.seed,
    cellSize: 128,
  });

  const network = recipe.buildNetwork({ numClasses, imgSize: options.imgSize, smoke: options.smoke, seed: options.seed });
  try {
    await loadStartingWeights(network, options);
  } catch (error) {
    network.dispose();
    throw error;
  }
  console.log(`Model: ${network.model.name}, ${network.countParameters().toLocaleString('en-US')} parameters, input ${options.imgSize} px`);

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
    let pyramid: PyramidClassifier | undefined;
    if (recipe.pyramid) {
      pyramid = new PyramidClassifier({ backbone: network.model, levels: recipe.pyramid.levels, cropSize: options.imgSize, fusion: recipe.pyramid.fusion });
      // The pyramid sees whole (resized) validation images, as it will see the test images.
      const pyramidValidLoader = createDataLoader({ ...loaderCommon, items: split.valid.map(item), transform: transforms.test });
      try {
        const pyramidProbabilities = await predictProbabilities(null, pyramidValidLoader, { pyramid });
        const truth = split.valid.map((index) => labels[index]!);
        const predictedValid = truth.map((_, row) => argMax(pyramidProbabilities, row * numClasses, numClasses));
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
    const probabilities = await predictProbabilities(pyramid ? null : network.model, testLoader, pyramid ? { pyramid } : {});
    const ids = data.test.map((record) => record.id);
    const predicted = ids.map((_, row) => classes[argMax(probabilities, row * numClasses, numClasses)]!);
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
      learningRate: options.lr,
      bestEpoch: result.bestEpoch ?? result.history.length - 1,
      validMacroF1: valid.macroF1,
      validAccuracy: valid.accuracy,
      testMacroF1: test?.macroF1 ?? null,
      testAccuracy: test?.accuracy ?? null,
      chanceMacroF1: 1 / numClasses,
      seconds: (performance.now() - started) / 1000,
      outputs,
    };
    outputs.summary = join(out, 'summary.json');
    await writeFile(outputs.summary, `${JSON.stringify(summary, null, 2)}\n`);
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
    ['Validation Macro F1', `${summary.validMacroF1.toFixed(4)}  (accuracy ${percent(summary.validAccuracy)}, best epoch ${summary.bestEpoch + 1}/${summary.epochs})`],
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

function argMax(values: ArrayLike<number>, offset: number, length: number): number {
  let best = 0;
  for (let i = 1; i < length; i++) if (values[offset + i]! > values[offset + best]!) best = i;
  return best;
}


/**
 * Entry point of an example script: runs it, prints an error's message (a bad flag is a
 * one-line error, not a stack trace) and exits. The explicit exit matters: wasm worker
 * threads keep Node's event loop alive after the work is done.
 *
 * @example await main(b3Recipe, 'examples/train-b3.ts');
 */
export async function main(recipe: Recipe, command: string): Promise<never> {
  try {
    await runExample(recipe, process.argv.slice(2), command);
    process.exit(0);
  } catch (error) {
    const flagError =
      error instanceof RangeError ||
      (error instanceof Error && ['WeightLoadError', 'CheckpointFormatError', 'UnsafeCheckpointError', 'DownloadError'].includes(error.name)) ||
      (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'));
    // One line for a user error; load reports list their details below the first line.
    console.error(flagError ? `${command}: ${(error as Error).message.split('\n')[0]}` : error);
    process.exit(1);
  }
}
