/**
 * `npm run bench:accuracy -w @art/examples`: does @art train as well as PyTorch?
 *
 * The demo's setting (the B3 recipe, B3 x 0.5, 64 px, the synthetic artists, from scratch):
 * @art's data pipeline writes every epoch's augmented training batches and the validation
 * set to a batch cache once; then, for each seed, @art (`train` of @art/competition, wasm
 * backend) and the seed's PyTorch code (accuracy_torch.py, Debian's torch + torchvision) train
 * on those same batches, so that only training differs. Prints both learning curves, the
 * mean and spread of the best validation Macro F1 of each side, and whether @art's mean is
 * at least PyTorch's mean − 1 std; writes `result.json` and `result.md` to `--out`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '@art/backend';
import { toAlbumentationsDict } from '@art/augment';
import {
  buildRecipeNetwork,
  createDataLoader,
  demoRecipe,
  formatDuration,
  loadCompetition,
  optionalInteger,
  resolveDataRoot,
  stratifiedHoldout,
  train,
  writeFileAtomic,
} from '@art/competition';
import { exampleDataDir, examplesRoot } from '../lib/data.js';
import { cachedBatchSource, ensureBatchCache } from './batch-cache.js';
import { compareSides, formatReport, type EpochPoint, type SideRun } from './report.js';

const command = 'examples/bench/accuracy.ts';
// 5 seeds, not 3: with 3, one side's spread can be a fluke (PyTorch's 3 bests once fell within 0.01 of
// each other, std 0.005; its 5-seed std is 0.105), which makes the mean - 1 std verdict a coin toss.
const defaults = {
  seeds: 5,
  epochs: 15,
  threads: 2,
  python: '/usr/bin/python3',
  out: join(examplesRoot, 'out', 'bench-accuracy'),
};
/** The data (split, order, augmentation) are the same for every seed: only weights and masks change. */
const dataSeed = 0;

const help = `@art against PyTorch, trained on the same augmented batches (the demo's B3 recipe at 64 px).

Usage: npm run bench:accuracy -w @art/examples -- [flags]

  --seeds N        seeds per side, 0 … N−1 (default ${defaults.seeds})
  --epochs N       training epochs (default ${defaults.epochs})
  --threads N      threads of each trainer: wasm (XNNPACK) and torch.set_num_threads (default ${defaults.threads})
  --python PATH    Python with torch, torchvision and scikit-learn (default ${defaults.python})
  --out DIR        results and batch cache (default examples/out/bench-accuracy)
  -h, --help       this text
`;

interface BenchOptions {
  seeds: number;
  epochs: number;
  threads: number;
  python: string;
  out: string;
}

function parseBenchArgs(argv: string[]): BenchOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      seeds: { type: 'string' },
      epochs: { type: 'string' },
      threads: { type: 'string' },
      python: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(help);
    return null;
  }
  return {
    seeds: optionalInteger('--seeds', values.seeds, 1) ?? defaults.seeds,
    epochs: optionalInteger('--epochs', values.epochs, 1) ?? defaults.epochs,
    threads: optionalInteger('--threads', values.threads, 1) ?? defaults.threads,
    python: values.python ?? defaults.python,
    out: resolve(values.out ?? defaults.out),
  };
}

/** Fails early, in one line, when the Python side cannot run (before any training). */
function checkPython(python: string): string {
  const probe = spawnSync(
    python,
    [
      '-c',
      'import torch, torchvision, sklearn; print(torch.__version__, torchvision.__version__, sklearn.__version__)',
    ],
    { encoding: 'utf8' },
  );
  if (probe.error || probe.status !== 0) {
    const why = probe.error ? probe.error.message : probe.stderr.trim().split('\n').pop();
    throw new RangeError(
      `--python: "${python}" cannot import torch, torchvision and sklearn (${why}); install Debian's ` +
        `python3-torch python3-torchvision python3-sklearn or pass --python PATH`,
    );
  }
  const [torch, torchvision, sklearn] = probe.stdout.trim().split(' ');
  return `torch ${torch}, torchvision ${torchvision}, scikit-learn ${sklearn}`;
}

