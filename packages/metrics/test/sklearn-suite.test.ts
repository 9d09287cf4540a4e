/**
 * scikit-learn 1.2.1's own metric tests, replayed: `scripts/sklearn_suite.py` ran
 * `sklearn/metrics/tests/test_classification.py` and the `test_top_k_accuracy_score*` tests of
 * `test_ranking.py` with every metric call recorded (inputs, scikit-learn's value or error, its
 * warnings). Each upstream test is one vitest test here: every call it made must give
 * scikit-learn's value (1e-12), throw where scikit-learn raised, and warn as scikit-learn
 * warned (same category and message), unless the call is of a kind listed in UNSUPPORTED
 * below, with the reason, and in the package README.
 */

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import {
  accuracyScore,
  averagePrecisionScore,
  balancedAccuracyScore,
  brierScoreLoss,
  classLikelihoodRatios,
  classificationReport,
  cohenKappaScore,
  confusionMatrix,
  f1Score,
  fbetaScore,
  hammingLoss,
  hingeLoss,
  jaccardScore,
  logLoss,
  matthewsCorrcoef,
  multilabelConfusionMatrix,
  precisionRecallFscoreSupport,
  precisionScore,
  recallScore,
  topKAccuracyScore,
  zeroOneLoss,
  type MetricWarning,
} from '@art/metrics';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface RecordedCall {
  fn: string;
  kwargs?: Record<string, unknown>;
  result?: unknown;
  error?: { type: string; message: string };
  warnings: { category: string; message: string }[];
}

interface SuiteFixture {
  sklearn: string;
  averagePrecisionCases: {
    yTrue: number[] | number[][];
    yScore: number[] | number[][];
    sampleWeight: number[] | null;
    average: 'macro' | 'micro' | 'weighted' | 'samples' | 'none';
    expected: number | number[];
  }[];
  tests: { file: string; name: string; cases: { id: string; calls: RecordedCall[] }[] }[];
  arrays: Record<string, unknown>;
}

const fixture = JSON.parse(readFileSync(join(packageRoot, 'test/fixtures/sklearn-suite.json'), 'utf8')) as SuiteFixture;

/** scikit-learn functions @art/metrics does not provide; a test calling one is unsupported. */
const MISSING_FUNCTIONS: Record<string, string> = {
  _check_targets: "scikit-learn's private _check_targets (input-type detection) has no public counterpart",
};

/**
 * Calls @art/metrics answers differently on purpose; each rule names the reason. Everything
 * else must match.
 */
const DELIBERATE: { reason: string; applies: (call: RecordedCall) => boolean }[] = [
  {
    reason: 'scipy.sparse inputs are not accepted (pass dense arrays or indicator rows)',
    applies: (call) => JSON.stringify(call.kwargs ?? {}).includes('"$unsupported":"scipy.sparse matrix"'),
  },
  {
    reason:
      "pandas Series/DataFrame (and scikit-learn's MockDataFrame stand-in) have no JavaScript counterpart (pass arrays)",
    applies: (call) => /"\$unsupported":"(MockDataFrame|Series|DataFrame)"/.test(JSON.stringify(call.kwargs ?? {})),
  },
  {
    reason: 'weights beyond 2^53 (numpy uint64/int64 arithmetic that wraps around) are not exact in JavaScript numbers',
    applies: (call) =>
      (decodeSafe(call.kwargs?.sample_weight) as number[] | null)?.some((weight) => Math.abs(weight) > 2 ** 53) ===
      true,
  },
  {
    reason: 'float16 arrays have no JavaScript counterpart (their machine epsilon sets log_loss\'s eps="auto")',
    applies: (call) => JSON.stringify(call.kwargs ?? {}).includes('"type":"float16"'),
  },
  {
    reason:
      'topKAccuracyScore without labels takes yTrue as score-column indices, so it does not raise ' +
      'where y_true lacks a class or holds extra ones (scikit-learn requires the classes of y_true to match the columns)',
    applies: (call) =>
      call.fn === 'top_k_accuracy_score' &&
      call.error !== undefined &&
      /Number of classes in 'y_true'|`y_true` is binary while y_score is 2d/.test(call.error.message),
  },
  {
    reason:
      'topKAccuracyScore takes labels in score-column order; scikit-learn requires them sorted ("Parameter \'labels\' must be ordered")',
    applies: (call) =>
      call.fn === 'top_k_accuracy_score' && call.error?.message === "Parameter 'labels' must be ordered.",
  },
];

