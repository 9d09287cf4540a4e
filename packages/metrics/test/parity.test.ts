import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import {
  checkParity,
  formatMismatch,
  formatParityLines,
  loadCasesFile,
  resolveCasesPath,
  runParityCommand,
} from '../scripts/parity-check.js';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const fixturePath = join(packageRoot, 'test/fixtures/sklearn-cases.json');
const fixture = loadCasesFile(fixturePath) as { cases: Record<string, unknown>[] };

const EXPECTED_METRICS = [
  'accuracy',
  'balancedAccuracy',
  'confusionMatrix',
  'macro.precision',
  'macro.recall',
  'macro.f1',
  'macro.f2',
  'micro.precision',
  'micro.recall',
  'micro.f1',
  'micro.f2',
  'weighted.precision',
  'weighted.recall',
  'weighted.f1',
  'weighted.f2',
  'perClass.precision',
  'perClass.recall',
  'perClass.f1',
  'perClass.support',
  'top1Accuracy',
  'top2Accuracy',
  'top5Accuracy',
];

function corrupted(): { cases: Record<string, unknown>[] } {
  const copy = structuredClone(fixture);
  const first = copy.cases[0]!;
  (first.macro as Record<string, number>).f1 += 1e-9;
  (first.perClass as Record<string, number[]>).recall[2] = 0.99;
  (first.confusionMatrix as number[][])[0]![0] += 1;
  return copy;
}