/** Runs accuracy_torch.py for one seed; its progress lines go to stderr, its result (JSON) to stdout. */
function runPyTorch(
  options: BenchOptions,
  cache: string,
  seed: number,
  network: { widthMultiplier: number; depthMultiplier: number; parameters: number },
  lr: number,
): Promise<SideRun> {
  const script = join(examplesRoot, 'bench', 'accuracy_torch.py');
  const args = [
    script,
    '--cache',
    cache,
    '--seed',
    String(seed),
    '--epochs',
    String(options.epochs),
    '--threads',
    String(options.threads),
    '--lr',
    String(lr),
    '--width-mult',
    String(network.widthMultiplier),
    '--depth-mult',
    String(network.depthMultiplier),
    '--parameters',
    String(network.parameters),
  ];
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    // OpenMP threads that spin while they wait make torch 8x slower on a busy machine (measured:
    // 6.1 s against 0.78 s a step with 2 threads, load 11 on 2 cores); passive waiting costs
    // little when the machine is idle.
    const env = { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' };
    const child = spawn(options.python, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${script} (seed ${seed}) exited with code ${code}`));
      const result = JSON.parse(stdout.trim().split('\n').pop()!) as { history: EpochPoint[]; headDropout: number };
      resolvePromise({ side: 'pytorch', seed, history: result.history, seconds: (performance.now() - started) / 1000 });
    });
  });
}

async function run(options: BenchOptions): Promise<void> {
  const started = performance.now();
  const pythonVersions = checkPython(options.python);
  const backend = await initBackend({ backend: 'wasm', threads: options.threads });
  console.log(
    `@art: ${backend.name} (${backend.reason}); PyTorch: ${options.python} (${pythonVersions}, ${options.threads} threads)`,
  );

  // The demo's data, split and transforms (art train --recipe demo with --seed 0).
  const { root } = await resolveDataRoot(undefined, { dataDir: exampleDataDir });
  const data = await loadCompetition(root);
  const classes = data.labelEncoder.classes;
  const labels = data.train.map((record) => data.labelEncoder.encode(record.artist) as number);
  const split = stratifiedHoldout(labels, { validFraction: 0.2, seed: dataSeed });
  const { imgSize, batchSize, lr } = demoRecipe.sizes;
  // The seed's B3 loop (accuracy_torch.py) has no scheduler: a recipe with one is not comparable.
  if (demoRecipe.schedule !== false)
    throw new Error(
      `${command}: demoRecipe has a learning-rate scheduler; accuracy_torch.py, the seed's B3 loop, has none`,
    );
  const transforms = demoRecipe.augmentation(imgSize);
  const item = (index: number): { imagePath: string; label: number } => ({
    imagePath: data.train[index]!.imagePath,
    label: labels[index]!,
  });
  const loaderCommon = { batchSize, seed: dataSeed, cacheDecoded: true };
  const trainLoader = createDataLoader({
    ...loaderCommon,
    items: split.train.map(item),
    transform: transforms.train,
    shuffle: true,
  });
  const validLoader = createDataLoader({ ...loaderCommon, items: split.valid.map(item), transform: transforms.valid });

  const cacheDir = join(options.out, 'batches');
  const cacheStarted = performance.now();
  const key = {
    data: root,
    trainItems: split.train,
    validItems: split.valid,
    dataSeed,
    imgSize,
    batchSize,
    transforms: {
      train: toAlbumentationsDict(transforms.train),
      valid: toAlbumentationsDict(transforms.valid),
      test: toAlbumentationsDict(transforms.test),
    },
  };
  const { manifest, written } = await ensureBatchCache(cacheDir, {
    trainLoader,
    validLoader,
    epochs: options.epochs,
    batchSize,
    classes,
    key,
  }).finally(() => Promise.all([trainLoader.close(), validLoader.close()]));
  const cacheSeconds = (performance.now() - cacheStarted) / 1000;
  console.log(
    `Batches: ${cacheDir}: ${manifest.trainCount} training images x ${manifest.epochs} ` +
      `epochs, ${manifest.validCount} validation, ${imgSize} px, batch ${batchSize}` +
      ` (${written} epochs written now, ${formatDuration(cacheSeconds)})`,
  );

  const probe = buildRecipeNetwork(demoRecipe, { numClasses: classes.length, imgSize, smoke: false, seed: 0 });
  const network = {
    name: probe.config.name,
    widthMultiplier: probe.config.widthMultiplier,
    depthMultiplier: probe.config.depthMultiplier,
    parameters: probe.countParameters(),
    headDropout: probe.options.headDropout,
  };
  probe.dispose();
  console.log(
    `Network: B3 x 0.5 (width ${network.widthMultiplier}, depth ${network.depthMultiplier}), ${network.parameters.toLocaleString('en-US')} parameters;` +
      ` Adam ${lr}, batch ${batchSize}, ${options.epochs} epochs, seeds 0..${options.seeds - 1}`,
  );

  const runs: SideRun[] = [];
  for (let seed = 0; seed < options.seeds; seed++) {
    const artStarted = performance.now();
    const model = buildRecipeNetwork(demoRecipe, { numClasses: classes.length, imgSize, smoke: false, seed });
    const outDir = join(options.out, `art-seed-${seed}`);
    await rm(outDir, { recursive: true, force: true });
    const history: EpochPoint[] = [];
    try {
      await train({
        model,
        trainLoader: cachedBatchSource(cacheDir, manifest, 'train'),
        validLoader: cachedBatchSource(cacheDir, manifest, 'valid'),
        numClasses: classes.length,
        classes,
        epochs: options.epochs,
        outDir,
        seed,
        optimizer: 'adam',
        learningRate: lr,
        scheduler: false,
        resume: false,
        plots: false,
        progress: 'none',
        onEpochEnd: (record) => {
          history.push({
            epoch: record.epoch - 1, // 0-based, as the PyTorch side's records
            trainLoss: record.trainLoss,
            trainAccuracy: record.trainAccuracy,
            validLoss: record.validLoss!,
            validAccuracy: record.validAccuracy!,
            validMacroF1: record.validMacroF1!,
            seconds: record.seconds,
          });
          console.error(
            `  @art seed ${seed} epoch ${record.epoch}/${options.epochs} loss ${record.trainLoss.toFixed(4)} ` +
              `| val macro-F1 ${record.validMacroF1!.toFixed(4)} | ${record.seconds.toFixed(1)}s`,
          );
        },
      });
    } finally {
      model.dispose();
    }
    runs.push({ side: 'art', seed, history, seconds: (performance.now() - artStarted) / 1000 });
    runs.push(await runPyTorch(options, cacheDir, seed, network, lr));
  }

  const comparison = compareSides(runs);
  const seconds = (performance.now() - started) / 1000;
  const setting = {
    data:
      `${root} (${manifest.trainCount} train / ${manifest.validCount} validation images, ${classes.length} ` +
      `artists; split, order and augmentation seed ${dataSeed}, the same for every seed)`,
    network: `${network.name}: ${network.parameters} parameters; head dropout @art ${network.headDropout}, PyTorch 0.3 (the seed's)`,
    training: `Adam lr ${lr}, batch ${batchSize}, ${options.epochs} epochs, ${imgSize} px, from scratch`,
    sides: `@art: ${backend.name}, ${options.threads} threads; PyTorch: ${pythonVersions}, ${options.threads} threads`,
  };
  const { text, markdown } = formatReport(runs, comparison, setting, { seconds, cacheSeconds });
  console.log(text);
  await writeFileAtomic(
    join(options.out, 'result.json'),
    `${JSON.stringify({ setting, comparison, runs, seconds, cacheSeconds }, null, 2)}\n`,
  );
  await writeFileAtomic(join(options.out, 'result.md'), markdown);
  console.log(`\nWritten: ${join(options.out, 'result.json')}, ${join(options.out, 'result.md')}`);
}

try {
  const options = parseBenchArgs(process.argv.slice(2));
  if (options !== null) await run(options);
  process.exit(0);
} catch (error) {
  const flagError =
    error instanceof RangeError ||
    (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'));
  console.error(flagError ? `${command}: ${(error as Error).message}` : error);
  process.exit(1);
}
