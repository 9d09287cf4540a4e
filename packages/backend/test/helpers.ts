import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll } from 'vitest';
import { Mulberry32 } from '../../../internal/rng.js';
import { initBackend, type BackendSelection } from '../src/index.js';
/** Small seeded generator (internal/rng.ts's Mulberry32, the stream these tests were written with): tests never use Math.random. */
export function createRandom(seed: number): {
  next(): number;
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
} {
  const generator = new Mulberry32(seed);
  const next = (): number => generator.next();
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}

export function randomValues(random: { next(): number }, size: number): Float32Array {
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = random.next() * 2 - 1;
  return values;
}

/** Largest element-wise difference divided by the reference's largest magnitude. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]!));
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  }
  return scale === 0 ? worst : worst / scale;
}

/** A tensor as plain arrays. */
export type KernelData = { shape: number[]; values: Float32Array };

/** Kernel input of `shape` with values `v * scale + shift`, v uniform in [-1, 1). */
export function randomData(random: { next(): number }, shape: number[], scale = 1, shift = 0): KernelData {
  const size = shape.reduce((a, b) => a * b, 1);
  return { shape, values: randomValues(random, size).map((v) => v * scale + shift) };
}

/**
 * Inside a `describe`: the wasm backend with `threads` threads for its tests, then the backend
 * that was active before. `selected` sees what initBackend chose; `beforeRestore` runs first
 * on the way out.
 */
export function useWasmBackend(
  threads: number,
  hooks: { selected?(selection: BackendSelection): void; beforeRestore?(): void } = {},
): void {
  let previousBackend: string;
  beforeAll(async () => {
    previousBackend = tf.getBackend() ?? 'cpu';
    const selection = await initBackend({ backend: 'wasm', threads });
    hooks.selected?.(selection);
  });
  afterAll(async () => {
    hooks.beforeRestore?.();
    await tf.setBackend(previousBackend);
  });
}

/** Runs a kernel on a backend from plain arrays; every output comes back as plain arrays. */
export async function runKernelOn(
  backend: string,
  kernelName: string,
  inputs: Record<string, KernelData>,
  attrs: tf.NamedAttrMap = {},
): Promise<KernelData[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const tensors: Record<string, tf.Tensor> = {};
    for (const [name, { shape, values }] of Object.entries(inputs)) tensors[name] = tf.tensor(values, shape);
    const out = tf.engine().runKernel(kernelName, tensors, attrs) as tf.Tensor | tf.Tensor[];
    return (Array.isArray(out) ? out : [out]).map((t) => ({ shape: t.shape, values: t.dataSync() as Float32Array }));
  });
}
