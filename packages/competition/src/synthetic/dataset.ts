import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { encodeSyntheticImage, syntheticImageFormats, type SyntheticImageFormat } from './encode.js';
import { cropImage, quarterCropBox, renderPainting, type CropBox } from './render.js';
import { mixSeed, SyntheticRng } from './rng.js';
import { createArtistStyle, type ArtistStyle } from './style.js';

/** Options of {@link generateSyntheticDataset}. */
export interface SyntheticDatasetOptions {
  /** Directory to write the dataset into (created if missing). */
  outDir: string;
  /** Number of artists (classes). Default 10. */
  numArtists?: number;
  /** Training paintings per artist. Default 30. */
  trainPerArtist?: number;
  /** Test crops per artist, each from a painting not in train. Default 10. */
  testPerArtist?: number;
  /** Paintings have about `imageSize²` pixels (aspect 3:4 to 4:3). Default 160. */
  imageSize?: number;
  /** Dataset seed; equal options give byte-identical files. Default 0. */
  seed?: number;
  /** Image format. Default 'jpeg'. */
  format?: SyntheticImageFormat;
  /** JPEG quality 1-100. Default 90. */
  jpegQuality?: number;
  /** Replace a previous dataset in `outDir` (only the generator's own files). Default false. */
  overwrite?: boolean;
}

/** One training painting. */
export interface SyntheticTrainRecord {
  id: number;
  /** Path relative to the dataset root, as in `train.csv`: `./train/0000.jpg`. */
  imgPath: string;
  artist: string;
}

/** One test crop, with its answer and where it was cut from. */
export interface SyntheticTestRecord {
  id: string;
  imgPath: string;
  artist: string;
  /** The crop inside the (unpublished) full painting. */
  crop: CropBox;
  paintingWidth: number;
  paintingHeight: number;
}

/** What {@link generateSyntheticDataset} wrote. */
export interface SyntheticDataset {
  /** Absolute dataset root. */
  root: string;
  artists: ArtistStyle[];
  train: SyntheticTrainRecord[];
  test: SyntheticTestRecord[];
  /** The resolved options (without `outDir` and `overwrite`). */
  options: Required<Omit<SyntheticDatasetOptions, 'outDir' | 'overwrite'>>;
  /** Absolute paths of the CSV files. */
  files: {
    train: string;
    test: string;
    sampleSubmission: string;
    artistsInfo: string;
    testAnswers: string;
    manifest: string;
  };
}

/** Version of the generator's output; bump when the same options give different pixels. */
export const syntheticDatasetVersion = 1;

/** Name of the manifest written last, so a directory with it is a complete dataset. */
export const syntheticManifestName = 'synthetic.json';

const csvNames = ['train.csv', 'test.csv', 'sample_submission.csv', 'artists_info.csv', 'test_answers.csv'];

/**
 * Generates a procedural artist-classification dataset in the competition layout:
 *
 * ```
 * train.csv               id,img_path,artist
 * test.csv                id,img_path
 * sample_submission.csv   id,artist
 * artists_info.csv        name,years,genre,nationality
 * test_answers.csv        id,artist     (the answers, for scoring)
 * synthetic.json          options and every artist's style
 * train/0000.jpg ...      whole paintings
 * test/TEST_00000.jpg ... crops of about 1/4 of the area of paintings NOT in train
 * ```
 *
 * Every artist has a style (palette, stroke direction, length and width, texture scale,
 * composition); each painting is drawn at random within it. Rendering is deterministic:
 * equal options give byte-identical files (no `Math.random`).
 *
 * @example
 * const dataset = await generateSyntheticDataset({ outDir: 'data/synthetic', numArtists: 10, seed: 1 });
 * console.log(dataset.train.length, dataset.files.train); // 300 …/train.csv
 */
