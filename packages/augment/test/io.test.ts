import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, encodeJpeg, encodePng, writeImage } from '../src/io/index.js';
import type { RawImage } from '../src/core/raw-image.js';
import { makePng } from './fixtures/io/png.js';

const fixtures = new URL('./fixtures/io/', import.meta.url);
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'art-augment-io-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** A width x height RGB image made of four flat quadrants: red, green / blue, white. */
function quadrants(width: number, height: number): RawImage {
  const data = new Uint8Array(width * height * 3);
  const colours = [
    [230, 20, 20],
    [20, 200, 40],
    [30, 40, 220],
    [250, 250, 250],
  ];
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const colour = colours[(y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1)]!;
      data.set(colour, (y * width + x) * 3);
    }
  }
  return { data, width, height, channels: 3 };
}

function pixel(image: RawImage, x: number, y: number): number[] {
  const offset = (y * image.width + x) * image.channels;
  return Array.from(image.data.subarray(offset, offset + image.channels));
}

function expectClose(actual: number[], expected: number[], tolerance: number): void {
  actual.forEach((value, index) => expect(Math.abs(value - expected[index]!)).toBeLessThanOrEqual(tolerance));
}

describe('decodeImage', () => {
  it('decodes an 8-bit RGB PNG to exactly the pixels OpenCV gives (committed fixture)', async () => {
    const image = await decodeImage(new URL('img_a_w64_h48.png', fixtures));
    const expected = new Uint8Array(await readFile(new URL('img_a_w64_h48.rgb.bin', fixtures)));
    expect(image).toMatchObject({ width: 64, height: 48, channels: 3 });
    expect(image.data).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(image.data).equals(Buffer.from(expected))).toBe(true);
  });

  it('expands 8-bit grayscale to three equal channels', async () => {
    const image = await decodeImage(makePng(3, 1, 1, 8, [0, 128, 255]));
    expect(image).toMatchObject({ width: 3, height: 1, channels: 3 });
    expect(Array.from(image.data)).toEqual([0, 0, 0, 128, 128, 128, 255, 255, 255]);
  });

  it('scales 16-bit PNGs to 8 bits by the high byte, as OpenCV imread does', async () => {
    const samples = [0, 25700, 65535, 0x80ff, 1000, 300, 40000, 65280, 255];
    const rgb = await decodeImage(makePng(3, 1, 3, 16, samples));
    expect(Array.from(rgb.data)).toEqual(samples.map((value) => value >> 8));
    const grey = await decodeImage(makePng(2, 1, 1, 16, [65535, 25700]));
    expect(Array.from(grey.data)).toEqual([255, 255, 255, 100, 100, 100]);
  });

  it('drops alpha by default (colour kept, like cv2.IMREAD_COLOR) and composites on request', async () => {
    const rgba = makePng(2, 1, 4, 8, [200, 100, 50, 0, 10, 20, 30, 128]);
    const dropped = await decodeImage(rgba);
    expect(Array.from(dropped.data)).toEqual([200, 100, 50, 10, 20, 30]);
    const overWhite = await decodeImage(rgba, { alpha: 'composite' });
    expect(pixel(overWhite, 0, 0)).toEqual([255, 255, 255]); // fully transparent
    expectClose(pixel(overWhite, 1, 0), [132, 137, 142], 1); // 50 % over white
    const overBlack = await decodeImage(rgba, { alpha: 'composite', background: [0, 0, 0] });
    expectClose(pixel(overBlack, 1, 0), [5, 10, 15], 1);
    const greyAlpha = await decodeImage(makePng(1, 1, 2, 8, [77, 0]));
    expect(Array.from(greyAlpha.data)).toEqual([77, 77, 77]);
  });

  it('converts CMYK JPEGs to sRGB', async () => {
    const source = quadrants(32, 32);
    const path = join(directory, 'cmyk.jpg');
    await sharp(source.data, { raw: { width: 32, height: 32, channels: 3 } })
      .toColourspace('cmyk')
      .jpeg({ quality: 95 })
      .toFile(path);
    expect((await sharp(path).metadata()).space).toBe('cmyk');
    const image = await decodeImage(path);
    expect(image).toMatchObject({ width: 32, height: 32, channels: 3 });
    // Through a CMYK profile colours shift a little, but each quadrant keeps its hue.
    const [red, green, blue, white] = [
      pixel(image, 8, 8),
      pixel(image, 24, 8),
      pixel(image, 8, 24),
      pixel(image, 24, 24),
    ];
    expect(red[0]!).toBeGreaterThan(180);
    expect(Math.max(red[1]!, red[2]!)).toBeLessThan(90);
    expect(green[1]!).toBeGreaterThan(Math.max(green[0]!, green[2]!) + 60);
    expect(blue[2]!).toBeGreaterThan(Math.max(blue[0]!, blue[1]!) + 60);
    expect(Math.min(...white)).toBeGreaterThan(220);
  });

  it('applies the EXIF orientation (and can be told not to)', async () => {
    const source = quadrants(32, 16);
    const path = join(directory, 'rotated.jpg');
    await sharp(source.data, { raw: { width: 32, height: 16, channels: 3 } })
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toFile(path);
    const image = await decodeImage(path);
    // Orientation 6 = rotate 90° clockwise for display: 32x16 becomes 16x32, red goes top-right.
    expect(image).toMatchObject({ width: 16, height: 32 });
    expectClose(pixel(image, 12, 4), [230, 20, 20], 30);
    expectClose(pixel(image, 3, 4), [30, 40, 220], 30);
    expectClose(pixel(image, 3, 28), [250, 250, 250], 30);
    const stored = await decodeImage(path, { autoOrient: false });
    expect(stored).toMatchObject({ width: 32, height: 16 });
    expectClose(pixel(stored, 4, 4), [230, 20, 20], 30);
  });

  it('names the path of a missing file', async () => {
    const path = join(directory, 'no-such-image.jpg');
    await expect(decodeImage(path)).rejects.toThrow(`image file not found: "${path}"`);
  });

  it('names the file when it is corrupt, truncated or not an image', async () => {
    const texture = {
      data: Uint8Array.from({ length: 64 * 64 * 3 }, (_, i) => (i * 7) % 256),
      width: 64,
      height: 64,
      channels: 3,
    };
    const jpeg = await encodeJpeg(texture, 90); // textured, so the scan data outweighs the headers
    const truncated = join(directory, 'truncated.jpg');
    await writeFile(truncated, jpeg.subarray(0, Math.floor(jpeg.length * 0.8))); // headers intact, scan cut short
    await expect(decodeImage(truncated)).rejects.toThrow(
      new RegExp(`cannot decode "${escapeRegExp(truncated)}" as an image`),
    );
    expect(await decodeImage(truncated, { strict: false })).toMatchObject({ width: 64, height: 64, channels: 3 }); // best effort on request
    await expect(decodeImage(Buffer.from('plain text'), { strict: false })).rejects.toThrow(/unsupported image format/);
    const text = join(directory, 'notes.txt');
    await writeFile(text, 'these are not pixels\n');
    await expect(decodeImage(text)).rejects.toThrow(
      /cannot decode ".*notes\.txt" as an image \(.*unsupported image format/,
    );
    await expect(decodeImage(Buffer.from('garbage'), { name: 'upload #3' })).rejects.toThrow(
      /cannot decode upload #3 as an image/,
    );
    await expect(decodeImage(Buffer.from('garbage'))).rejects.toThrow(/cannot decode <7-byte buffer>/);
    await expect(decodeImage(directory)).rejects.toThrow(/path is a directory/);
  });

  it('rejects bad arguments with the valid choices', async () => {
    await expect(decodeImage(42 as never)).rejects.toThrow(TypeError);
    await expect(decodeImage(Buffer.alloc(1), { alpha: 'keep' as never })).rejects.toThrow(
      /one of drop, composite; got "keep"/,
    );
    await expect(decodeImage(Buffer.alloc(1), { alpha: 'composite', background: [0, 0] as never })).rejects.toThrow(
      RangeError,
    );
  });
});

