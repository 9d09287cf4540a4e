import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createArtistStyle,
  ensureSyntheticDataset,
  generateSyntheticDataset,
  quarterCropBox,
  renderPainting,
  SyntheticRng,
  syntheticManifestName,
  type SyntheticDataset,
} from '../src/synthetic/index.js';

const temporaryDirectories: string[] = [];
async function temporaryDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'art-synthetic-'));
  temporaryDirectories.push(directory);
  return directory;
}
afterAll(async () => {
  await Promise.all(temporaryDirectories.map((directory) => rm(directory, { recursive: true, force: true })));
});

function readCsv(path: string): Promise<Record<string, string>[]> {
  return readFile(path, 'utf8').then(
    (text) => parse(text, { columns: true, skipEmptyLines: true }) as Record<string, string>[],
  );
}

async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(root.length))
    .sort();
}

async function decode(path: string): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

const small = { numArtists: 4, trainPerArtist: 3, testPerArtist: 2, imageSize: 48 } as const;

describe('SyntheticRng', () => {
  it('repeats a stream for a seed, differs between seeds and stays in range', () => {
    const draw = (seed: number): number[] => {
      const rng = new SyntheticRng(seed);
      return Array.from({ length: 100 }, () => rng.next());
    };
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
    const values = draw(5);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const rng = new SyntheticRng(9);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[rng.integer(0, 2)]! += 1;
    for (const count of counts) expect(count).toBeGreaterThan(900);
  });

  it('rejects a non-finite seed', () => {
    expect(() => new SyntheticRng(Number.NaN)).toThrow(RangeError);
  });
});

describe('renderPainting', () => {
  it('is a pure function of the style and the generator state', () => {
    const style = createArtistStyle(1, 2);
    const first = renderPainting(style, new SyntheticRng(7), 40, 30);
    const second = renderPainting(style, new SyntheticRng(7), 40, 30);
    expect(first.data).toEqual(second.data);
    expect(first.data.length).toBe(40 * 30 * 3);
    expect(renderPainting(style, new SyntheticRng(8), 40, 30).data).not.toEqual(first.data);
  });

  it('rejects sizes that are not integers >= 8', () => {
    expect(() => renderPainting(createArtistStyle(0, 0), new SyntheticRng(0), 4, 30)).toThrow(
      /width must be an integer >= 8, got 4/,
    );
  });

  it('gives each artist its own style', () => {
    const styles = Array.from({ length: 6 }, (_, index) => createArtistStyle(0, index));
    expect(new Set(styles.map((style) => style.name)).size).toBe(6);
    expect(new Set(styles.map((style) => JSON.stringify(style.palette))).size).toBe(6);
    // Adding artists never changes an existing one.
    expect(createArtistStyle(0, 3)).toEqual(styles[3]);
  });
});

describe('quarterCropBox', () => {
  it('cuts about a quarter of the area, inside the image', () => {
    const rng = new SyntheticRng(11);
    for (let i = 0; i < 500; i++) {
      const width = rng.integer(40, 400);
      const height = rng.integer(40, 400);
      const box = quarterCropBox(width, height, rng);
      const share = (box.width * box.height) / (width * height);
      expect(share).toBeGreaterThan(0.22);
      expect(share).toBeLessThan(0.28);
      expect(box.left).toBeGreaterThanOrEqual(0);
      expect(box.top).toBeGreaterThanOrEqual(0);
      expect(box.left + box.width).toBeLessThanOrEqual(width);
      expect(box.top + box.height).toBeLessThanOrEqual(height);
    }
  });
});

