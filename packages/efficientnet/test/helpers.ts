import * as tf from '@tensorflow/tfjs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EfficientNet } from '../src/index.js';

/** Committed copy of the torchvision fixtures (`/work/shared/fixtures/efficientnet`). */
export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), 'fixtures/efficientnet');
export const MANIFEST = resolve(FIXTURES, 'manifest.json');

/** The fixtures' parity criterion: max|ours - ref| <= 1e-4 * max(1, max|ref|). */
export const PARITY_TOLERANCE = 1e-4;

/** max|actual - expected| / max(1, max|expected|); NaN or a length mismatch gives Infinity. */
export function parityError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) {
    const difference = Math.abs(actual[i]! - expected[i]!);
    if (!(difference <= worst)) worst = Number.isNaN(difference) ? Number.POSITIVE_INFINITY : difference;
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return worst / scale;
}

/** Seeded non-trivial BatchNorm statistics and SE/classifier biases, so that folding is exercised. */
export function randomizeInferenceParameters(net: EfficientNet, seed: number): void {
  let state = seed;
  const uniform = (low: number, high: number): number => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return low + ((high - low) * state) / 2 ** 32;
  };
  for (const weight of net.model.weights) {
    const name = weight.originalName;
    const size = weight.shape.reduce<number>((a, b) => a * (b as number), 1);
    let values: Float32Array | null = null;
    if (/\/moving_variance$/.test(name)) values = Float32Array.from({ length: size }, () => uniform(0.3, 2.5));
    else if (/\/moving_mean$/.test(name)) values = Float32Array.from({ length: size }, () => uniform(-0.4, 0.4));
    else if (/\/gamma$/.test(name)) values = Float32Array.from({ length: size }, () => uniform(0.5, 1.5));
    else if (/\/(beta|bias)$/.test(name)) values = Float32Array.from({ length: size }, () => uniform(-0.2, 0.2));
    if (values !== null) {
      tf.tidy(() => {
        weight.write(tf.tensor(values, weight.shape as number[]));
      });
    }
  }
}
