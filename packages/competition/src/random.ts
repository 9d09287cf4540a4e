/**
 * Stateless seed derivation and a small serialisable PRNG. Every random choice of the
 * pipeline and the training loop is a pure function of (seed, epoch, index), so a resumed
 * run needs no hidden generator state to continue exactly where it stopped.
 *
 * The generator is internal/rng.ts's Mulberry32, whose stream is frozen: it decides fold
 * assignments, holdout splits, data order and TF.js's dropout masks (see that module).
 */
import { fmix32, Mulberry32, murmur3Step, shuffleInPlace } from '../../../internal/rng.js';

/**
 * Mixes 32-bit integers into one well-spread uint32 seed (murmur3 finaliser chain).
 * @example
 * const sampleSeed = mixSeeds(seed, epoch, index);
 */
export function mixSeeds(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = murmur3Step(h, part);
    // Fold in the high bits of non-32-bit numbers too (e.g. large seeds).
    const high = Math.floor(part / 0x100000000) | 0;
    h ^= Math.imul(high, 0x85ebca6b);
  }
  return fmix32(h);
}

/**
 * Mulberry32: tiny, fast, deterministic; the state is one uint32 (`state`).
 * @example
 * const order = new SeededRandom(42).shuffle([0, 1, 2, 3]);
 */
export class SeededRandom extends Mulberry32 {
  constructor(seed: number) {
    super(mixSeeds(seed));
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Fisher-Yates shuffle in place; returns the array. */
  shuffle<T>(array: T[]): T[] {
    return shuffleInPlace(array, () => this.next());
  }
}

/**
 * Runs `fn` with `Math.random` replaced by a generator seeded from `seed`, then restores it.
 * TF.js draws unseeded randomness (dropout masks, stochastic depth, initialisers) from
 * `Math.random`; seeding it per step makes training reproducible and resumable.
 *
 * @example
 * const model = withSeededRandom(42, () => buildModel()); // same initial weights every time
 */
export function withSeededRandom<T>(seed: number, fn: () => T): T {
  const original = Math.random;
  const rng = new SeededRandom(seed);
  Math.random = () => rng.next();
  let restoreNow = true;
  try {
    const result = fn();
    if (result instanceof Promise) {
      restoreNow = false;
      return result.finally(() => {
        Math.random = original;
      }) as T;
    }
    return result;
  } finally {
    if (restoreNow) Math.random = original;
  }
}
