/**
 * `npm run parity -w @art/augment -- <manifest.json> [--tolerance N] [--json]`
 * Runs every case of a fixture manifest and exits non-zero when any case is outside tolerance:
 * transform manifests (test/fixtures/manifest.json, test/fixtures/opencv/manifest.json) and
 * JPEG decoding manifests (test/fixtures/jpeg/manifest.json).
 * `npm run parity -w @art/augment -- test/fixtures/upstream [--readme]` replays albumentations
 * 1.3.1's own tests and exits non-zero on any mismatch; `--readme` prints the README's table of
 * unsupported cases.
 */
import { readFileSync, statSync } from 'node:fs';
import {
  formatUpstreamReport,
  runUpstream,
  summarizeUpstream,
  upstreamUnsupportedTable,
} from '../src/parity/upstream.js';
import { isJpegManifest, runJpegParity } from '../src/parity/jpeg-parity.js';
import { formatParityReport, runParity } from '../src/parity/parity.js';

const args = process.argv.slice(2);
const manifestPath = args.find((arg) => !arg.startsWith('--') && !/^\d/.test(arg));
const toleranceIndex = args.indexOf('--tolerance');
const tolerance = toleranceIndex >= 0 ? Number(args[toleranceIndex + 1]) : 0;
if (!manifestPath) {
  console.error('usage: npm run parity -w @art/augment -- <manifest.json> [--tolerance N] [--json]');
  process.exit(2);
}
if (!Number.isFinite(tolerance) || tolerance < 0) {
  console.error(`--tolerance must be a non-negative number, got ${args[toleranceIndex + 1]}`);
  process.exit(2);
}
try {
  if (statSync(manifestPath).isDirectory()) {
    const summary = summarizeUpstream(runUpstream(manifestPath));
    console.log(
      args.includes('--readme')
        ? upstreamUnsupportedTable(summary)
        : args.includes('--json')
          ? JSON.stringify(summary, null, 2)
          : formatUpstreamReport(summary),
    );
    process.exit(summary.mismatches.length === 0 ? 0 : 1);
  }
  const report = isJpegManifest(JSON.parse(readFileSync(manifestPath, 'utf8')))
    ? await runJpegParity(manifestPath, { tolerance })
    : runParity(manifestPath, { tolerance });
  console.log(args.includes('--json') ? JSON.stringify(report, null, 2) : formatParityReport(report));
  process.exit(report.passed ? 0 : 1);
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
