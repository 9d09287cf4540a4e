import { type Stats, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { INFERENCE_RUNTIMES, type InferenceRuntime } from '../predict/runtime.js';
import { BACKEND_NAMES, RECIPE_NAMES, type Recipe, type RecipeSizes } from '../recipes/index.js';
import { PROGRESS_MODES, type ProgressMode } from '../training/progress.js';
import { foldFromScheduler } from './cluster.js';

/** Everything the flags of `art train` decide, after the recipe's defaults. */
export interface TrainRunOptions extends RecipeSizes {
  /** Dataset root in the competition layout; `undefined`: the synthetic set. */
  data: string | undefined;
  out: string;
  seed: number;
  /** k of k-fold (`--folds`); `undefined`: a stratified 80/20 hold-out. */
  folds: number | undefined;
  /** Fold index 0..folds-1 (`--fold`, or the scheduler's array index). */
  fold: number;
  /** Local `.pth` / `.safetensors` loaded before training (`--weights`). */
  weights: string | undefined;
  /** Pretrained weights set by name (`--pretrained [NAME]`, `DEFAULT` when bare); `undefined`: random init. */
  pretrained: string | undefined;
  /** Load a weights file even when most of the network is not in it (`--weights-partial`). */
  weightsPartial: boolean;
  resume: boolean;
  smoke: boolean;
  /** Worker threads for augmentation (0: in the main thread). */
  workers: number;
  /** Micro-batch for gradient accumulation (`undefined`: whole batch at once). */
  microBatch: number | undefined;
  progress: ProgressMode;
  /** Image check before training: 'header' (header and size of every image) or 'full' (a full decode). */
  checkImages: 'header' | 'full';
  /** Print stack traces of errors (`--debug`). */
  debug: boolean;
  /** Runtime of the prediction after training (test set, pyramid, TTA). */
  runtime: InferenceRuntime;
}

/** The largest `--img-size` accepted (a 4096² RGB batch of one is already 200 MB of float32). */
export const MAX_IMG_SIZE = 4096;

/** The flag table of `art train` (node:util parseArgs). */
const trainFlags = {
  recipe: { type: 'string' },
  data: { type: 'string' },
  out: { type: 'string' },
  epochs: { type: 'string' },
  'img-size': { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  backend: { type: 'string' },
  seed: { type: 'string' },
  folds: { type: 'string' },
  fold: { type: 'string' },
  weights: { type: 'string' },
  pretrained: { type: 'string' },
  'weights-partial': { type: 'boolean' },
  resume: { type: 'boolean' },
  smoke: { type: 'boolean' },
  workers: { type: 'string' },
  'micro-batch': { type: 'string' },
  progress: { type: 'string' },
  'check-images': { type: 'string' },
  debug: { type: 'boolean' },
  runtime: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * The default output folder of a recipe: `runs/<name>` (`runs/<name>-smoke` under `--smoke`).
 * @example defaultOutDir(b3Recipe, true); // 'runs/b3-smoke'
 */
export function defaultOutDir(recipe: Pick<Recipe, 'name'>, smoke: boolean): string {
  return `runs/${smoke ? `${recipe.name}-smoke` : recipe.name}`;
}

/**
 * The flag defaults of a recipe (its smoke sizes under `--smoke`).
 * @example recipeDefaults(v2mRecipe, false).imgSize; // 384
 */
export function recipeDefaults(recipe: Pick<Recipe, 'sizes' | 'smokeSizes'>, smoke: boolean): RecipeSizes {
  return { ...(smoke ? recipe.smokeSizes : recipe.sizes) };
}

/**
 * Help text of `art train` for a recipe; every default printed is the recipe's own value.
 * @example process.stdout.write(trainUsage(b3Recipe));
 */
export function trainUsage(
  recipe: Recipe,
  command = `art train --recipe ${recipe.name}`,
  defaultOut = defaultOutDir(recipe, false),
): string {
  const defaults = recipe.sizes;
  const smoke = recipe.smokeSizes;
  const smokeFlags =
    `--epochs ${smoke.epochs} --img-size ${smoke.imgSize} --batch-size ${smoke.batchSize} ` +
    `--lr ${smoke.lr} --backend ${smoke.backend}`;
  return `${recipe.summary}

Usage: ${command} [flags]

  --recipe NAME         ${RECIPE_NAMES.join(' | ')} (this help: ${recipe.name})
  --data DIR            competition-layout dataset (train.csv, test.csv, sample_submission.csv)
                        default: the synthetic set, generated on first use in $ART_DATA_DIR
                        (default ~/.cache/art)
  --out DIR             output folder (default ${defaultOut})
  --epochs N            default ${defaults.epochs}
  --img-size PX         network input size, 16..${MAX_IMG_SIZE} (default ${defaults.imgSize})
  --batch-size N        default ${defaults.batchSize}
  --lr X                Adam learning rate (default ${defaults.lr})
  --backend NAME        ${BACKEND_NAMES.join(' | ')} (default ${defaults.backend})
  --seed N              seed of splits, augmentation, initialisation (default 0)
  --folds K [--fold I]  train fold I of a stratified K-fold into OUT/fold-I (default: 80/20 stratified
                        hold-out); without --fold, I comes from the scheduler's array index:
                        SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX (Kubernetes), AWS_BATCH_JOB_ARRAY_INDEX
  --pretrained [NAME]   start from torchvision's ImageNet weights of the backbone, downloaded once into
                        PyTorch's cache ($TORCH_HOME/hub/checkpoints): DEFAULT (bare flag), IMAGENET1K_V1, ...
                        default: off (random init), so runs without it never touch the network
  --weights FILE        a local .pth (torch.save) or .safetensors state dict loaded before training
  --weights-partial     load --weights even when most of the network is not in the file
  --resume              continue from the newest checkpoint in OUT/checkpoints (same result as an
                        uninterrupted run; history and plots are rebuilt; --lr must be the run's)
  --smoke               tiny data, tiny model, one short epoch: checks the whole path in seconds
                        (defaults then: ${smokeFlags})
  --workers N           augmentation worker threads (default 0: main thread)
  --micro-batch N       gradient accumulation micro-batch (default: the whole batch)
  --progress MODE       ${PROGRESS_MODES.join(' | ')} (default auto)
  --check-images MODE   header | full: check every train and test image before training, by its
                        header and size (default) or by a full decode; all bad files are listed
  --debug               print stack traces of errors
  --runtime NAME        prediction runtime: ${INFERENCE_RUNTIMES.join(' | ')} (default auto: onnx when
                        onnxruntime-node is installed, else tfjs)
  -h, --help            this text
`;
}

/**
 * Parses `art train`'s flags after the recipe is known (node:util parseArgs, strict: unknown
 * flags are errors). Returns `null` for `--help`. `env` supplies the scheduler's array index
 * for `--folds K` without `--fold`.
 *
 * @example const options = parseTrainArgs(['--smoke'], b3Recipe);
 */
export function parseTrainArgs(
  argv: readonly string[],
  recipe: Recipe,
  settings: { defaultOut?: string; env?: NodeJS.ProcessEnv } = {},
): TrainRunOptions | null {
  // `--pretrained` takes an optional value: bare (last, or before another flag) means DEFAULT.
  const args = argv.flatMap((arg, i) =>
    arg === '--pretrained' && (i === argv.length - 1 || argv[i + 1]!.startsWith('-')) ? [arg, 'DEFAULT'] : [arg],
  );
  const { values } = parseArgs({ args, options: trainFlags, strict: true, allowPositionals: false });
  if (values.help) return null;
  if (values.recipe !== undefined && values.recipe !== recipe.name) {
    throw new RangeError(
      `--recipe ${values.recipe}: this command trains the ${recipe.name} recipe; run art train --recipe ${values.recipe}`,
    );
  }
  const smoke = values.smoke ?? false;
  const defaults = recipeDefaults(recipe, smoke);
  const backend = flagChoice('--backend', values.backend, BACKEND_NAMES, 'backend') ?? defaults.backend;
  const progress = flagChoice('--progress', values.progress, PROGRESS_MODES, 'mode') ?? 'auto';
  const runtime = flagChoice('--runtime', values.runtime, INFERENCE_RUNTIMES, 'runtime') ?? 'auto';
  const folds = optionalInteger('--folds', values.folds, 2);
  const explicitFold = optionalInteger('--fold', values.fold, 0);
  if (explicitFold !== undefined && folds === undefined) throw new RangeError('--fold needs --folds K');
  if (folds !== undefined && explicitFold !== undefined && explicitFold >= folds)
    throw new RangeError(`--fold must be in 0..${folds - 1} for --folds ${folds}, got ${explicitFold}`);
  const fold = folds === undefined ? 0 : (explicitFold ?? foldFromScheduler(folds, settings.env ?? process.env));
  if (values.pretrained !== undefined && values.weights !== undefined)
    throw new RangeError('--pretrained and --weights both choose the starting weights; pass one');
  const checkImages = values['check-images'] ?? 'header';
  if (checkImages !== 'header' && checkImages !== 'full')
    throw new RangeError(`--check-images: unknown mode "${checkImages}"; expected header or full`);
  const imgSize = optionalInteger('--img-size', values['img-size'], 16) ?? defaults.imgSize;
  if (imgSize > MAX_IMG_SIZE) throw new RangeError(`--img-size must be at most ${MAX_IMG_SIZE}, got ${imgSize}`);
  if (values.weights !== undefined) checkWeightsPath(values.weights);
  return {
    data: values.data,
    out: values.out ?? settings.defaultOut ?? defaultOutDir(recipe, smoke),
    epochs: optionalInteger('--epochs', values.epochs, 1) ?? defaults.epochs,
    imgSize,
    batchSize: optionalInteger('--batch-size', values['batch-size'], 1) ?? defaults.batchSize,
    lr: optionalPositive('--lr', values.lr) ?? defaults.lr,
    backend,
    seed: optionalInteger('--seed', values.seed, 0) ?? 0,
    folds,
    fold,
    weights: values.weights,
    pretrained: values.pretrained,
    weightsPartial: values['weights-partial'] ?? false,
    resume: values.resume ?? false,
    smoke,
    workers: optionalInteger('--workers', values.workers, 0) ?? 0,
    microBatch: optionalInteger('--micro-batch', values['micro-batch'], 1),
    progress,
    checkImages,
    debug: values.debug ?? false,
    runtime,
  };
}

/**
 * Checks that `--weights` names a readable file (before anything is written); one line naming
 * the path and what to do otherwise.
 * @example checkWeightsPath('weights/efficientnet_b3.safetensors');
 */
export function checkWeightsPath(path: string): void {
  let info: Stats;
  try {
    info = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RangeError(
      `--weights: ${path} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}; pass the path of a weights file`,
    );
  }
  if (info.isDirectory()) throw new RangeError(`--weights: ${path} is a directory; pass the weights file inside it`);
}

/**
 * An integer flag's value (`undefined` when absent); a bad value is a RangeError naming the flag.
 * @example optionalInteger('--epochs', '3', 1); // 3
 */
/**
 * The value of a flag that takes one of `allowed` (`undefined` when the flag is absent); anything
 * else is one line naming the flag, the value and the choices.
 * @example const backend = flagChoice('--backend', values.backend, BACKEND_NAMES, 'backend') ?? 'auto';
 */
export function flagChoice<const Choice extends string>(
  flag: string,
  value: string | undefined,
  allowed: readonly Choice[],
  noun = 'value',
): Choice | undefined {
  if (value === undefined || (allowed as readonly string[]).includes(value)) return value as Choice | undefined;
  throw new RangeError(`${flag}: unknown ${noun} "${value}"; expected one of ${allowed.join(', ')}`);
}

export function optionalInteger(flag: string, text: string | undefined, minimum: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new RangeError(`${flag} must be an integer >= ${minimum}, got "${text}"`);
  }
  return value;
}

function optionalPositive(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${flag} must be a positive number, got "${text}"`);
  return value;
}
