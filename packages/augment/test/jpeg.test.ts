import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { RawImage } from '../src/core/raw-image.js';
import { decodeImage } from '../src/io/index.js';
import { decodeBaselineJpeg, jpegDecoderMemoryBytes } from '../src/io/jpeg.js';
import { formatParityReport } from '../src/parity/parity.js';
import { runJpegParity, type JpegManifestCase as JpegCase } from '../src/parity/jpeg-parity.js';
import { fixturesDirectory, sameBytes } from './helpers.js';

/** test/fixtures/jpeg: files written by cv2.imencode / cjpeg, pixels from cv2.imread (scripts/make-jpeg-fixtures.py). */
const jpegDirectory = resolve(fixturesDirectory, 'jpeg');
const manifest = JSON.parse(readFileSync(resolve(jpegDirectory, 'manifest.json'), 'utf8')) as {
  opencv: string;
  cases: JpegCase[];
};
const bytesOf = (file: string) => new Uint8Array(readFileSync(resolve(jpegDirectory, file)));

/** What the fast path should do with a fixture: decode it, or decline for this reason. */
function expectedRoute(testCase: JpegCase): RegExp | 'decode' {
  if (testCase.progressive) return /progressive/;
  if (testCase.sampling === '411') return /sampling/;
  if (testCase.exifOrientation != null && testCase.exifOrientation !== 1) return /EXIF orientation/;
  return 'decode';
}

/** A deterministic test picture: gradients, noise, hard edges and saturated patches. */
function picture(width: number, height: number, seed: number): RawImage {
  const data = new Uint8Array(width * height * 3);
  let state = (seed * 2654435761) >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const edgeX = Math.floor(next() * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      const noise = next() * 60 - 30;
      data[at] = Math.max(0, Math.min(255, (255 * x) / Math.max(1, width - 1) + noise));
      data[at + 1] = Math.max(0, Math.min(255, (255 * y) / Math.max(1, height - 1) - noise));
      data[at + 2] = x < edgeX ? 255 : (y * 37) % 256 < 128 ? 0 : 250;
    }
  }
  return { data, width, height, channels: 3 };
}

/** `jpeg` with an APP1 EXIF segment (IFD0 holding only the orientation) spliced in after SOI. */
function withExifOrientation(jpeg: Uint8Array, orientation: number, littleEndian: boolean): Uint8Array {
  const tiff = new DataView(new ArrayBuffer(26));
  tiff.setUint16(0, littleEndian ? 0x4949 : 0x4d4d);
  tiff.setUint16(2, 42, littleEndian);
  tiff.setUint32(4, 8, littleEndian);
  tiff.setUint16(8, 1, littleEndian);
  tiff.setUint16(10, 0x0112, littleEndian);
  tiff.setUint16(12, 3, littleEndian);
  tiff.setUint32(14, 1, littleEndian);
  tiff.setUint16(18, orientation, littleEndian);
  const payload = [...Buffer.from('Exif\0\0', 'latin1'), ...new Uint8Array(tiff.buffer)];
  const segment = [0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 255, ...payload];
  return Uint8Array.from([...jpeg.subarray(0, 2), ...segment, ...jpeg.subarray(2)]);
}

/** `jpeg` with every quantization table rewritten as a 16-bit one holding `value(table, k)`. */
function withQuantizationTables(jpeg: Uint8Array, value: (table: number, k: number) => number): Uint8Array {
  const out: number[] = [...jpeg.subarray(0, 2)];
  for (let at = 2; ; ) {
    const marker = jpeg[at + 1]!;
    const length = (jpeg[at + 2]! << 8) | jpeg[at + 3]!;
    if (marker === 0xdb) {
      const payload: number[] = [];
      for (let table = at + 4; table < at + 2 + length; table += 1 + (jpeg[table]! >> 4 ? 128 : 64)) {
        const id = jpeg[table]! & 15;
        payload.push(0x10 | id);
        for (let k = 0; k < 64; k++) payload.push(value(id, k) >> 8, value(id, k) & 255);
      }
      out.push(0xff, 0xdb, (payload.length + 2) >> 8, (payload.length + 2) & 255, ...payload);
    } else {
      out.push(...jpeg.subarray(at, at + 2 + length));
    }
    at += 2 + length;
    if (marker === 0xda) return Uint8Array.from([...out, ...jpeg.subarray(at)]);
  }
}

