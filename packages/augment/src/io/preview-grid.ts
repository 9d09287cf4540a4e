import { fromAlbumentationsDict, toAlbumentationsDict, type AlbumentationsDict, type BaseTransform } from '../index.js';
import type { RawImage } from '../core/raw-image.js';
import { augmentSample, type ApplicablePipeline } from '../pool/sample.js';
import { composeCanvas, decodeImage, fitIntoSquare, type CanvasTile, type ImageSource } from './sharp.js';

/** One row of a preview grid: an image (decoded, or a file path / bytes) and its label. */
export interface PreviewGridEntry {
  image: RawImage | ImageSource;
  /** Row label. Default `"image <n>"`. */
  label?: string;
}

/** How a float (normalised) pipeline output is turned back into displayable pixels. */
export interface Denormalize {
  mean: readonly number[];
  std: readonly number[];
}

/** Options of {@link previewGrid}. */
export interface PreviewGridOptions {
  images: readonly PreviewGridEntry[];
  /** The pipeline: an @art/augment transform or its albumentations `to_dict` JSON. */
  pipeline: object;
  /** Augmented variants per image (columns after the original). Default `4`. */
  variants?: number;
  /** Base seed: variant `v` of row `r` uses `deriveSampleSeed(seed, r * variants + v)`. Default `0`. */
  seed?: number;
  /** Side of the square cell each picture is fitted into (aspect kept). Default `160`. */
  cellSize?: number;
  /** Show the untouched input as the first column. Default `true`. */
  showOriginal?: boolean;
  /**
   * For float outputs: undo this normalisation before display. Default: the parameters of the
   * pipeline's last `Normalize`, if any; otherwise floats in [0, 1] are scaled by 255 and
   * other float ranges are stretched min..max.
   */
  denormalize?: Denormalize;
  /** Canvas colour, RGB 0..255. Default `[255, 255, 255]`. */
  background?: readonly [number, number, number];
}

const LABEL_HEIGHT = 18;
const GAP = 4;

/**
 * Renders `variants` augmented versions of each image in one labelled PNG: one row per image,
 * the original first, then the variants, each cell captioned (SVG text composited by sharp).
 * Outputs of `Normalize` / `ToTensorV2` are turned back into pixels for display.
 *
 * Canvas size: width = columns·(cellSize + 4) + 4, height = rows·(cellSize + 18 + 4) + 4.
 *
 * @example
 * const png = await previewGrid({
 *   images: [{ image: 'a.jpg', label: 'monet' }, { image: 'b.jpg', label: 'degas' }],
 *   pipeline: b3TrainJson, variants: 4, seed: 42, cellSize: 160,
 * });
 * await writeFile('preview.png', png);
 */
