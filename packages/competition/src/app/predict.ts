import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { initBackend } from '@art/backend';
import { createDataLoader } from '../data/loader.js';
import { loadCompetition } from '../dataset/competition.js';
import { ensureDir } from '../io.js';
import type { InferenceRuntime } from '../predict/runtime.js';
import { buildRecipeNetwork, getRecipe, type BackendName } from '../recipes/index.js';
import { scoreSubmission } from '../submission/index.js';
import { loadCheckpoint, resolveCheckpointDir } from '../training/checkpoint.js';
import { resolveDataRoot } from './data.js';
import { UserError } from './errors.js';
import { formatTable } from './report.js';
import { createRecipePredictor, RUN_RECORD, writePredictions, type RunRecord, type RunSettings } from './train.js';

/** Options of `art predict`. */
export interface PredictRunOptions {
  /** The `--out` folder of an `art train` run (for k-fold: `OUT/fold-<i>`). */
  run: string;
  /** A competition-layout dataset whose test set is predicted (default: the run's synthetic set, when it used one). */
  data?: string | undefined;
  /** A folder of images to predict instead (ids: the file names without extension). */
  images?: string | undefined;
  /** Output folder (default `RUN/prediction`). */
  out?: string | undefined;
  /** `best` (default: best validation Macro F1) or `last`. */
  checkpoint?: 'best' | 'last';
  runtime?: InferenceRuntime;
  backend?: BackendName;
  batchSize?: number;
  workers?: number;
}

/** Image extensions `--images DIR` picks up. */
const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff', '.bmp']);

/**
 * Loads a trained run (its recipe and input size from `RUN/run.json`, classes from
 * `RUN/labels.json`, weights from the best checkpoint) and predicts a test set or a folder of
 * images: writes `submission.csv` and `test-probabilities.csv`, scored when the data has an
 * answers file. This is `art predict`.
 *
 * @example await runPredict({ run: 'runs/b3', images: 'photos/' });
 */
export async function runPredict(
  options: PredictRunOptions,
  settings: RunSettings = {},
): Promise<{ submission: string; testProbabilities: string; count: number; testMacroF1: number | null }> {
  const log = settings.log ?? ((line: string) => console.log(line));
  const run = resolve(options.run);
  const record = await readJson<RunRecord>(
    join(run, RUN_RECORD),
    `--run: ${run} has no readable ${RUN_RECORD}; pass the --out folder of an art train run (for k-fold runs, OUT/fold-I)`,
  );
  const { classes } = await readJson<{ classes: string[] }>(
    join(run, 'labels.json'),
    `--run: ${run} has no readable labels.json; the run did not start training`,
  );
  const recipe = getRecipe(record.recipe);
  const which = options.checkpoint ?? 'best';
  const checkpoint = await resolveCheckpointDir(join(run, 'checkpoints', which));
  if (checkpoint === null)
    throw new UserError(
      `--run: ${run} has no ${which} checkpoint in checkpoints/; train it first${which === 'best' ? ' (or pass --checkpoint last)' : ''}`,
    );
  if (options.data !== undefined && options.images !== undefined)
    throw new RangeError('--data and --images both choose what to predict; pass one');

  let items: { id: string; imagePath: string }[];
  let sampleSubmission: Parameters<typeof writePredictions>[1]['sampleSubmission'];
  let answers: string | undefined;
  if (options.images !== undefined) {
    const folder = resolve(options.images);
    const names = await readdir(folder).catch((error: NodeJS.ErrnoException) => {
      throw new RangeError(`--images: cannot read ${folder} (${error.code ?? error.message}); pass a folder of images`);
    });
    items = names
      .filter((name) => IMAGE_EXTENSIONS.has(extname(name).toLowerCase()))
      .sort()
      .map((name) => ({ id: name.slice(0, -extname(name).length), imagePath: join(folder, name) }));
    if (items.length === 0)
      throw new RangeError(`--images: ${folder} holds no image (${[...IMAGE_EXTENSIONS].join(', ')})`);
    sampleSubmission = items.map((item) => item.id);
  } else {
    const resolved = await resolveDataRoot(options.data, {
      smoke: record.smoke,
      log,
      ...(settings.dataDir ? { dataDir: settings.dataDir } : {}),
    });
    const data = await loadCompetition(resolved.root, { checkImages: 'header' });
    items = data.test.map((test) => ({ id: test.id, imagePath: test.imagePath }));
    sampleSubmission = data.sampleSubmission;
    answers = resolved.answers;
  }

  const backend = await initBackend({ backend: options.backend ?? recipe.sizes.backend });
  log(`Backend: ${backend.name} (${backend.reason})`);
  const network = buildRecipeNetwork(recipe, {
    numClasses: classes.length,
    imgSize: record.imgSize,
    smoke: record.smoke,
    seed: record.seed,
  });
  const loader = createDataLoader({
    items: items.map((item) => ({ imagePath: item.imagePath })),
    transform: recipe.augmentation(record.imgSize).test,
    batchSize: options.batchSize ?? recipe.sizes.batchSize,
    workers: options.workers ?? 0,
  });
  try {
    await loadCheckpoint(checkpoint, { model: network.model });
    log(`Model: ${recipe.name} (${network.model.name}), input ${record.imgSize} px, ${which} checkpoint ${checkpoint}`);
    const predictor = await createRecipePredictor(network, recipe, record.imgSize, options.runtime ?? 'auto');
    let probabilities: Float32Array;
    try {
      log(`Prediction runtime: ${predictor.runtime} (${predictor.description})`);
      probabilities = await predictor.predict(loader);
    } finally {
      await predictor.dispose();
    }
    const out = resolve(options.out ?? join(run, 'prediction'));
    await ensureDir(out);
    const written = await writePredictions(out, {
      ids: items.map((item) => item.id),
      classes,
      probabilities,
      sampleSubmission,
    });
    const score = answers ? await scoreSubmission(written.submission, answers) : null;
    log(
      formatTable(`Predicted ${items.length} images`, [
        ['Test Macro F1', score ? `${score.macroF1.toFixed(4)} (scored against ${answers})` : 'n/a (no answers file)'],
        ['Submission', written.submission],
        ['Probabilities', written.testProbabilities],
      ]).trimEnd(),
    );
    return { ...written, count: items.length, testMacroF1: score?.macroF1 ?? null };
  } finally {
    loader.close();
    network.dispose();
  }
}

async function readJson<T>(file: string, message: string): Promise<T> {
  if (!existsSync(file)) throw new UserError(message);
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    throw new UserError(`${message} (${(error as Error).message})`);
  }
}