describe('encodePng / encodeJpeg / writeImage', () => {
  it('round-trips PNG losslessly for 1, 3 and 4 channels', async () => {
    const rgb = quadrants(7, 5);
    const encoded = await encodePng(rgb);
    expect(await decodeImage(encoded)).toEqual(rgb);
    const arrayBuffer = encoded.buffer.slice(encoded.byteOffset, encoded.byteOffset + encoded.byteLength);
    expect(await decodeImage(arrayBuffer as ArrayBuffer)).toEqual(rgb); // ArrayBuffer and plain Uint8Array inputs too
    expect(await decodeImage(new Uint8Array(arrayBuffer))).toEqual(rgb);
    const grey: RawImage = { data: Uint8Array.from([0, 50, 100, 150, 200, 250]), width: 3, height: 2, channels: 1 };
    const png = await encodePng(grey);
    expect((await sharp(png).metadata()).channels).toBe(1);
    expect(Array.from((await decodeImage(png)).data)).toEqual([
      0, 0, 0, 50, 50, 50, 100, 100, 100, 150, 150, 150, 200, 200, 200, 250, 250, 250,
    ]);
    const rgba: RawImage = { data: Uint8Array.from([1, 2, 3, 255, 4, 5, 6, 0]), width: 2, height: 1, channels: 4 };
    const { data, info } = await sharp(await encodePng(rgba))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(4);
    expect(Array.from(data)).toEqual([1, 2, 3, 255, 4, 5, 6, 0]);
  });

  it('round-trips JPEG within compression error, quality as number or option', async () => {
    const image = quadrants(32, 32);
    const high = await decodeImage(await encodeJpeg(image, { quality: 100 }));
    const low = await encodeJpeg(image, 10);
    expect(high).toMatchObject({ width: 32, height: 32, channels: 3 });
    expectClose(pixel(high, 8, 8), [230, 20, 20], 8);
    expect(low.length).toBeLessThan((await encodeJpeg(image, 100)).length);
    await expect(encodeJpeg(image, 0)).rejects.toThrow(/quality must be an integer 1\.\.100; got 0/);
  });

  it('rejects float and malformed images with a clear error', async () => {
    const float: RawImage = { data: new Float32Array(3), width: 1, height: 1, channels: 3 };
    await expect(encodePng(float)).rejects.toThrow(/encodePng: image.data must be a Uint8Array/);
    await expect(encodePng({ data: new Uint8Array(5), width: 1, height: 1, channels: 3 })).rejects.toThrow(
      /has 5 values/,
    );
    await expect(encodeJpeg({ data: new Uint8Array(5), width: 1, height: 1, channels: 5 })).rejects.toThrow(
      /channels must be one of/,
    );
  });

  it('writes files atomically, choosing the format from the extension', async () => {
    const image = quadrants(8, 6);
    const png = join(directory, 'out.png');
    const jpeg = join(directory, 'out.jpeg');
    await writeImage(png, image);
    await writeImage(png, image); // replacing an existing file works too
    await writeImage(jpeg, image, { quality: 80 });
    expect(await decodeImage(png)).toEqual(image);
    expect((await sharp(jpeg).metadata()).format).toBe('jpeg');
    const webp = join(directory, 'out.webp');
    await writeImage(webp, image, { quality: 70 });
    expect((await sharp(webp).metadata()).format).toBe('webp');
    const greyAlpha = join(directory, 'grey-alpha.png');
    await writeImage(greyAlpha, { data: Uint8Array.from([10, 255, 200, 0]), width: 2, height: 1, channels: 2 });
    expect(await sharp(greyAlpha).metadata()).toMatchObject({ channels: 2, hasAlpha: true }); // stored as grey + alpha
    expect(Array.from((await decodeImage(greyAlpha)).data)).toEqual([10, 10, 10, 200, 200, 200]);
    expect((await readdir(directory)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    await expect(writeImage(join(directory, 'out.bmp'), image)).rejects.toThrow(
      /cannot tell the format of ".*out\.bmp"; use an extension among \.png, \.jpg, \.jpeg, \.webp/,
    );
    await expect(writeImage(join(directory, 'missing-folder', 'x.png'), image)).rejects.toThrow(
      /cannot write ".*missing-folder/,
    );
    expect((await readdir(directory)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});

describe('module boundaries', () => {
  it('imports sharp in exactly one source module, src/io/sharp.ts', async () => {
    const source = new URL('../src/', import.meta.url);
    const files = (await readdir(source, { recursive: true })).filter((name) => name.endsWith('.ts'));
    const importers: string[] = [];
    for (const file of files) {
      const text = await readFile(new URL(file, source), 'utf8');
      if (/from ['"]sharp['"]|import\(['"]sharp['"]\)|require\(['"]sharp['"]\)/.test(text))
        importers.push(file.replaceAll('\\', '/'));
    }
    expect(importers).toEqual(['io/sharp.ts']);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