export async function generateSyntheticDataset(options: SyntheticDatasetOptions): Promise<SyntheticDataset> {
  const resolved = resolveOptions(options);
  const root = resolve(options.outDir);
  await prepareDirectory(root, options.overwrite ?? false);
  const { numArtists, trainPerArtist, testPerArtist, imageSize, seed, format, jpegQuality } = resolved;
  const extension = format === 'jpeg' ? 'jpg' : 'png';
  const artists = Array.from({ length: numArtists }, (_, index) => createArtistStyle(seed, index));

  await mkdir(join(root, 'train'), { recursive: true });
  await mkdir(join(root, 'test'), { recursive: true });

  // Order of rows is shuffled (as in the competition), but each painting's pixels depend
  // only on (seed, split, artist, number), never on the order.
  const orderRng = new SyntheticRng(mixSeed(seed, 0x0de7));
  const trainOrder = orderRng.shuffle(pairs(numArtists, trainPerArtist));
  const testOrder = orderRng.shuffle(pairs(numArtists, testPerArtist));
  const trainDigits = Math.max(4, String(trainOrder.length - 1).length);
  const testDigits = Math.max(5, String(testOrder.length - 1).length);

  const writes = new WriteQueue(4);
  const train: SyntheticTrainRecord[] = [];
  for (const [id, [artistIndex, number]] of trainOrder.entries()) {
    const artist = artists[artistIndex]!;
    const rng = new SyntheticRng(mixSeed(seed, 1, artistIndex, number));
    const [width, height] = paintingSize(imageSize, rng);
    const image = renderPainting(artist, rng, width, height);
    const fileName = `${String(id).padStart(trainDigits, '0')}.${extension}`;
    train.push({ id, imgPath: `./train/${fileName}`, artist: artist.name });
    await writes.add(async () =>
      writeFile(join(root, 'train', fileName), await encodeSyntheticImage(image, format, jpegQuality)),
    );
  }

  const test: SyntheticTestRecord[] = [];
  for (const [index, [artistIndex, number]] of testOrder.entries()) {
    const artist = artists[artistIndex]!;
    // Split 2: these paintings are never rendered into train.
    const rng = new SyntheticRng(mixSeed(seed, 2, artistIndex, number));
    const [width, height] = paintingSize(imageSize, rng);
    const painting = renderPainting(artist, rng, width, height);
    const crop = quarterCropBox(width, height, rng);
    const image = cropImage(painting, crop);
    const id = `TEST_${String(index).padStart(testDigits, '0')}`;
    const fileName = `${id}.${extension}`;
    test.push({
      id,
      imgPath: `./test/${fileName}`,
      artist: artist.name,
      crop,
      paintingWidth: width,
      paintingHeight: height,
    });
    await writes.add(async () =>
      writeFile(join(root, 'test', fileName), await encodeSyntheticImage(image, format, jpegQuality)),
    );
  }
  await writes.drain();

  const files = {
    train: join(root, 'train.csv'),
    test: join(root, 'test.csv'),
    sampleSubmission: join(root, 'sample_submission.csv'),
    artistsInfo: join(root, 'artists_info.csv'),
    testAnswers: join(root, 'test_answers.csv'),
    manifest: join(root, syntheticManifestName),
  };
  await writeCsv(
    files.train,
    ['id', 'img_path', 'artist'],
    train.map((r) => [r.id, r.imgPath, r.artist]),
  );
  await writeCsv(
    files.test,
    ['id', 'img_path'],
    test.map((r) => [r.id, r.imgPath]),
  );
  // The competition's sample submission carries a placeholder label in every row.
  await writeCsv(
    files.sampleSubmission,
    ['id', 'artist'],
    test.map((r) => [r.id, artists[0]!.name]),
  );
  await writeCsv(
    files.testAnswers,
    ['id', 'artist'],
    test.map((r) => [r.id, r.artist]),
  );
  await writeCsv(
    files.artistsInfo,
    ['name', 'years', 'genre', 'nationality', 'paintings'],
    artists.map((a) => [
      a.name,
      inventedYears(seed, a.index),
      `${a.composition} composition, ${a.strokeField} strokes`,
      'Procedural',
      trainPerArtist,
    ]),
  );
  // Written last: its presence marks a complete dataset (see ensureSyntheticDataset).
  const manifest = {
    version: syntheticDatasetVersion,
    options: resolved,
    artists,
    test: test.map(({ id, crop, paintingWidth, paintingHeight }) => ({ id, crop, paintingWidth, paintingHeight })),
  };
  await writeFile(files.manifest, `${JSON.stringify(manifest, null, 1)}\n`);
  return { root, artists, train, test, options: resolved, files };
}

/**
 * Returns the dataset in `outDir`, generating it first when it is missing, incomplete or
 * was generated with other options (then only the generator's own files are replaced).
 * Examples use it for their default data: generated on first use, reused afterwards.
 *
 * @returns the dataset root and whether it was generated by this call.
 * @example const { root } = await ensureSyntheticDataset({ outDir: 'examples/.data/synthetic' });
 */
export async function ensureSyntheticDataset(
  options: SyntheticDatasetOptions,
): Promise<{ root: string; generated: boolean }> {
  const resolved = resolveOptions(options);
  const root = resolve(options.outDir);
  try {
    const manifest = JSON.parse(await readFile(join(root, syntheticManifestName), 'utf8')) as {
      version?: number;
      options?: unknown;
    };
    if (manifest.version === syntheticDatasetVersion && JSON.stringify(manifest.options) === JSON.stringify(resolved)) {
      return { root, generated: false };
    }
  } catch {
    // Missing or unreadable manifest: (re)generate below.
  }
  await generateSyntheticDataset({ ...options, overwrite: true });
  return { root, generated: true };
}

