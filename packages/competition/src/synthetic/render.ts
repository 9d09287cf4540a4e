import type { SyntheticRng } from './rng.js';
import { clamp, type ArtistStyle, type Rgb } from './style.js';

/** A rendered image: uint8 RGB, HWC (the same shape as @art/augment's `RawImage`). */
export interface SyntheticImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3;
}

/** A crop rectangle in pixels. */
export interface CropBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Upper bound on strokes per painting, so tiny widths cannot explode the render time. */
const maxStrokes = 6000;

/**
 * Paints one picture in an artist's style. Every random choice comes from `rng`, so equal
 * generator states give identical pixels.
 *
 * Layers, bottom to top: a background composition, large shapes, a value-noise texture and
 * brush strokes whose direction, length, width and density follow the style.
 *
 * @example
 * const image = renderPainting(createArtistStyle(0, 2), new SyntheticRng(7), 160, 128);
 */
export function renderPainting(style: ArtistStyle, rng: SyntheticRng, width: number, height: number): SyntheticImage {
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(value) || value < 8) {
      throw new RangeError(`renderPainting: ${name} must be an integer >= 8, got ${value}`);
    }
  }
  const shorter = Math.min(width, height);
  const palette = style.palette.map((colour) => jitterColour(colour, rng, style.paletteJitter));
  const canvas = new Float32Array(width * height * 3);

  paintBackground(canvas, width, height, style, palette, rng);
  paintShapes(canvas, width, height, style, palette, rng);
  addTexture(canvas, width, height, style, rng);
  paintStrokes(canvas, width, height, shorter, style, palette, rng);

  const data = new Uint8Array(canvas.length);
  const contrast = style.contrast * rng.uniform(0.92, 1.08);
  const brightness = rng.uniform(-0.04, 0.04);
  for (let i = 0; i < canvas.length; i++) {
    data[i] = Math.round(clamp((canvas[i]! - 0.5) * contrast + 0.5 + brightness, 0, 1) * 255);
  }
  return { data, width, height, channels: 3 };
}

/**
 * A crop of about a quarter of the area at a random place, with a random aspect: the crop
 * width is 40-62.5 % of the image width and the height makes the area a quarter.
 * @example quarterCropBox(160, 160, new SyntheticRng(1)) // e.g. { left: 12, top: 40, width: 74, height: 86 }
 */
export function quarterCropBox(width: number, height: number, rng: SyntheticRng): CropBox {
  const widthFraction = rng.uniform(0.4, 0.625);
  const cropWidth = clamp(Math.round(width * widthFraction), 1, width);
  const cropHeight = clamp(Math.round((height * 0.25) / widthFraction), 1, height);
  return {
    left: rng.integer(0, width - cropWidth),
    top: rng.integer(0, height - cropHeight),
    width: cropWidth,
    height: cropHeight,
  };
}

/**
 * Copies a rectangle out of an image.
 * @example const crop = cropImage(image, quarterCropBox(image.width, image.height, rng));
 */
export function cropImage(image: SyntheticImage, box: CropBox): SyntheticImage {
  if (box.left < 0 || box.top < 0 || box.left + box.width > image.width || box.top + box.height > image.height) {
    throw new RangeError(`cropImage: box ${JSON.stringify(box)} lies outside the ${image.width}x${image.height} image`);
  }
  const data = new Uint8Array(box.width * box.height * 3);
  for (let y = 0; y < box.height; y++) {
    const from = ((box.top + y) * image.width + box.left) * 3;
    data.set(image.data.subarray(from, from + box.width * 3), y * box.width * 3);
  }
  return { data, width: box.width, height: box.height, channels: 3 };
}

function jitterColour(colour: Rgb, rng: SyntheticRng, jitter: number): Rgb {
  return [
    clamp(colour[0] + rng.normal(0, jitter), 0, 1),
    clamp(colour[1] + rng.normal(0, jitter), 0, 1),
    clamp(colour[2] + rng.normal(0, jitter), 0, 1),
  ];
}

function twoColours(palette: Rgb[], rng: SyntheticRng): [Rgb, Rgb] {
  const first = rng.integer(0, palette.length - 1);
  const second = (first + rng.integer(1, palette.length - 1)) % palette.length;
  return [palette[first]!, palette[second]!];
}