export async function previewGrid(options: PreviewGridOptions): Promise<Buffer> {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`previewGrid: options must be an object; got ${String(options)}`);
  const { images, variants = 4, seed = 0, cellSize = 160, showOriginal = true, background = [255, 255, 255] } = options;
  if (!Array.isArray(images) || images.length === 0) {
    throw new TypeError('previewGrid: options.images must be a non-empty array of { image, label }');
  }
  if (!Number.isInteger(variants) || variants < 0)
    throw new RangeError(`previewGrid: options.variants must be a non-negative integer; got ${variants}`);
  if (!Number.isSafeInteger(seed))
    throw new RangeError(`previewGrid: options.seed must be a safe integer; got ${seed}`);
  if (!Number.isInteger(cellSize) || cellSize < 8 || cellSize > 4096) {
    throw new RangeError(`previewGrid: options.cellSize must be an integer 8..4096; got ${cellSize}`);
  }
  if (!showOriginal && variants === 0)
    throw new RangeError('previewGrid: nothing to show with variants = 0 and showOriginal = false');
  const { pipeline, dict } = resolvePipeline(options.pipeline);
  const denormalize = options.denormalize ?? findNormalize(dict);

  const columns = (showOriginal ? 1 : 0) + variants;
  const width = columns * (cellSize + GAP) + GAP;
  const height = images.length * (cellSize + LABEL_HEIGHT + GAP) + GAP;
  const tiles: CanvasTile[] = [];
  const captions: { x: number; y: number; text: string }[] = [];

  const labels = images.map((entry, row) => entry.label ?? `image ${row}`);
  const maximum = captionLength(cellSize);
  const variantSuffix = (variant: number): string => ` · #${variant + 1}`;
  // Each label is shortened once, in view of the others, so that long labels sharing a prefix stay distinct.
  const plainCaptions = fitCaptions(labels, maximum);
  const variantCaptions = fitCaptions(labels, maximum - variantSuffix(Math.max(0, variants - 1)).length);
  for (let row = 0; row < images.length; row += 1) {
    const entry = images[row]!;
    const source = await toRawImage(entry.image, `options.images[${row}].image`);
    const top = GAP + row * (cellSize + LABEL_HEIGHT + GAP);
    const cells: { image: RawImage; caption: string }[] = [];
    if (showOriginal) cells.push({ image: source, caption: plainCaptions[row]! });
    for (let variant = 0; variant < variants; variant += 1) {
      const { image } = augmentSample(pipeline, source, seed, row * variants + variant);
      cells.push({
        image: toDisplayable(image, denormalize),
        caption: `${variantCaptions[row]}${variantSuffix(variant)}`,
      });
    }
    for (let column = 0; column < cells.length; column += 1) {
      const left = GAP + column * (cellSize + GAP);
      const cell = cells[column]!;
      tiles.push({ image: await fitIntoSquare(cell.image, cellSize, background), left, top: top + LABEL_HEIGHT });
      captions.push({ x: left + 2, y: top + LABEL_HEIGHT - 5, text: cell.caption });
    }
  }
  return composeCanvas(width, height, background, tiles, captionSvg(width, height, captions));
}

