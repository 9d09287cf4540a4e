/**
 * The one module of @art/augment that imports sharp (libvips). Everything else in the package
 * works on plain `RawImage` buffers, so importing transforms never loads a native module.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { RawImage } from '../core/raw-image.js';
import { writeFileAtomic as writeDurably } from '../../../../internal/durable-fs.js';
import { decodeBaselineJpeg } from './jpeg.js';

/** What `decodeImage` accepts: a file path, a `file:` URL, or the encoded bytes of a file. */
export type ImageSource = string | URL | Uint8Array | ArrayBuffer;

/** Which decoder `decodeImage` uses; see {@link DecodeImageOptions.decoder}. */
export type ImageDecoder = 'auto' | 'sharp';
const DECODERS: readonly ImageDecoder[] = ['auto', 'sharp'];

/** How `decodeImage` treats an alpha channel. */
export type AlphaMode = 'drop' | 'composite';
const ALPHA_MODES: readonly AlphaMode[] = ['drop', 'composite'];

/** Options of {@link decodeImage}. */
export interface DecodeImageOptions {
  /**
   * `'drop'` (default) discards alpha and keeps the stored colour, exactly as OpenCV's
   * `cv2.imread(path, cv2.IMREAD_COLOR)` does, so pixels match albumentations pipelines fed by
   * OpenCV. `'composite'` blends the image over `background` using alpha.
   */
  alpha?: AlphaMode;
  /** Background for `alpha: 'composite'`, RGB 0..255. Default `[255, 255, 255]` (white). */
  background?: readonly [number, number, number];
  /** Apply the EXIF orientation tag (as `cv2.imread` does). Default `true`. */
  autoOrient?: boolean;
  /** Name used in error messages when decoding bytes. Default `"<N-byte buffer>"`. */
  name?: string;
  /**
   * Reject files libvips only warns about, such as truncated JPEGs (default `true`). With
   * `false`, such files decode as far as they can (a truncated JPEG's missing rows come out grey).
   */
  strict?: boolean;
  /**
   * `'auto'` (default): plain baseline JPEGs (grey or YCbCr, 4:4:4 / 4:2:2 / 4:2:0 / 4:4:0,
   * no ICC profile, EXIF orientation absent or 1) go through the package's WebAssembly decoder,
   * which gives libjpeg-turbo's exact pixels (the same bytes as sharp and `cv2.imread`) about 5x
   * faster than a sharp call for a 256x256 image; every other file, and any JPEG that decoder
   * finds the least irregularity in, is decoded by sharp. `'sharp'`: always sharp.
   */
  decoder?: ImageDecoder;
}

/**
 * Decodes an image file or encoded bytes into an 8-bit RGB `RawImage` (HWC, 3 channels).
 *
 * - Grayscale is expanded to three equal channels.
 * - Alpha is dropped (default, like OpenCV) or composited over a background (`alpha: 'composite'`).
 * - 16-bit images keep the high byte (`v >> 8`: 65535 → 255, 257·k → k), which is what
 *   OpenCV's `imread` (libpng `png_set_strip_16`) gives, so pixels match OpenCV-fed pipelines.
 * - CMYK (and any embedded ICC profile) is converted to sRGB by libvips/lcms. OpenCV ignores
 *   ICC profiles, so only files tagged with a non-sRGB profile differ from `cv2.imread`.
 * - The EXIF orientation is applied, so width/height are the displayed ones.
 *
 * Errors: a missing file names the path; a corrupt or non-image input names the file (or
 * `options.name` for bytes) and quotes libvips' reason.
 *
 * @example
 * const image = await decodeImage('painting.jpg');
 * console.log(image.width, image.height, image.channels); // e.g. 256 256 3
 */
