/**
 * Parity runner for JPEG decoding: every case of a manifest in the format of
 * test/fixtures/jpeg/manifest.json (a JPEG file, the raw uint8 HWC RGB pixels a reference decoder
 * such as `cv2.imread` gave, its sampling) is decoded with `decodeImage` and compared. Cases are
 * grouped by sampling and by the decoder that ran (the WebAssembly one or sharp), so a report
 * shows which path each kind of file took. Node-only: loads sharp through ../io.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { decodeImage } from '../io/index.js';
import { decodeBaselineJpeg } from '../io/jpeg.js';
import { compare, failedCase, reportOf, type CaseResult, type ParityOptions, type ParityReport } from './parity.js';

/** One case of a JPEG manifest (scripts/make-jpeg-fixtures.py writes all the fields). */
export interface JpegManifestCase {
  id: string;
  /** The JPEG file and the expected raw uint8 HWC RGB pixels, relative to the manifest. */
  jpeg: string;
  expected: string;
  width: number;
  height: number;
  sampling: '444' | '422' | '420' | '440' | '411' | 'gray' | string;
  quality?: number;
  restartInterval?: number;
  progressive?: boolean;
  optimize?: boolean;
  exifOrientation?: number | null;
  note?: string;
}

/** Whether the parsed manifest is a JPEG decoding manifest (its cases name a `jpeg` file). */
export function isJpegManifest(manifest: unknown): boolean {
  const cases = (manifest as { cases?: unknown }).cases;
  return (
    Array.isArray(cases) &&
    cases.length > 0 &&
    cases.every((entry) => typeof (entry as { jpeg?: unknown }).jpeg === 'string')
  );
}

/** Decodes every case of the JPEG manifest at `manifestPath` and compares with its expected pixels. */
export async function runJpegParity(manifestPath: string, options: ParityOptions = {}): Promise<ParityReport> {
  const { tolerance = 0 } = options;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { cases: JpegManifestCase[] };
  if (!isJpegManifest(manifest))
    throw new Error(`${manifestPath}: not a JPEG manifest (each case needs "jpeg" and "expected" files)`);
  const baseDirectory = dirname(manifestPath);
  const results: CaseResult[] = [];
  for (const testCase of manifest.cases) {
    const total = testCase.width * testCase.height * 3;
    let op = `jpeg ${testCase.sampling}`;
    try {
      const bytes = new Uint8Array(readFileSync(resolve(baseDirectory, testCase.jpeg)));
      // Asked only to report which path decodeImage takes; decodeImage itself is what is checked.
      op += 'fallback' in decodeBaselineJpeg(bytes) ? ' (sharp)' : ' (wasm)';
      const image = await decodeImage(bytes, { name: testCase.jpeg });
      if (image.width !== testCase.width || image.height !== testCase.height) {
        throw new Error(`decoded ${image.width}x${image.height}, expected ${testCase.width}x${testCase.height}`);
      }
      const { maxAbsDiff, differing } = compare(
        image.data,
        new Uint8Array(readFileSync(resolve(baseDirectory, testCase.expected))),
      );
      results.push({
        id: testCase.id,
        op,
        maxAbsDiff,
        differing,
        total,
        withinTolerance: maxAbsDiff <= tolerance,
        stages: [],
      });
    } catch (error) {
      results.push(failedCase(testCase.id, op, total, error));
    }
  }
  return reportOf(results);
}
