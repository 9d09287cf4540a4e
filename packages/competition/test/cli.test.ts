import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, saveProbabilities } from '../src/index.js';
import { writeCompetitionDir } from './helpers/tiny.js';
import { capture } from './helpers/capture.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'art-competition-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('art CLI: score, split, ensemble files, oof', () => {
  it('split writes stratified folds of train ids', async () => {
    const data = join(dir, 'data');
    await writeCompetitionDir(data, { perClass: 4, testCount: 1 });
    const { err, io } = capture();
    expect(
      await runCli(['split', '--data', data, '--folds', '4', '--seed', '1', '--out', join(dir, 'folds.json')], io),
    ).toBe(0);
    const json = JSON.parse(await readFile(join(dir, 'folds.json'), 'utf8')) as { folds: { valid: string[] }[] };
    expect(json.folds.map((f) => f.valid.length)).toEqual([3, 3, 3, 3]);
    expect(new Set(json.folds.flatMap((f) => f.valid)).size).toBe(12);
    expect(err.join('')).toMatch(/fold 0: 9 train, 3 valid/);
  });

  it('ensemble then score', async () => {
    const sample = join(dir, 'sample.csv');
    await writeFile(sample, 'id,artist\nb,0\na,0\n');
    await saveProbabilities(join(dir, 'f0.csv'), {
      ids: ['a', 'b'],
      classes: ['X', 'Y'],
      probabilities: Float32Array.from([0.9, 0.1, 0.6, 0.4]),
    });
    await saveProbabilities(join(dir, 'f1.csv'), {
      ids: ['a', 'b'],
      classes: ['X', 'Y'],
      probabilities: Float32Array.from([0.7, 0.3, 0.2, 0.8]),
    });
    const out = join(dir, 'submission.csv');
    const first = capture();
    expect(
      await runCli(
        ['ensemble', '--sample-submission', sample, '--out', out, join(dir, 'f0.csv'), join(dir, 'f1.csv')],
        first.io,
      ),
    ).toBe(0);
    expect(await readFile(out, 'utf8')).toBe('id,artist\nb,Y\na,X\n');
    await writeFile(join(dir, 'answers.csv'), 'id,artist\na,X\nb,X\n');
    const second = capture();
    expect(await runCli(['score', '--submission', out, '--answers', join(dir, 'answers.csv')], second.io)).toBe(0);
    expect(second.out.join('')).toMatch(/^macro-F1 0\.3333 accuracy 0\.5000 \(2 rows\)/);
  });

  it("oof scores the folds' validation probabilities against train.csv", async () => {
    await writeFile(join(dir, 'train.csv'), 'id,img_path,artist\n0,./a.jpg,X\n1,./b.jpg,Y\n2,./c.jpg,Y\n');
    await saveProbabilities(join(dir, 'v0.csv'), {
      ids: ['0', '2'],
      classes: ['X', 'Y'],
      probabilities: Float32Array.from([0.9, 0.1, 0.3, 0.7]),
    });
    await saveProbabilities(join(dir, 'v1.csv'), {
      ids: ['1'],
      classes: ['X', 'Y'],
      probabilities: Float32Array.from([0.6, 0.4]),
    });
    const partial = capture();
    expect(
      await runCli(['oof', '--train-csv', join(dir, 'train.csv'), '--partial', join(dir, 'v0.csv')], partial.io),
    ).toBe(0);
    expect(partial.out.join('')).toMatch(/out-of-fold macro-F1 1\.0000 accuracy 1\.0000 \(2 rows\)/);
    const incomplete = capture();
    expect(await runCli(['oof', '--train-csv', join(dir, 'train.csv'), join(dir, 'v0.csv')], incomplete.io)).toBe(1);
    expect(incomplete.err.join('')).toMatch(/1 answer id\(s\) missing: "1"/);
    const full = capture();
    expect(
      await runCli(['oof', '--train-csv', join(dir, 'train.csv'), join(dir, 'v0.csv'), join(dir, 'v1.csv')], full.io),
    ).toBe(0);
    // X: P 1/2 R 1 → 2/3; Y: P 1 R 1/2 → 2/3
    expect(full.out.join('')).toMatch(/out-of-fold macro-F1 0\.6667 accuracy 0\.6667 \(3 rows\)/);
  });

  it('reports errors and unknown commands with exit code 1', async () => {
    const bad = capture();
    expect(await runCli(['fit'], bad.io)).toBe(1);
    expect(bad.err.join('')).toMatch(
      /unknown command "fit"; expected one of train, predict, ensemble, score, split, oof/,
    );
    const missing = capture();
    expect(
      await runCli(['score', '--submission', join(dir, 'nope.csv'), '--answers', join(dir, 'nope.csv')], missing.io),
    ).toBe(1);
    expect(missing.err.join('')).toMatch(/Cannot read CSV file/);
  });
});
