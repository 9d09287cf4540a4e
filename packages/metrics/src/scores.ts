/** Label-based scores with scikit-learn's names, conventions, warnings and rounding. */

import { listedTotals, sampleTotals, type ClassTotals } from './counts.js';
import { checkOnWarning, emitWarning, readOptions, type WarningOptions } from './options.js';
import {
  balancedAccuracyFromTotals,
  checkAverage,
  checkBeta,
  checkZeroDivision,
  computePrf,
  type Average,
  type AverageOptions,
  type PrecisionRecallFscore,
  type PrfSettings,
  type WarnFor,
} from './prf.js';
import { pairwiseSum } from './summation.js';
import { resolveTargets, type LabelOptions, type ResolvedTargets, type Targets } from './targets.js';
import { describeValue } from './validate.js';

/** Options of the precision/recall/F functions. */
export interface ScoreOptions extends LabelOptions, AverageOptions, WarningOptions {}

/** Options of {@link fbetaScore} and {@link precisionRecallFscoreSupport}. */
export interface FbetaOptions extends ScoreOptions {
  /** Weight of recall relative to precision (F2: `beta: 2`). Must be >= 0; Infinity gives recall. */
  beta: number;
}

/** Options of {@link precisionRecallFscoreSupport}. */
export interface PrfsOptions extends Partial<FbetaOptions> {
  /** Which ratios warn on zero division (scikit-learn's `warn_for`). Default: all three. */
  warnFor?: WarnFor;
}

/** Averaging other than `'none'`: the result is one number. */
export type ScalarAverage = Exclude<Average, 'none'>;

/** Option keys of the label-based functions, shared so every function rejects the same unknown keys. */
export const LABEL_KEYS = ['labels', 'numClasses', 'sampleWeight', 'onWarning'] as const;
const SCORE_KEYS = ['average', 'zeroDivision', 'posLabel'] as const;

/** Reads the options of a label-based function and resolves its targets. */
export function labelTargets<T extends LabelOptions & WarningOptions>(
  fn: string,
  yTrue: Targets,
  yPred: Targets,
  options: unknown,
  extraKeys: readonly string[],
  resolveOptions?: { allowMultilabel?: boolean },
): { options: Partial<T>; targets: ResolvedTargets; onWarning: WarningOptions['onWarning'] } {
  const read = readOptions<T>(fn, options, [...LABEL_KEYS, ...extraKeys]);
  const onWarning = checkOnWarning(fn, read.onWarning);
  return { options: read, targets: resolveTargets(fn, yTrue, yPred, read, resolveOptions), onWarning };
}

function kindName(targets: ResolvedTargets): string {
  return targets.kind === 'multilabel' ? 'multilabel-indicator' : targets.kind;
}

function pythonRepr(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : value === undefined ? 'None' : String(value);
}

/**
 * The totals a set-wise metric (precision, recall, F, Jaccard) divides, with scikit-learn's
 * `_check_set_wise_labels` rules: `average: 'binary'` keeps `posLabel` of binary data alone,
 * `'samples'` (multilabel only) gives per-sample totals, and a `posLabel` other than 1 with
 * another average warns that it is ignored.
 */
export function setWiseTotals(
  targets: ResolvedTargets,
  settings: Pick<PrfSettings, 'fn' | 'average' | 'onWarning'>,
  posLabel: unknown,
): ClassTotals {
  const { fn, average } = settings;
  if (average === 'binary') {
    if (targets.kind !== 'binary') {
      const choices = ['none', 'micro', 'macro', 'weighted', ...(targets.kind === 'multilabel' ? ['samples'] : [])];
      throw new RangeError(
        `${fn}: target is ${kindName(targets)} but average = 'binary'; choose another average, one of ${choices
          .map((choice) => `'${choice}'`)
          .join(', ')}`,
      );
    }
    const positive = posLabel ?? 1;
    const classIndex = targets.indexOf(positive);
    // Compared by class, so a class name and its index (numClasses with named labels) agree.
    const isPresent =
      classIndex !== undefined && targets.present.some((label) => targets.indexOf(label) === classIndex);
    if (!isPresent && targets.present.length >= 2) {
      throw new RangeError(
        `${fn}: posLabel = ${describeValue(positive)} is not a valid label; it should be one of ${targets.present
          .map((label) => describeValue(label))
          .join(', ')}`,
      );
    }
    // A positive label absent from the data is a class without samples or predictions.
    return classIndex === undefined
      ? { truePositives: new Float64Array(1), trueTotals: new Float64Array(1), predictedTotals: new Float64Array(1) }
      : listedTotals({ ...targets, listed: [classIndex] });
  }
  if (posLabel !== undefined && posLabel !== 1) {
    emitWarning(
      settings.onWarning,
      'UserWarning',
      `${fn}: Note that pos_label (set to ${pythonRepr(
        posLabel,
      )}) is ignored when average != 'binary' (got ${pythonRepr(
        average === 'none' ? undefined : average,
      )}). You may use labels=[pos_label] to specify a single positive class.`,
    );
  }
  if (average === 'samples') {
    if (targets.kind !== 'multilabel') {
      throw new RangeError(
        `${fn}: average = 'samples' is only meaningful for multilabel input (rows of 0/1 indicators); see accuracyScore instead`,
      );
    }
    return sampleTotals(targets);
  }
  return listedTotals(targets);
}

