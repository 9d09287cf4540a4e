/**
 * Parity runner: executes every case of a manifest in the albumentations fixture format
 * (inputs, op, params, expected raw arrays) with this package's functional kernels and reports,
 * per op, the share of exact cases and the worst difference. Node-only (reads files); not part
 * of the browser-safe main entry.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { RawImage } from '../core/raw-image.js';
import { BorderMode, Interpolation, type BorderModeValue, type InterpolationValue } from '../functional/common.js';
import {
  crop,
  hflip,
  padWithParams,
  randomCrop,
  resize,
  shiftScaleRotateMatrix,
  rotationMatrix2D,
  vflip,
  warpAffine,
  opticalDistortion,
  opticalDistortionMaps,
  type AffineMatrix,
} from '../functional/geometric.js';
import {
  adjustHue,
  adjustSaturation,
  brightnessContrastAdjust,
  normalize,
  gaussNoise,
  hsvToRgb,
  rgbToGray,
  rgbToHsv,
  shiftHsv,
} from '../functional/pixel.js';
import { clahe, clahePlane } from '../functional/clahe.js';
import { rgbToLab } from '../cv/color-lab.js';
import { filter2D, gaussianBlur, motionBlurKernel } from '../functional/blur.js';
import { cutout, type Hole } from '../functional/dropout.js';

interface ArraySpec {
  file: string;
  dtype: string;
  shape: number[];
}

interface ManifestCase {
  id: string;
  input: string;
  op: string;
  params: Record<string, unknown>;
  expected: ArraySpec;
  aux?: Record<string, ArraySpec>;
}

interface Manifest {
  inputs: Record<string, { raw: ArraySpec; width: number; height: number; channels: number }>;
  cases: ManifestCase[];
}

/** Outcome of one case (and of its intermediate stages, when the fixture has them). */
export interface CaseResult {
  id: string;
  op: string;
  /** Largest absolute difference over all values (0 = byte/float exact). */
  maxAbsDiff: number;
  /** Number of values that differ at all. */
  differing: number;
  total: number;
  withinTolerance: boolean;
  /** Checks of intermediate arrays (CLAHE stages, optical distortion maps, motion-blur kernel). */
  stages: { name: string; maxAbsDiff: number; differing: number }[];
  error?: string;
}

/** Per-op summary. */
export interface OpSummary {
  op: string;
  cases: number;
  exactCases: number;
  exactShare: number;
  worstMaxAbsDiff: number;
  worstDifferingShare: number;
}

export interface ParityReport {
  results: CaseResult[];
  summary: OpSummary[];
  passed: boolean;
}

export interface ParityOptions {
  /** Allowed max abs difference per case (default 0: exact). */
  tolerance?: number;
}

function readArray(baseDirectory: string, spec: ArraySpec): Uint8Array | Float32Array | Float64Array {
  const bytes = readFileSync(resolve(baseDirectory, spec.file));
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  switch (spec.dtype) {
    case 'uint8':
      return new Uint8Array(buffer);
    case 'float32':
      return new Float32Array(buffer);
    case 'float64':
      return new Float64Array(buffer);
    default:
      throw new Error(`parity: unsupported dtype ${spec.dtype} in ${spec.file}`);
  }
}

export function compare(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
): { maxAbsDiff: number; differing: number } {
  if (actual.length !== expected.length)
    return { maxAbsDiff: Infinity, differing: Math.max(actual.length, expected.length) };
  let maxAbsDiff = 0;
  let differing = 0;
  for (let i = 0; i < actual.length; i++) {
    const difference = Math.abs(actual[i]! - expected[i]!);
    if (difference !== 0 || Number.isNaN(difference)) {
      differing++;
      maxAbsDiff = Math.max(maxAbsDiff, Number.isNaN(difference) ? Infinity : difference);
    }
  }
  return { maxAbsDiff, differing };
}

const INTERPOLATION_BY_NAME: Record<string, InterpolationValue> = {
  INTER_NEAREST: Interpolation.NEAREST,
  INTER_LINEAR: Interpolation.LINEAR,
  INTER_CUBIC: Interpolation.CUBIC,
  INTER_AREA: Interpolation.AREA,
};
const BORDER_BY_NAME: Record<string, BorderModeValue> = {
  BORDER_CONSTANT: BorderMode.CONSTANT,
  BORDER_REPLICATE: BorderMode.REPLICATE,
  BORDER_REFLECT: BorderMode.REFLECT,
  BORDER_WRAP: BorderMode.WRAP,
  BORDER_REFLECT_101: BorderMode.REFLECT_101,
};

