import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { examplesRoot } from '../lib/data.js';

const run = promisify(execFile);
const tsx = resolve(examplesRoot, '..', 'node_modules', '.bin', 'tsx');

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
    return {
      code: typeof failed.code === 'number' ? failed.code : 1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
    };
  }
}

function readCsv(path: string): Promise<Record<string, string>[]> {
  return readFile(path, 'utf8').then(
    (text) => parse(text, { columns: true, skipEmptyLines: true }) as Record<string, string>[],
  );
}

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

  // Bad input files, cluster folds and the ensemble are tested on the art command (packages/competition/test/art.test.ts).

  // auto resolves to ONNX Runtime here (onnxruntime-node is installed); v2m covers the TF.js path.
  for (const [script, runtime, expected] of [
    ['train-b3.ts', 'auto', 'onnx'],
    ['train-v2m.ts', 'tfjs', 'tfjs'],
    ['train-pyramid.ts', 'auto', 'onnx'],
  ] as const) {
    it(`${script} --smoke --runtime ${runtime} trains, predicts on ${expected} and writes every output`, async () => {
      const out = join(scratch, script.replace('.ts', ''));
      const { code, stdout, stderr } = await runScript(script, [
        '--smoke',
        '--backend',
        'wasm',
        '--out',
        out,
        '--progress',
        'lines',
        '--runtime',
        runtime,
      ]);
      expect(code, stderr).toBe(0);
      expect(stdout).toContain(`Prediction runtime: ${expected}`);
      expect(stdout).toMatch(/Validation Macro F1\s+[01]\.\d{4}/);
      expect(stdout).toMatch(/Test Macro F1\s+[01]\.\d{4}/);

      const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as {
        validMacroF1: number;
        testMacroF1: number;
        classes: number;
        data: string;
        epochs: number;
        bestEpoch: number;
        runtime: string;
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
      expect(history.map((row) => row.epoch)).toEqual(['1']); // 1-based, as the console and summary.json
      expect(summary.bestEpoch).toBe(1);
      const latest = JSON.parse(await readFile(join(out, 'checkpoints/latest.json'), 'utf8')) as {
        last: string;
        best: string;
      };
      for (const file of [
        `checkpoints/${latest.best}/model.json`,
        `checkpoints/${latest.last}/model.json`,
        'test-probabilities.csv',
      ]) {
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
    for (const file of ['history.csv', 'history.jsonl', 'submission.csv', 'summary.json'])
      await unlink(join(out, file));
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
    expect(
      (JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as { learningRate: number }).learningRate,
    ).toBe(summary.learningRate);
  }, 180_000);

  it('--lr 1e6 reports divergence, not a metrics error', async () => {
    const { code, stderr } = await runScript('train-b3.ts', [
      '--smoke',
      '--backend',
      'wasm',
      '--out',
      join(scratch, 'diverged'),
      '--progress',
      'none',
      '--lr',
      '1e6',
    ]);
    expect(code).toBe(1);
    expect(stderr.trim()).toMatch(
      new RegExp(
        /^examples\/train-b3\.ts: training diverged at epoch 1 step \d+ \((loss NaN|validation predictions NaN)\); /
          .source + /lower --lr \(it was 1000000\) and train again in a new --out/.source,
      ),
    );
  }, 180_000);
});