// ---------------------------------------------------------------------------------------------
// Decoding the recorded values

function decodeSafe(value: unknown): unknown {
  return value === undefined || value === null ? null : decode(value);
}

function decode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  if ('$ref' in record) return decode(fixture.arrays[record.$ref as string]);
  if ('$nd' in record) {
    const items = decode(record.$nd) as unknown[];
    // float32 inputs stay float32 (their epsilon matters to logLoss's eps: 'auto').
    if (record.type === 'float32') {
      return (record.shape as number[]).length === 1
        ? Float32Array.from(items as number[])
        : items.map((row) => Float32Array.from(row as number[]));
    }
    return items;
  }
  if ('$bits' in record) return Array.from(record.$bits as string, (bit) => bit === '1');
  if ('$float' in record) {
    return { nan: Number.NaN, inf: Number.POSITIVE_INFINITY, '-inf': Number.NEGATIVE_INFINITY }[
      record.$float as string
    ];
  }
  if ('$tuple' in record) return (record.$tuple as unknown[]).map(decode);
  if ('$dict' in record) {
    return Object.fromEntries((record.$dict as [unknown, unknown][]).map(([key, item]) => [key, decode(item)]));
  }
  throw new Error(`cannot decode ${JSON.stringify(value)}`);
}

/** Booleans as scikit-learn reads them: True == 1 (labels and indicators). */
function booleansAsNumbers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(booleansAsNumbers);
  return typeof value === 'boolean' ? Number(value) : value;
}

// ---------------------------------------------------------------------------------------------
// Calling @art/metrics the way the upstream test called scikit-learn

type Options = Record<string, unknown>;

/** Keyword arguments as options: the snake_case names are accepted aliases; None means "not given". */
function optionsOf(kwargs: Options, skip: readonly string[]): Options {
  const options: Options = {};
  for (const [key, value] of Object.entries(kwargs)) {
    if (skip.includes(key)) continue;
    if (key === 'average') options[key] = value === null ? 'none' : value;
    else if (value !== null)
      options[key] = key === 'labels' || key === 'sample_weight' ? booleansAsNumbers(value) : value;
  }
  return options;
}

/** sklearn's default `average='binary'` of the scalar score functions (ours default to macro). */
function withBinaryDefault(options: Options): Options {
  return 'average' in options ? options : { ...options, average: 'binary' };
}

/**
 * The runner of a metric called as `metric(y_true, y_pred, **other keywords)`; `binaryDefault`: the
 * scalar score functions, whose scikit-learn default is average='binary'.
 */
function labelRunner(
  metric: (yTrue: ReturnType<typeof targetsOf>, yPred: ReturnType<typeof targetsOf>, options: never) => unknown,
  binaryDefault = false,
): (kwargs: Options) => unknown {
  return (kw) => {
    const options = optionsOf(kw, ['y_true', 'y_pred']);
    return metric(
      targetsOf(kw.y_true),
      targetsOf(kw.y_pred),
      (binaryDefault ? withBinaryDefault(options) : options) as never,
    );
  };
}