function paintBackground(
  canvas: Float32Array,
  width: number,
  height: number,
  style: ArtistStyle,
  palette: Rgb[],
  rng: SyntheticRng,
): void {
  const [a, b] = twoColours(palette, rng);
  const set = (x: number, y: number, t: number): void => {
    const i = (y * width + x) * 3;
    canvas[i] = a[0] + (b[0] - a[0]) * t;
    canvas[i + 1] = a[1] + (b[1] - a[1]) * t;
    canvas[i + 2] = a[2] + (b[2] - a[2]) * t;
  };
  switch (style.composition) {
    case 'gradient': {
      const angle = rng.uniform(0, 2 * Math.PI);
      const dx = Math.cos(angle) / width;
      const dy = Math.sin(angle) / height;
      const offset = Math.min(0, dx * width) + Math.min(0, dy * height);
      const span = Math.abs(dx * width) + Math.abs(dy * height);
      for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) set(x, y, (x * dx + y * dy - offset) / span);
      break;
    }
    case 'horizon': {
      const horizon = rng.uniform(0.3, 0.7) * height;
      const amplitude = rng.uniform(0, 0.06) * height;
      const frequency = (rng.uniform(1, 4) * 2 * Math.PI) / width;
      const phase = rng.uniform(0, 2 * Math.PI);
      const softness = rng.uniform(1, 0.08 * height);
      for (let x = 0; x < width; x++) {
        const line = horizon + amplitude * Math.sin(x * frequency + phase);
        for (let y = 0; y < height; y++) set(x, y, clamp((y - line) / softness + 0.5, 0, 1));
      }
      break;
    }
    case 'radial': {
      const cx = rng.uniform(0.3, 0.7) * width;
      const cy = rng.uniform(0.3, 0.7) * height;
      const radius = rng.uniform(0.35, 0.8) * Math.max(width, height);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) set(x, y, clamp(Math.sqrt((x - cx) ** 2 + (y - cy) ** 2) / radius, 0, 1));
      }
      break;
    }
    case 'diagonal': {
      const angle = rng.uniform(0.6, 0.97) * (rng.next() < 0.5 ? 1 : -1);
      const nx = Math.cos(angle);
      const ny = Math.sin(angle);
      const cx = rng.uniform(0.35, 0.65) * width;
      const cy = rng.uniform(0.35, 0.65) * height;
      const softness = rng.uniform(1, 6);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) set(x, y, clamp(((x - cx) * nx + (y - cy) * ny) / softness + 0.5, 0, 1));
      }
      break;
    }
    case 'blocks': {
      // Recursive splits, as in a Mondrian-like grid; each leaf takes one palette colour.
      const split = (left: number, top: number, w: number, h: number, depth: number): void => {
        if (depth === 0 || w < 12 || h < 12 || (depth < 3 && rng.next() < 0.25)) {
          const colour = rng.pick(palette);
          for (let y = top; y < top + h; y++) {
            for (let x = left; x < left + w; x++) {
              const i = (y * width + x) * 3;
              canvas[i] = colour[0];
              canvas[i + 1] = colour[1];
              canvas[i + 2] = colour[2];
            }
          }
          return;
        }
        if (w >= h) {
          const cut = Math.round(w * rng.uniform(0.3, 0.7));
          split(left, top, cut, h, depth - 1);
          split(left + cut, top, w - cut, h, depth - 1);
        } else {
          const cut = Math.round(h * rng.uniform(0.3, 0.7));
          split(left, top, w, cut, depth - 1);
          split(left, top + cut, w, h - cut, depth - 1);
        }
      };
      split(0, 0, width, height, 4);
      break;
    }
  }
}

function paintShapes(
  canvas: Float32Array,
  width: number,
  height: number,
  style: ArtistStyle,
  palette: Rgb[],
  rng: SyntheticRng,
): void {
  const count = Math.round(style.shapeCount * rng.uniform(0.5, 1.5));
  const shorter = Math.min(width, height);
  for (let s = 0; s < count; s++) {
    const colour = rng.pick(palette);
    const size = rng.uniform(0.1, 0.3) * shorter;
    const cx = rng.uniform(0, width);
    const cy = rng.uniform(0, height);
    const disc = rng.next() < 0.5;
    const opacity = rng.uniform(0.6, 0.95);
    const x0 = Math.max(0, Math.floor(cx - size - 1));
    const x1 = Math.min(width - 1, Math.ceil(cx + size + 1));
    const y0 = Math.max(0, Math.floor(cy - size - 1));
    const y1 = Math.min(height - 1, Math.ceil(cy + size + 1));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const distance = disc ? Math.sqrt((x - cx) ** 2 + (y - cy) ** 2) : Math.max(Math.abs(x - cx), Math.abs(y - cy));
        const coverage = clamp(size - distance + 0.5, 0, 1) * opacity;
        if (coverage > 0) blend(canvas, (y * width + x) * 3, colour, coverage);
      }
    }
  }
}

