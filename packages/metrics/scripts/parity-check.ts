/**
 * Parity of @art/metrics with scikit-learn: recomputes every expected value in a cases file
 * (the format of `test/fixtures/sklearn-cases.json`) with the public API and compares.
 *
 * Case format: inputs `numClasses`, `labels` (true classes), `predictions`, optional `scores`
 * (rows of class scores); expected values `accuracy`, `balancedAccuracy`, `confusionMatrix`,
 * `macro`/`micro`/`weighted` objects of `precision`, `recall`, `f1`, `f<beta>` (e.g. `f2`),
 * `perClass` with the same keys plus `support`, and `top<k>Accuracy`. A `null` expected value
 * means scikit-learn could not compute it (e.g. top-k for 2-D binary scores) and is skipped.
 * Any other key is reported as a mismatch, so nothing in a file goes unchecked.
 */

import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

import {
  accuracyScore,
  balancedAccuracyScore,
  confusionMatrix,
  precisionRecallFscoreSupport,
  topKAccuracyScore,
  type ScoreMatrix,
} from '../src/index.js';

/** Absolute tolerance of a match. */
export const DEFAULT_TOLERANCE = 1e-12;

/** One metric's tally over all cases. */
export interface ParityLine {
  metric: string;
  /** Values compared (matrix and per-class entries count one each). */
  total: number;
  matched: number;
  /** Cases that carry the metric, and those where every value matched. */
  cases: number;
  casesMatched: number;
  /** Values that were null in the file (not computable by scikit-learn). */
  skipped: number;
  /** Largest absolute difference seen. */
  maxError: number;
}

/** One value that did not match. */
export interface ParityMismatch {
  caseIndex: number;
  /** e.g. `perClass.f1[3]` or `confusionMatrix[2][0]`. */
  path: string;
  expected: unknown;
  actual: unknown;
  message?: string;
}

/** Result of {@link checkParity}. */
export interface ParityResult {
  numCases: number;
  lines: ParityLine[];
  mismatches: ParityMismatch[];
  ok: boolean;
}

interface CaseInputs {
  numClasses: number;
  yTrue: number[];
  yPred: number[];
  scores: ScoreMatrix | undefined;
}

const INPUT_KEYS = new Set(['numClasses', 'labels', 'predictions', 'scores']);
const AVERAGE_KEYS = ['macro', 'micro', 'weighted'] as const;
const TOP_K_KEY = /^top(\d+)Accuracy$/;
const FBETA_KEY = /^f(\d+(?:\.\d+)?)$/;

