import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { quickStart } from '../examples/quick-start.js';
import { Invert } from '../examples/custom-transform.js';
import { createRng, fromAlbumentationsDict, toAlbumentationsDict } from '../src/index.js';
import { fixtureImage } from './helpers.js';

describe('README example', () => {
  it('shows examples/quick-start.ts and examples/custom-transform.ts verbatim', () => {
    const readme = readFileSync(resolve(import.meta.dirname, '..', 'README.md'), 'utf8');
    for (const file of ['quick-start.ts', 'custom-transform.ts']) {
      const example = readFileSync(resolve(import.meta.dirname, '..', 'examples', file), 'utf8');
      expect(readme).toContain(example.trim());
    }
  });

  it('custom transform example works with apply, replay and the registry', () => {
    const image = fixtureImage('a');
    const invert = new Invert({ p: 1 });
    const { image: out, params } = invert.apply(image, createRng(3));
    expect(invert.replay(image, params).image.data).toEqual(out.data);
    expect(fromAlbumentationsDict({ __class_fullname__: 'Invert', always_apply: false, p: 1 })).toBeInstanceOf(Invert);
    // The schema gives the option its snake_case name in to_dict, its default and its one-line error.
    expect(toAlbumentationsDict(new Invert({ minThreshold: 9 })).transform).toEqual({
      __class_fullname__: 'Invert',
      always_apply: false,
      p: 0.5,
      min_threshold: 9,
    });
    expect((fromAlbumentationsDict({ __class_fullname__: 'Invert', min_threshold: 7 }) as Invert).minThreshold).toBe(7);
    expect(() => new Invert({ minThreshold: 300 })).toThrow(
      'Invert: option "minThreshold" (min_threshold) must be <= 255, got 300',
    );
  });

  it('runs and prints what its comments say', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const tensor = quickStart(fixtureImage('b'));
      expect(tensor).toHaveLength(3 * 300 * 300);
      expect(log.mock.calls).toEqual([['CHW', 3, 300, 300], [true]]);
    } finally {
      log.mockRestore();
    }
  });
});