function interpolationOf(value: unknown): InterpolationValue {
  if (typeof value === 'number') return value as InterpolationValue;
  const found = INTERPOLATION_BY_NAME[String(value ?? 'INTER_LINEAR')];
  if (found === undefined) throw new Error(`unknown interpolation ${String(value)}`);
  return found;
}

function borderOf(value: unknown, fallback: BorderModeValue): BorderModeValue {
  if (value === undefined) return fallback;
  if (typeof value === 'number') return value as BorderModeValue;
  const found = BORDER_BY_NAME[String(value)];
  if (found === undefined) throw new Error(`unknown border mode ${String(value)}`);
  return found;
}

type Stage = { name: string; actual: ArrayLike<number>; expected: ArrayLike<number> };

function runCase(
  testCase: ManifestCase,
  image: RawImage,
  baseDirectory: string,
): { output: ArrayLike<number>; stages: Stage[] } {
  const p = testCase.params;
  const aux = (name: string): ArrayLike<number> | undefined =>
    testCase.aux?.[name] ? readArray(baseDirectory, testCase.aux[name]!) : undefined;
  const stages: Stage[] = [];
  const num = (name: string): number => {
    const value = p[name];
    if (typeof value !== 'number') throw new Error(`param ${name} must be a number, got ${JSON.stringify(value)}`);
    return value;
  };
  // shift_scale_rotate and rotate: compare the 2x3 matrix when the manifest has it, then cv2.warpAffine with it.
  const warpWithMatrix = (matrix: AffineMatrix): { output: ArrayLike<number>; stages: Stage[] } => {
    const expectedMatrix = p.forward_matrix_2x3_float64 as number[][] | undefined;
    if (expectedMatrix) stages.push({ name: 'matrix', actual: matrix, expected: expectedMatrix.flat() });
    return {
      output: warpAffine(image, matrix, {
        interpolation: interpolationOf(p.interpolation),
        borderMode: borderOf(p.border_mode, BorderMode.REFLECT_101),
        borderValue: (p.value as number) ?? null,
      }).data,
      stages,
    };
  };
  switch (testCase.op) {
    case 'resize':
      return { output: resize(image, num('height'), num('width'), interpolationOf(p.interpolation)).data, stages };
    case 'crop':
      return { output: crop(image, num('x_min'), num('y_min'), num('x_max'), num('y_max')).data, stages };
    case 'random_crop':
      return { output: randomCrop(image, num('height'), num('width'), num('h_start'), num('w_start')).data, stages };
    case 'hflip':
      return { output: hflip(image).data, stages };
    case 'vflip':
      return { output: vflip(image).data, stages };
    case 'normalize':
      return {
        output: normalize(image, {
          mean: p.mean as number[],
          std: p.std as number[],
          maxPixelValue: (p.max_pixel_value as number) ?? 255,
        }).data,
        stages,
      };
    case 'clahe': {
      const grid = p.tile_grid_size as [number, number];
      const lab = rgbToLab(image);
      const stage1 = aux('stage1_rgb2lab');
      if (stage1) stages.push({ name: 'stage1_rgb2lab', actual: lab.data, expected: stage1 });
      const stage2 = aux('stage2_L_clahe');
      if (stage2) {
        const lightness = new Uint8Array(image.width * image.height);
        for (let i = 0; i < lightness.length; i++) lightness[i] = lab.data[3 * i]!;
        stages.push({
          name: 'stage2_L_clahe',
          actual: clahePlane(lightness, image.width, image.height, num('clip_limit'), grid),
          expected: stage2,
        });
      }
      return { output: clahe(image, num('clip_limit'), grid).data, stages };
    }
    case 'motion_blur': {
      const size = num('ksize');
      const [x1, y1, x2, y2] = p.line as [number, number, number, number];
      const kernel = motionBlurKernel(size, x1, y1, x2, y2);
      const expectedKernel = aux('kernel');
      if (expectedKernel) stages.push({ name: 'kernel', actual: kernel, expected: expectedKernel });
      return { output: filter2D(image, kernel, size, size, borderOf(p.border, BorderMode.REFLECT_101)).data, stages };
    }
    case 'optical_distortion': {
      const { mapX, mapY } = opticalDistortionMaps(image.width, image.height, num('k'), num('dx'), num('dy'));
      const expectedX = aux('map_x');
      const expectedY = aux('map_y');
      if (expectedX) stages.push({ name: 'map_x', actual: mapX, expected: expectedX });
      if (expectedY) stages.push({ name: 'map_y', actual: mapY, expected: expectedY });
      return {
        output: opticalDistortion(
          image,
          num('k'),
          num('dx'),
          num('dy'),
          interpolationOf(p.interpolation),
          borderOf(p.border_mode, BorderMode.REFLECT_101),
        ).data,
        stages,
      };
    }
    case 'shift_scale_rotate': {
      const matrix = shiftScaleRotateMatrix(
        image.width,
        image.height,
        num('angle'),
        num('scale'),
        num('dx'),
        num('dy'),
      );
      return warpWithMatrix(matrix);
    }
    case 'rotate': {
      const matrix = rotationMatrix2D(image.width / 2 - 0.5, image.height / 2 - 0.5, num('angle'), 1);
      return warpWithMatrix(matrix);
    }
    case 'coarse_dropout':
      return { output: cutout(image, p.holes_x1_y1_x2_y2 as Hole[], (p.fill_value as number) ?? 0).data, stages };
    case 'gauss_noise': {
      const noise = aux('noise');
      if (!noise) throw new Error('gauss_noise case needs aux.noise');
      return { output: gaussNoise(image, noise as Float64Array).data, stages };
    }
    // OpenCV-only ops (test/fixtures/opencv): code paths outside the albumentations manifest.
    case 'warp_affine':
      return {
        output: warpAffine(image, p.matrix as AffineMatrix, {
          interpolation: interpolationOf(p.interpolation),
          borderMode: borderOf(p.border_mode, BorderMode.REFLECT_101),
          borderValue: (p.value as number[] | null) ?? null,
        }).data,
        stages,
      };
    case 'pad':
      return {
        output: padWithParams(
          image,
          num('top'),
          num('bottom'),
          num('left'),
          num('right'),
          borderOf(p.border_mode, BorderMode.REFLECT_101),
          (p.value as number[] | null) ?? null,
        ).data,
        stages,
      };
    case 'gaussian_blur':
      return { output: gaussianBlur(image, num('ksize'), num('sigma')).data, stages };
    case 'rgb2gray':
      return { output: rgbToGray(image).data, stages };
    case 'rgb2hsv':
      return { output: rgbToHsv(image).data, stages };
    case 'hsv2rgb': {
      const hsv = { ...image, data: image.data.slice() };
      for (let i = 0; i < hsv.data.length; i += 3) hsv.data[i] = (hsv.data[i]! * 180) >> 8;
      return { output: hsvToRgb(hsv).data, stages };
    }
    case 'adjust_saturation':
      return { output: adjustSaturation(image, num('factor')).data, stages };
    case 'adjust_hue':
      return { output: adjustHue(image, num('factor')).data, stages };
    case 'shift_hsv':
      return { output: shiftHsv(image, num('hue_shift'), num('sat_shift'), num('val_shift')).data, stages };
    case 'brightness_contrast':
      return {
        output: brightnessContrastAdjust(image, num('alpha'), num('beta'), p.beta_by_max !== false).data,
        stages,
      };
    default:
      throw new Error(`unknown op "${testCase.op}"`);
  }
}

