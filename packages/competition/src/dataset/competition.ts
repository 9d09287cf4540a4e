import { access, realpath, stat, readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { constants } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { decodeImage } from '@art/augment/io';
import { MissingImagesError, PathOutsideRootError } from '../errors.js';
import { readCsvFile } from './csv.js';
import { LabelEncoder } from './label-encoder.js';

/** One labelled training image. `imagePath` is absolute; `imgPath` is the CSV value. */
export interface TrainRecord {
  id: string;
  imgPath: string;
  imagePath: string;
  artist: string;
}

/** One test image (no label). */
export interface TestRecord {
  id: string;
  imgPath: string;
  imagePath: string;
}

/** A competition directory, read and checked. */
export interface CompetitionData {
  root: string;
  train: TrainRecord[];
  test: TestRecord[];
  sampleSubmission: { id: string; artist: string }[];
  /** Rows of `artists_info.csv` when present. */
  artists?: Record<string, string>[];
  /** Sorted unique training artists. */
  labelEncoder: LabelEncoder;
}

/**
 * How the images are checked before anything else happens: `'exists'` (a non-empty readable
 * file), `'header'` (also: the header decodes and gives a size, without decoding the pixels),
 * `'decode'` (a full decode), or `false` (not at all).
 */
export type ImageCheck = 'exists' | 'header' | 'decode' | false;

export interface LoadCompetitionOptions {
  /** Accept image paths (and symlinks) that resolve outside `root` (default false). */
  allowOutsideRoot?: boolean;
  /** Image check of every train and test image (default 'header'); every problem is reported at once. */
  checkImages?: ImageCheck;
  /** Require test.csv and sample_submission.csv (default true). */
  requireTest?: boolean;
  /** Called as images are checked (`done` of `total`), e.g. to draw a progress bar. */
  onCheckProgress?: (done: number, total: number) => void;
}

/**
 * Resolves a CSV image path (e.g. `./train/0000.jpg`) against the data root.
 *
 * @throws {PathOutsideRootError} if it escapes the root and `allowOutsideRoot` is false
 * @example
 * resolveImagePath('/data', './train/0.jpg'); // '/data/train/0.jpg'
 */
export function resolveImagePath(root: string, imgPath: string, options: { allowOutsideRoot?: boolean } = {}): string {
  if (typeof imgPath !== 'string' || imgPath.trim() === '')
    throw new TypeError(`Empty image path under ${JSON.stringify(root)}`);
  const absoluteRoot = resolve(root);
  const full = isAbsolute(imgPath) ? resolve(imgPath) : resolve(absoluteRoot, imgPath);
  const rel = relative(absoluteRoot, full);
  const outside = rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
  if (outside && !options.allowOutsideRoot) throw new PathOutsideRootError(imgPath, absoluteRoot);
  return full;
}

/** Options of {@link checkImages}. */
export interface CheckImagesOptions {
  /** 'exists', 'header' (default) or 'decode' (see {@link ImageCheck}). */
  mode?: Exclude<ImageCheck, false>;
  /** When given, an image whose real path (symlinks resolved) is outside this directory is a problem. */
  root?: string;
  /** Called as images are checked. */
  onProgress?: (done: number, total: number) => void;
}

const IMAGE_CHECKS = ['exists', 'header', 'decode'] as const;

/**
 * Checks every image: a readable non-empty file (`'exists'`), whose header gives a size
 * (`'header'`, the default: sharp reads the header only), or that decodes (`'decode'`). With
 * `root`, symlinks are resolved and an image whose real path is outside `root` is refused.
 * Collects ALL problems, each with its reason, before throwing.
 *
 * @param items images to check (`id` is only used in the report)
 * @throws {MissingImagesError} listing every missing, unreadable, undecodable or outside image
 * @example
 * await checkImages([...data.train, ...data.test], { mode: 'decode', root: data.root });
 */
export async function checkImages(
  items: readonly { imagePath: string; id?: string }[],
  options: CheckImagesOptions | Exclude<ImageCheck, false> = {},
): Promise<void> {
  const { mode = 'header', root, onProgress } = typeof options === 'string' ? { mode: options } : options;
  if (!(IMAGE_CHECKS as readonly string[]).includes(mode))
    throw new RangeError(
      `checkImages: unknown mode ${JSON.stringify(mode)}; expected one of ${IMAGE_CHECKS.join(', ')}`,
    );
  const realRoot = root === undefined ? undefined : await realpath(root);
  const problems: { imagePath: string; id?: string; reason: string }[] = [];
  const concurrency = 16;
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      const reason = await checkOne(item.imagePath, mode, realRoot);
      if (reason !== null)
        problems.push({ imagePath: item.imagePath, ...(item.id !== undefined ? { id: item.id } : {}), reason });
      onProgress?.(++done, items.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (problems.length > 0) {
    problems.sort((a, b) => (a.imagePath < b.imagePath ? -1 : a.imagePath > b.imagePath ? 1 : 0));
    throw new MissingImagesError(problems);
  }
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

async function checkOne(
  imagePath: string,
  mode: Exclude<ImageCheck, false>,
  realRoot: string | undefined,
): Promise<string | null> {
  try {
    const info = await stat(imagePath);
    if (!info.isFile()) return 'not a file';
    if (info.size === 0) return 'empty file';
    await access(imagePath, constants.R_OK);
    if (realRoot !== undefined) {
      const real = await realpath(imagePath);
      if (!isInside(realRoot, real))
        return `a symlink to ${real}, outside the data root ${realRoot} (pass allowOutsideRoot to accept it)`;
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? (error as Error).message})`;
  }
  if (mode === 'header') {
    try {
      const { width, height } = await sharp(imagePath).metadata();
      if (!(width > 0 && height > 0)) return 'the header gives no image size';
    } catch (error) {
      return `not a readable image (${(error as Error).message})`;
    }
  } else if (mode === 'decode') {
    try {
      await decodeImage(await readFile(imagePath));
    } catch (error) {
      return `cannot decode (${(error as Error).message})`;
    }
  }
  return null;
}

/**
 * Reads a competition directory: `train.csv` (`id,img_path,artist`), `test.csv`
 * (`id,img_path`), `sample_submission.csv` (`id,artist`) and the optional `artists_info.csv`.
 *
 * @param root the data directory
 * @param options `{ allowOutsideRoot = false, checkImages = 'header', requireTest = true, onCheckProgress }`
 * @throws {MissingColumnError} a CSV lacks a required column
 * @throws {PathOutsideRootError} an image path escapes the root
 * @throws {MissingImagesError} images are missing, unreadable, undecodable or symlinks out of the root (all of them listed)
 * @throws {Error} duplicate ids, or test.csv and sample_submission.csv with different ids
 * @example
 * const data = await loadCompetition('data/');
 * console.log(data.train.length, data.labelEncoder.numClasses);
 */
export async function loadCompetition(root: string, options: LoadCompetitionOptions = {}): Promise<CompetitionData> {
  const { allowOutsideRoot = false, checkImages: check = 'header', requireTest = true } = options;
  if (check !== false && !(IMAGE_CHECKS as readonly string[]).includes(check)) {
    throw new RangeError(
      `loadCompetition: unknown checkImages ${JSON.stringify(check)}; expected ${IMAGE_CHECKS.map((m) => `'${m}'`).join(', ')} or false`,
    );
  }
  const absoluteRoot = resolve(root);
  const rootInfo = await stat(absoluteRoot).catch(() => null);
  if (!rootInfo?.isDirectory()) throw new Error(`Data root ${JSON.stringify(absoluteRoot)} is not a directory`);
  const file = (name: string): string => join(absoluteRoot, name);
  const resolveOptions = { allowOutsideRoot };

  const trainRows = await readCsvFile(file('train.csv'), ['id', 'img_path', 'artist'], {
    nonEmpty: ['id', 'img_path', 'artist'],
    requireRows: true,
  });
  const train: TrainRecord[] = trainRows.map((row) => ({
    id: row.id!,
    imgPath: row.img_path!,
    imagePath: resolveImagePath(absoluteRoot, row.img_path!, resolveOptions),
    artist: row.artist!,
  }));
  checkUniqueIds(train, file('train.csv'));

  let test: TestRecord[] = [];
  let sampleSubmission: { id: string; artist: string }[] = [];
  const hasTest = await exists(file('test.csv'));
  if (requireTest || hasTest) {
    const testRows = await readCsvFile(file('test.csv'), ['id', 'img_path'], { nonEmpty: ['id', 'img_path'] });
    test = testRows.map((row) => ({
      id: row.id!,
      imgPath: row.img_path!,
      imagePath: resolveImagePath(absoluteRoot, row.img_path!, resolveOptions),
    }));
    checkUniqueIds(test, file('test.csv'));
  }
  if (requireTest || (await exists(file('sample_submission.csv')))) {
    const sampleRows = await readCsvFile(file('sample_submission.csv'), ['id', 'artist'], { nonEmpty: ['id'] });
    sampleSubmission = sampleRows.map((row) => ({ id: row.id!, artist: row.artist! }));
  }
  if (test.length > 0 && sampleSubmission.length > 0) {
    const testIds = new Set(test.map((r) => r.id));
    const sampleIds = new Set(sampleSubmission.map((r) => r.id));
    const notInSample = [...testIds].filter((id) => !sampleIds.has(id));
    const notInTest = [...sampleIds].filter((id) => !testIds.has(id));
    if (notInSample.length > 0 || notInTest.length > 0) {
      const show = (ids: string[]): string =>
        ids
          .slice(0, 5)
          .map((id) => JSON.stringify(id))
          .join(', ') + (ids.length > 5 ? ` ... (${ids.length})` : '');
      throw new Error(
        `${file('test.csv')} and ${file('sample_submission.csv')} list different ids` +
          (notInSample.length > 0 ? `; only in test.csv: ${show(notInSample)}` : '') +
          (notInTest.length > 0 ? `; only in sample_submission.csv: ${show(notInTest)}` : ''),
      );
    }
  }
  let artists: Record<string, string>[] | undefined;
  if (await exists(file('artists_info.csv'))) artists = await readCsvFile(file('artists_info.csv'));

  if (check !== false) {
    await checkImages([...train, ...test], {
      mode: check,
      ...(allowOutsideRoot ? {} : { root: absoluteRoot }),
      ...(options.onCheckProgress ? { onProgress: options.onCheckProgress } : {}),
    });
  }
  const labelEncoder = LabelEncoder.fit(train.map((r) => r.artist));
  return { root: absoluteRoot, train, test, sampleSubmission, ...(artists ? { artists } : {}), labelEncoder };
}

function checkUniqueIds(records: readonly { id: string }[], file: string): void {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const { id } of records) (seen.has(id) ? duplicates : seen).add(id);
  if (duplicates.size > 0)
    throw new Error(
      `${file}: duplicate id(s) ${[...duplicates]
        .slice(0, 10)
        .map((d) => JSON.stringify(d))
        .join(', ')}`,
    );
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
