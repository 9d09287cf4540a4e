import { mixSeed, SyntheticRng } from './rng.js';

/** An RGB colour with channels in [0, 1]. */
export type Rgb = readonly [number, number, number];

/** How a painting's background is laid out. */
export const compositionKinds = ['gradient', 'horizon', 'radial', 'blocks', 'diagonal'] as const;
export type CompositionKind = (typeof compositionKinds)[number];

/** How stroke directions vary over the canvas. */
export const strokeFieldKinds = ['parallel', 'swirl', 'crosshatch', 'scattered'] as const;
export type StrokeFieldKind = (typeof strokeFieldKinds)[number];

/**
 * The style of one synthetic artist. Every painting by the artist is drawn at random around
 * these values, so paintings of one artist resemble each other without being copies.
 */
export interface ArtistStyle {
  /** 0-based artist index. */
  index: number;
  /** Display name, e.g. "Synthetic Artist 01". */
  name: string;
  /** 4-6 colours the artist paints with. */
  palette: Rgb[];
  /** Standard deviation of the per-painting colour jitter (0-1 scale). */
  paletteJitter: number;
  composition: CompositionKind;
  /** Mean stroke direction in radians (0 = horizontal). */
  strokeAngle: number;
  /** Standard deviation of the stroke direction in radians. */
  strokeAngleJitter: number;
  strokeField: StrokeFieldKind;
  /** Mean stroke length as a fraction of the painting's shorter side. */
  strokeLength: number;
  /** Mean stroke width as a fraction of the painting's shorter side. */
  strokeWidth: number;
  /** Canvas coverage of the strokes: total stroke area / canvas area. */
  strokeDensity: number;
  /** Stroke opacity in (0, 1]. */
  strokeOpacity: number;
  /** Lattice cell of the value-noise texture as a fraction of the shorter side. */
  textureScale: number;
  /** Amplitude of the texture on brightness (0-1 scale). */
  textureAmplitude: number;
  /** Mean number of large shapes (discs and rectangles) in the composition. */
  shapeCount: number;
  /** Global contrast applied around mid-grey (1 = unchanged). */
  contrast: number;
}

/**
 * Name of the synthetic artist at `index` ("Synthetic Artist 01", ...), stable and unique.
 * @example syntheticArtistName(0) // "Synthetic Artist 01"
 */
export function syntheticArtistName(index: number): string {
  return `Synthetic Artist ${String(index + 1).padStart(2, '0')}`;
}

/** HSV (all in [0, 1]) to RGB in [0, 1]. */
export function hsvToRgb(hue: number, saturation: number, value: number): Rgb {
  const h = (((hue % 1) + 1) % 1) * 6;
  const sector = Math.floor(h);
  const f = h - sector;
  const p = value * (1 - saturation);
  const q = value * (1 - saturation * f);
  const t = value * (1 - saturation * (1 - f));
  switch (sector) {
    case 0:
      return [value, t, p];
    case 1:
      return [q, value, p];
    case 2:
      return [p, value, t];
    case 3:
      return [p, q, value];
    case 4:
      return [t, p, value];
    default:
      return [value, p, q];
  }
}

/**
 * Draws the style of artist `index` for a dataset seed. The style depends only on
 * `(seed, index)`, so adding artists never changes the existing ones.
 *
 * Hues are spread by the golden ratio over the artists and every other trait is drawn at
 * random, so each artist is distinctive in several independent ways (colour, stroke
 * direction and length, texture scale, composition) rather than in colour alone.
 *
 * @example const style = createArtistStyle(0, 3); style.name // "Synthetic Artist 04"
 */
export function createArtistStyle(seed: number, index: number): ArtistStyle {
  if (!Number.isInteger(index) || index < 0) {
    throw new RangeError(`createArtistStyle: index must be a non-negative integer, got ${index}`);
  }
  const rng = new SyntheticRng(mixSeed(seed, 0x5717e, index));
  const baseHue = (index * 0.61803398875 + rng.uniform(-0.04, 0.04) + (mixSeed(seed) % 1000) / 1000) % 1;
  const scheme = rng.pick(['analogous', 'complementary', 'triadic', 'monochrome'] as const);
  const saturation = rng.uniform(0.25, 0.95);
  const valueCentre = rng.uniform(0.35, 0.85);
  const colourCount = rng.integer(4, 6);
  const palette: Rgb[] = [];
  for (let i = 0; i < colourCount; i++) {
    let hue = baseHue;
    if (scheme === 'analogous') hue += rng.uniform(-0.08, 0.08);
    else if (scheme === 'complementary') hue += (i % 2) * 0.5 + rng.uniform(-0.03, 0.03);
    else if (scheme === 'triadic') hue += (i % 3) / 3 + rng.uniform(-0.03, 0.03);
    else hue += rng.uniform(-0.02, 0.02);
    const s = clamp(saturation + rng.uniform(-0.2, 0.2), 0.05, 1);
    const v = clamp(valueCentre + rng.uniform(-0.3, 0.3), 0.08, 1);
    palette.push(hsvToRgb(hue, s, v));
  }
  return {
    index,
    name: syntheticArtistName(index),
    palette,
    paletteJitter: rng.uniform(0.02, 0.06),
    composition: rng.pick(compositionKinds),
    strokeAngle: rng.uniform(0, Math.PI),
    strokeAngleJitter: rng.uniform(0.05, 0.35),
    strokeField: rng.pick(strokeFieldKinds),
    strokeLength: Math.exp(rng.uniform(Math.log(0.03), Math.log(0.3))),
    strokeWidth: Math.exp(rng.uniform(Math.log(0.008), Math.log(0.04))),
    strokeDensity: rng.uniform(0.4, 1.6),
    strokeOpacity: rng.uniform(0.45, 0.95),
    textureScale: Math.exp(rng.uniform(Math.log(0.015), Math.log(0.2))),
    textureAmplitude: rng.uniform(0.03, 0.16),
    shapeCount: rng.pick([0, 0, 1, 2, 4]),
    contrast: rng.uniform(0.8, 1.3),
  };
}

export function clamp(value: number, low: number, high: number): number {
  return value < low ? low : value > high ? high : value;
}
