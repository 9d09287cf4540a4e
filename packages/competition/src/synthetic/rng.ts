/**
 * The synthetic dataset's generator: internal/rng.ts's xoshiro128** (Blackman & Vigna, 2018),
 * seeded through SplitMix32 from {@link mixSeed}, with the few draws the painter needs. The
 * bytes of a synthetic dataset depend on this stream and these draws, so both are frozen:
 * floats here take 32 bits (not the 53 of `random()`), normals are Box-Muller.
 */
import { fmix32, murmur3Step, shuffleInPlace, splitMix32State, Xoshiro128StarStar } from '../../../../internal/rng.js';

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
    h = murmur3Step(murmur3Step(h, part >>> 0), Math.floor(part / 4294967296) >>> 0);
  }
  return fmix32(h);
}

/** Seeded xoshiro128** generator with the few draws the painter needs. */
export class SyntheticRng extends Xoshiro128StarStar {
  /**
   * @param seed any finite number; equal seeds give equal streams.
   * @example const rng = new SyntheticRng(42); rng.uniform(0, 1);
   */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`SyntheticRng: seed must be a finite number, got ${seed}`);
    super(splitMix32State(mixSeed(seed)));
  }

  /** Uniform float in [0, 1) from one 32-bit draw. */
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
    return shuffleInPlace(items, () => this.next());
  }

  /** An independent generator derived from this one's next draw. */
  fork(): SyntheticRng {
    return new SyntheticRng(mixSeed(this.nextUint32(), this.nextUint32()));
  }
}