/** Escapes text for SVG character data. */
export function escapeSvgText(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function captionSvg(
  width: number,
  height: number,
  captions: readonly { x: number; y: number; text: string }[],
): string {
  const texts = captions.map(({ x, y, text }) => `<text x="${x}" y="${y}">${escapeSvgText(text)}</text>`).join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<g font-family="DejaVu Sans, Arial, Helvetica, sans-serif" font-size="12" fill="#111">${texts}</g></svg>`
  );
}

/** Characters of a caption that fit in a cell at 12 px (about 7 px per character). */
function captionLength(cellSize: number): number {
  return Math.max(4, Math.floor((cellSize - 4) / 7));
}

/**
 * Shortens each label to at most `maximum` characters, keeping what tells it apart from the
 * others: a label whose cut-off start another label shares keeps its first characters, an
 * ellipsis, then the part where it differs (e.g. two artists sharing a long first name show
 * their surnames). Labels that fit are unchanged.
 * @example
 * fitCaptions(['Jean-Baptiste-Camille Corot', 'Jean-Baptiste-Camille Pissarro'], 17); // ['Jean-…mille Corot', 'Jean-…le Pissarro']
 */
export function fitCaptions(labels: readonly string[], maximum: number): string[] {
  const budget = Math.max(4, maximum);
  return labels.map((label, index) => {
    if (label.length <= budget) return label;
    const truncated = `${label.slice(0, budget - 1)}…`;
    // The longest prefix this label shares with a different label.
    let shared = 0;
    labels.forEach((other, otherIndex) => {
      if (otherIndex === index || other === label) return;
      let length = 0;
      while (length < label.length && label[length] === other[length]) length += 1;
      shared = Math.max(shared, length);
    });
    if (shared < budget - 1) return truncated;
    const head = Math.min(6, Math.floor(budget / 3));
    let rest = budget - head - 1;
    // From the first differing character, or the end of the label when that is within reach.
    const start = Math.max(head, Math.min(shared, label.length - rest));
    const cut = start + rest < label.length;
    if (cut) rest -= 1;
    return `${label.slice(0, head)}…${label.slice(start, start + rest)}${cut ? '…' : ''}`;
  });
}

function resolvePipeline(pipeline: unknown): { pipeline: ApplicablePipeline; dict: unknown } {
  if (pipeline === null || typeof pipeline !== 'object') {
    throw new TypeError(
      `previewGrid: options.pipeline must be a transform or its albumentations to_dict JSON; got ${String(pipeline)}`,
    );
  }
  if (typeof (pipeline as { apply?: unknown }).apply === 'function') {
    let dict: unknown;
    try {
      dict =
        typeof (pipeline as { toDict?: unknown }).toDict === 'function'
          ? toAlbumentationsDict(pipeline as BaseTransform)
          : undefined;
    } catch {
      dict = undefined; // a custom, non-serialisable pipeline still previews; only Normalize detection is lost
    }
    return { pipeline: pipeline as ApplicablePipeline, dict };
  }
  return { pipeline: fromAlbumentationsDict(pipeline as AlbumentationsDict), dict: pipeline };
}

/** The last `Normalize` of an albumentations dict, as display denormalisation. */
function findNormalize(dict: unknown): Denormalize | undefined {
  let found: Denormalize | undefined;
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    const record = node as Record<string, unknown>;
    const name = record.__class_fullname__;
    if (typeof name === 'string' && /(^|\.)Normalize$/.test(name)) {
      const toList = (value: unknown, fallback: number[]) =>
        Array.isArray(value) ? (value as number[]) : typeof value === 'number' ? [value] : fallback;
      found = {
        mean: toList(record.mean, [0.485, 0.456, 0.406]),
        std: toList(record.std, [0.229, 0.224, 0.225]),
      };
    }
    for (const value of Object.values(record)) visit(value);
  };
  visit(dict);
  return found;
}

async function toRawImage(image: RawImage | ImageSource, name: string): Promise<RawImage> {
  if (image !== null && typeof image === 'object' && 'data' in image && 'width' in image) return image;
  if (
    typeof image === 'string' ||
    image instanceof URL ||
    image instanceof Uint8Array ||
    image instanceof ArrayBuffer
  ) {
    return decodeImage(image, typeof image === 'string' || image instanceof URL ? {} : { name });
  }
  throw new TypeError(`previewGrid: ${name} must be a RawImage, a file path or encoded bytes; got ${String(image)}`);
}

/** Converts a pipeline output (uint8 or float, HWC or CHW) to uint8 HWC for display. */
export function toDisplayable(image: RawImage, denormalize?: Denormalize): RawImage {
  const { width, height, channels } = image;
  const planar = image.layout === 'CHW';
  if (image.data instanceof Uint8Array && !planar) return image;
  const source = image.data;
  const count = width * height;
  const at = (pixel: number, channel: number) =>
    planar ? source[channel * count + pixel]! : source[pixel * channels + channel]!;
  const out = new Uint8Array(count * channels);
  let scale = (value: number, _channel: number) => value;
  if (source instanceof Float32Array) {
    if (denormalize) {
      // Normalize computed (pixel - mean·max) / (std·max); display wants pixel·255/max.
      scale = (value, channel) => {
        const mean = denormalize.mean[channel % denormalize.mean.length]!;
        const std = denormalize.std[channel % denormalize.std.length]!;
        return (value * std + mean) * 255;
      };
    } else {
      let low = Infinity;
      let high = -Infinity;
      for (const value of source) {
        if (value < low) low = value;
        if (value > high) high = value;
      }
      if (low >= 0 && high <= 1) scale = (value) => value * 255;
      else if (low >= 0 && high <= 255) scale = (value) => value;
      else scale = (value) => (high > low ? ((value - low) / (high - low)) * 255 : 0);
    }
  }
  for (let pixel = 0; pixel < count; pixel += 1) {
    for (let channel = 0; channel < channels; channel += 1) {
      const value = Math.round(scale(at(pixel, channel), channel));
      out[pixel * channels + channel] = value < 0 ? 0 : value > 255 ? 255 : value;
    }
  }
  return { data: out, width, height, channels };
}
