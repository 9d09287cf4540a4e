import { shuffleInPlace, splitMix32State, Xoshiro128StarStar } from '../../../../internal/rng.js';

/**
 * Seeded, forkable random number generator: **xoshiro128\*\*** (Blackman & Vigna, 2018) on
 * four 32-bit words, seeded through SplitMix32 so that nearby seeds give unrelated streams.
 * Floats use 53 random bits; normals use Marsaglia & Tsang's ziggurat (128 layers), which is
 * several times faster than Box–Muller for noise arrays. `Math.random` is never used.
 */
export interface Rng {
  /** Next raw 32-bit unsigned integer. */
  nextUint32(): number;
  /** Uniform float in [0, 1) with 53 random bits (Python's `random.random()`). */
  random(): number;
  /** Uniform float in [low, high): `low + (high - low) * random()` (Python's `random.uniform`). */
  uniform(low: number, high: number): number;
  /** Uniform integer in [low, high], both ends inclusive (Python's `random.randint`). */
  randint(low: number, high: number): number;
  /** Gaussian sample with the given mean and standard deviation. */
  normal(mean?: number, std?: number): number;
  /** Fills a new Float64Array of `count` Gaussian samples. */
  normalArray(count: number, mean?: number, std?: number): Float64Array;
  /** Writes Gaussian samples into `target[start..end)` (same stream as {@link normalArray}). */
  fillNormal(target: Float64Array, mean?: number, std?: number, start?: number, end?: number): Float64Array;
  /** Picks an index in [0, count) (or an element of an array), optionally with weights. */
  choice<T>(items: readonly T[], weights?: readonly number[]): T;
  /** `count` distinct elements of `items` in random order (Python's `random.sample`). */
  sample<T>(items: readonly T[], count: number): T[];
  /** Shuffles a copy of `items` (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[];
  /** An independent generator seeded from this one's stream (advances this one by 4 draws). */
  fork(): Rng;
  /** The generator state, for checkpointing. */
  getState(): [number, number, number, number];
}

const ZIGGURAT_R = 3.442619855899;
const ZIGGURAT_INVERSE_R = 1 / ZIGGURAT_R;
let ziggurat: { kn: Float64Array; wn: Float64Array; fn: Float64Array } | undefined;

/** Marsaglia & Tsang's 128-layer ziggurat tables for the standard normal. */
function zigguratTables(): { kn: Float64Array; wn: Float64Array; fn: Float64Array } {
  if (ziggurat) return ziggurat;
  const kn = new Float64Array(128);
  const wn = new Float64Array(128);
  const fn = new Float64Array(128);
  const m1 = 2147483648;
  const vn = 9.91256303526217e-3;
  let dn = ZIGGURAT_R;
  let tn = dn;
  const q = vn / Math.exp(-0.5 * dn * dn);
  kn[0] = (dn / q) * m1;
  kn[1] = 0;
  wn[0] = q / m1;
  wn[127] = dn / m1;
  fn[0] = 1;
  fn[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(vn / dn + Math.exp(-0.5 * dn * dn)));
    kn[i + 1] = (dn / tn) * m1;
    tn = dn;
    fn[i] = Math.exp(-0.5 * dn * dn);
    wn[i] = dn / m1;
  }
  ziggurat = { kn, wn, fn };
  return ziggurat;
}

/** The generator of internal/rng.ts (state, step, `random`, `getState`) with the draws augment needs. */
class SeededRng extends Xoshiro128StarStar implements Rng {
  uniform(low: number, high: number): number {
    return low + (high - low) * this.random();
  }

  randint(low: number, high: number): number {
    if (!Number.isInteger(low) || !Number.isInteger(high) || high < low) {
      throw new RangeError(`randint needs integers low <= high, got ${low}, ${high}`);
    }
    return low + Math.floor(this.random() * (high - low + 1));
  }

  normal(mean = 0, std = 1): number {
    return mean + std * this.standardNormal();
  }

  /** Ziggurat (Marsaglia & Tsang 2000): one 32-bit draw and a table lookup in ~98.8% of calls. */
  private standardNormal(): number {
    const { kn, wn } = zigguratTables();
    const hz = this.nextUint32() | 0;
    const iz = hz & 127;
    return Math.abs(hz) < kn[iz]! ? hz * wn[iz]! : this.slowNormal(hz, iz);
  }

  /** Uniform in the open interval (0, 1) from 32 bits. */
  private unitOpen(): number {
    return (this.nextUint32() + 0.5) / 4294967296;
  }

  normalArray(count: number, mean = 0, std = 1): Float64Array {
    return this.fillNormal(new Float64Array(count), mean, std);
  }

