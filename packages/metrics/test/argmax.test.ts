import { describe, expect, it } from 'vitest';

import { argmax, argmaxPredictions } from '@art/metrics';

describe('argmax', () => {
  it('is the lowest index of the largest value, as numpy.argmax', () => {
    expect(argmax([0.4, 0.4, 0.2])).toBe(0);
    expect(argmax([0.1, 0.2, 0.9, 0.9])).toBe(2);
    expect(argmax([-Infinity, -Infinity])).toBe(0);
    expect(argmax(Float32Array.of(-3, -1, -2))).toBe(1);
  });

  it('reads one row of a flat table, counted from its offset', () => {
    const table = Float32Array.of(0.1, 0.9, 0.7, 0.2, 0.3, 0.3);
    expect([0, 1, 2].map((row) => argmax(table, row * 2, 2))).toEqual([1, 0, 0]);
    expect(argmax(table, 4)).toBe(0); // to the end
  });

  it('agrees with argmaxPredictions row by row', () => {
    const rows = [
      [0.2, 0.5, 0.5],
      [3, -1, 7],
      [0, 0, 0],
    ];
    expect(Array.from(argmaxPredictions(rows))).toEqual(rows.map((row) => argmax(row)));
  });

  it.each([
    [[], 0, 0],
    [[1, 2], 1, 2],
    [[1, 2], -1, 1],
    [[1, 2], 0.5, 1],
  ])('rejects the empty or out-of-range row of %j at offset %d, length %d', (values, offset, length) => {
    expect(() => argmax(values, offset, length)).toThrow(/argmax: offset .* must select at least one of the \d+ values/);
  });
});