/** Precision, recall, F-beta and support of resolved targets (see {@link setWiseTotals}). */
export function prfOfTargets(
  targets: ResolvedTargets,
  settings: PrfSettings,
  posLabel: unknown,
): PrecisionRecallFscore<number> | PrecisionRecallFscore<number[]> {
  const totals = setWiseTotals(targets, settings, posLabel);
  return computePrf(totals, settings, settings.average === 'samples' ? targets.weights : null);
}

function scoreFunction(
  fn: string,
  yTrue: Targets,
  yPred: Targets,
  rawOptions: unknown,
  extraKeys: readonly string[],
  defaults: { average: Average; warnFor: WarnFor; beta?: number },
): PrecisionRecallFscore<number> | PrecisionRecallFscore<number[]> {
  const { options, targets, onWarning } = labelTargets<PrfsOptions>(fn, yTrue, yPred, rawOptions, [
    ...SCORE_KEYS,
    ...extraKeys,
  ]);
  const settings: PrfSettings = {
    fn,
    beta: defaults.beta ?? checkBeta(fn, options.beta ?? 1),
    average: checkAverage(fn, options.average, defaults.average),
    zeroDivision: checkZeroDivision(fn, options.zeroDivision, true),
    warnFor: options.warnFor ?? defaults.warnFor,
    onWarning,
  };
  return prfOfTargets(targets, settings, options.posLabel);
}

/**
 * Precision, recall, F-beta and support per class, or averaged, like scikit-learn's
 * `precision_recall_fscore_support`. Precision is `tp / (tp + fp)`, recall `tp / (tp + fn)`,
 * F-beta `(1 + beta²)·p·r / (beta²·p + r)`.
 *
 * @param yTrue Labels (numbers or strings), or multilabel indicator rows.
 * @param yPred Same form as `yTrue`.
 * @param options `average` (default `'none'`: arrays per class, like scikit-learn's
 *   `average=None`), `beta` (default 1), `zeroDivision` (default `'warn'`), `labels`,
 *   `numClasses`, `sampleWeight`, `posLabel` (default 1, for `'binary'`), `warnFor`, `onWarning`.
 * @returns `{ precision, recall, fscore, support }`: arrays per listed class for `average: 'none'`,
 *   else numbers, with `support` the total (scikit-learn returns None there).
 * @example
 * const { precision, recall, fscore, support } = precisionRecallFscoreSupport([0, 1, 2, 2], [0, 2, 2, 1]);
 * // precision [1, 0, 0.5], recall [1, 0, 0.5], fscore [1, 0, 0.5], support [1, 1, 2]
 */
export function precisionRecallFscoreSupport(
  yTrue: Targets,
  yPred: Targets,
  options?: PrfsOptions & { average?: 'none' },
): PrecisionRecallFscore<number[]>;
export function precisionRecallFscoreSupport(
  yTrue: Targets,
  yPred: Targets,
  options: PrfsOptions & { average: ScalarAverage },
): PrecisionRecallFscore<number>;
export function precisionRecallFscoreSupport(
  yTrue: Targets,
  yPred: Targets,
  options?: PrfsOptions,
): PrecisionRecallFscore<number> | PrecisionRecallFscore<number[]>;
export function precisionRecallFscoreSupport(
  yTrue: Targets,
  yPred: Targets,
  options?: PrfsOptions,
): PrecisionRecallFscore<number> | PrecisionRecallFscore<number[]> {
  return scoreFunction('precisionRecallFscoreSupport', yTrue, yPred, options, ['beta', 'warnFor'], {
    average: 'none',
    warnFor: ['precision', 'recall', 'f-score'],
  });
}