/**
 * Runs every case of the manifest at `manifestPath` (paths in it are relative to its folder).
 * @example
 * const report = runParity('test/fixtures/manifest.json');
 * if (!report.passed) process.exitCode = 1;
 */
export function runParity(manifestPath: string, options: ParityOptions = {}): ParityReport {
  const tolerance = options.tolerance ?? 0;
  const baseDirectory = dirname(resolve(manifestPath));
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  } catch (error) {
    throw new Error(`parity: cannot read manifest ${manifestPath}: ${(error as Error).message}`);
  }
  if (!Array.isArray(manifest.cases) || typeof manifest.inputs !== 'object') {
    throw new Error(`parity: ${manifestPath} is not a fixture manifest (needs "inputs" and "cases")`);
  }
  const images = new Map<string, RawImage>();
  const loadInput = (name: string): RawImage => {
    const cached = images.get(name);
    if (cached) return cached;
    const spec = manifest.inputs[name];
    if (!spec) throw new Error(`unknown input "${name}"`);
    const data = readArray(baseDirectory, spec.raw);
    if (!(data instanceof Uint8Array)) throw new Error(`input ${name} must be uint8`);
    const image: RawImage = { data, width: spec.width, height: spec.height, channels: spec.channels };
    images.set(name, image);
    return image;
  };
  const results: CaseResult[] = [];
  for (const testCase of manifest.cases) {
    const total = testCase.expected.shape.reduce((product, size) => product * size, 1);
    try {
      const image = loadInput(testCase.input);
      const before = image.data.slice();
      const { output, stages } = runCase(testCase, image, baseDirectory);
      const expected = readArray(baseDirectory, testCase.expected);
      const { maxAbsDiff, differing } = compare(output, expected);
      const mutated = compare(image.data, before).differing > 0;
      results.push({
        id: testCase.id,
        op: testCase.op,
        maxAbsDiff,
        differing,
        total,
        withinTolerance: maxAbsDiff <= tolerance && !mutated,
        stages: stages.map((stage) => ({ name: stage.name, ...compare(stage.actual, stage.expected) })),
        ...(mutated ? { error: 'the input image was modified' } : {}),
      });
    } catch (error) {
      results.push(failedCase(testCase.id, testCase.op, total, error));
    }
  }
  return reportOf(results);
}