describe('generateSyntheticDataset', () => {
  let dataset: SyntheticDataset;
  beforeAll(async () => {
    dataset = await generateSyntheticDataset({ outDir: await temporaryDirectory(), ...small, seed: 5 });
  });

  it('writes byte-identical files for the same seed and different ones for another seed', async () => {
    const again = await generateSyntheticDataset({ outDir: await temporaryDirectory(), ...small, seed: 5 });
    const other = await generateSyntheticDataset({ outDir: await temporaryDirectory(), ...small, seed: 6 });
    const files = await listFiles(dataset.root);
    expect(files).toEqual(await listFiles(again.root));
    expect(files.length).toBe(6 + 4 * 3 + 4 * 2);
    let differing = 0;
    for (const file of files) {
      const bytes = await readFile(join(dataset.root, file));
      expect(bytes.equals(await readFile(join(again.root, file))), file).toBe(true);
      if (file.endsWith('.jpg') && !bytes.equals(await readFile(join(other.root, file)))) differing += 1;
    }
    expect(differing).toBe(4 * 3 + 4 * 2);
  });

  it('writes the competition layout with valid CSV files', async () => {
    const train = await readCsv(join(dataset.root, 'train.csv'));
    const test = await readCsv(join(dataset.root, 'test.csv'));
    const sample = await readCsv(join(dataset.root, 'sample_submission.csv'));
    const answers = await readCsv(join(dataset.root, 'test_answers.csv'));
    const info = await readCsv(join(dataset.root, 'artists_info.csv'));

    expect(Object.keys(train[0]!)).toEqual(['id', 'img_path', 'artist']);
    expect(Object.keys(test[0]!)).toEqual(['id', 'img_path']);
    expect(Object.keys(sample[0]!)).toEqual(['id', 'artist']);
    expect(Object.keys(answers[0]!)).toEqual(['id', 'artist']);
    expect(Object.keys(info[0]!)).toEqual(['name', 'years', 'genre', 'nationality', 'paintings']);

    expect(train.map((row) => row.id)).toEqual(train.map((_, index) => String(index)));
    expect(train[0]!.img_path).toMatch(/^\.\/train\/\d{4}\.jpg$/);
    expect(test[0]!.id).toBe('TEST_00000');
    expect(test[0]!.img_path).toBe('./test/TEST_00000.jpg');
    expect(sample.map((row) => row.id)).toEqual(test.map((row) => row.id));
    expect(answers.map((row) => row.id)).toEqual(test.map((row) => row.id));

    const names = info.map((row) => row.name);
    expect(names).toEqual(['Synthetic Artist 01', 'Synthetic Artist 02', 'Synthetic Artist 03', 'Synthetic Artist 04']);
    for (const name of names) {
      expect(train.filter((row) => row.artist === name)).toHaveLength(3);
      expect(answers.filter((row) => row.artist === name)).toHaveLength(2);
    }
    for (const row of sample) expect(names).toContain(row.artist);

    for (const row of [...train, ...test]) {
      const metadata = await sharp(join(dataset.root, row.img_path!)).metadata();
      expect(metadata.format).toBe('jpeg');
      expect(metadata.channels).toBe(3);
    }
    const manifest = JSON.parse(await readFile(join(dataset.root, syntheticManifestName), 'utf8')) as {
      artists: unknown[];
    };
    expect(manifest.artists).toHaveLength(4);
  });

  it('makes test images quarter-area crops of paintings', async () => {
    for (const record of dataset.test) {
      const { width, height } = await sharp(join(dataset.root, record.imgPath)).metadata();
      expect([width, height]).toEqual([record.crop.width, record.crop.height]);
      const share = (width! * height!) / (record.paintingWidth * record.paintingHeight);
      expect(share).toBeGreaterThan(0.2);
      expect(share).toBeLessThan(0.3);
      // Paintings have about imageSize² pixels.
      expect(record.paintingWidth * record.paintingHeight).toBeGreaterThan(0.9 * 48 * 48);
      expect(record.paintingWidth * record.paintingHeight).toBeLessThan(1.1 * 48 * 48);
    }
  });

  it('cuts test crops from paintings that are not in train', async () => {
    // Lossless PNG makes an exact search possible: no crop occurs in any train image.
    const png = await generateSyntheticDataset({
      outDir: await temporaryDirectory(),
      ...small,
      seed: 5,
      format: 'png',
    });
    const trainImages = await Promise.all(png.train.map((record) => decode(join(png.root, record.imgPath))));
    for (const record of png.test) {
      const crop = await decode(join(png.root, record.imgPath));
      const rowLength = crop.width * 3;
      for (const image of trainImages) {
        for (let top = 0; top + crop.height <= image.height; top++) {
          for (let left = 0; left + crop.width <= image.width; left++) {
            const start = (top * image.width + left) * 3;
            expect(image.data.subarray(start, start + rowLength).equals(crop.data.subarray(0, rowLength))).toBe(false);
          }
        }
      }
    }
  });

  it('is learnable: nearest-centroid colour histograms beat chance clearly on the test crops', async () => {
    const learn = await generateSyntheticDataset({
      outDir: await temporaryDirectory(),
      numArtists: 8,
      trainPerArtist: 8,
      testPerArtist: 6,
      imageSize: 64,
      seed: 21,
    });
    const bins = 4;
    const histogram = async (path: string): Promise<Float64Array> => {
      const { data } = await decode(join(learn.root, path));
      const counts = new Float64Array(bins ** 3);
      for (let i = 0; i < data.length; i += 3) {
        counts[
          ((data[i]! * bins) >> 8) * bins * bins + ((data[i + 1]! * bins) >> 8) * bins + ((data[i + 2]! * bins) >> 8)
        ]! += 3 / data.length;
      }
      return counts;
    };
    const centroids = new Map<string, Float64Array>();
    for (const record of learn.train) {
      const centroid = centroids.get(record.artist) ?? new Float64Array(bins ** 3);
      (await histogram(record.imgPath)).forEach((value, i) => (centroid[i]! += value / 8));
      centroids.set(record.artist, centroid);
    }
    const truth: string[] = [];
    const predicted: string[] = [];
    for (const record of learn.test) {
      const features = await histogram(record.imgPath);
      let best = '';
      let bestDistance = Infinity;
      for (const [artist, centroid] of centroids) {
        const distance = features.reduce((sum, value, i) => sum + Math.abs(value - centroid[i]!), 0);
        if (distance < bestDistance) [best, bestDistance] = [artist, distance];
      }
      truth.push(record.artist);
      predicted.push(best);
    }
    const artists = [...centroids.keys()];
    const macroF1 =
      artists.reduce((sum, artist) => {
        const truePositives = truth.filter((label, i) => label === artist && predicted[i] === artist).length;
        const predictedCount = predicted.filter((label) => label === artist).length;
        const actualCount = truth.filter((label) => label === artist).length;
        return sum + (truePositives === 0 ? 0 : (2 * truePositives) / (predictedCount + actualCount));
      }, 0) / artists.length;
    // Chance is 1/8 = 0.125.
    expect(macroF1).toBeGreaterThan(0.5);
  });

  it('rejects bad options with named errors', async () => {
    const outDir = await temporaryDirectory();
    await expect(generateSyntheticDataset({ outDir, numArtists: 1 })).rejects.toThrow(
      /numArtists must be an integer in \[2, 1000\], got 1/,
    );
    await expect(generateSyntheticDataset({ outDir, imageSize: 10.5 })).rejects.toThrow(RangeError);
    await expect(generateSyntheticDataset({ outDir, format: 'gif' as 'png' })).rejects.toThrow(
      /unknown format "gif"; expected one of jpeg, png/,
    );
    await expect(generateSyntheticDataset({ outDir: '' })).rejects.toThrow(TypeError);
    await expect(generateSyntheticDataset({ outDir: dataset.root, ...small })).rejects.toThrow(
      /is not empty; pass overwrite: true/,
    );
  });
});

describe('ensureSyntheticDataset', () => {
  it('generates once, reuses, and regenerates only its own files when options change', async () => {
    const outDir = await temporaryDirectory();
    await writeFile(join(outDir, 'notes.txt'), 'mine');
    const first = await ensureSyntheticDataset({ outDir, ...small, overwrite: true });
    expect(first.generated).toBe(true);
    expect((await ensureSyntheticDataset({ outDir, ...small })).generated).toBe(false);
    const changed = await ensureSyntheticDataset({ outDir, ...small, trainPerArtist: 2 });
    expect(changed.generated).toBe(true);
    expect(await readCsv(join(outDir, 'train.csv'))).toHaveLength(8);
    expect((await readdir(join(outDir, 'train'))).length).toBe(8);
    expect(await readFile(join(outDir, 'notes.txt'), 'utf8')).toBe('mine');
  });
});
