import { mkdtemp, readFile, realpath, rm, symlink, writeFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LabelEncoder,
  MissingColumnError,
  MissingImagesError,
  PathOutsideRootError,
  UnknownLabelError,
  checkImages,
  loadCompetition,
  readCsvFile,
  resolveImagePath,
} from '../src/index.js';
import { writeCompetitionDir } from './helpers/tiny.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'art-competition-dataset-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('loadCompetition', () => {
  it('reads the competition layout with absolute image paths and a sorted label encoder', async () => {
    const { artists, trainCount, testIds } = await writeCompetitionDir(root);
    await writeFile(join(root, 'artists_info.csv'), 'name,nationality\n"Claude Monet",French\n');
    const data = await loadCompetition(root, { checkImages: 'decode' });
    expect(data.train).toHaveLength(trainCount);
    expect(data.train[0]).toEqual({
      id: '0',
      imgPath: './train/0000.png',
      imagePath: join(root, 'train/0000.png'),
      artist: artists[0],
    });
    expect(data.test.map((r) => r.id)).toEqual(testIds);
    expect(data.sampleSubmission.map((r) => r.id)).toEqual(testIds);
    expect(data.labelEncoder.classes).toEqual([...artists].sort());
    expect(data.artists).toEqual([{ name: 'Claude Monet', nationality: 'French' }]);
  });

  it('names the file, the column and the header found when a column is missing', async () => {
    await writeCompetitionDir(root);
    await writeFile(join(root, 'train.csv'), 'id,path,artist\n0,./train/0000.png,X\n');
    const error = await loadCompetition(root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingColumnError);
    expect((error as MissingColumnError).file).toBe(join(root, 'train.csv'));
    expect((error as MissingColumnError).column).toBe('img_path');
    expect((error as MissingColumnError).header).toEqual(['id', 'path', 'artist']);
    expect((error as Error).message).toMatch(
      /train\.csv: missing column "img_path"; found header \["id", "path", "artist"\]/,
    );
  });

  it('checks test.csv and sample_submission.csv columns too', async () => {
    await writeCompetitionDir(root);
    await writeFile(join(root, 'sample_submission.csv'), 'id,label\nTEST_00000,0\n');
    await expect(loadCompetition(root)).rejects.toThrow(/sample_submission\.csv: missing column "artist"/);
  });

  it('rejects a sample submission whose ids differ from test.csv', async () => {
    await writeCompetitionDir(root);
    await writeFile(join(root, 'sample_submission.csv'), 'id,artist\nTEST_00000,0\nTEST_00001,0\nTEST_99999,0\n');
    await expect(loadCompetition(root)).rejects.toThrow(
      /list different ids; only in test\.csv: "TEST_00002"; only in sample_submission\.csv: "TEST_99999"/,
    );
  });

  it('reports every missing and unreadable image at once', async () => {
    await writeCompetitionDir(root);
    await unlink(join(root, 'train/0001.png'));
    await unlink(join(root, 'test/TEST_00002.png'));
    await writeFile(join(root, 'train/0003.png'), 'this is not an image');
    const exists = await loadCompetition(root, { checkImages: 'exists' }).catch((e: unknown) => e);
    expect(exists).toBeInstanceOf(MissingImagesError);
    expect((exists as MissingImagesError).problems.map((p) => p.id).sort()).toEqual(['1', 'TEST_00002']);
    // the default reads every header (train and test) before anything else: the bad file is found too
    const progress: number[] = [];
    const header = await loadCompetition(root, {
      onCheckProgress: (done, total) => void progress.push(done / total),
    }).catch((e: unknown) => e);
    expect((header as MissingImagesError).problems.map((p) => p.id).sort()).toEqual(['1', '3', 'TEST_00002']);
    expect((header as MissingImagesError).problems.find((p) => p.id === '3')!.reason).toMatch(
      /^not a readable image \(.+\)$/,
    );
    expect(progress).toHaveLength(15);
    expect(progress.at(-1)).toBe(1);
    const decoded = await loadCompetition(root, { checkImages: 'decode' }).catch((e: unknown) => e);
    expect(decoded).toBeInstanceOf(MissingImagesError);
    const problems = (decoded as MissingImagesError).problems;
    expect(problems.map((p) => p.id).sort()).toEqual(['1', '3', 'TEST_00002']);
    expect(problems.find((p) => p.id === '3')!.reason).toMatch(/cannot decode/);
    expect(problems.find((p) => p.id === '1')!.reason).toBe('file not found');
    expect((decoded as Error).message).toMatch(/3 image\(s\) missing or unreadable/);
  });

  it('refuses image paths that escape the root unless allowed', async () => {
    await writeCompetitionDir(root);
    const csv = await readFile(join(root, 'train.csv'), 'utf8');
    await writeFile(join(root, 'train.csv'), csv.replace('./train/0000.png', '../outside.png'));
    const error = await loadCompetition(root, { checkImages: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PathOutsideRootError);
    expect((error as Error).message).toMatch(/"\.\.\/outside\.png" resolves outside the data root/);
    const data = await loadCompetition(root, { checkImages: false, allowOutsideRoot: true });
    expect(data.train[0]!.imagePath).toBe(join(root, '..', 'outside.png'));
  });

  it('rejects a bad checkImages option, naming the valid choices', async () => {
    await writeCompetitionDir(root);
    await expect(loadCompetition(root, { checkImages: 'all' as never })).rejects.toThrow(
      /expected 'exists', 'header', 'decode' or false/,
    );
  });

  it('finds a truncated test image with the header check only when it is one (full decode finds the rest)', async () => {
    await writeCompetitionDir(root);
    const png = await readFile(join(root, 'test/TEST_00001.png'));
    await writeFile(join(root, 'test/TEST_00001.png'), png.subarray(0, png.length >> 1)); // the header survives, half the pixels do not
    await expect(loadCompetition(root)).resolves.toBeDefined();
    const error = await loadCompetition(root, { checkImages: 'decode' }).catch((e: unknown) => e);
    expect((error as MissingImagesError).problems.map((p) => [p.id, p.reason.startsWith('cannot decode')])).toEqual([
      ['TEST_00001', true],
    ]);
  });

  it('refuses a symlink that leads outside the data root (real paths are compared)', async () => {
    await writeCompetitionDir(root);
    const outside = await mkdtemp(join(tmpdir(), 'art-outside-'));
    try {
      await writeFile(join(outside, 'secret.png'), await readFile(join(root, 'train/0002.png')));
      await unlink(join(root, 'train/0002.png'));
      await symlink(join(outside, 'secret.png'), join(root, 'train/0002.png'));
      const error = await loadCompetition(root).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MissingImagesError);
      const [problem] = (error as MissingImagesError).problems;
      expect(problem!.id).toBe('2');
      expect(problem!.reason).toBe(
        `a symlink to ${await realpath(join(outside, 'secret.png'))}, outside the data root ${await realpath(root)} (pass allowOutsideRoot to accept it)`,
      );
      await expect(loadCompetition(root, { allowOutsideRoot: true })).resolves.toBeDefined();
      // a symlink that stays inside the root is fine
      await unlink(join(root, 'train/0002.png'));
      await symlink(join(root, 'train/0001.png'), join(root, 'train/0002.png'));
      await expect(loadCompetition(root)).resolves.toBeDefined();
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('names the line of an empty artist cell and a header-only train.csv', async () => {
    await writeCompetitionDir(root);
    const csv = await readFile(join(root, 'train.csv'), 'utf8');
    await writeFile(join(root, 'train.csv'), csv.replace('4,./train/0004.png,"Francisco Goya"', '4,./train/0004.png,'));
    await expect(loadCompetition(root)).rejects.toThrow(
      `${join(root, 'train.csv')} line 6: empty "artist" cell; fill it in or remove the row`,
    );
    await writeFile(join(root, 'train.csv'), 'id,img_path,artist\n');
    await expect(loadCompetition(root)).rejects.toThrow(
      `${join(root, 'train.csv')} has a header but no rows; expected one row per image`,
    );
  });

  it('trims spaces after commas (as pandas skipinitialspace) but keeps them inside quotes', async () => {
    await writeCompetitionDir(root, { testCount: 1 });
    const csv = await readFile(join(root, 'train.csv'), 'utf8');
    await writeFile(join(root, 'train.csv'), csv.replace(/,/g, ', '));
    const data = await loadCompetition(root);
    expect(data.train[0]).toMatchObject({ id: '0', imgPath: './train/0000.png', artist: 'Claude Monet' });
    await writeFile(join(root, 'x.csv'), 'id,artist\n1, " Monet "\n');
    expect(await readCsvFile(join(root, 'x.csv'))).toEqual([{ id: '1', artist: ' Monet ' }]);
  });
});

describe('resolveImagePath / checkImages / readCsvFile', () => {
  it('resolves inside the root and rejects escapes and absolute paths elsewhere', () => {
    expect(resolveImagePath('/data', './train/0.jpg')).toBe('/data/train/0.jpg');
    expect(resolveImagePath('/data', 'train/../train/1.jpg')).toBe('/data/train/1.jpg');
    expect(() => resolveImagePath('/data', '../etc/passwd')).toThrow(PathOutsideRootError);
    expect(() => resolveImagePath('/data', '/etc/passwd')).toThrow(PathOutsideRootError);
    expect(() => resolveImagePath('/data', '/data2/x.jpg')).toThrow(PathOutsideRootError);
    expect(resolveImagePath('/data', '/etc/passwd', { allowOutsideRoot: true })).toBe('/etc/passwd');
  });

  it('checkImages reports empty files', async () => {
    await writeFile(join(root, 'empty.png'), '');
    await expect(checkImages([{ imagePath: join(root, 'empty.png') }])).rejects.toThrow(/empty file/);
  });

  it('parses quoted fields with commas and a BOM', async () => {
    await writeFile(join(root, 'x.csv'), '\uFEFFid,artist\n1,"Smith, John"\n');
    expect(await readCsvFile(join(root, 'x.csv'), ['id', 'artist'])).toEqual([{ id: '1', artist: 'Smith, John' }]);
  });
});

describe('LabelEncoder', () => {
  it('has a stable sorted order that survives a save/load round trip', async () => {
    const encoder = LabelEncoder.fit(['Monet', 'Goya', 'Monet', 'Dali']);
    expect(encoder.classes).toEqual(['Dali', 'Goya', 'Monet']);
    expect(encoder.encode('Monet')).toBe(2);
    expect(Array.from(encoder.encode(['Goya', 'Dali']))).toEqual([1, 0]);
    expect(encoder.decode([2, 0])).toEqual(['Monet', 'Dali']);
    await encoder.save(join(root, 'labels.json'));
    const loaded = await LabelEncoder.load(join(root, 'labels.json'));
    expect(loaded.classes).toEqual(encoder.classes);
    expect(JSON.parse(await readFile(join(root, 'labels.json'), 'utf8'))).toEqual({
      format: 'art-label-encoder',
      version: 1,
      classes: ['Dali', 'Goya', 'Monet'],
    });
  });

  it('throws UnknownLabelError for a label it has never seen (predict time)', () => {
    const encoder = new LabelEncoder(['A', 'B']);
    const error = (() => {
      try {
        encoder.encode('C');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UnknownLabelError);
    expect((error as Error).message).toBe('Unknown label "C"; expected one of "A", "B"');
    expect(() => encoder.decode(2)).toThrow(RangeError);
    expect(() => new LabelEncoder(['A', 'A'])).toThrow(/duplicate class "A"/);
  });
});