const RUNNERS: Record<string, (kwargs: Options) => unknown> = {
  accuracy_score: labelRunner(accuracyScore),
  balanced_accuracy_score: labelRunner(balancedAccuracyScore),
  confusion_matrix: (kw) =>
    confusionMatrix(targetsOf(kw.y_true), targetsOf(kw.y_pred), optionsOf(kw, ['y_true', 'y_pred'])).toArray(),
  multilabel_confusion_matrix: labelRunner(multilabelConfusionMatrix),
  precision_score: labelRunner(precisionScore, true),
  recall_score: labelRunner(recallScore, true),
  f1_score: labelRunner(f1Score, true),
  fbeta_score: labelRunner(fbetaScore, true),
  precision_recall_fscore_support: (kw) => {
    const result = precisionRecallFscoreSupport(
      targetsOf(kw.y_true),
      targetsOf(kw.y_pred),
      optionsOf(kw, ['y_true', 'y_pred']),
    );
    return [result.precision, result.recall, result.fscore, result.support];
  },
  classification_report: (kw) => {
    const report = classificationReport(
      targetsOf(kw.y_true),
      targetsOf(kw.y_pred),
      optionsOf(kw, ['y_true', 'y_pred', 'output_dict']),
    );
    return kw.output_dict === true ? report.toDict() : report.toText();
  },
  jaccard_score: labelRunner(jaccardScore, true),
  matthews_corrcoef: labelRunner(matthewsCorrcoef),
  cohen_kappa_score: (kw) => cohenKappaScore(targetsOf(kw.y1), targetsOf(kw.y2), optionsOf(kw, ['y1', 'y2'])),
  hamming_loss: labelRunner(hammingLoss),
  zero_one_loss: labelRunner(zeroOneLoss),
  log_loss: (kw) =>
    logLoss(targetsOf(kw.y_true), booleansAsNumbers(kw.y_pred) as number[][], optionsOf(kw, ['y_true', 'y_pred'])),
  brier_score_loss: (kw) =>
    brierScoreLoss(targetsOf(kw.y_true), kw.y_prob as number[], optionsOf(kw, ['y_true', 'y_prob'])),
  class_likelihood_ratios: (kw) => {
    const ratios = classLikelihoodRatios(
      targetsOf(kw.y_true),
      targetsOf(kw.y_pred),
      optionsOf(kw, ['y_true', 'y_pred']),
    );
    return [ratios.positiveLikelihoodRatio, ratios.negativeLikelihoodRatio];
  },
  hinge_loss: (kw) =>
    hingeLoss(targetsOf(kw.y_true), kw.pred_decision as number[], optionsOf(kw, ['y_true', 'pred_decision'])),
  average_precision_score: (kw) =>
    averagePrecisionScore(targetsOf(kw.y_true), kw.y_score as number[], optionsOf(kw, ['y_true', 'y_score'])),
  top_k_accuracy_score: (kw) =>
    topKAccuracyScore(
      targetsOf(kw.y_true) as (number | string)[],
      booleansAsNumbers(kw.y_score) as number[][],
      optionsOf(kw, ['y_true', 'y_score']),
    ),
};

function targetsOf(value: unknown): (number | string)[] {
  return booleansAsNumbers(value) as (number | string)[];
}

// ---------------------------------------------------------------------------------------------
// Comparing

const TOLERANCE = 1e-12;

/** Differences between scikit-learn's result and ours, as readable paths; empty when equal. */
function differences(expected: unknown, actual: unknown, path = 'result'): string[] {
  if (typeof expected === 'number') {
    if (typeof actual !== 'number') return [`${path}: expected ${expected}, got ${JSON.stringify(actual)}`];
    const same =
      (Number.isNaN(expected) && Number.isNaN(actual)) ||
      expected === actual ||
      Math.abs(expected - actual) <= TOLERANCE;
    return same ? [] : [`${path}: expected ${expected}, got ${actual}`];
  }
  if (typeof expected === 'boolean') return differences(Number(expected), actual, path);
  if (expected === null) {
    // scikit-learn's averaged support is None; ours is the total.
    return [];
  }
  if (typeof expected === 'string') {
    return expected === actual ? [] : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      return [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
    }
    return expected.flatMap((item, index) => differences(item, actual[index], `${path}[${index}]`));
  }
  const expectedRecord = expected as Record<string, unknown>;
  const actualRecord = (actual ?? {}) as Record<string, unknown>;
  if (Object.keys(expectedRecord).join('|') !== Object.keys(actualRecord).join('|')) {
    return [
      `${path}: keys ${Object.keys(expectedRecord).join(', ')} expected, got ${Object.keys(actualRecord).join(', ')}`,
    ];
  }
  return Object.keys(expectedRecord).flatMap((key) =>
    differences(expectedRecord[key], actualRecord[key], `${path}.${key}`),
  );
}

const OUR_CATEGORIES = new Set(['UndefinedMetricWarning', 'UserWarning']);
const WARNING_FREE = new Set(['log_loss', 'brier_score_loss', 'hinge_loss']);

