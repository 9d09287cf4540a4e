import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  b3Recipe,
  foldFromScheduler,
  parseTrainArgs,
  RECIPES,
  resolveDataRoot,
  runCli,
  runEnsemble,
  trainUsage,
  v2mRecipe,
  type Recipe,
} from '../src/index.js';
import { capture } from './helpers/capture.js';

const run = promisify(execFile);
const packageRoot = resolve(import.meta.dirname, '..');
const tsx = resolve(packageRoot, '../../node_modules/.bin/tsx');
const recordWrites = join(packageRoot, 'test/helpers/record-writes.mjs');
/** The quick B3 training run the end-to-end cases start from (wasm backend, no progress bar). */
const smokeTrain = ['train', '--recipe', 'b3', '--smoke', '--backend', 'wasm', '--progress', 'none'];
const recipe: Recipe = { ...b3Recipe, sizes: { epochs: 10, imgSize: 300, batchSize: 16, lr: 3e-4, backend: 'auto' } };

let scratch: string;
let dataDir: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'art-command-'));
  dataDir = join(scratch, 'data-cache');
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Runs `art` from its source as a user runs the bin, optionally recording every path it writes. */
async function art(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; writeLog?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const node = options.writeLog ? ['--import', recordWrites] : [];
  try {
    const { stdout, stderr } = await run(tsx, [...node, join(packageRoot, 'src/cli.ts'), ...args], {
      cwd: scratch,
      timeout: 170_000,
      maxBuffer: 16 * 1024 * 1024,
      // tsx resolves the @art/* imports to their sources through the package's tsconfig paths.
      env: {
        ...process.env,
        FORCE_COLOR: '0',
        TSX_TSCONFIG_PATH: join(packageRoot, 'tsconfig.json'),
        ART_DATA_DIR: dataDir,
        ...(options.writeLog ? { ART_WRITE_LOG: options.writeLog } : {}),
        ...options.env,
      },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : 1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
    };
  }
}

describe('art train flags', () => {
  it('apply the recipe defaults and the flags', () => {
    const options = parseTrainArgs(
      ['--epochs', '3', '--img-size', '96', '--backend', 'wasm', '--folds', '5', '--fold', '2', '--resume'],
      recipe,
    )!;
    expect(options).toMatchObject({
      epochs: 3,
      imgSize: 96,
      batchSize: 16,
      lr: 3e-4,
      backend: 'wasm',
      folds: 5,
      fold: 2,
      resume: true,
      smoke: false,
      out: 'runs/b3',
      seed: 0,
    });
    expect(parseTrainArgs([], recipe)).toMatchObject({
      ...recipe.sizes,
      data: undefined,
      folds: undefined,
      fold: 0,
      runtime: 'auto',
    });
    expect(parseTrainArgs(['--smoke'], recipe)).toMatchObject({ ...b3Recipe.smokeSizes, out: 'runs/b3-smoke' });
    expect(parseTrainArgs(['--runtime', 'tfjs', '--recipe', 'b3'], recipe)).toMatchObject({ runtime: 'tfjs' });
  });

  it('reject bad flags with messages naming the flag and the valid choices', () => {
    const parse = (argv: string[]) => () => parseTrainArgs(argv, recipe);
    expect(parse(['--backend', 'gpu'])).toThrow(
      '--backend: unknown backend "gpu"; expected one of auto, tensorflow, wasm, cpu, webgpu',
    );
    expect(parse(['--runtime', 'torch'])).toThrow(
      '--runtime: unknown runtime "torch"; expected one of auto, onnx, tfjs',
    );
    expect(parse(['--epochs', '0'])).toThrow('--epochs must be an integer >= 1, got "0"');
    expect(parse(['--lr', 'fast'])).toThrow('--lr must be a positive number, got "fast"');
    expect(parse(['--folds', '3', '--fold', '3'])).toThrow('--fold must be in 0..2 for --folds 3, got 3');
    expect(parse(['--fold', '1'])).toThrow('--fold needs --folds K');
    expect(parse(['--epoch', '1'])).toThrow(/Unknown option '--epoch'/);
    expect(parse(['--img-size', '100000'])).toThrow('--img-size must be at most 4096, got 100000');
    expect(parse(['--check-images', 'all'])).toThrow('--check-images: unknown mode "all"; expected header or full');
    expect(parse(['--weights', '/nonexistent/b3.safetensors'])).toThrow(
      '--weights: /nonexistent/b3.safetensors does not exist; pass the path of a weights file',
    );
    expect(parse(['--weights', packageRoot])).toThrow(
      `--weights: ${packageRoot} is a directory; pass the weights file inside it`,
    );
    expect(parse(['--recipe', 'v2m'])).toThrow(
      '--recipe v2m: this command trains the b3 recipe; run art train --recipe v2m',
    );
  });

  it('--folds K without --fold takes the fold from Slurm, Kubernetes or AWS Batch, and says when it cannot', () => {
    const withEnv = (env: NodeJS.ProcessEnv) => parseTrainArgs(['--folds', '4'], recipe, { env })!.fold;
    expect(withEnv({ SLURM_ARRAY_TASK_ID: '2' })).toBe(2);
    expect(withEnv({ JOB_COMPLETION_INDEX: '3' })).toBe(3);
    expect(withEnv({ AWS_BATCH_JOB_ARRAY_INDEX: '0' })).toBe(0);
    expect(withEnv({ SLURM_ARRAY_TASK_ID: '1', JOB_COMPLETION_INDEX: '1' })).toBe(1);
    expect(parseTrainArgs(['--folds', '4', '--fold', '1'], recipe, { env: { SLURM_ARRAY_TASK_ID: '3' } })!.fold).toBe(
      1,
    ); // --fold wins
    expect(parseTrainArgs([], recipe, { env: { SLURM_ARRAY_TASK_ID: '7' } })!.fold).toBe(0); // no --folds: hold-out, index unused
    expect(() => withEnv({})).toThrow(
      '--folds 4 without --fold: no array index in the environment (SLURM_ARRAY_TASK_ID, ' +
        'JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX); pass --fold I, or start the job as an array of 4 tasks (e.g. sbatch --array=0-3)',
    );
    expect(() => withEnv({ SLURM_ARRAY_TASK_ID: '4' })).toThrow(
      '--folds 4: SLURM_ARRAY_TASK_ID="4" is not a fold index in 0..3; declare the array as 0-3 or pass --fold I',
    );
    expect(() => withEnv({ AWS_BATCH_JOB_ARRAY_INDEX: 'one' })).toThrow(
      'AWS_BATCH_JOB_ARRAY_INDEX="one" is not a fold index in 0..3',
    );
    expect(() => withEnv({ SLURM_ARRAY_TASK_ID: '1', JOB_COMPLETION_INDEX: '2' })).toThrow(
      '--folds 4: the array indices disagree (SLURM_ARRAY_TASK_ID=1, JOB_COMPLETION_INDEX=2); pass --fold I',
    );
    expect(foldFromScheduler(2, { JOB_COMPLETION_INDEX: ' 1 ' })).toBe(1);
  });
});

describe('art command', () => {
  it('--version prints the package version; --help the commands; unknown commands are one line', async () => {
    const version = capture();
    expect(await runCli(['--version'], version.io)).toBe(0);
    expect(version.out.join('')).toBe(
      `${(JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version}\n`,
    );
    const help = capture();
    expect(await runCli(['--help'], help.io)).toBe(0);
    for (const command of ['train', 'predict', 'ensemble', 'score', 'split', 'oof'])
      expect(help.out.join('')).toMatch(new RegExp(`^  ${command} `, 'm'));
    const unknown = capture();
    expect(await runCli(['fit'], unknown.io)).toBe(1);
    expect(unknown.err.join('')).toBe(
      'art: unknown command "fit"; expected one of train, predict, ensemble, score, split, oof (art --help)\n',
    );
    // predict's choices go through the same check as train's, before anything is read
    const badBackend = capture();
    expect(await runCli(['predict', '--run', 'runs/none', '--backend', 'gpu'], badBackend.io)).toBe(1);
    expect(badBackend.err.join('')).toMatch(
      /^art predict: --backend: unknown value "gpu"; expected one of auto, tensorflow, wasm, cpu, webgpu\n$/,
    );
  });

  it("train --help prints the recipe's own values as defaults", async () => {
    const v2m = capture();
    expect(await runCli(['train', '--recipe', 'v2m', '--help'], v2m.io)).toBe(0);
    const text = v2m.out.join('');
    expect(text).toBe(trainUsage(v2mRecipe));
    expect(text).toContain(`--img-size PX         network input size, 16..4096 (default ${v2mRecipe.sizes.imgSize})`);
    expect(text).toContain(`--epochs N            default ${v2mRecipe.sizes.epochs}`);
    expect(text).toContain(`--lr X                Adam learning rate (default ${v2mRecipe.sizes.lr})`);
    const overview = capture();
    expect(await runCli(['train', '--help'], overview.io)).toBe(0);
    for (const each of Object.values(RECIPES)) {
      const { epochs, imgSize, batchSize, lr, backend } = each.sizes;
      expect(overview.out.join('')).toContain(
        `  ${each.name.padEnd(8)}  --epochs ${epochs} --img-size ${imgSize} --batch-size ${batchSize} --lr ${lr} --backend ${backend}\n`,
      );
    }
    for (const command of ['predict', 'ensemble', 'score', 'split', 'oof']) {
      const each = capture();
      expect(await runCli([command, '--help'], each.io), command).toBe(0);
      expect(each.out.join(''), command).toMatch(new RegExp(`^Usage: art ${command} `));
    }
  });

  it('reports a missing or unknown recipe and a fold-less cluster job as one line', async () => {
    const cases: [string[], string][] = [
      [
        ['train'],
        'art train: --recipe NAME is required: one of b3, v2m, pyramid, demo (art train --help lists them)\n',
      ],
      [
        ['train', '--recipe', 'b7'],
        'art train: --recipe: unknown recipe "b7"; expected one of b3, v2m, pyramid, demo\n',
      ],
      [
        ['train', '--recipe', 'b3', '--folds', '3'],
        'art train: --folds 3 without --fold: no array index in the environment (SLURM_ARRAY_TASK_ID, ' +
          'JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX); pass --fold I, or start the job as an array of 3 tasks (e.g. sbatch --array=0-2)\n',
      ],
      [
        ['ensemble', '--out', join(scratch, 'nothing')],
        `art ensemble: no fold job has started under ${join(scratch, 'nothing')} (no fold-<i>/run.json); ` +
          `run the fold jobs first, or pass --folds K to wait for them\n`,
      ],
      [
        ['predict', '--run', join(scratch, 'nothing')],
        `art predict: --run: ${join(scratch, 'nothing')} has no readable run.json; pass the --out folder of an art train run (for k-fold runs, OUT/fold-I)\n`,
      ],
    ];
    for (const [argv, message] of cases) {
      const { err, io } = capture();
      expect(await runCli(argv, { ...io, env: {} }), argv.join(' ')).toBe(1);
      expect(err.join('')).toBe(message);
    }
  });

  it('reports bad input as one line naming the culprit, with no stack trace and nothing trained', async () => {
    const bad = join(scratch, 'bad.safetensors');
    await writeFile(bad, 'not a safetensors file');
    const data = join(scratch, 'corrupt-data');
    await cp((await resolveDataRoot(undefined, { smoke: true, dataDir })).root, data, { recursive: true });
    const [first, second] = ['test/TEST_00001.jpg', 'train/0002.jpg'].map((file) => join(data, file));
    await writeFile(first!, 'not an image');
    await writeFile(second!, '');
    const cases: [string[], string][] = [
      [
        ['--out', '/proc/art-out'],
        'art train: Cannot create directory "/proc/art-out": no such file or directory (ENOENT); check the path (--out, --data)',
      ],
      [
        ['--weights', bad],
        `art train: --weights: ${bad}: neither a PyTorch checkpoint (torch.save zip) nor a .safetensors file; pass a torchvision-layout .pth`,
      ],
      [
        ['--data', data],
        `art train: 2 image(s) missing or unreadable:\n  [TEST_00001] ${first}: not a readable image (`,
      ],
    ];
    for (const [index, [args, message]] of cases.entries()) {
      if (args[1] === '/proc/art-out' && process.platform !== 'linux') continue;
      const out = join(scratch, `bad-${index}`);
      const { code, stderr } = await art([...smokeTrain, '--out', out, ...args]);
      expect(code, stderr).toBe(1);
      expect(stderr.slice(0, message.length), stderr).toBe(message);
      expect(stderr, 'no stack trace').not.toMatch(/^\s+at /m);
      expect(existsSync(join(out, 'checkpoints')), 'nothing trained').toBe(false);
    }
  }, 180_000);

  it('fold jobs of one --out started by a scheduler never write the same file; ensemble names missing folds, then combines; predict reuses a run', async () => {
    const out = join(scratch, 'cluster');
    const jobs = [{ SLURM_ARRAY_TASK_ID: '0' }, { JOB_COMPLETION_INDEX: '1' }];
    const logs = jobs.map((_, index) => join(scratch, `writes-${index}.log`));
    const results = await Promise.all(
      jobs.map((env, index) =>
        art([...smokeTrain, '--runtime', 'tfjs', '--folds', '2', '--out', out], { env, writeLog: logs[index]! }),
      ),
    );
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const written = await Promise.all(
      logs.map(
        async (log) => new Set((await readFile(log, 'utf8')).split('\n').filter((path) => path.startsWith(`${out}/`))),
      ),
    );
    for (const [fold, paths] of written.entries()) {
      expect(paths.size, `fold ${fold} wrote files`).toBeGreaterThan(10);
      const outside = [...paths].filter((path) => !path.startsWith(join(out, `fold-${fold}`)));
      expect(outside, `fold ${fold} writes only inside fold-${fold}/`).toEqual([]);
    }
    expect(
      [...written[0]!].filter((path) => written[1]!.has(path)),
      'written by both jobs',
    ).toEqual([]);
    for (const fold of [0, 1]) {
      const dir = join(out, `fold-${fold}`);
      for (const file of [
        'run.json',
        'labels.json',
        'history.csv',
        'summary.json',
        'submission.csv',
        'test-probabilities.csv',
        'valid-probabilities.csv',
        'augmentation-preview.png',
        'plots/confusion-matrix.svg',
        'checkpoints/latest.json',
      ]) {
        expect(existsSync(join(dir, file)), `fold-${fold}/${file}`).toBe(true);
      }
    }
    expect((await readdir(out)).sort()).toEqual(['fold-0', 'fold-1']);

    // A third fold never ran: named, after waiting one second.
    const waiting = await art(['ensemble', '--out', out, '--folds', '3', '--wait', '1']);
    expect(waiting.code).toBe(1);
    expect(waiting.stdout).toContain(`Waiting for fold-2 under ${out} (up to 1 s)`);
    expect(waiting.stderr.trim()).toMatch(
      new RegExp(
        `^art ensemble: 1 of 3 folds not finished under ${out}: fold-2 \\(no summary.json\\) after ` +
          `waiting [12] s; wait for them with --wait \\[SECONDS\\], or combine the finished ones with --partial$`,
      ),
    );
    const partial = await art(['ensemble', '--out', out, '--folds', '3', '--partial']);
    expect(partial.code, partial.stderr).toBe(0);
    expect(partial.stdout).toContain('Combining 2 of 3 folds (--partial): fold-2 missing');

    const ensemble = await art(['ensemble', '--out', out]);
    expect(ensemble.code, ensemble.stderr).toBe(0);
    expect(ensemble.stdout).toMatch(/Out-of-fold Macro F1\s+[01]\.\d{4} \(24 train images\)/);
    expect(ensemble.stdout).toMatch(/Test Macro F1\s+[01]\.\d{4}/);
    expect((await readFile(join(out, 'submission.csv'), 'utf8')).trim().split('\n')).toHaveLength(9); // header + 8 test images

    const images = join(scratch, 'images');
    await mkdir(images);
    const smokeRoot = (await resolveDataRoot(undefined, { smoke: true, dataDir })).root;
    for (const name of ['TEST_00000.jpg', 'TEST_00001.jpg'])
      await cp(join(smokeRoot, 'test', name), join(images, name.replace('TEST_', 'photo-')));
    const predicted = await art([
      'predict',
      '--run',
      join(out, 'fold-1'),
      '--images',
      images,
      '--runtime',
      'tfjs',
      '--backend',
      'wasm',
    ]);
    expect(predicted.code, predicted.stderr).toBe(0);
    const submission = (await readFile(join(out, 'fold-1/prediction/submission.csv'), 'utf8')).trim().split('\n');
    expect(submission[0]).toBe('id,artist');
    expect(submission.slice(1).map((row) => row.split(',')[0])).toEqual(['photo-00000', 'photo-00001']);
    const classes = (JSON.parse(await readFile(join(out, 'fold-1/labels.json'), 'utf8')) as { classes: string[] })
      .classes;
    for (const row of submission.slice(1)) expect(classes).toContain(row.split(',')[1]);
    // The same images and weights as the training job's own prediction: the same probabilities.
    const trained = (await readFile(join(out, 'fold-1/test-probabilities.csv'), 'utf8')).trim().split('\n');
    const again = (await readFile(join(out, 'fold-1/prediction/test-probabilities.csv'), 'utf8')).trim().split('\n');
    expect(again.slice(1).map((row) => row.split(',').slice(1).join(','))).toEqual(
      trained.slice(1, 3).map((row) => row.split(',').slice(1).join(',')),
    );
    // Without --images: the run's own (synthetic) test set, the same submission as the job wrote.
    const testSet = await art([
      'predict',
      '--run',
      join(out, 'fold-0'),
      '--out',
      join(scratch, 'fold-0-prediction'),
      '--runtime',
      'tfjs',
      '--backend',
      'wasm',
    ]);
    expect(testSet.code, testSet.stderr).toBe(0);
    expect(testSet.stdout).toMatch(/Test Macro F1\s+[01]\.\d{4} \(scored against /);
    expect(await readFile(join(scratch, 'fold-0-prediction/submission.csv'), 'utf8')).toBe(
      await readFile(join(out, 'fold-0/submission.csv'), 'utf8'),
    );
  }, 300_000);

  it('ensemble --wait returns as soon as the missing fold finishes', async () => {
    const out = join(scratch, 'waiting');
    await mkdir(join(out, 'fold-0'), { recursive: true });
    await writeFile(
      join(out, 'fold-0', 'run.json'),
      JSON.stringify({
        format: 'art-run',
        version: 1,
        recipe: 'b3',
        imgSize: 32,
        smoke: true,
        seed: 0,
        folds: 1,
        fold: 0,
      }),
    );
    const lines: string[] = [];
    const started = performance.now();
    const pending = runEnsemble(
      { out, waitSeconds: 30, pollSeconds: 0.05 },
      { log: (line) => void lines.push(line) },
    ).catch((error: unknown) => error);
    await new Promise((done) => setTimeout(done, 200));
    // The fold "finishes": a summary naming a dataset without test answers; the ensemble then fails on its inputs, not on waiting.
    await writeFile(join(out, 'fold-0', 'summary.json'), JSON.stringify({ data: join(scratch, 'no-such-data') }));
    const error = await pending;
    expect(lines[0]).toBe(`Waiting for fold-0 under ${out} (up to 30 s)`);
    expect(String(error)).toContain('has no train.csv');
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