export async function decodeImage(source: ImageSource, options: DecodeImageOptions = {}): Promise<RawImage> {
  const { alpha = 'drop', background = [255, 255, 255], autoOrient = true, strict = true, decoder = 'auto' } = options;
  if (!DECODERS.includes(decoder)) {
    throw new RangeError(
      `decodeImage: options.decoder must be one of ${DECODERS.join(', ')}; got ${JSON.stringify(decoder)}`,
    );
  }
  if (!ALPHA_MODES.includes(alpha)) {
    throw new RangeError(
      `decodeImage: options.alpha must be one of ${ALPHA_MODES.join(', ')}; got ${JSON.stringify(alpha)}`,
    );
  }
  if (!Array.isArray(background) || background.length !== 3 || background.some((v) => !(v >= 0 && v <= 255))) {
    throw new RangeError(
      `decodeImage: options.background must be [r, g, b] in 0..255; got ${JSON.stringify(background)}`,
    );
  }
  // The decode starts before the first await (sharp queues it on its own thread at once), so a
  // caller that prefetches overlaps it with its own synchronous work. A file is read
  // synchronously, as cv2.imread does: a few microseconds from the page cache, where
  // fs.promises.readFile costs about 0.15 ms of CPU in thread hand-offs per image.
  const { bytes, name } = readSource(source, options.name);
  if (decoder === 'auto' && bytes[0] === 0xff && bytes[1] === 0xd8) {
    // JPEG has no alpha, so `alpha` and `background` change nothing; `strict` neither, since the
    // fast path takes only files libjpeg decodes without a warning.
    const image = decodeBaselineJpeg(bytes, autoOrient);
    if (!('fallback' in image)) return image;
  }
  try {
    let pipeline = sharp(bytes, { failOn: strict ? 'warning' : 'none' });
    if (autoOrient) pipeline = pipeline.autoOrient();
    pipeline =
      alpha === 'drop'
        ? pipeline.removeAlpha()
        : pipeline.flatten({ background: { r: background[0], g: background[1], b: background[2] } });
    const { data, info } = await pipeline
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) {
      // libvips gives 3 bands for sRGB without alpha; anything else would break the RawImage contract.
      throw new Error(`expected 3 channels after conversion to sRGB, got ${info.channels}`);
    }
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      channels: 3,
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`decodeImage: cannot decode ${name} as an image (${reason})`, { cause: error });
  }
}

/** The encoded bytes: read from disk for a path, as they are for bytes. */
function readSource(source: ImageSource, name: string | undefined): { bytes: Uint8Array; name: string } {
  if (typeof source === 'string' || source instanceof URL) return readSourceFile(source, name);
  if (source instanceof Uint8Array) return { bytes: source, name: name ?? `<${source.byteLength}-byte buffer>` };
  if (source instanceof ArrayBuffer)
    return { bytes: new Uint8Array(source), name: name ?? `<${source.byteLength}-byte buffer>` };
  throw new TypeError(
    `decodeImage: source must be a file path, a file: URL, a Uint8Array/Buffer or an ArrayBuffer; got ${describe(source)}`,
  );
}