/** The outcome of a decode: its pixels, or its error message. */
async function outcome(run: () => Promise<RawImage>): Promise<string> {
  try {
    const image = await run();
    const bytes = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
    return `${image.width}x${image.height}x${image.channels}:${bytes.toString('base64')}`;
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

describe('baseline JPEG decoder (WebAssembly) against libjpeg-turbo', () => {
  it(`decodes every fixture to cv2.imread's pixels (OpenCV ${manifest.opencv}), declining only what sharp must do`, async () => {
    expect(manifest.cases.length).toBeGreaterThanOrEqual(100);
    const routes = { decoded: 0, declined: 0 };
    for (const testCase of manifest.cases) {
      const bytes = bytesOf(testCase.jpeg);
      const copy = bytes.slice();
      const expected = bytesOf(testCase.expected);
      const route = expectedRoute(testCase);
      const fast = decodeBaselineJpeg(bytes);
      if (route === 'decode') {
        expect('fallback' in fast ? `${testCase.id}: ${fast.fallback}` : testCase.id).toBe(testCase.id);
        const image = fast as RawImage;
        expect({ id: testCase.id, width: image.width, height: image.height, channels: image.channels }).toEqual({
          id: testCase.id,
          width: testCase.width,
          height: testCase.height,
          channels: 3,
        });
        expect(sameBytes(image.data, expected), testCase.id).toBe(true);
        routes.decoded++;
      } else {
        expect('fallback' in fast ? fast.fallback : 'decoded', testCase.id).toMatch(route);
        routes.declined++;
      }
      // decodeImage gives cv2's pixels on either path, and leaves the input alone.
      const decoded = await decodeImage(bytes);
      expect(sameBytes(decoded.data, expected), testCase.id).toBe(true);
      expect(sameBytes(bytes, copy)).toBe(true);
    }
    expect(routes.declined).toBe(10);
    expect(routes.decoded).toBe(manifest.cases.length - 10);
  });

  it('every fixture decodes to the same bytes through sharp alone (decoder: "sharp")', async () => {
    for (const testCase of manifest.cases) {
      const image = await decodeImage(bytesOf(testCase.jpeg), { decoder: 'sharp' });
      expect(sameBytes(image.data, bytesOf(testCase.expected)), testCase.id).toBe(true);
    }
  });

  it('gives sharp-encoded JPEGs (mozjpeg: trellis, optimised tables, other quantisation tables) the bytes sharp decodes', async () => {
    const sizes = [
      [1, 1],
      [2, 7],
      [9, 2],
      [15, 16],
      [16, 15],
      [31, 33],
      [64, 64],
      [127, 65],
      [300, 200],
    ];
    let decoded = 0;
    for (const [index, [width, height]] of sizes.entries()) {
      const source = picture(width!, height!, index + 1);
      for (const variant of [
        { quality: 90, chromaSubsampling: '4:2:0' },
        { quality: 100, chromaSubsampling: '4:4:4' },
        { quality: 20, chromaSubsampling: '4:2:0', optimiseCoding: false },
        {
          quality: 75,
          chromaSubsampling: '4:4:4',
          trellisQuantisation: true,
          overshootDeringing: true,
          quantisationTable: 3,
        },
        { quality: 60, chromaSubsampling: '4:2:0', quantisationTable: 8 },
      ] as const) {
        for (const grey of [false, true]) {
          let instance = sharp(source.data, { raw: { width: width!, height: height!, channels: 3 } });
          if (grey) instance = instance.toColourspace('b-w');
          const jpeg = new Uint8Array(await instance.jpeg(variant).toBuffer());
          const fast = decodeBaselineJpeg(jpeg);
          expect('fallback' in fast ? fast.fallback : 'decoded').toBe('decoded');
          const reference = await decodeImage(jpeg, { decoder: 'sharp' });
          expect(
            sameBytes((fast as RawImage).data, reference.data),
            `${width}x${height} ${JSON.stringify(variant)} grey ${grey}`,
          ).toBe(true);
          decoded++;
        }
      }
    }
    expect(decoded).toBe(sizes.length * 10);
  });

  it('any damaged file gets exactly what sharp gives it: the same pixels or the same error (strict and lenient)', async () => {
    const originals = [
      new Uint8Array(
        await sharp(picture(40, 24, 7).data, { raw: { width: 40, height: 24, channels: 3 } })
          .jpeg({ quality: 85 })
          .toBuffer(),
      ),
      bytesOf('s420_q95_w33_h47_rst3.jpg'),
      bytesOf('gray_q75_w17_h9_rst1.jpg'),
      bytesOf('s444_q95_w33_h47.jpg'),
    ];
    let state = 12345;
    const random = (bound: number) => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return (state >>> 8) % bound;
    };
    const results = { errors: 0, images: 0, fastDecoded: 0 };
    for (let trial = 0; trial < 240; trial++) {
      const original = originals[trial % originals.length]!;
      let damaged: Uint8Array;
      const kind = trial % 4;
      if (kind === 0) damaged = original.subarray(0, 2 + random(original.length - 2));
      else {
        damaged = original.slice();
        const edits = 1 + random(3);
        for (let edit = 0; edit < edits; edit++) {
          // Mostly inside the scan data (the last two thirds), sometimes in the headers.
          const at =
            kind === 3
              ? 2 + random(damaged.length - 2)
              : Math.floor(damaged.length / 3) + random(Math.floor((2 * damaged.length) / 3) - 2);
          if (kind === 1) damaged[at] = random(256);
          else damaged[at]! ^= 1 << random(8);
        }
      }
      for (const strict of [true, false]) {
        const fast = await outcome(() => decodeImage(damaged, { strict }));
        const reference = await outcome(() => decodeImage(damaged, { strict, decoder: 'sharp' }));
        expect(fast, `trial ${trial} strict ${strict}`).toBe(reference);
        results[reference.startsWith('error: ') ? 'errors' : 'images']++;
      }
      if (!('fallback' in decodeBaselineJpeg(damaged))) results.fastDecoded++;
    }
    // Both outcomes occur, so both halves of "the same pixels or the same error" are exercised.
    expect(results.errors).toBeGreaterThan(50);
    expect(results.images).toBeGreaterThan(50);
    expect(results.errors + results.images).toBe(480);
    // Some damage leaves a stream libjpeg reads without a warning (other coefficients): the fast
    // path decodes those, and must agree with libjpeg on them too.
    expect(results.fastDecoded).toBeGreaterThan(10);
  }, 60_000);

  it("extreme 16-bit quantization tables (products past 16 bits): the bytes of libjpeg-turbo's SIMD IDCT arithmetic", async () => {
    // Dequantized values and sums wrap or saturate in 16 bits there (pmullw, paddw, packssdw,
    // packsswb); valid files never get near, so only tables like these tell those rules apart.
    const noise = picture(48, 40, 5);
    const base = new Uint8Array(
      await sharp(noise.data, { raw: { width: 48, height: 40, channels: 3 } })
        .jpeg({ quality: 50 })
        .toBuffer(),
    );
    let state = 99;
    for (const scale of [1, 255, 4096, 30000, 65535, 65535, 30000, 4096]) {
      const jpeg = withQuantizationTables(base, () => {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        return 1 + ((state >>> 8) % scale);
      });
      const fast = decodeBaselineJpeg(jpeg);
      expect('fallback' in fast ? fast.fallback : 'decoded').toBe('decoded');
      expect(
        sameBytes((fast as RawImage).data, (await decodeImage(jpeg, { decoder: 'sharp' })).data),
        `scale ${scale}`,
      ).toBe(true);
    }
  });

  it('a damaged EXIF segment changes nothing either: the same pixels, orientation or error as sharp', async () => {
    const source = picture(24, 16, 9);
    const jpeg = new Uint8Array(
      await sharp(source.data, { raw: { width: 24, height: 16, channels: 3 } })
        .jpeg()
        .withExif({ IFD0: { Orientation: '1', Copyright: 'art' } })
        .toBuffer(),
    );
    expect(jpeg[3]).toBe(0xe1); // sharp writes the EXIF segment first
    expect('fallback' in decodeBaselineJpeg(jpeg)).toBe(false);
    const length = (jpeg[4]! << 8) | jpeg[5]!;
    let state = 77;
    const random = (bound: number) => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return (state >>> 8) % bound;
    };
    for (let trial = 0; trial < 150; trial++) {
      const damaged = jpeg.slice();
      for (let edit = 1 + random(3); edit > 0; edit--) {
        const at = 12 + random(length - 8); // inside the TIFF data, after "Exif\0\0"
        if (random(2)) damaged[at] = random(256);
        else damaged[at]! ^= 1 << random(8);
      }
      for (const strict of [true, false]) {
        expect(await outcome(() => decodeImage(damaged, { strict })), `trial ${trial}`).toBe(
          await outcome(() => decodeImage(damaged, { strict, decoder: 'sharp' })),
        );
      }
    }
  });

  it('treats what follows the scan as libjpeg does: trailing bytes ignored, a missing or late EOI left to sharp', async () => {
    const jpeg = bytesOf('s420_q75_w97_h131.jpg');
    const body = jpeg.subarray(0, jpeg.length - 2);
    const variants: [string, Uint8Array, boolean][] = [
      ['trailing zeros', Uint8Array.from([...jpeg, 0, 0, 0, 0]), true],
      ['trailing text', Uint8Array.from([...jpeg, ...Buffer.from('hello world')]), true],
      ['two files back to back', Uint8Array.from([...jpeg, ...jpeg]), true],
      ['fill bytes before EOI', Uint8Array.from([...body, 0xff, 0xff, 0xff, 0xd9]), true],
      ['no EOI', body, false],
      ['bytes between the scan and EOI', Uint8Array.from([...body, 0x12, 0x34, 0xff, 0xd9]), false],
    ];
    for (const [name, bytes, fast] of variants) {
      expect('fallback' in decodeBaselineJpeg(bytes), name).toBe(!fast);
      for (const strict of [true, false]) {
        expect(await outcome(() => decodeImage(bytes, { strict })), name).toBe(
          await outcome(() => decodeImage(bytes, { strict, decoder: 'sharp' })),
        );
      }
    }
  });

  it('leaves to sharp what it converts or rotates: ICC profiles, CMYK, EXIF orientation, progressive files', async () => {
    const source = picture(24, 16, 3);
    const raw = () => sharp(source.data, { raw: { width: 24, height: 16, channels: 3 } });
    const cases: [string, Uint8Array, RegExp][] = [
      ['ICC', new Uint8Array(await raw().withIccProfile('p3').jpeg().toBuffer()), /ICC profile/],
      ['CMYK', new Uint8Array(await raw().toColourspace('cmyk').jpeg().toBuffer()), /components/],
      [
        'orientation',
        new Uint8Array(await raw().jpeg().withMetadata({ orientation: 8 }).toBuffer()),
        /EXIF orientation 8/,
      ],
      ['progressive', new Uint8Array(await raw().jpeg({ progressive: true }).toBuffer()), /progressive/],
      ['PNG', new Uint8Array(await raw().png().toBuffer()), /not a JPEG/],
    ];
    for (const [name, bytes, reason] of cases) {
      const fast = decodeBaselineJpeg(bytes);
      expect('fallback' in fast ? fast.fallback : 'decoded', name).toMatch(reason);
      expect(await outcome(() => decodeImage(bytes)), name).toBe(
        await outcome(() => decodeImage(bytes, { decoder: 'sharp' })),
      );
    }
    // Orientation 1, and any orientation with autoOrient off, stay on the fast path.
    const plain = new Uint8Array(await raw().jpeg().toBuffer());
    for (const littleEndian of [true, false]) {
      const upright = withExifOrientation(plain, 1, littleEndian);
      expect('fallback' in decodeBaselineJpeg(upright)).toBe(false);
      const turned = withExifOrientation(plain, 6, littleEndian);
      expect(decodeBaselineJpeg(turned)).toEqual({ fallback: 'EXIF orientation 6' });
      expect(await decodeImage(turned)).toMatchObject({ width: 16, height: 24 });
      const stored = decodeBaselineJpeg(turned, false);
      expect('fallback' in stored).toBe(false);
      expect(
        sameBytes((stored as RawImage).data, (await decodeImage(turned, { autoOrient: false, decoder: 'sharp' })).data),
      ).toBe(true);
    }
  });

  it('decodes large images (memory grows, and past 64 MiB is let go) and small ones after them', async () => {
    const small = bytesOf('s420_q75_w97_h131.jpg');
    for (const [width, height] of [
      [1536, 1024],
      [4400, 3300], // about 70 MB of decoder memory: the instance is dropped after the call
    ] as const) {
      const big = picture(width, height, width);
      const jpeg = new Uint8Array(
        await sharp(big.data, { raw: { width, height, channels: 3 } })
          .jpeg({ quality: 80 })
          .toBuffer(),
      );
      const fast = decodeBaselineJpeg(jpeg) as RawImage;
      expect(fast).toMatchObject({ width, height, channels: 3 });
      expect(sameBytes(fast.data, (await decodeImage(jpeg, { decoder: 'sharp' })).data)).toBe(true);
      const held = jpegDecoderMemoryBytes();
      if (width === 1536) expect(held).toBeGreaterThan(width * height * 3);
      else expect(held).toBe(0);
      expect(sameBytes((decodeBaselineJpeg(small) as RawImage).data, bytesOf('s420_q75_w97_h131.rgb.bin'))).toBe(true);
      expect(jpegDecoderMemoryBytes()).toBeGreaterThan(0);
    }
  }, 60_000);

  it('leaves to libjpeg (through sharp) the headers it rejects: a code of all ones, over 10 blocks per MCU, a side over 65500', async () => {
    const jpeg = bytesOf('s420_q75_w97_h131.jpg');
    const segmentAt = (bytes: Uint8Array, marker: number) => {
      let at = 2;
      while (bytes[at + 1] !== marker) at += 2 + ((bytes[at + 2]! << 8) | bytes[at + 3]!);
      return at;
    };
    // The first DHT's first table: two 1-bit codes and nothing else (the second one is all ones).
    const complete = jpeg.slice();
    const dht = segmentAt(complete, 0xc4);
    complete.fill(0, dht + 5, dht + 21);
    complete[dht + 5] = 2;
    // Every component sampled 2x2: 12 blocks per MCU.
    const blocks = jpeg.slice();
    const sof = segmentAt(blocks, 0xc0);
    for (let c = 0; c < 3; c++) blocks[sof + 11 + 3 * c] = 0x22;
    // 65501 x 1.
    const wide = jpeg.slice();
    wide.set([0, 1, 65501 >> 8, 65501 & 255], segmentAt(wide, 0xc0) + 5);
    for (const [name, bytes, reason] of [
      ['all-ones code', complete, /bad Huffman table/],
      ['12 blocks per MCU', blocks, /more than 10 blocks/],
      ['65501 wide', wide, /JPEG_MAX_DIMENSION/],
    ] as const) {
      const fast = decodeBaselineJpeg(bytes);
      expect('fallback' in fast ? fast.fallback : 'decoded', name).toMatch(reason);
      const reference = await outcome(() => decodeImage(bytes, { decoder: 'sharp' }));
      expect(reference, name).toMatch(/^error: /);
      expect(await outcome(() => decodeImage(bytes)), name).toBe(reference);
    }
  });

  it("leaves images past sharp's pixel limit to sharp, which names the limit", async () => {
    const jpeg = bytesOf('s420_q75_w97_h131.jpg').slice();
    // Patch the frame header to 20000 x 20000 (the scan data no longer fits, but nothing is decoded).
    let at = 2;
    while (jpeg[at + 1] !== 0xc0) at += 2 + ((jpeg[at + 2]! << 8) | jpeg[at + 3]!);
    jpeg.set([20000 >> 8, 20000 & 255, 20000 >> 8, 20000 & 255], at + 5);
    expect(decodeBaselineJpeg(jpeg)).toEqual({ fallback: "20000x20000 is past sharp's pixel limit" });
    await expect(decodeImage(jpeg)).rejects.toThrow(/pixel limit/);
    expect(await outcome(() => decodeImage(jpeg))).toBe(await outcome(() => decodeImage(jpeg, { decoder: 'sharp' })));
  });

  it('npm run parity takes the JPEG manifest: 109/109 exact, grouped by sampling and decoder, and fails a wrong reference', async () => {
    const report = await runJpegParity(resolve(jpegDirectory, 'manifest.json'));
    expect(report.passed).toBe(true);
    expect(report.results.filter((result) => result.maxAbsDiff !== 0)).toEqual([]);
    expect(report.summary.find((row) => row.op === 'jpeg 420 (wasm)')?.cases).toBe(43);
    expect(report.summary.find((row) => row.op === 'jpeg 411 (sharp)')?.cases).toBe(2);
    expect(formatParityReport(report)).toContain('109/109 cases exact');
    // One wrong byte in a copied reference: that case, and the report, fail.
    const directory = mkdtempSync(join(tmpdir(), 'augment-jpeg-parity-'));
    const testCase = manifest.cases.find((entry) => entry.id === 's422_q100_w97_h131')!;
    copyFileSync(resolve(jpegDirectory, testCase.jpeg), join(directory, testCase.jpeg));
    const expected = bytesOf(testCase.expected);
    expected[1234]! ^= 4;
    writeFileSync(join(directory, testCase.expected), expected);
    writeFileSync(join(directory, 'manifest.json'), JSON.stringify({ cases: [testCase] }));
    const failing = await runJpegParity(join(directory, 'manifest.json'));
    expect(failing.passed).toBe(false);
    expect(failing.results[0]).toMatchObject({ maxAbsDiff: 4, differing: 1 });
  });

  it('rejects an unknown decoder with the valid choices', async () => {
    await expect(decodeImage(bytesOf('s420_q75_w1_h1.jpg'), { decoder: 'fast' as never })).rejects.toThrow(
      'decodeImage: options.decoder must be one of auto, sharp; got "fast"',
    );
  });
});
