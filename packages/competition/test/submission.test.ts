import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MissingColumnError, SubmissionError, readSubmission, scoreSubmission, writeSubmission } from '../src/index.js';

let dir: string;
let sample: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'art-competition-submission-'));
  sample = join(dir, 'sample_submission.csv');
  await writeFile(sample, 'id,artist\nTEST_2,0\nTEST_0,0\nTEST_1,0\n');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeSubmission', () => {
  it('follows the sample submission order and quotes names with commas', async () => {
    const out = join(dir, 'submission.csv');
    await writeSubmission(
      out,
      { ids: ['TEST_0', 'TEST_1', 'TEST_2'], labels: ['Goya', 'Smith, John', 'Monet'] },
      { sampleSubmission: sample },
    );
    expect(await readFile(out, 'utf8')).toBe('id,artist\nTEST_2,Monet\nTEST_0,Goya\nTEST_1,"Smith, John"\n');
    expect(await readSubmission(out)).toEqual([
      { id: 'TEST_2', artist: 'Monet' },
      { id: 'TEST_0', artist: 'Goya' },
      { id: 'TEST_1', artist: 'Smith, John' },
    ]);
    expect((await readdir(dir)).sort()).toEqual(['sample_submission.csv', 'submission.csv']); // no temp files left
  });

  it.each([
    ['missing', { ids: ['TEST_0', 'TEST_1'], labels: ['a', 'b'] }, /1 id\(s\) of .* missing: "TEST_2"/, 'missing'],
    [
      'unknown',
      { ids: ['TEST_0', 'TEST_1', 'TEST_2', 'TEST_9'], labels: ['a', 'b', 'c', 'd'] },
      /1 id\(s\) not in .*: "TEST_9"/,
      'unknown',
    ],
    [
      'duplicate',
      { ids: ['TEST_0', 'TEST_1', 'TEST_2', 'TEST_1'], labels: ['a', 'b', 'c', 'd'] },
      /1 duplicate id\(s\): "TEST_1"/,
      'duplicates',
    ],
  ] as const)('refuses a submission with %s ids and writes nothing', async (_, predictions, message, key) => {
    const out = join(dir, 'submission.csv');
    const error = await writeSubmission(out, predictions as never, { sampleSubmission: sample }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SubmissionError);
    expect((error as Error).message).toMatch(message);
    expect((error as SubmissionError).details[key]!.length).toBe(1);
    expect((await readdir(dir)).sort()).toEqual(['sample_submission.csv']);
  });

  it('refuses empty labels and labels outside the given classes', async () => {
    const out = join(dir, 's.csv');
    await expect(
      writeSubmission(
        out,
        { ids: ['TEST_0', 'TEST_1', 'TEST_2'], labels: ['a', '', 'c'] },
        { sampleSubmission: sample },
      ),
    ).rejects.toThrow(/empty or unknown label for id\(s\) "TEST_1"/);
    await expect(
      writeSubmission(
        out,
        { ids: ['TEST_0', 'TEST_1', 'TEST_2'], labels: ['a', 'b', 'z'] },
        { sampleSubmission: sample, classes: ['a', 'b', 'c'] },
      ),
    ).rejects.toThrow(/"TEST_2"/);
  });
});

describe('scoreSubmission', () => {
  it('computes Macro F1 against an answers file', async () => {
    const answers = join(dir, 'answers.csv');
    const submission = join(dir, 'submission.csv');
    await writeFile(answers, 'id,artist\n1,A\n2,A\n3,B\n4,C\n');
    await writeFile(submission, 'id,artist\n4,C\n3,A\n2,A\n1,A\n');
    // A: P=2/3 R=1 F1=0.8; B: 0; C: 1 → macro (0.8 + 0 + 1) / 3 = 0.6
    const score = await scoreSubmission(submission, answers);
    expect(score.macroF1).toBeCloseTo(0.6, 12);
    expect(score.accuracy).toBeCloseTo(0.75, 12);
    expect(score.count).toBe(4);
  });

  it('names missing columns and missing, unknown or duplicate ids', async () => {
    const answers = join(dir, 'answers.csv');
    await writeFile(answers, 'id,artist\n1,A\n2,B\n');
    await writeFile(join(dir, 'bad.csv'), 'id,label\n1,A\n');
    await expect(scoreSubmission(join(dir, 'bad.csv'), answers)).rejects.toBeInstanceOf(MissingColumnError);
    await writeFile(join(dir, 'short.csv'), 'id,artist\n1,A\n3,B\n1,A\n');
    const error = await scoreSubmission(join(dir, 'short.csv'), answers).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SubmissionError);
    expect((error as SubmissionError).details).toEqual({ missing: ['2'], unknown: ['3'], duplicates: ['1'] });
  });
});