function readSourceFile(source: string | URL, name: string | undefined): { bytes: Uint8Array; name: string } {
  const path = typeof source === 'string' ? source : fileURLToPath(source);
  try {
    return { bytes: readFileSync(path), name: name ?? JSON.stringify(path) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const what =
      code === 'ENOENT'
        ? 'image file not found'
        : code === 'EISDIR'
          ? 'path is a directory, not an image file'
          : 'cannot read image file';
    throw new Error(
      `decodeImage: ${what}: ${JSON.stringify(path)}${code && code !== 'ENOENT' && code !== 'EISDIR' ? ` (${code})` : ''}`,
      {
        cause: error,
      },
    );
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Checks that `image` is a uint8 RawImage sharp can take as raw input, naming `caller` and the problem. */
export function assertEncodable(
  image: RawImage,
  caller: string,
  allowedChannels: readonly number[] = [1, 2, 3, 4],
): void {
  if (image === null || typeof image !== 'object' || !('data' in image)) {
    throw new TypeError(
      `${caller}: image must be a RawImage { data, width, height, channels }; got ${describe(image)}`,
    );
  }
  const { data, width, height, channels } = image;
  if (!(data instanceof Uint8Array)) {
    throw new TypeError(
      `${caller}: image.data must be a Uint8Array (8-bit pixels); got ${describe(data)}. ` +
        'Float images (e.g. after Normalize) must be converted back to 0..255 uint8 first.',
    );
  }
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
    throw new RangeError(`${caller}: image width and height must be positive integers; got ${width}x${height}`);
  }
  if (!allowedChannels.includes(channels)) {
    throw new RangeError(`${caller}: image.channels must be one of ${allowedChannels.join(', ')}; got ${channels}`);
  }
  if (data.length !== width * height * channels) {
    throw new RangeError(
      `${caller}: image.data has ${data.length} values but width*height*channels = ${width}*${height}*${channels} = ${width * height * channels}`,
    );
  }
}

function rawInput(image: RawImage) {
  // One or two channels are grey (+alpha): tell libvips so the PNG is stored as grey, not sRGB.
  const instance = sharp(image.data as Uint8Array, {
    raw: { width: image.width, height: image.height, channels: image.channels as 1 | 2 | 3 | 4 },
  });
  return image.channels <= 2 ? instance.toColourspace('b-w') : instance;
}

/** Options of {@link encodePng}. */
export interface EncodePngOptions {
  /** zlib level 0..9. Default `6`. */
  compressionLevel?: number;
}

/**
 * Encodes an 8-bit RawImage (1 grey, 2 grey+alpha, 3 RGB or 4 RGBA channels) as PNG.
 *
 * @example
 * await writeFile('out.png', await encodePng(image));
 */
export async function encodePng(image: RawImage, options: EncodePngOptions = {}): Promise<Buffer> {
  assertEncodable(image, 'encodePng');
  const { compressionLevel = 6 } = options;
  if (!Number.isInteger(compressionLevel) || compressionLevel < 0 || compressionLevel > 9) {
    throw new RangeError(`encodePng: options.compressionLevel must be an integer 0..9; got ${compressionLevel}`);
  }
  return rawInput(image).png({ compressionLevel }).toBuffer();
}

/** Options of {@link encodeJpeg}. */
export interface EncodeJpegOptions {
  /** JPEG quality 1..100. Default `90`. */
  quality?: number;
}

/**
 * Encodes an 8-bit RawImage as baseline JPEG (alpha, if any, is dropped).
 * The second argument is the quality (1..100, default 90) or `{ quality }`.
 *
 * @example
 * const jpeg = await encodeJpeg(image, { quality: 95 });
 */
export async function encodeJpeg(image: RawImage, qualityOrOptions: number | EncodeJpegOptions = {}): Promise<Buffer> {
  assertEncodable(image, 'encodeJpeg');
  const quality = typeof qualityOrOptions === 'number' ? qualityOrOptions : (qualityOrOptions.quality ?? 90);
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new RangeError(`encodeJpeg: quality must be an integer 1..100; got ${quality}`);
  }
  let instance = rawInput(image);
  if (image.channels === 2 || image.channels === 4) instance = instance.removeAlpha();
  return instance.jpeg({ quality }).toBuffer();
}

/** Output formats of {@link writeImage}, chosen from the file extension unless given. */
export type ImageFormat = 'png' | 'jpeg' | 'webp';
const EXTENSION_FORMATS: Record<string, ImageFormat> = {
  '.png': 'png',
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.webp': 'webp',
};

/** Options of {@link writeImage}. */
export interface WriteImageOptions {
  /** Default: from the extension (`.png`, `.jpg`/`.jpeg`, `.webp`). */
  format?: ImageFormat;
  /** Quality 1..100 for JPEG and WebP. Default `90`. */
  quality?: number;
}

/**
 * Writes an 8-bit RawImage to `path` atomically and durably: the bytes go to a temporary file in
 * the same folder (fsynced), which is then renamed over `path`, so readers never see a
 * half-written image; a failed write (a full disk) leaves no temp file.
 *
 * @example
 * await writeImage('out/preview.png', image);
 */
export async function writeImage(path: string, image: RawImage, options: WriteImageOptions = {}): Promise<void> {
  if (typeof path !== 'string' || path.length === 0) {
    throw new TypeError(`writeImage: path must be a non-empty string; got ${describe(path)}`);
  }
  const extension = extname(path).toLowerCase();
  const format = options.format ?? EXTENSION_FORMATS[extension];
  if (format === undefined || !Object.values(EXTENSION_FORMATS).includes(format)) {
    throw new RangeError(
      `writeImage: cannot tell the format of ${JSON.stringify(path)}; use an extension among ` +
        `${Object.keys(EXTENSION_FORMATS).join(', ')} or options.format in png, jpeg, webp (got ${JSON.stringify(options.format ?? extension)})`,
    );
  }
  const quality = options.quality ?? 90;
  let bytes: Buffer;
  if (format === 'png') bytes = await encodePng(image);
  else if (format === 'jpeg') bytes = await encodeJpeg(image, { quality });
  else {
    assertEncodable(image, 'writeImage');
    if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
      throw new RangeError(`writeImage: options.quality must be an integer 1..100; got ${quality}`);
    }
    bytes = await rawInput(image).webp({ quality }).toBuffer();
  }
  await writeFileAtomic(path, bytes);
}

