import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExampleArgs, type RunDefaults } from '../lib/cli.js';
import { examplesRoot } from '../lib/data.js';

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
    expect(parseExampleArgs([], defaults, 'out')).toMatchObject({ ...defaults, data: undefined, folds: undefined, fold: 0, runtime: 'auto' });
    expect(parseExampleArgs(['--runtime', 'tfjs'], defaults, 'out')).toMatchObject({ runtime: 'tfjs' });
  });

  it('rejects bad flags with messages naming the flag and the valid choices', () => {
    expect(() => parseExampleArgs(['--backend', 'gpu'], defaults, 'out')).toThrow('--backend: unknown backend "gpu"; expected one of auto, tensorflow, wasm, cpu, webgpu');
    expect(() => parseExampleArgs(['--runtime', 'torch'], defaults, 'out')).toThrow('--runtime: unknown runtime "torch"; expected one of auto, onnx, tfjs');
    expect(() => parseExampleArgs(['--epochs', '0'], defaults, 'out')).toThrow('--epochs must be an integer >= 1, got "0"');
    expect(() => parseExampleArgs(['--lr', 'fast'], defaults, 'out')).toThrow('--lr must be a positive number, got "fast"');
    expect(() => parseExampleArgs(['--folds', '3', '--fold', '3'], defaults, 'out')).toThrow('--fold must be in 0..2 for --folds 3, got 3');
    expect(() => parseExampleArgs(['--fold', '1'], defaults, 'out')).toThrow('--fold needs --folds K');
    expect(() => parseExampleArgs(['--epoch', '1'], defaults, 'out')).toThrow(/Unknown option '--epoch'/);
  });
});

describe('example scripts', () => {
  it('print their help', async () => {
    const { code, stdout } = await runScript('train-b3.ts', ['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('--img-size PX         network input size (default 300)');
  });

  it('exit non-zero with a one-line message on a bad flag', async () => {
    const { code, stderr } = await runScript('train-v2m.ts', ['--backend', 'gpu']);
    expect(code).toBe(1);
    expect(stderr).toContain('examples/train-v2m.ts: --backend: unknown backend "gpu"');
  });

  // auto resolves to ONNX Runtime here (onnxruntime-node is installed); v2m covers the TF.js path.
  for (const [script, runtime, expected] of [['train-b3.ts', 'auto', 'onnx'], ['train-v2m.ts', 'tfjs', 'tfjs'], ['train-pyramid.ts', 'auto', 'onnx']] as const) {
    it(`${script} --smoke --runtime ${runtime} trains, predicts on ${expected} and writes every output`, async () => {
      const out = join(scratch, script.replace('.ts', ''));
      const { code, stdout, stderr } = await runScript(script, ['--smoke', '--backend', 'wasm', '--out', out, '--progress', 'lines', '--runtime', runtime]);
      expect(code, stderr).toBe(0);
      expect(stdout).toContain(`Prediction runtime: ${expected}`);
      expect(stdout).toMatch(/Validation Macro F1\s+[01]\.\d{4}/);
      expect(stdout).toMatch(/Test Macro F1\s+[01]\.\d{4}/);

      const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as {
        validMacroF1: number; testMacroF1: number; classes: number; data: string; epochs: number; runtime: string;
      };
      expect(summary.runtime).toBe(expected);
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
      expect(history).toHaveLength(1);
      for (const file of ['checkpoints/best/model.json', 'checkpoints/last/model.json', 'test-probabilities.csv']) {
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
