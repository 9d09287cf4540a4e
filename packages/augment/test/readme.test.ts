import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { quickStart } from '../examples/quick-start.js';
import { fixtureImage } from './helpers.js';

describe('README example', () => {
  it('is the file examples/quick-start.ts, verbatim', () => {
    const readme = readFileSync(resolve(import.meta.dirname, '..', 'README.md'), 'utf8');
    const example = readFileSync(resolve(import.meta.dirname, '..', 'examples', 'quick-start.ts'), 'utf8');
    expect(readme).toContain(example.trim());
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
