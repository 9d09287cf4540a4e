import { describe, expect, it } from 'vitest';

import { argmax, argmaxPredictions } from '@art/metrics';

describe('argmax', () => {
  it('is the lowest index of the largest value, as numpy.argmax', () => {
    expect(argmax([0.4, 0.4, 0.2])).toBe(0);
    expect(argmax([0.1, 0.2, 0.9, 0.9])).toBe(2);
    expect(argmax([-Infinity, -Infinity])).toBe(0);
    expect(argmax(Float32Array.of(-3, -1, -2))).toBe(1);
  });

  it('maps over rows and reads rows of a flat table through subarray', () => {
    expect(
      [
        [0.1, 0.9],
        [0.8, 0.2],
        [0.3, 0.3],
      ].map(argmax),
    ).toEqual([1, 0, 0]);
    const table = Float32Array.of(0.1, 0.9, 0.7, 0.2, 0.3, 0.3);
    expect([0, 1, 2].map((row) => argmax(table.subarray(row * 2, row * 2 + 2)))).toEqual([1, 0, 0]);
  });

  it('agrees with argmaxPredictions row by row', () => {
    const rows = [
      [0.2, 0.5, 0.5],
      [3, -1, 7],
      [0, 0, 0],
    ];
    expect(Array.from(argmaxPredictions(rows))).toEqual(rows.map(argmax));
  });

  it('rejects an empty row', () => {
    expect(() => argmax([])).toThrow('argmax: values is empty; at least one value is needed');
  });
});