/** The result of a case that threw: every value counts as differing, and the error is kept. */
export function failedCase(id: string, op: string, total: number, error: unknown): CaseResult {
  return {
    id,
    op,
    maxAbsDiff: Infinity,
    differing: total,
    total,
    withinTolerance: false,
    stages: [],
    error: (error as Error).message,
  };
}

/** The per-op summary and verdict of a list of case results. */
export function reportOf(results: CaseResult[]): ParityReport {
  const summary: OpSummary[] = [];
  for (const op of [...new Set(results.map((result) => result.op))]) {
    const ofOp = results.filter((result) => result.op === op);
    const exactCases = ofOp.filter((result) => result.maxAbsDiff === 0).length;
    summary.push({
      op,
      cases: ofOp.length,
      exactCases,
      exactShare: exactCases / ofOp.length,
      worstMaxAbsDiff: Math.max(...ofOp.map((result) => result.maxAbsDiff)),
      worstDifferingShare: Math.max(...ofOp.map((result) => result.differing / result.total)),
    });
  }
  return { results, summary, passed: results.every((result) => result.withinTolerance) };
}

/** Human-readable table of a report. */
export function formatParityReport(report: ParityReport): string {
  const lines: string[] = [];
  lines.push('op                    cases  exact   exact%   worst max|diff|  worst differing%');
  for (const row of report.summary) {
    lines.push(
      `${row.op.padEnd(22)}${String(row.cases).padStart(5)}  ${String(row.exactCases).padStart(5)}  ` +
        `${(row.exactShare * 100).toFixed(1).padStart(6)}%  ${String(row.worstMaxAbsDiff).padStart(15)}  ` +
        `${(row.worstDifferingShare * 100).toFixed(3).padStart(15)}%`,
    );
  }
  const failures = report.results.filter((result) => !result.withinTolerance);
  for (const failure of failures) {
    lines.push(
      `FAIL ${failure.id}: max|diff| ${failure.maxAbsDiff}, ${failure.differing}/${failure.total} values differ${failure.error ? ` (${failure.error})` : ''}`,
    );
  }
  const stageProblems = report.results.flatMap((result) =>
    result.stages
      .filter((stage) => stage.differing > 0)
      .map((stage) => `${result.id} stage ${stage.name}: max|diff| ${stage.maxAbsDiff}, ${stage.differing} differ`),
  );
  for (const line of stageProblems) lines.push(`note ${line}`);
  const total = report.results.length;
  const exact = report.results.filter((result) => result.maxAbsDiff === 0).length;
  lines.push(
    `${exact}/${total} cases exact; ${report.passed ? 'all within tolerance' : `${failures.length} outside tolerance`}`,
  );
  return lines.join('\n');
}