function addTexture(canvas: Float32Array, width: number, height: number, style: ArtistStyle, rng: SyntheticRng): void {
  // Value noise: random values on a lattice, smoothly interpolated; the cell is the texture scale.
  const cell = Math.max(2, style.textureScale * Math.min(width, height) * rng.uniform(0.8, 1.25));
  const columns = Math.ceil(width / cell) + 2;
  const rows = Math.ceil(height / cell) + 2;
  const lattice = new Float32Array(columns * rows);
  for (let i = 0; i < lattice.length; i++) lattice[i] = rng.uniform(-1, 1);
  const amplitude = style.textureAmplitude;
  for (let y = 0; y < height; y++) {
    const gy = y / cell;
    const iy = Math.floor(gy);
    const ty = smoothstep(gy - iy);
    for (let x = 0; x < width; x++) {
      const gx = x / cell;
      const ix = Math.floor(gx);
      const tx = smoothstep(gx - ix);
      const v00 = lattice[iy * columns + ix]!;
      const v10 = lattice[iy * columns + ix + 1]!;
      const v01 = lattice[(iy + 1) * columns + ix]!;
      const v11 = lattice[(iy + 1) * columns + ix + 1]!;
      const value = (v00 + (v10 - v00) * tx + (v01 - v00 + (v00 - v10 - v01 + v11) * tx) * ty) * amplitude;
      const i = (y * width + x) * 3;
      canvas[i] = canvas[i]! + value;
      canvas[i + 1] = canvas[i + 1]! + value;
      canvas[i + 2] = canvas[i + 2]! + value;
    }
  }
}

function paintStrokes(
  canvas: Float32Array,
  width: number,
  height: number,
  shorter: number,
  style: ArtistStyle,
  palette: Rgb[],
  rng: SyntheticRng,
): void {
  const length = Math.max(1.5, style.strokeLength * shorter * rng.uniform(0.85, 1.15));
  const strokeWidth = Math.max(1, style.strokeWidth * shorter * rng.uniform(0.85, 1.15));
  const density = style.strokeDensity * rng.uniform(0.7, 1.3);
  const count = Math.min(maxStrokes, Math.round((density * width * height) / (length * strokeWidth)));
  const baseAngle = style.strokeAngle + rng.normal(0, 0.12);
  const swirlX = rng.uniform(0.2, 0.8) * width;
  const swirlY = rng.uniform(0.2, 0.8) * height;
  for (let s = 0; s < count; s++) {
    const cx = rng.uniform(0, width);
    const cy = rng.uniform(0, height);
    let angle: number;
    switch (style.strokeField) {
      case 'parallel':
        angle = baseAngle;
        break;
      case 'swirl':
        angle = Math.atan2(cy - swirlY, cx - swirlX) + Math.PI / 2;
        break;
      case 'crosshatch':
        angle = baseAngle + (rng.next() < 0.5 ? 0 : Math.PI / 2);
        break;
      case 'scattered':
        angle = rng.uniform(0, Math.PI);
        break;
    }
    angle += rng.normal(0, style.strokeAngleJitter);
    const half = (length * rng.uniform(0.6, 1.4)) / 2;
    const radius = (strokeWidth * rng.uniform(0.7, 1.3)) / 2;
    // Half the strokes take a palette colour, half re-paint the colour underneath a bit
    // lighter or darker: texture without losing the composition.
    let colour: Rgb;
    if (rng.next() < 0.5) {
      colour = rng.pick(palette);
    } else {
      const i = (Math.min(height - 1, Math.floor(cy)) * width + Math.min(width - 1, Math.floor(cx))) * 3;
      const shift = rng.uniform(-0.12, 0.12);
      colour = [canvas[i]! + shift, canvas[i + 1]! + shift, canvas[i + 2]! + shift];
    }
    drawCapsule(canvas, width, height, cx, cy, angle, half, radius, colour, style.strokeOpacity);
  }
}

function drawCapsule(
  canvas: Float32Array,
  width: number,
  height: number,
  cx: number,
  cy: number,
  angle: number,
  half: number,
  radius: number,
  colour: Rgb,
  opacity: number,
): void {
  const ux = Math.cos(angle);
  const uy = Math.sin(angle);
  const reach = half + radius + 1;
  const x0 = Math.max(0, Math.floor(cx - reach));
  const x1 = Math.min(width - 1, Math.ceil(cx + reach));
  const y0 = Math.max(0, Math.floor(cy - reach));
  const y1 = Math.min(height - 1, Math.ceil(cy + reach));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const px = x + 0.5 - cx;
      const py = y + 0.5 - cy;
      const along = clamp(px * ux + py * uy, -half, half);
      const distance = Math.sqrt((px - along * ux) ** 2 + (py - along * uy) ** 2);
      const coverage = clamp(radius - distance + 0.5, 0, 1);
      if (coverage > 0) blend(canvas, (y * width + x) * 3, colour, coverage * opacity);
    }
  }
}

function blend(canvas: Float32Array, i: number, colour: Rgb, alpha: number): void {
  canvas[i] = canvas[i]! + (colour[0] - canvas[i]!) * alpha;
  canvas[i + 1] = canvas[i + 1]! + (colour[1] - canvas[i + 1]!) * alpha;
  canvas[i + 2] = canvas[i + 2]! + (colour[2] - canvas[i + 2]!) * alpha;
}

function smoothstep(t: number): number {
  return t * t * (3 - 2 * t);
}