/** Reads and parses a cases file, with errors that name it. */
export function loadCasesFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read cases file ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`cases file ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function caseInputs(testCase: Record<string, unknown>, caseIndex: number): CaseInputs {
  const where = `cases[${caseIndex}]`;
  const { numClasses, labels, predictions, scores } = testCase;
  if (typeof numClasses !== 'number')
    throw new TypeError(`${where}.numClasses must be a number, got ${JSON.stringify(numClasses)}`);
  if (!Array.isArray(labels)) throw new TypeError(`${where}.labels (the true classes) must be an array`);
  if (!Array.isArray(predictions)) throw new TypeError(`${where}.predictions must be an array`);
  if (scores !== undefined && !Array.isArray(scores)) throw new TypeError(`${where}.scores must be an array of rows`);
  return {
    numClasses,
    yTrue: labels as number[],
    yPred: predictions as number[],
    scores: scores as ScoreMatrix | undefined,
  };
}

/** Tallies comparisons per metric and collects mismatches. */
class Tally {
  readonly lines = new Map<string, ParityLine>();
  readonly mismatches: ParityMismatch[] = [];
  constructor(readonly tolerance: number) {}

  #line(metric: string): ParityLine {
    let line = this.lines.get(metric);
    if (line === undefined) {
      line = { metric, total: 0, matched: 0, cases: 0, casesMatched: 0, skipped: 0, maxError: 0 };
      this.lines.set(metric, line);
    }
    return line;
  }

  /** Compares expected (a number, nested arrays of numbers, or null) with a computed value. */
  compare(caseIndex: number, metric: string, expected: unknown, compute: () => unknown): void {
    const line = this.#line(metric);
    if (expected === null) {
      line.skipped += 1;
      return;
    }
    line.cases += 1;
    let actual: unknown;
    try {
      actual = compute();
    } catch (error) {
      const count = countNumbers(expected);
      line.total += count;
      this.mismatches.push({ caseIndex, path: metric, expected, actual: undefined, message: (error as Error).message });
      return;
    }
    const before = this.mismatches.length;
    this.#walk(caseIndex, metric, expected, actual, line);
    if (this.mismatches.length === before) line.casesMatched += 1;
  }

  /** Records a key this checker does not understand as a failure. */
  unknown(caseIndex: number, path: string, expected: unknown): void {
    const line = this.#line(`unknown key ${path}`);
    line.cases += 1;
    line.total += Math.max(1, countNumbers(expected));
    this.mismatches.push({
      caseIndex,
      path,
      expected,
      actual: undefined,
      message: `no metric is known for key "${path}"`,
    });
  }

  #walk(caseIndex: number, path: string, expected: unknown, actual: unknown, line: ParityLine): void {
    if (Array.isArray(expected)) {
      const actualArray = actual as ArrayLike<unknown> | undefined;
      if (
        actualArray === undefined ||
        actualArray === null ||
        typeof actualArray !== 'object' ||
        actualArray.length !== expected.length
      ) {
        line.total += countNumbers(expected);
        this.mismatches.push({
          caseIndex,
          path,
          expected: `an array of length ${expected.length}`,
          actual:
            actualArray === undefined || actualArray === null ? actualArray : `length ${String(actualArray.length)}`,
        });
        return;
      }
      expected.forEach((item, index) => this.#walk(caseIndex, `${path}[${index}]`, item, actualArray[index], line));
      return;
    }
    line.total += 1;
    if (typeof expected !== 'number' || typeof actual !== 'number') {
      this.mismatches.push({ caseIndex, path, expected, actual, message: 'expected a number' });
      return;
    }
    const error = Math.abs(actual - expected);
    const matches = error <= this.tolerance || (Number.isNaN(expected) && Number.isNaN(actual));
    if (!Number.isNaN(error)) line.maxError = Math.max(line.maxError, error);
    if (matches) line.matched += 1;
    else this.mismatches.push({ caseIndex, path, expected, actual });
  }
}

function countNumbers(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + countNumbers(item), 0);
  return typeof value === 'number' ? 1 : 0;
}

function betaOf(key: string): number | undefined {
  const match = FBETA_KEY.exec(key);
  return match === null ? undefined : Number(match[1]);
}

function checkCase(tally: Tally, testCase: Record<string, unknown>, caseIndex: number): void {
  const inputs = caseInputs(testCase, caseIndex);
  // Only values are compared: scikit-learn's warnings (0/0 ratios, classes only predicted) are dropped.
  const classOptions = { numClasses: inputs.numClasses, onWarning: () => {} };
  for (const [key, expected] of Object.entries(testCase)) {
    if (INPUT_KEYS.has(key)) continue;
    if (key === 'accuracy') {
      tally.compare(caseIndex, key, expected, () => accuracyScore(inputs.yTrue, inputs.yPred, classOptions));
    } else if (key === 'balancedAccuracy') {
      tally.compare(caseIndex, key, expected, () => balancedAccuracyScore(inputs.yTrue, inputs.yPred, classOptions));
    } else if (key === 'confusionMatrix') {
      tally.compare(caseIndex, key, expected, () => confusionMatrix(inputs.yTrue, inputs.yPred, classOptions));
    } else if (((AVERAGE_KEYS as readonly string[]).includes(key) || key === 'perClass') && isRecord(expected)) {
      // perClass holds scikit-learn's average=None arrays, the only ones with a support column.
      const average = key === 'perClass' ? 'none' : (key as (typeof AVERAGE_KEYS)[number]);
      for (const [scoreKey, value] of Object.entries(expected)) {
        const pick =
          scoreKey === 'precision' || scoreKey === 'recall' || (scoreKey === 'support' && average === 'none')
            ? scoreKey
            : betaOf(scoreKey) === undefined
              ? null
              : 'fscore';
        if (pick === null) {
          tally.unknown(caseIndex, `${key}.${scoreKey}`, value);
          continue;
        }
        const beta = pick === 'fscore' ? betaOf(scoreKey)! : 1;
        tally.compare(
          caseIndex,
          `${key}.${scoreKey}`,
          value,
          () => precisionRecallFscoreSupport(inputs.yTrue, inputs.yPred, { ...classOptions, average, beta })[pick],
        );
      }
    } else if (TOP_K_KEY.test(key)) {
      const k = Number(TOP_K_KEY.exec(key)![1]);
      tally.compare(caseIndex, key, expected, () => {
        if (inputs.scores === undefined) throw new Error(`cases[${caseIndex}] has ${key} but no scores`);
        return topKAccuracyScore(inputs.yTrue, inputs.scores, { ...classOptions, k });
      });
    } else {
      tally.unknown(caseIndex, key, expected);
    }
  }
}

/**
 * Checks every expected value in a parsed cases file against @art/metrics.
 *
 * @param file Parsed JSON: `{ cases: [...] }` (other top-level keys are metadata) or an array of cases.
 * @param options `tolerance`: absolute tolerance (default 1e-12).
 * @throws TypeError when the file does not have the cases format.
 */
export function checkParity(file: unknown, options: { tolerance?: number } = {}): ParityResult {
  const cases = Array.isArray(file) ? file : isRecord(file) ? file.cases : undefined;
  if (!Array.isArray(cases)) {
    throw new TypeError('cases file must be a JSON object with a "cases" array (or an array of cases)');
  }
  if (cases.length === 0) throw new RangeError('cases file has no cases');
  const tally = new Tally(options.tolerance ?? DEFAULT_TOLERANCE);
  cases.forEach((testCase: unknown, caseIndex) => {
    if (!isRecord(testCase)) throw new TypeError(`cases[${caseIndex}] must be an object`);
    checkCase(tally, testCase, caseIndex);
  });
  const lines = [...tally.lines.values()];
  return { numCases: cases.length, lines, mismatches: tally.mismatches, ok: tally.mismatches.length === 0 };
}

/** One printable line per metric: `metric  matched/total values match (share%)  [cases]`. */
export function formatParityLines(result: ParityResult): string[] {
  const width = Math.max(...result.lines.map((line) => line.metric.length));
  return result.lines.map((line) => {
    const share = line.total === 0 ? 100 : (100 * line.matched) / line.total;
    const skipped = line.skipped > 0 ? `, ${line.skipped} null in file (skipped)` : '';
    return (
      `${line.metric.padEnd(width)}  ${line.matched}/${line.total} values match (${share.toFixed(2)}%)` +
      `  [${line.casesMatched}/${line.cases} cases${skipped}; max |error| ${line.maxError.toExponential(1)}]`
    );
  });
}

/** Describes a mismatch for the error report. */
export function formatMismatch(mismatch: ParityMismatch): string {
  const detail = mismatch.message === undefined ? '' : ` (${mismatch.message})`;
  return `cases[${mismatch.caseIndex}].${mismatch.path}: expected ${JSON.stringify(
    mismatch.expected,
  )}, got ${JSON.stringify(mismatch.actual)}${detail}`;
}

const MAX_MISMATCHES_SHOWN = 20;

/** Where the command writes; `process.stdout`/`process.stderr` in the CLI, buffers in tests. */
export interface CommandOutput {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/**
 * Resolves a cases path given on the command line: relative paths are taken from where
 * `npm run` was typed (npm passes it as INIT_CWD), then from the current folder.
 */
export function resolveCasesPath(argument: string, environment: NodeJS.ProcessEnv = process.env): string {
  if (isAbsolute(argument)) return argument;
  const candidates = [environment.INIT_CWD, process.cwd()]
    .filter((base): base is string => base !== undefined)
    .map((base) => resolve(base, argument));
  return candidates.find((candidate) => existsSync(candidate)) ?? candidates[0]!;
}

/**
 * The parity command: checks the cases file named by the single argument and returns the exit
 * code: 0 when every value matches, 1 on any mismatch, 2 on a usage or file error.
 */
export function runParityCommand(argv: readonly string[], output: CommandOutput): number {
  if (argv.length !== 1 || argv[0] === '--help' || argv[0] === '-h') {
    output.stderr('usage: npm run parity -w @art/metrics -- <cases.json>\n');
    return 2;
  }
  const path = resolveCasesPath(argv[0]!);
  let result: ParityResult;
  try {
    result = checkParity(loadCasesFile(path));
  } catch (error) {
    output.stderr(`parity: ${(error as Error).message}\n`);
    return 2;
  }
  output.stdout(`parity: ${path} (${result.numCases} cases, tolerance ${DEFAULT_TOLERANCE})\n`);
  for (const line of formatParityLines(result)) output.stdout(`${line}\n`);
  if (result.ok) {
    output.stdout('parity: all values match scikit-learn\n');
    return 0;
  }
  output.stderr(`parity: ${result.mismatches.length} mismatches\n`);
  for (const mismatch of result.mismatches.slice(0, MAX_MISMATCHES_SHOWN))
    output.stderr(`  ${formatMismatch(mismatch)}\n`);
  if (result.mismatches.length > MAX_MISMATCHES_SHOWN) {
    output.stderr(`  ... and ${result.mismatches.length - MAX_MISMATCHES_SHOWN} more\n`);
  }
  return 1;
}