/** The outcome of one replayed call: null when it matches scikit-learn, else what differs. */
function replay(call: RecordedCall): string[] {
  const warnings: MetricWarning[] = [];
  let kwargs: Options;
  try {
    kwargs = Object.fromEntries(Object.entries(call.kwargs ?? {}).map(([key, value]) => [key, decode(value)]));
  } catch (error) {
    return [`input not replayable: ${String(error)}`];
  }
  // logLoss, brierScoreLoss and hingeLoss never warn, and so take no onWarning.
  if (!WARNING_FREE.has(call.fn)) kwargs.onWarning = (warning: MetricWarning) => warnings.push(warning);
  let actual: unknown;
  let thrown: unknown = null;
  try {
    actual = RUNNERS[call.fn]!(kwargs);
  } catch (error) {
    thrown = error;
  }
  const problems: string[] = [];
  if (call.error !== undefined) {
    if (thrown === null)
      problems.push(
        `scikit-learn raised ${call.error.type}: ${call.error.message}; we returned ${JSON.stringify(actual)}`,
      );
    return problems;
  }
  if (thrown !== null)
    return [`we threw ${String(thrown)}; scikit-learn returned ${JSON.stringify(decode(call.result))}`];
  problems.push(...differences(decode(call.result), actual));
  const expectedWarnings = call.warnings
    .filter((warning) => OUR_CATEGORIES.has(warning.category))
    .map((warning) => `${warning.category}: ${warning.message}`);
  const actualWarnings = warnings.map(
    (warning) => `${warning.category}: ${warning.message.replace(/^[A-Za-z0-9.]+: /, '')}`,
  );
  if (expectedWarnings.join('\n') !== actualWarnings.join('\n')) {
    problems.push(`warnings: expected ${JSON.stringify(expectedWarnings)}, got ${JSON.stringify(actualWarnings)}`);
  }
  return problems;
}

/**
 * Per upstream test: the problems (calls that differ from scikit-learn without a listed
 * reason) and the reasons of its unsupported calls: calls of functions we do not provide, and
 * calls that differ for a reason listed in DELIBERATE. A call that matches counts as passing
 * even where a rule would excuse it.
 */
export function runSuite(): {
  name: string;
  file: string;
  calls: number;
  unsupportedCalls: number;
  problems: string[];
  reasons: string[];
}[] {
  return fixture.tests.map((test) => {
    const problems: string[] = [];
    const reasons = new Set<string>();
    let calls = 0;
    let unsupportedCalls = 0;
    for (const testCase of test.cases) {
      for (const [index, call] of testCase.calls.entries()) {
        calls += 1;
        const missing = MISSING_FUNCTIONS[call.fn];
        const callProblems = missing === undefined ? replay(call) : [missing];
        if (callProblems.length === 0) continue;
        const reason = missing ?? DELIBERATE.find((rule) => rule.applies(call))?.reason;
        if (reason !== undefined) {
          reasons.add(reason);
          unsupportedCalls += 1;
        } else {
          problems.push(...callProblems.map((problem) => `[${testCase.id}] call ${index} ${call.fn}: ${problem}`));
        }
      }
    }
    return { name: test.name, file: test.file, calls, unsupportedCalls, problems, reasons: [...reasons] };
  });
}

const results = runSuite();
const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');

describe(`scikit-learn ${fixture.sklearn} metric tests, replayed`, () => {
  for (const result of results) {
    it(`${result.file.split('/').pop()}::${result.name}`, () => {
      expect(result.problems).toEqual([]);
      if (result.reasons.length > 0) {
        // Unsupported: the README lists it with its reasons.
        expect(readme).toContain(`\`${result.name}\``);
      }
    });
  }

  it('average precision matches on random binary (ties, zero weights) and multilabel cases, every average', () => {
    expect(fixture.averagePrecisionCases.length).toBeGreaterThanOrEqual(40);
    for (const testCase of fixture.averagePrecisionCases) {
      const actual = averagePrecisionScore(testCase.yTrue, testCase.yScore, {
        average: testCase.average,
        sampleWeight: testCase.sampleWeight ?? undefined,
        onWarning: () => {},
      });
      expect(differences(testCase.expected, actual)).toEqual([]);
    }
  });

  it('counts ported, passing and unsupported upstream tests as the README states', () => {
    const unsupported = results.filter((result) => result.reasons.length > 0).length;
    const passing = results.filter((result) => result.reasons.length === 0 && result.problems.length === 0).length;
    if (process.env.SKLEARN_SUITE_LIST) console.log(JSON.stringify(results));
    const calls = results.reduce((sum, result) => sum + result.calls, 0);
    const unsupportedCalls = results.reduce((sum, result) => sum + result.unsupportedCalls, 0);
    const line =
      `${results.length} upstream tests ported, ${passing} pass, ${unsupported} unsupported ` +
      `(${calls} recorded calls: ${calls - unsupportedCalls} match, ${unsupportedCalls} unsupported)`;
    expect(readme).toContain(line);
    expect(fixture.tests.length).toBeGreaterThanOrEqual(93);
  });
});
