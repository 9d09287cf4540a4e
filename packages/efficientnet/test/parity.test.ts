import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runParity } from '../src/node/index.js';
import { useBackend } from '../scripts/backend.js';
import { FIXTURES, MANIFEST } from './helpers.js';

// The acceptance criterion from the fixtures' README, per tensor.
const TOLERANCE = 1e-4;

describe.each([['cpu'], ['wasm']])('torchvision parity on the %s backend', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('every fixture model, every input (incl. 50x38), logits, pooled and every features.i within 1e-4 relative', async () => {
    const before = tf.memory().numTensors;
    const lines: string[] = [];
    const result = await runParity(MANIFEST, { tolerance: TOLERANCE, log: (line) => lines.push(line) });
    expect(result.backend).toBe(backend);
    const failures = result.rows.filter((row) => !row.passed);
    expect(failures, lines.join('\n')).toEqual([]);
    // 3 models; b0 has 2 cases; per case: every features.i + pooled + logits.
    expect(result.rows.length).toBe(2 * (9 + 2) + (7 + 2) + (9 + 2));
    expect(result.rows.some((row) => row.caseId === '50x38' && row.tensor === 'features.8')).toBe(true);
    expect(Math.max(...result.rows.map((row) => row.relativeError))).toBeLessThan(TOLERANCE);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('parity runner', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('fails a tensor over the tolerance (the check can fail)', async () => {
    const result = await runParity(MANIFEST, { tolerance: 1e-9, models: ['tiny_v2_nc7'] });
    expect(result.passed).toBe(false);
    expect(result.rows.some((row) => !row.passed)).toBe(true);
  });

  it('runs from .pth weights written by torch.save (--weights-ext .pth) with the same numbers', async () => {
    const fromPth = await runParity(MANIFEST, { models: ['tiny_v2_nc7'], weightsExtension: '.pth' });
    const fromSafetensors = await runParity(MANIFEST, { models: ['tiny_v2_nc7'] });
    expect(fromPth.passed).toBe(true);
    expect(fromPth.rows).toEqual(fromSafetensors.rows);
    await expect(runParity(MANIFEST, { models: ['tiny_v1_w05_d05_nc5'], weightsExtension: '.pth' })).rejects.toThrow(
      /tiny_v1_w05_d05_nc5\/model\.pth/,
    );
    // Weights kept apart from a read-only fixture set (make-pth-fixtures.py --manifest M --out DIR).
    const weightsRoot = mkdtempSync(join(tmpdir(), 'art-parity-'));
    mkdirSync(join(weightsRoot, 'tiny_v2_nc7'));
    copyFileSync(join(FIXTURES, 'tiny_v2_nc7/model.pth'), join(weightsRoot, 'tiny_v2_nc7/model.pth'));
    const apart = await runParity(MANIFEST, { models: ['tiny_v2_nc7'], weightsExtension: '.pth', weightsRoot });
    expect(apart.rows).toEqual(fromSafetensors.rows);
  });

  it('rejects an unknown model name, listing the manifest models', async () => {
    await expect(runParity(MANIFEST, { models: ['b9'] })).rejects.toThrow(
      /Unknown model "b9".*expected one of efficientnet_b0_nc10, tiny_v2_nc7, tiny_v1_w05_d05_nc5/,
    );
  });

  it('reports a missing manifest clearly', async () => {
    await expect(runParity('/nonexistent/manifest.json')).rejects.toThrow(
      /cannot read manifest \/nonexistent\/manifest.json/,
    );
  });
});