/**
 * Precision `tp / (tp + fp)`, like scikit-learn's `precision_score` (default `average: 'macro'`
 * here, since scikit-learn's `'binary'` default rejects multiclass data).
 *
 * @param options `average` (default `'macro'`), `zeroDivision` (default `'warn'`), `labels`,
 *   `numClasses`, `sampleWeight`, `posLabel`, `onWarning`.
 * @example
 * precisionScore([0, 1, 2, 2], [0, 2, 2, 1]); // (1 + 0 + 0.5) / 3 = 0.5
 * precisionScore([0, 1, 2, 2], [0, 2, 2, 1], { average: 'none' }); // [1, 0, 0.5]
 * precisionScore([0, 1, 1], [0, 1, 0], { average: 'binary', sampleWeight: [1, 2, 3] }); // 1
 */
export function precisionScore(yTrue: Targets, yPred: Targets, options: ScoreOptions & { average: 'none' }): number[];
export function precisionScore(
  yTrue: Targets,
  yPred: Targets,
  options?: ScoreOptions & { average?: ScalarAverage },
): number;
export function precisionScore(yTrue: Targets, yPred: Targets, options?: ScoreOptions): number | number[];
export function precisionScore(yTrue: Targets, yPred: Targets, options?: ScoreOptions): number | number[] {
  return scoreFunction('precisionScore', yTrue, yPred, options, [], { average: 'macro', warnFor: ['precision'] })
    .precision;
}

/**
 * Recall `tp / (tp + fn)`, like scikit-learn's `recall_score` (default `average: 'macro'`).
 *
 * @param options `average` (default `'macro'`), `zeroDivision` (default `'warn'`), `labels`,
 *   `numClasses`, `sampleWeight`, `posLabel`, `onWarning`.
 * @example
 * recallScore([0, 1, 2, 2], [0, 2, 2, 1], { average: 'micro' }); // 0.5
 * recallScore([1, 3, 3, 2], [1, 1, 3, 2]); // classes 1, 2, 3: (1 + 1 + 0.5) / 3
 */
export function recallScore(yTrue: Targets, yPred: Targets, options: ScoreOptions & { average: 'none' }): number[];
export function recallScore(
  yTrue: Targets,
  yPred: Targets,
  options?: ScoreOptions & { average?: ScalarAverage },
): number;
export function recallScore(yTrue: Targets, yPred: Targets, options?: ScoreOptions): number | number[];
export function recallScore(yTrue: Targets, yPred: Targets, options?: ScoreOptions): number | number[] {
  return scoreFunction('recallScore', yTrue, yPred, options, [], { average: 'macro', warnFor: ['recall'] }).recall;
}

/**
 * F1, the harmonic mean of precision and recall, like scikit-learn's `f1_score`
 * (default `average: 'macro'`). Micro-F1 equals accuracy for single-label data.
 *
 * @param options `average` (default `'macro'`), `zeroDivision` (default `'warn'`), `labels`,
 *   `numClasses`, `sampleWeight`, `posLabel`, `onWarning`.
 * @example
 * f1Score(['cat', 'dog', 'dog'], ['cat', 'cat', 'dog']); // 0.666...
 * f1Score([0, 1, 1], [0, 1, 0], { sampleWeight: [1, 2, 3] }); // 0.4857...
 */
export function f1Score(yTrue: Targets, yPred: Targets, options: ScoreOptions & { average: 'none' }): number[];
export function f1Score(yTrue: Targets, yPred: Targets, options?: ScoreOptions & { average?: ScalarAverage }): number;
export function f1Score(yTrue: Targets, yPred: Targets, options?: ScoreOptions): number | number[];
export function f1Score(yTrue: Targets, yPred: Targets, options?: ScoreOptions): number | number[] {
  return scoreFunction('f1Score', yTrue, yPred, options, [], { average: 'macro', warnFor: ['f-score'], beta: 1 })
    .fscore;
}

/**
 * F-beta score, like scikit-learn's `fbeta_score`: recall weighs `beta` times as much as
 * precision (`beta: 2` is F2). Default `average: 'macro'`.
 *
 * @param options `beta` (required), `average` (default `'macro'`), `zeroDivision` (default
 *   `'warn'`), `labels`, `numClasses`, `sampleWeight`, `posLabel`, `onWarning`.
 * @example
 * fbetaScore([0, 1, 2, 2], [0, 2, 2, 1], { beta: 2, average: 'weighted' });
 */
