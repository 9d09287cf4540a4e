/**
 * The seeded random number generators of the @art packages, declared once (bundled into each
 * package that imports it; see internal/README.md). `Math.random` is never used.
 *
 * - {@link Xoshiro128StarStar}, seeded by {@link splitMix32State}: the generator. @art/augment's
 *   `Rng` adds its distributions on top (the augmentation parity fixtures replay its stream),
 *   @art/competition's synthetic data set paints with it, @art/efficientnet initialises weights
 *   and @art/pyramid-pooling shuffles with it.
 * - {@link Mulberry32}: a second algorithm, kept only because its stream is frozen: it is
 *   @art/competition's public `SeededRandom` (one number of state) and `withSeededRandom`, which
 *   decide fold assignments, holdout splits, data order and TF.js's dropout masks, so changing
 *   it would move every user's existing k-fold split and the README's demo figures. (The
 *   metrics demo's data and backend's test data also keep it.) New code uses xoshiro128**.
 * - {@link murmur3Step} and {@link fmix32}: murmur3's block step and finaliser, from which seed
 *   mixers are built (SplitMix32 ends with fmix32 too).
 */

/**
 * murmur3's 32-bit finaliser: a bijection on uint32 that makes every input bit flip about half
 * of the output bits.
 * @example
 * fmix32(1); // 1364076727
 */
export function fmix32(hash: number): number {
  let h = hash >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * One murmur3 block step: mixes the 32-bit `word` into the running hash `hash` (a signed
 * 32-bit integer; finish with {@link fmix32}).
 * @example
 * const seed = fmix32(murmur3Step(murmur3Step(0x9e3779b9, runSeed), epoch));
 */
export function murmur3Step(hash: number, word: number): number {
  let k = Math.imul(word >>> 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  let h = hash ^ k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/**
 * The four state words SplitMix32 expands `seed` (taken modulo 2^32) into, so that nearby
 * seeds give unrelated xoshiro128** streams.
 * @example
 * const generator = new Xoshiro128StarStar(splitMix32State(42));
 */
export function splitMix32State(seed: number): [number, number, number, number] {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    return fmix32(state);
  };
  return [next(), next(), next(), next()];
}

/**
 * Fisher–Yates shuffle of `items` in place (returns it): for i from the end, swap with
 * `floor(random() * (i + 1))`. Every generator of the packages shuffles through this, each with
 * its own float source, so a stream decides the same order wherever it is used.
 * @example
 * const generator = new Xoshiro128StarStar(splitMix32State(7));
 * shuffleInPlace([0, 1, 2, 3], () => generator.random());
 */
export function shuffleInPlace<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swapped = items[i]!;
    items[i] = items[j]!;
    items[j] = swapped;
  }
  return items;
}

/**
 * xoshiro128** (Blackman & Vigna, 2018): four 32-bit words of state, period 2^128 − 1, every
 * output bit of good quality (so `nextUint32() & mask` is a fair index).
 *
 * The state words are `protected` so that a subclass may run the step on local copies in a
 * hot loop (@art/augment's `fillNormal`) and write them back.
 * @example
 * const generator = new Xoshiro128StarStar(splitMix32State(7));
 * const index = generator.nextUint32() % 10;
 * const u = generator.random(); // [0, 1)
 */
export class Xoshiro128StarStar {
  protected s0: number;
  protected s1: number;
  protected s2: number;
  protected s3: number;

  /** @param state four words (taken modulo 2^32); the all-zero state is replaced by `[1, 0, 0, 0]`. */
  constructor(state: readonly [number, number, number, number]) {
    [this.s0, this.s1, this.s2, this.s3] = state.map((word) => word >>> 0) as [number, number, number, number];
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** Next raw 32-bit unsigned integer. */
  nextUint32(): number {
    const s1 = this.s1;
    const product = Math.imul(s1, 5);
    const result = Math.imul((product << 7) | (product >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result;
  }

  /** Uniform float in [0, 1) with 53 random bits from two draws (Python's `random.random()`). */
  random(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** The four state words, for checkpointing (`new Xoshiro128StarStar(state)` resumes). */
  getState(): [number, number, number, number] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }
}

/**
 * Mulberry32 (Tommy Ettinger): one 32-bit word of state (`state`, public so that it can be
 * saved). Kept for the frozen streams named at the top of this module; use xoshiro128** for
 * anything new.
 * @example
 * const generator = new Mulberry32(42);
 * const u = generator.next(); // [0, 1)
 */
export class Mulberry32 {
  /** The whole generator state. */
  state: number;

  /** @param state the initial state (taken modulo 2^32). */
  constructor(state: number) {
    this.state = state >>> 0;
  }

  /** Uniform float in [0, 1) from 32 random bits. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
