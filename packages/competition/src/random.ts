/**
 * Stateless seed derivation and a small serialisable PRNG. Every random choice of the
 * pipeline and the training loop is a pure function of (seed, epoch, index), so a resumed
 * run needs no hidden generator state to continue exactly where it stopped.
 */

/**
 * Mixes 32-bit integers into one well-spread uint32 seed (murmur3 finaliser chain).
 * @example
 * const sampleSeed = mixSeeds(seed, epoch, index);
 */
export function mixSeeds(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    let k = Math.imul(part >>> 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    // Fold in the high bits of non-32-bit numbers too (e.g. large seeds).
    const high = Math.floor(part / 0x100000000) | 0;
    h ^= Math.imul(high, 0x85ebca6b);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Mulberry32: tiny, fast, deterministic; the state is one uint32 (`state`).
 * @example
 * const order = new SeededRandom(42).shuffle([0, 1, 2, 3]);
 */
export class SeededRandom {
  state: number;
  constructor(seed: number) {
    this.state = mixSeeds(seed) >>> 0;
  }
  /** Uniform float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Fisher-Yates shuffle in place; returns the array. */
  shuffle<T>(array: T[]): T[] {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i]!;
      array[i] = array[j]!;
      array[j] = tmp;
    }
    return array;
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
