import { describe, expect, it } from 'vitest';
import { stratifiedHoldout, stratifiedKFold } from '../src/index.js';

function countsPerFold(labels: string[], splits: { valid: number[] }[]): Map<string, number[]> {
  const counts = new Map<string, number[]>();
  splits.forEach((split, f) => {
    for (const i of split.valid) {
      const row = counts.get(labels[i]!) ?? Array.from({ length: splits.length }, () => 0);
      row[f]!++;
      counts.set(labels[i]!, row);
    }
  });
  return counts;
}

// 50 artists with very unequal counts, like the competition (the largest has ~10x the smallest).
const labels: string[] = [];
for (let k = 0; k < 50; k++) for (let i = 0; i < 3 + ((k * 7) % 31); i++) labels.push(`artist-${k}`);
// interleave so classes are not contiguous
const shuffledLabels = labels
  .map((l, i) => ({ l, key: (i * 7919) % labels.length }))
  .sort((a, b) => a.key - b.key)
  .map((x) => x.l);

describe('stratifiedKFold', () => {
  it('spreads every class across the folds (per-class counts differ by at most one)', () => {
    const splits = stratifiedKFold(shuffledLabels, { folds: 5, seed: 3 });
    expect(splits).toHaveLength(5);
    for (const [, counts] of countsPerFold(shuffledLabels, splits)) {
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    }
    // sklearn's allocation also balances the fold sizes
    const sizes = splits.map((s) => s.valid.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });

  it('matches sklearn StratifiedKFold per-class counts on a small case', () => {
    // sklearn: StratifiedKFold(3).split(X, y) with y = [0]*7 + [1]*4 + [2]*2 gives test-fold counts
    // class 0: [3, 2, 2], class 1: [1, 2, 1], class 2: [1, 0, 1] (allocation = bincount(y_sorted[i::3])).
    const y = [...Array(7).fill(0), ...Array(4).fill(1), ...Array(2).fill(2)];
    const splits = stratifiedKFold(y, { folds: 3, seed: 0 });
    const counts = countsPerFold(y.map(String), splits);
    expect(counts.get('0')).toEqual([3, 2, 2]);
    expect(counts.get('1')).toEqual([1, 2, 1]);
    expect(counts.get('2')).toEqual([1, 0, 1]);
  });

  it('partitions the indices, is deterministic for a seed and changes with the seed', () => {
    const a = stratifiedKFold(shuffledLabels, { folds: 4, seed: 11 });
    const b = stratifiedKFold(shuffledLabels, { folds: 4, seed: 11 });
    const c = stratifiedKFold(shuffledLabels, { folds: 4, seed: 12 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const all = a.flatMap((s) => s.valid).sort((x, y) => x - y);
    expect(all).toEqual(shuffledLabels.map((_, i) => i));
    for (const split of a) {
      expect(split.train.length + split.valid.length).toBe(shuffledLabels.length);
      const valid = new Set(split.valid);
      expect(split.train.some((i) => valid.has(i))).toBe(false);
    }
  });

  it('rejects bad fold counts', () => {
    expect(() => stratifiedKFold(['a', 'b'], { folds: 1 })).toThrow(/folds must be an integer >= 2, got 1/);
    expect(() => stratifiedKFold(['a', 'b'], { folds: 3 })).toThrow(/exceeds the number of samples/);
  });
});

describe('stratifiedHoldout', () => {
  it('keeps each class proportion and the total size', () => {
    const { train, valid } = stratifiedHoldout(shuffledLabels, { validFraction: 0.2, seed: 5 });
    expect(valid.length).toBe(Math.round(shuffledLabels.length * 0.2));
    expect(train.length + valid.length).toBe(shuffledLabels.length);
    const perClass = new Map<string, [number, number]>();
    for (const i of train)
      (perClass.get(shuffledLabels[i]!) ?? perClass.set(shuffledLabels[i]!, [0, 0]).get(shuffledLabels[i]!)!)[0]++;
    for (const i of valid)
      (perClass.get(shuffledLabels[i]!) ?? perClass.set(shuffledLabels[i]!, [0, 0]).get(shuffledLabels[i]!)!)[1]++;
    for (const [, [t, v]] of perClass) {
      expect(v).toBeGreaterThanOrEqual(1);
      expect(t).toBeGreaterThanOrEqual(1);
      expect(Math.abs(v - (t + v) * 0.2)).toBeLessThanOrEqual(1);
    }
    expect(stratifiedHoldout(shuffledLabels, { validFraction: 0.2, seed: 5 })).toEqual({ train, valid });
    expect(() => stratifiedHoldout(shuffledLabels, { validFraction: 1 })).toThrow(RangeError);
  });
});
