import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExampleArgs, type RunDefaults } from '../lib/cli.js';
import { examplesRoot, resolveDataRoot } from '../lib/data.js';

const run = promisify(execFile);
const tsx = resolve(examplesRoot, '..', 'node_modules', '.bin', 'tsx');
const defaults: RunDefaults = { epochs: 10, imgSize: 300, batchSize: 16, lr: 3e-4, backend: 'auto' };

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'art-examples-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Runs an example script as a child process, as a user would (`npx tsx examples/<name>.ts`). */
async function runScript(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(tsx, [join(examplesRoot, script), ...args], {
      cwd: examplesRoot,
      timeout: 170_000,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

function readCsv(path: string): Promise<Record<string, string>[]> {
  return readFile(path, 'utf8').then((text) => parse(text, { columns: true, skipEmptyLines: true }) as Record<string, string>[]);
}

describe('parseExampleArgs', () => {
  it('applies the recipe defaults and the flags', () => {
    const options = parseExampleArgs(['--epochs', '3', '--img-size', '96', '--backend', 'wasm', '--folds', '5', '--fold', '2', '--resume'], defaults, 'out')!;
    expect(options).toMatchObject({ epochs: 3, imgSize: 96, batchSize: 16, lr: 3e-4, backend: 'wasm', folds: 5, fold: 2, resume: true, smoke: false, out: 'out', seed: 0 });
    expect(parseExampleArgs([], defaults, 'out')).toMatchObject({ ...defaults, data: undefined, folds: undefined, fold: 0 });
  });

  it('rejects bad flags with messages naming the flag and the valid choices', () => {
    expect(() => parseExampleArgs(['--backend', 'gpu'], defaults, 'out')).toThrow('--backend: unknown backend "gpu"; expected one of auto, tensorflow, wasm, cpu, webgpu');
    expect(() => parseExampleArgs(['--epochs', '0'], defaults, 'out')).toThrow('--epochs must be an integer >= 1, got "0"');
    expect(() => parseExampleArgs(['--lr', 'fast'], defaults, 'out')).toThrow('--lr must be a positive number, got "fast"');
    expect(() => parseExampleArgs(['--folds', '3', '--fold', '3'], defaults, 'out')).toThrow('--fold must be in 0..2 for --folds 3, got 3');
    expect(() => parseExampleArgs(['--fold', '1'], defaults, 'out')).toThrow('--fold needs --folds K');
    expect(() => parseExampleArgs(['--epoch', '1'], defaults, 'out')).toThrow(/Unknown option '--epoch'/);
    expect(() => parseExampleArgs(['--img-size', '100000'], defaults, 'out')).toThrow('--img-size must be at most 4096, got 100000');
    expect(() => parseExampleArgs(['--check-images', 'all'], defaults, 'out')).toThrow('--check-images: unknown mode "all"; expected header or full');
  });

  it('checks --weights before anything is written: a missing path or a folder is one line', () => {
    expect(() => parseExampleArgs(['--weights', '/nonexistent/b3.safetensors'], defaults, 'out')).toThrow(
      '--weights: /nonexistent/b3.safetensors does not exist; pass the path of a weights file',
    );
    expect(() => parseExampleArgs(['--weights', examplesRoot], defaults, 'out')).toThrow(`--weights: ${examplesRoot} is a directory; pass the weights file inside it`);
  });
});

describe('example scripts', () => {
  it('print their help', async () => {
    const { code, stdout } = await runScript('train-b3.ts', ['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('--img-size PX         network input size, 16..4096 (default 150)');
  });

  it('exit non-zero with a one-line message on a bad flag', async () => {
    const { code, stderr } = await runScript('train-v2m.ts', ['--backend', 'gpu']);
    expect(code).toBe(1);
    expect(stderr).toContain('examples/train-v2m.ts: --backend: unknown backend "gpu"');
  });

  it('report bad input as one line naming the culprit, with no stack trace and nothing trained', async () => {
    const bad = join(scratch, 'bad.safetensors');
    await writeFile(bad, 'not a safetensors file');
    const data = join(scratch, 'corrupt-data');
    await cp((await resolveDataRoot(undefined, true)).root, data, { recursive: true });
    const [first, second] = ['test/TEST_00001.jpg', 'train/0002.jpg'].map((file) => join(data, file));
    await writeFile(first!, 'not an image');
    await writeFile(second!, '');
    const cases: [string[], string][] = [
      // (flag checks such as --img-size 100000 or --weights /nonexistent fail in parseExampleArgs, tested above)
      [['--out', '/proc/art-out'], 'examples/train-b3.ts: Cannot create directory "/proc/art-out": no such file or directory (ENOENT); check the path (--out, --data)'],
      [['--weights', bad], `examples/train-b3.ts: --weights: ${bad}: neither a PyTorch checkpoint (torch.save zip) nor a .safetensors file; pass a torchvision-layout .pth`],
      [['--data', data], `examples/train-b3.ts: 2 image(s) missing or unreadable:\n  [TEST_00001] ${first}: not a readable image (`],
    ];
    for (const [args, message] of cases) {
      if (args[1] === '/proc/art-out' && process.platform !== 'linux') continue;
      const out = join(scratch, `bad-${cases.findIndex((c) => c[0] === args)}`);
      const { code, stderr } = await runScript('train-b3.ts', ['--smoke', '--backend', 'wasm', '--progress', 'none', '--out', out, ...args]);
      expect(code, stderr).toBe(1);
      expect(stderr.slice(0, message.length), stderr).toBe(message);
      expect(stderr, 'no stack trace').not.toMatch(/^\s+at /m);
      expect(existsSync(join(out, 'checkpoints')), 'nothing trained').toBe(false);
    }
  }, 120_000);

  for (const script of ['train-b3.ts', 'train-v2m.ts', 'train-pyramid.ts']) {
    it(`${script} --smoke trains, predicts and writes every output`, async () => {
      const out = join(scratch, script.replace('.ts', ''));
      const { code, stdout, stderr } = await runScript(script, ['--smoke', '--backend', 'wasm', '--out', out, '--progress', 'lines']);
      expect(code, stderr).toBe(0);
      expect(stdout).toMatch(/Validation Macro F1\s+[01]\.\d{4}/);
      expect(stdout).toMatch(/Test Macro F1\s+[01]\.\d{4}/);

      const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as {
        validMacroF1: number; testMacroF1: number; classes: number; data: string; epochs: number; bestEpoch: number;
      };
      expect(summary.classes).toBe(4);
      expect(summary.epochs).toBe(1);
      for (const value of [summary.validMacroF1, summary.testMacroF1]) {
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(1);
      }

      const submission = await readCsv(join(out, 'submission.csv'));
      const sample = await readCsv(join(summary.data, 'sample_submission.csv'));
      const classes = new Set((await readCsv(join(summary.data, 'train.csv'))).map((row) => row.artist));
      expect(submission.map((row) => row.id)).toEqual(sample.map((row) => row.id));
      for (const row of submission) expect(classes.has(row.artist!)).toBe(true);

      const history = await readCsv(join(out, 'history.csv'));
      expect(history.map((row) => row.epoch)).toEqual(['1']); // 1-based, as the console and summary.json
      expect(summary.bestEpoch).toBe(1);
      const latest = JSON.parse(await readFile(join(out, 'checkpoints/latest.json'), 'utf8')) as { last: string; best: string };
      for (const file of [`checkpoints/${latest.best}/model.json`, `checkpoints/${latest.last}/model.json`, 'test-probabilities.csv']) {
        expect(existsSync(join(out, file)), file).toBe(true);
      }
      for (const image of ['augmentation-preview.png', 'plots/learning-curves.png', 'plots/confusion-matrix.png']) {
        const bytes = await readFile(join(out, image));
        expect(bytes.subarray(1, 4).toString('latin1'), image).toBe('PNG');
      }
      for (const image of ['plots/learning-curves.svg', 'plots/confusion-matrix.svg']) {
        expect(await readFile(join(out, image), 'utf8'), image).toContain('<svg');
      }
    }, 180_000);
  }

  it('--resume rebuilds what a crash after the last checkpoint lost, and refuses a different --lr', async () => {
    const out = join(scratch, 'train-b3'); // the finished --smoke run above
    const history = await readFile(join(out, 'history.csv'));
    const submission = await readFile(join(out, 'submission.csv'));
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as { learningRate: number };
    for (const file of ['history.csv', 'history.jsonl', 'submission.csv', 'summary.json']) await unlink(join(out, file));
    const common = ['--smoke', '--backend', 'wasm', '--out', out, '--progress', 'none', '--resume'];
    const changed = await runScript('train-b3.ts', [...common, '--lr', '1e6']);
    expect(changed.code).toBe(1);
    expect(changed.stderr.trim()).toBe(
      `examples/train-b3.ts: --lr 1000000 differs from ${summary.learningRate}, the learning rate the run in ${out} started with; ` +
        `--resume continues its schedule: resume with --lr ${summary.learningRate}, or train in a new --out`,
    );
    const resumed = await runScript('train-b3.ts', common);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect((await readFile(join(out, 'history.csv'))).equals(history)).toBe(true);
    expect((await readFile(join(out, 'submission.csv'))).equals(submission)).toBe(true);
    expect((JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as { learningRate: number }).learningRate).toBe(summary.learningRate);
  }, 180_000);

  it('--lr 1e6 reports divergence, not a metrics error', async () => {
    const { code, stderr } = await runScript('train-b3.ts', ['--smoke', '--backend', 'wasm', '--out', join(scratch, 'diverged'), '--progress', 'none', '--lr', '1e6']);
    expect(code).toBe(1);
    expect(stderr.trim()).toMatch(/^examples\/train-b3\.ts: training diverged at epoch 1 step \d+ \((loss NaN|validation predictions NaN)\); lower --lr \(it was 1000000\) and train again in a new --out/);
  }, 180_000);

  it('k-fold jobs write fold folders that ensemble.ts combines into one submission', async () => {
    const out = join(scratch, 'kfold');
    for (const fold of ['0', '1']) {
      const { code, stderr } = await runScript('train-b3.ts', ['--smoke', '--backend', 'wasm', '--out', out, '--folds', '2', '--fold', fold, '--progress', 'none']);
      expect(code, stderr).toBe(0);
      expect(existsSync(join(out, `fold-${fold}`, 'valid-probabilities.csv'))).toBe(true);
    }
    const { code, stdout, stderr } = await runScript('ensemble.ts', ['--smoke', '--out', out]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/Out-of-fold Macro F1\s+[01]\.\d{4} \(24 train images\)/);
    expect(stdout).toMatch(/Test Macro F1\s+[01]\.\d{4}/);
    const submission = await readCsv(join(out, 'submission.csv'));
    expect(submission).toHaveLength(8);
  }, 180_000);
});