/** Writes `bytes` to `path` atomically and durably (the shared layer of internal/durable-fs.ts). */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  try {
    await writeDurably(path, bytes, { createParents: false }); // (writeImage never created folders)
  } catch (error) {
    throw new Error(`writeImage: cannot write ${JSON.stringify(path)} (${(error as Error).message})`, { cause: error });
  }
}

/** One placed picture of {@link composeCanvas}: 8-bit pixels at (left, top). */
export interface CanvasTile {
  image: RawImage;
  left: number;
  top: number;
}

/**
 * Resizes an 8-bit image to fit inside `size`x`size` (aspect kept, letterboxed with `background`),
 * for preview cells. Uses libvips' Lanczos for downscaling and nearest for upscaling, so small
 * crops stay crisp.
 */
export async function fitIntoSquare(
  image: RawImage,
  size: number,
  background: readonly [number, number, number],
): Promise<RawImage> {
  assertEncodable(image, 'previewGrid', [1, 3, 4]);
  let instance = rawInput(image);
  if (image.channels === 4) instance = instance.removeAlpha();
  const upscaling = image.width <= size && image.height <= size;
  const { data, info } = await instance
    .resize(size, size, {
      fit: 'contain',
      kernel: upscaling ? 'nearest' : 'lanczos3',
      background: { r: background[0], g: background[1], b: background[2], alpha: 1 },
    })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
    channels: info.channels,
  };
}

/**
 * Paints 8-bit RGB tiles and an SVG overlay (text labels) on a `width`x`height` canvas and
 * encodes it as PNG.
 */
export async function composeCanvas(
  width: number,
  height: number,
  background: readonly [number, number, number],
  tiles: readonly CanvasTile[],
  svgOverlay: string,
): Promise<Buffer> {
  const layers: sharp.OverlayOptions[] = tiles.map(({ image, left, top }) => ({
    input: Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), // a view, not a copy
    raw: { width: image.width, height: image.height, channels: image.channels as 1 | 2 | 3 | 4 },
    left,
    top,
  }));
  layers.push({ input: Buffer.from(svgOverlay), left: 0, top: 0 });
  return sharp({
    create: { width, height, channels: 3, background: { r: background[0], g: background[1], b: background[2] } },
  })
    .composite(layers)
    .png()
    .toBuffer();
}