function resolveOptions(options: SyntheticDatasetOptions): SyntheticDataset['options'] {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`generateSyntheticDataset: options must be an object, got ${String(options)}`);
  }
  if (typeof options.outDir !== 'string' || options.outDir.length === 0) {
    throw new TypeError(
      `generateSyntheticDataset: outDir must be a non-empty string, got ${JSON.stringify(options.outDir)}`,
    );
  }
  const resolved = {
    numArtists: options.numArtists ?? 10,
    trainPerArtist: options.trainPerArtist ?? 30,
    testPerArtist: options.testPerArtist ?? 10,
    imageSize: options.imageSize ?? 160,
    seed: options.seed ?? 0,
    format: options.format ?? 'jpeg',
    jpegQuality: options.jpegQuality ?? 90,
  };
  const integer = (name: string, value: number, low: number, high: number): void => {
    if (!Number.isInteger(value) || value < low || value > high) {
      throw new RangeError(`generateSyntheticDataset: ${name} must be an integer in [${low}, ${high}], got ${value}`);
    }
  };
  integer('numArtists', resolved.numArtists, 2, 1000);
  integer('trainPerArtist', resolved.trainPerArtist, 1, 100_000);
  integer('testPerArtist', resolved.testPerArtist, 0, 100_000);
  integer('imageSize', resolved.imageSize, 32, 2048);
  integer('jpegQuality', resolved.jpegQuality, 1, 100);
  if (!Number.isSafeInteger(resolved.seed)) {
    throw new RangeError(`generateSyntheticDataset: seed must be a safe integer, got ${resolved.seed}`);
  }
  if (!(syntheticImageFormats as readonly string[]).includes(resolved.format)) {
    throw new RangeError(
      `generateSyntheticDataset: unknown format "${resolved.format}"; expected one of ${syntheticImageFormats.join(', ')}`,
    );
  }
  return resolved;
}

async function prepareDirectory(root: string, overwrite: boolean): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch {
    await mkdir(root, { recursive: true });
    return;
  }
  if (entries.length === 0) return;
  if (!overwrite) {
    throw new Error(
      `generateSyntheticDataset: outDir "${root}" is not empty; pass overwrite: true to replace a previous synthetic dataset`,
    );
  }
  // Remove only what this generator writes; anything else in the folder is the user's.
  await rm(join(root, syntheticManifestName), { force: true });
  for (const name of csvNames) await rm(join(root, name), { force: true });
  await rm(join(root, 'train'), { recursive: true, force: true });
  await rm(join(root, 'test'), { recursive: true, force: true });
}

function pairs(numArtists: number, perArtist: number): [number, number][] {
  const result: [number, number][] = [];
  for (let artist = 0; artist < numArtists; artist++) for (let n = 0; n < perArtist; n++) result.push([artist, n]);
  return result;
}

/** Width and height of about `size²` pixels with an aspect between 3:4 and 4:3. */
function paintingSize(size: number, rng: SyntheticRng): [number, number] {
  const aspect = Math.exp(rng.uniform(Math.log(3 / 4), Math.log(4 / 3)));
  return [Math.round(size * Math.sqrt(aspect)), Math.round(size / Math.sqrt(aspect))];
}

function inventedYears(seed: number, index: number): string {
  const rng = new SyntheticRng(mixSeed(seed, 0x7ea5, index));
  const born = rng.integer(1400, 1950);
  return `${born} - ${born + rng.integer(30, 90)}`;
}

async function writeCsv(path: string, header: string[], rows: (string | number)[][]): Promise<void> {
  await writeFile(path, stringify(rows, { header: true, columns: header }));
}

/** Bounded concurrency for encoding: sharp works on its own threads while we render. */
class WriteQueue {
  private readonly pending = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;
  constructor(private readonly limit: number) {}

  async add(task: () => Promise<void>): Promise<void> {
    this.throwIfFailed();
    // Errors are kept and rethrown by the next add/drain, so none goes unhandled.
    const promise: Promise<void> = task()
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => this.pending.delete(promise));
    this.pending.add(promise);
    if (this.pending.size >= this.limit) await Promise.race(this.pending);
    this.throwIfFailed();
  }

  async drain(): Promise<void> {
    await Promise.all(this.pending);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
