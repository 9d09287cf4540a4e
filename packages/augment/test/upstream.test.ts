import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  runUpstream,
  summarizeUpstream,
  upstreamUnsupportedTable,
  type UpstreamCaseResult,
} from '../src/parity/upstream.js';
import { brightnessContrastAdjust } from '../src/index.js';
import { fixturesDirectory } from './helpers.js';

// albumentations 1.3.1's own tests, recorded by scripts/make-upstream-fixtures.py.
const upstreamDirectory = resolve(fixturesDirectory, 'upstream');
const results = runUpstream(upstreamDirectory);
const summary = summarizeUpstream(results);

function byTest(): Map<string, UpstreamCaseResult[]> {
  const tests = new Map<string, UpstreamCaseResult[]>();
  for (const result of results) {
    if (result.verdict.status === 'not-ours') continue;
    const key = `${result.file}::${result.test}`;
    tests.set(key, [...(tests.get(key) ?? []), result]);
  }
  return tests;
}

describe('albumentations 1.3.1 tests/ replayed (test_functional, test_transforms, test_augmentations, test_serialization)', () => {
  for (const [test, testResults] of byTest()) {
    it(test, () => {
      const failures = testResults.filter(
        (result) => result.verdict.status === 'mismatch' || result.verdict.status === 'upstream-not-passed',
      );
      expect(failures.map((result) => ({ id: result.id, verdict: result.verdict }))).toEqual([]);
    });
  }

  it('lists every unsupported case in the README, with its reason, and nothing else', () => {
    const readme = readFileSync(resolve(import.meta.dirname, '..', 'README.md'), 'utf8');
    expect(readme).toContain(upstreamUnsupportedTable(summary));
  });

  it('states the counts in the README', () => {
    const readme = readFileSync(resolve(import.meta.dirname, '..', 'README.md'), 'utf8');
    const { tests, cases } = summary;
    const flat = readme.replaceAll('\n', ' ');
    expect(flat).toContain(
      `${tests.ported} upstream tests (${cases.ported} parametrized cases) concern the transforms implemented here: ` +
        `${cases.passing} cases pass, ${cases.unsupported} are unsupported, ${cases.mismatching} mismatch`,
    );
    expect(flat).toContain(
      `(${tests.passing} tests pass in full, ${tests.partlyUnsupported} pass in every case they support, ${tests.unsupported} have no supported case`,
    );
  });

  it('test_brightness_contrast_adjust_equal: a constant 100 image, alpha 1.3, beta 0.14 gives 148 (alpha * beta * mean)', () => {
    const image = { data: new Uint8Array(4 * 3).fill(100), width: 2, height: 2, channels: 3 };
    expect([...brightnessContrastAdjust(image, 1.3, 0.14, false).data]).toEqual(new Array(12).fill(148));
  });

  it('reports a mismatch when a recorded result is not what this package computes', () => {
    const directory = mkdtempSync(join(tmpdir(), 'augment-upstream-'));
    for (const file of ['arrays.json', 'arrays.bin.gz'])
      copyFileSync(resolve(upstreamDirectory, file), join(directory, file));
    mkdirSync(join(directory, 'test_functional'));
    const name = 'test_functional/test_vflip.json.gz';
    const recorded = JSON.parse(gunzipSync(readFileSync(resolve(upstreamDirectory, name))).toString('utf8'));
    const call = recorded.cases[0].calls.find((entry: { name: string }) => entry.name === 'FGeometric.vflip');
    call.result.ndarray.sha256 = call.result.ndarray.sha256.replace(/^./, (digit: string) =>
      digit === '0' ? '1' : '0',
    );
    writeFileSync(join(directory, name), gzipSync(JSON.stringify(recorded)));
    const tampered = runUpstream(directory);
    expect(tampered[0]!.verdict.status).toBe('mismatch');
    expect(summarizeUpstream(tampered).mismatches).toHaveLength(1);
    expect(
      runUpstream(upstreamDirectory, (file, test) => file === 'test_functional.py' && test === 'test_vflip').map(
        (result) => result.verdict.status,
      ),
    ).toEqual(tampered.map(() => 'pass'));
  });
});
