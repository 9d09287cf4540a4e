/**
 * Per-sample seeds. A sample's seed depends only on the base seed and the sample's index in the
 * stream, never on which worker runs it or when, so any number of workers gives the same output.
 */

// murmur3's finaliser (a bijective avalanche mix, so distinct inputs never collide), from the
// seeded-RNG module shared by the packages.
import { fmix32 as mix32 } from '../../../../internal/rng.js';

/**
 * The seed of sample `index` in a stream seeded with `baseSeed`: a uint32 hash of both.
 * Feed it to `createRng` to augment that sample; `AugmentationPool`, `previewGrid` and
 * `augmentSample` all use it, so their outputs agree.
 *
 * @param baseSeed any safe integer (negative values and values above 2^32 are folded in, not truncated)
 * @param index the sample's position in the stream, a non-negative safe integer
 * @example
 * const rng = createRng(deriveSampleSeed(42, 7)); // sample 7 of the stream seeded 42
 */
export function deriveSampleSeed(baseSeed: number, index: number): number {
  if (!Number.isSafeInteger(baseSeed)) {
    throw new RangeError(`deriveSampleSeed: baseSeed must be a safe integer; got ${baseSeed}`);
  }
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new RangeError(`deriveSampleSeed: index must be a non-negative safe integer; got ${index}`);
  }
  // Split both numbers into 32-bit halves so seeds and indices beyond 2^32 stay distinct.
  const seedLow = baseSeed >>> 0;
  const seedHigh = Math.floor(baseSeed / 0x1_0000_0000) >>> 0;
  const indexLow = index >>> 0;
  const indexHigh = Math.floor(index / 0x1_0000_0000) >>> 0;
  let h = mix32(seedLow ^ 0x9e3779b9);
  h = mix32(h ^ seedHigh ^ 0x7f4a7c15);
  h = mix32((h + Math.imul(indexLow, 0x9e3779b1)) ^ 0x5bd1e995);
  h = mix32(h ^ indexHigh ^ 0x27d4eb2f);
  return h;
}
