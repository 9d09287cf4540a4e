/**
 * A small seeded generator for the synthetic dataset: xoshiro128** (Blackman & Vigna, 2018)
 * seeded through SplitMix32. It is self-contained on purpose, so the bytes of a synthetic
 * dataset depend only on this file and never on another package's RNG evolving.
 */

/**
 * Mixes numbers into one well-scrambled 32-bit seed (murmur3 steps per 32-bit word), so
 * related seeds such as `(seed, artist, number)` give unrelated streams.
 * @example new SyntheticRng(mixSeed(seed, 1, artistIndex, paintingNumber));
 */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    if (!Number.isFinite(part)) throw new RangeError(`mixSeed: every part must be a finite number, got ${part}`);
    // Two halves so seeds above 2^32 still change the result.
    for (const word of [part >>> 0, Math.floor(part / 4294967296) >>> 0]) {
      let k = Math.imul(word, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, 0x1b873593);
      h ^= k;
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Seeded xoshiro128** generator with the few draws the painter needs. */
export class SyntheticRng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /**
   * @param seed any finite number; equal seeds give equal streams.
   * @example const rng = new SyntheticRng(42); rng.uniform(0, 1);
   */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`SyntheticRng: seed must be a finite number, got ${seed}`);
    // SplitMix32 expands one seed into four non-zero state words.
    let state = mixSeed(seed);
    const next = (): number => {
      state = (state + 0x9e3779b9) | 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next raw 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform float in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Uniform integer in [low, high] (both inclusive). */
  integer(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1));
  }

  /** Standard normal draw (Box-Muller; one value per call keeps the stream simple). */
  normal(mean = 0, standardDeviation = 1): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + standardDeviation * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('SyntheticRng.pick: items must not be empty');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** In-place Fisher-Yates shuffle; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }

  /** An independent generator derived from this one's next draw. */
  fork(): SyntheticRng {
    return new SyntheticRng(mixSeed(this.nextUint32(), this.nextUint32()));
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