describe('parity with scikit-learn (committed fixture)', () => {
  const result = checkParity(fixture);

  it('matches every value in every case to 1e-12', () => {
    expect(result.numCases).toBe(24);
    expect(result.mismatches.map(formatMismatch)).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('checks every metric the file contains, each over all cases that carry it', () => {
    expect(result.lines.map((line) => line.metric)).toEqual(EXPECTED_METRICS);
    for (const line of result.lines) {
      expect(line.matched).toBe(line.total);
      expect(line.casesMatched).toBe(line.cases);
      expect(line.total).toBeGreaterThan(0);
    }
    const byMetric = new Map(result.lines.map((line) => [line.metric, line]));
    expect(byMetric.get('accuracy')!.cases).toBe(24);
    // Binary cases hold null for top-1 (scikit-learn rejects 2-D binary scores): skipped, not passed.
    expect(byMetric.get('top1Accuracy')!.skipped).toBe(4);
    expect(byMetric.get('perClass.f1')!.total).toBe(
      fixture.cases.reduce((sum, testCase) => sum + (testCase.numClasses as number), 0),
    );
  });

  it('prints one line per metric with the share that matches', () => {
    const lines = formatParityLines(result);
    expect(lines).toHaveLength(EXPECTED_METRICS.length);
    expect(lines[0]).toMatch(/^accuracy\s+24\/24 values match \(100\.00%\)/);
  });
});

describe('parity checker', () => {
  it('reports corrupted values with their case and path', () => {
    const result = checkParity(corrupted());
    expect(result.ok).toBe(false);
    expect(result.mismatches.map((mismatch) => `${mismatch.caseIndex}:${mismatch.path}`)).toEqual([
      '0:confusionMatrix[0][0]',
      '0:macro.f1',
      '0:perClass.recall[2]',
    ]);
    const macroF1 = result.lines.find((line) => line.metric === 'macro.f1')!;
    expect([macroF1.matched, macroF1.total]).toEqual([23, 24]);
  });

  it('fails on keys it does not know, so nothing goes unchecked', () => {
    const copy = structuredClone(fixture);
    copy.cases[1]!.rocAuc = 0.5;
    (copy.cases[1]!.macro as Record<string, unknown>).jaccard = 0.1;
    // support is a per-class column only (scikit-learn returns None for it when averaging).
    (copy.cases[1]!.weighted as Record<string, unknown>).support = 5;
    const result = checkParity(copy);
    expect(result.ok).toBe(false);
    expect(result.mismatches.map((mismatch) => mismatch.path).sort()).toEqual([
      'macro.jaccard',
      'rocAuc',
      'weighted.support',
    ]);
    expect(result.mismatches.find((mismatch) => mismatch.path === 'weighted.support')!.message).toBe(
      'no metric is known for key "weighted.support"',
    );
  });

  it('checks other F-beta keys and reports metrics that cannot be computed', () => {
    const testCase = { numClasses: 3, labels: [0, 1, 2], predictions: [0, 2, 2], macro: { f3: 0 }, top2Accuracy: 1 };
    const result = checkParity({ cases: [testCase] });
    expect(result.mismatches.map(formatMismatch)).toEqual([
      'cases[0].macro.f3: expected 0, got 0.6363636363636364',
      'cases[0].top2Accuracy: expected 1, got undefined (cases[0] has top2Accuracy but no scores)',
    ]);
  });

  it('rejects files without cases', () => {
    expect(() => checkParity({ generator: 'x' })).toThrow(/"cases" array/);
    expect(() => checkParity({ cases: [] })).toThrow(/no cases/);
    expect(() => checkParity({ cases: [{ numClasses: 2, labels: 'x', predictions: [] }] })).toThrow(
      /cases\[0\]\.labels \(the true classes\) must be an array/,
    );
  });
});

/** Runs the parity command in-process, capturing its output. */
function runInProcess(...args: string[]): { status: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const status = runParityCommand(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { status, stdout, stderr };
}

describe('parity command', () => {
  const tempDir = mkdtempSync(join(tmpdir(), 'art-metrics-parity-'));
  afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

  it('exits 2 on a missing file, invalid JSON or a missing argument', () => {
    const missing = runInProcess(join(tempDir, 'missing.json'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('cannot read cases file');
    const invalidPath = join(tempDir, 'invalid.json');
    writeFileSync(invalidPath, '{"cases": [');
    const invalid = runInProcess(invalidPath);
    expect(invalid.status).toBe(2);
    expect(invalid.stderr).toContain(`cases file ${invalidPath} is not valid JSON`);
    const usage = runInProcess();
    expect(usage.status).toBe(2);
    expect(usage.stderr).toBe('usage: npm run parity -w @art/metrics -- <cases.json>\n');
  });

  it('resolves relative paths from where npm run was typed', () => {
    expect(resolveCasesPath('fixtures/sklearn-cases.json', { INIT_CWD: join(packageRoot, 'test') })).toBe(fixturePath);
    expect(resolveCasesPath(fixturePath, {})).toBe(fixturePath);
  });

  it('lists at most 20 mismatches', () => {
    const copy = structuredClone(fixture);
    for (const testCase of copy.cases) testCase.accuracy = -1;
    const path = join(tempDir, 'many.json');
    writeFileSync(path, JSON.stringify(copy));
    const run = runInProcess(path);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('parity: 24 mismatches');
    expect(run.stderr).toContain('... and 4 more');
  });
});

/** Spawns the same command as the "parity" script (tsx scripts/parity.ts) without npm's start-up cost. */
function spawnParity(path: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const tsx = createRequire(import.meta.url).resolve('tsx/cli');
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [tsx, 'scripts/parity.ts', path], { cwd: packageRoot });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolvePromise({ status, stdout, stderr }));
  });
}

describe('npm run parity (end to end)', () => {
  const tempDir = mkdtempSync(join(tmpdir(), 'art-metrics-parity-'));
  afterAll(() => rmSync(tempDir, { recursive: true, force: true }));
  const corruptedPath = join(tempDir, 'corrupted.json');
  writeFileSync(corruptedPath, JSON.stringify(corrupted()));
  // Both processes start at once: each spends most of its time starting tsx.
  const runs = Promise.all([spawnParity(fixturePath), spawnParity(corruptedPath)]);

  it('exits 0 and prints one line per metric on the committed fixture', async () => {
    const [run] = await runs;
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(EXPECTED_METRICS.length + 2);
    for (const metric of EXPECTED_METRICS) {
      expect(run.stdout).toMatch(
        new RegExp(`^${metric.replace('.', '\\.')}\\s+\\d+/\\d+ values match \\(100\\.00%\\)`, 'm'),
      );
    }
    expect(lines.at(-1)).toBe('parity: all values match scikit-learn');
  });

  it('exits non-zero and names the mismatches on a corrupted copy', async () => {
    const [, run] = await runs;
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^macro\.f1\s+23\/24 values match \(95\.83%\)/m);
    expect(run.stderr).toContain('parity: 3 mismatches');
    expect(run.stderr).toContain('cases[0].perClass.recall[2]: expected 0.99');
  });

  it('the committed fixture is the shared reference file', () => {
    const text = readFileSync(fixturePath, 'utf8');
    expect(JSON.parse(text).generator).toBe('scikit-learn 1.2.1');
  });
});