export function fbetaScore(yTrue: Targets, yPred: Targets, options: FbetaOptions & { average: 'none' }): number[];
export function fbetaScore(yTrue: Targets, yPred: Targets, options: FbetaOptions & { average?: ScalarAverage }): number;
export function fbetaScore(yTrue: Targets, yPred: Targets, options: FbetaOptions): number | number[];
export function fbetaScore(yTrue: Targets, yPred: Targets, options: FbetaOptions): number | number[] {
  const fn = 'fbetaScore';
  if (options === undefined || options === null || (options.beta === undefined && !('beta' in options))) {
    throw new TypeError(`${fn}: options.beta is required (e.g. { beta: 2 } for F2)`);
  }
  return scoreFunction(fn, yTrue, yPred, options, ['beta'], {
    average: 'macro',
    warnFor: ['f-score'],
    beta: checkBeta(fn, options.beta),
  }).fscore;
}

/** Options of {@link accuracyScore}. */
export interface AccuracyOptions extends LabelOptions, WarningOptions {
  /** Return the fraction correct (default true) or the number (sum of weights) of correct samples. */
  normalize?: boolean;
}

/**
 * Fraction (or number) of samples predicted correctly, like scikit-learn's `accuracy_score`;
 * for multilabel indicator rows, the share of samples whose whole row is right (subset
 * accuracy). Empty input gives NaN (0 with `normalize: false`).
 *
 * @param options `normalize` (default true), `sampleWeight`, `labels`, `numClasses`.
 * @example
 * accuracyScore([0, 1, 2, 2], [0, 2, 2, 1]); // 0.5
 * accuracyScore([0, 1, 2, 2], [0, 2, 2, 1], { normalize: false }); // 2
 * accuracyScore([[0, 1], [1, 1]], [[0, 1], [1, 0]]); // 0.5
 */
export function accuracyScore(yTrue: Targets, yPred: Targets, options?: AccuracyOptions): number {
  const { correct, total, normalize } = countCorrect('accuracyScore', yTrue, yPred, options);
  return normalize ? correct / total : correct;
}

/** Weight of the correctly predicted samples (whole rows for multilabel), the total weight, and `normalize`. */
export function countCorrect(
  fn: string,
  yTrue: Targets,
  yPred: Targets,
  options: AccuracyOptions | undefined,
): { correct: number; total: number; normalize: boolean } {
  const { options: read, targets } = labelTargets<AccuracyOptions>(fn, yTrue, yPred, options, ['normalize']);
  const correct = new Float64Array(targets.numSamples);
  const weights = targets.weights ?? new Float64Array(targets.numSamples).fill(1);
  for (let sample = 0; sample < targets.numSamples; sample += 1) {
    let right: boolean;
    if (targets.kind === 'multilabel') {
      right = true;
      for (let column = 0; column < targets.numAll && right; column += 1) {
        const at = sample * targets.numAll + column;
        right = targets.trueRows[at] === targets.predRows[at];
      }
    } else {
      right = targets.yTrue[sample] === targets.yPred[sample];
    }
    correct[sample] = right ? weights[sample]! : 0;
  }
  return { correct: pairwiseSum(correct), total: pairwiseSum(weights), normalize: read.normalize !== false };
}

/** Options of {@link balancedAccuracyScore}. */
export interface BalancedAccuracyOptions extends LabelOptions, WarningOptions {
  /** Rescale so chance level is 0 and perfect is 1 (scikit-learn's `adjusted`). Default false. */
  adjusted?: boolean;
}

/**
 * Balanced accuracy, like scikit-learn's `balanced_accuracy_score`: the mean recall over the
 * classes that occur in `yTrue`. Classes only predicted are left out, with scikit-learn's
 * warning "y_pred contains classes not in y_true".
 *
 * @param options `adjusted` (default false), `sampleWeight`, `labels`, `numClasses`, `onWarning`.
 * @example
 * balancedAccuracyScore([0, 0, 0, 1], [0, 0, 0, 0]); // (1 + 0) / 2 = 0.5
 */
export function balancedAccuracyScore(yTrue: Targets, yPred: Targets, options?: BalancedAccuracyOptions): number {
  const fn = 'balancedAccuracyScore';
  const {
    options: read,
    targets,
    onWarning,
  } = labelTargets<BalancedAccuracyOptions>(fn, yTrue, yPred, options, ['adjusted'], { allowMultilabel: false });
  const totals = listedTotals({ ...targets, listed: Array.from({ length: targets.numAll }, (_, index) => index) });
  const predictedOnly = totals.trueTotals.some((total, index) => total === 0 && totals.predictedTotals[index] !== 0);
  if (predictedOnly) emitWarning(onWarning, 'UserWarning', `${fn}: y_pred contains classes not in y_true`);
  return balancedAccuracyFromTotals(totals, read.adjusted === true);
}