  fillNormal(target: Float64Array, mean = 0, std = 1, start = 0, end = target.length): Float64Array {
    const { kn, wn } = zigguratTables();
    // The xoshiro128** step is inlined on local copies of the state (hot loop); the state is
    // written back before the rare slow path, which draws through the methods.
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let index = start; index < end; index++) {
      const product = Math.imul(s1, 5);
      const hz = Math.imul((product << 7) | (product >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      const iz = hz & 127;
      let value: number;
      if (Math.abs(hz) < kn[iz]!) value = hz * wn[iz]!;
      else {
        this.s0 = s0;
        this.s1 = s1;
        this.s2 = s2;
        this.s3 = s3;
        value = this.slowNormal(hz, iz);
        s0 = this.s0;
        s1 = this.s1;
        s2 = this.s2;
        s3 = this.s3;
      }
      target[index] = mean + std * value;
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    return target;
  }

  /**
   * The ziggurat's slow path after a first draw outside its layer's core (wedge test, tail,
   * redraws), shared by {@link standardNormal} and {@link fillNormal}.
   */
  private slowNormal(firstHz: number, firstIz: number): number {
    const { kn, wn, fn } = zigguratTables();
    let hz = firstHz;
    let iz = firstIz;
    for (;;) {
      const x = hz * wn[iz]!;
      if (iz === 0) {
        let tail: number;
        let y: number;
        do {
          tail = -Math.log(this.unitOpen()) * ZIGGURAT_INVERSE_R;
          y = -Math.log(this.unitOpen());
        } while (y + y < tail * tail);
        return hz > 0 ? ZIGGURAT_R + tail : -ZIGGURAT_R - tail;
      }
      if (fn[iz]! + this.unitOpen() * (fn[iz - 1]! - fn[iz]!) < Math.exp(-0.5 * x * x)) return x;
      hz = this.nextUint32() | 0;
      iz = hz & 127;
      if (Math.abs(hz) < kn[iz]!) return hz * wn[iz]!;
    }
  }

  choice<T>(items: readonly T[], weights?: readonly number[]): T {
    if (items.length === 0) throw new RangeError('choice needs a non-empty list');
    if (!weights) return items[Math.floor(this.random() * items.length)]!;
    if (weights.length !== items.length) {
      throw new RangeError(`choice: ${weights.length} weights for ${items.length} items`);
    }
    let total = 0;
    for (const weight of weights) {
      if (!(weight >= 0)) throw new RangeError(`choice: weights must be >= 0, got ${weight}`);
      total += weight;
    }
    if (total <= 0) throw new RangeError('choice: weights sum to 0');
    const target = this.random() * total;
    let cumulative = 0;
    for (let index = 0; index < items.length; index++) {
      cumulative += weights[index]!;
      if (target < cumulative) return items[index]!;
    }
    // Rounding can leave target == total; return the last item with non-zero weight.
    for (let index = items.length - 1; index >= 0; index--) if (weights[index]! > 0) return items[index]!;
    return items[items.length - 1]!;
  }

  sample<T>(items: readonly T[], count: number): T[] {
    if (count > items.length) throw new RangeError(`sample: cannot take ${count} of ${items.length} items`);
    return this.shuffle(items).slice(0, count);
  }

  shuffle<T>(items: readonly T[]): T[] {
    return shuffleInPlace(items.slice(), () => this.random());
  }

  fork(): Rng {
    return new SeededRng([this.nextUint32(), this.nextUint32(), this.nextUint32(), this.nextUint32()]);
  }
}

/**
 * Creates a seeded xoshiro128** generator. The same seed always gives the same stream.
 * @param seed any integer (taken modulo 2^32); non-integers are rejected.
 * @example
 * const rng = createRng(42);
 * const angle = rng.uniform(-45, 45);
 * const workerRng = rng.fork();
 */
export function createRng(seed: number): Rng {
  if (typeof seed !== 'number' || !Number.isFinite(seed) || !Number.isInteger(seed)) {
    throw new TypeError(`createRng: seed must be an integer, got ${String(seed)}`);
  }
  return new SeededRng(splitMix32State(seed));
}

/**
 * Restores a generator from {@link Rng.getState}.
 * @example
 * const copy = rngFromState(rng.getState());
 */
export function rngFromState(state: readonly [number, number, number, number]): Rng {
  return new SeededRng(state);
}

/**
 * The ziggurat tables, for the WebAssembly GaussNoise kernel (not part of the public API),
 * which replays `fillNormal`'s stream operation for operation.
 */
export function zigguratTablesForKernels(): { kn: Float64Array; wn: Float64Array; fn: Float64Array } {
  return zigguratTables();
}
