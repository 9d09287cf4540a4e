/**
 * `yTrue`/`yPred` of the label-based metrics, resolved once the way scikit-learn's
 * `_check_targets` and `unique_labels` do: the kind of target (binary, multiclass, multilabel
 * indicator), the classes (the labels present in `yTrue ∪ yPred`, sorted, unless `labels` or
 * `numClasses` say otherwise), dense class indices and the optional per-sample weights.
 */

import {
  checkLabelArray,
  checkNumClasses,
  checkSameLength,
  describeValue,
  isArrayLike,
  listChoices,
  type LabelArray,
} from './validate.js';

/** A class label: a number (integer) or a string. */
export type Label = number | string;

/**
 * Targets of the label-based metrics: one label per sample (`LabelArray`), or, for multilabel
 * data, one row of 0/1 indicators per sample (`number[][]`, scikit-learn's multilabel indicator).
 */
export type Targets = LabelArray | ArrayLike<ArrayLike<number | boolean>>;

/** How the classes of label-based metrics are chosen, and how samples are weighted. */
export interface LabelOptions {
  /**
   * The classes to report, in this order (scikit-learn's `labels=`): numbers or strings as
   * they appear in `yTrue`/`yPred`; a subset leaves the others out of per-class results and
   * averages (they still count as false positives/negatives of the listed classes), extra
   * entries give classes without samples. For multilabel input, column indices. Default: the
   * labels present in `yTrue ∪ yPred`, sorted.
   *
   * When `yTrue`/`yPred` hold class indices (numbers) and `labels` holds strings, the strings
   * name the classes `0, 1, ...` instead (the package's earlier convention, kept).
   */
  labels?: readonly Label[];
  /**
   * Classes are the indices `0..numClasses-1` (every one listed, even when absent; an index
   * outside is an error). An @art extension: scikit-learn would need `labels=range(numClasses)`.
   */
  numClasses?: number;
  /** Weight of each sample (scikit-learn's `sample_weight`). Default: all 1. */
  sampleWeight?: ArrayLike<number>;
}

/** Resolved targets. Class indices refer to the counting space: listed classes, then the others present. */
export interface ResolvedTargets {
  kind: 'binary' | 'multiclass' | 'multilabel';
  numSamples: number;
  /** Per-sample weights, or null for all 1. */
  weights: Float64Array | null;
  /** Classes counted: the listed ones first, then labels present but not listed. */
  numAll: number;
  /** Indices (into the counting space) of the classes reported, in order. */
  listed: number[];
  /** Display names of the listed classes. */
  names: string[];
  /** Label value of each class of the counting space (column index for multilabel). */
  values: Label[];
  /** Labels present in `yTrue ∪ yPred`, sorted (scikit-learn's `unique_labels`; all columns for multilabel). */
  present: Label[];
  /** Whether `labels` was given as scikit-learn's `labels=` (not as names of class indices). */
  labelsGiven: boolean;
  /** Single-label data: class index per sample. */
  yTrue: Int32Array;
  yPred: Int32Array;
  /** Multilabel data: `numSamples x numAll` 0/1 indicators, row-major. */
  trueRows: Uint8Array;
  predRows: Uint8Array;
  /** Class index of a label value, or undefined when it is not a class. */
  indexOf(value: unknown): number | undefined;
}

function compareLabels(a: Label, b: Label): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const left = String(a);
  const right = String(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Small non-negative integer labels are tracked in flat tables instead of a Set/Map (the common, large case). */
const DENSE_LIMIT = 1 << 20;

/** Sorted distinct labels of both arrays; throws on mixed types and non-integer numbers. */
function presentLabels(fn: string, arrays: readonly [string, LabelArray][]): Label[] {
  let firstType: [string, number, string] | null = null;
  let largest = -1;
  let allSmall = true;
  for (const [name, values] of arrays) {
    for (let index = 0; index < values.length; index += 1) {
      const value = values[index];
      if (typeof value === 'number') {
        if (!Number.isInteger(value)) {
          throw new TypeError(
            `${fn}: ${name}[${index}] = ${describeValue(
              value,
            )} is not an integer label; classification metrics take class labels, not continuous values`,
          );
        }
        if (value < 0 || value >= DENSE_LIMIT) allSmall = false;
        else if (value > largest) largest = value;
      } else if (typeof value !== 'string') {
        throw new TypeError(
          `${fn}: ${name}[${index}] = ${describeValue(value)} must be a class label (integer or string)`,
        );
      }
      if (firstType === null) firstType = [name, index, typeof value];
      else if (typeof value !== firstType[2]) {
        throw new TypeError(
          `${fn}: ${name}[${index}] = ${describeValue(value)} is a ${typeof value} but ${firstType[0]}[${
            firstType[1]
          }] is a ${firstType[2]}; labels must be all numbers or all strings`,
        );
      }
    }
  }
  if (firstType?.[2] === 'number' && allSmall) {
    // Class indices and other small integers: a flag per value instead of a Set.
    const seen = new Uint8Array(largest + 1);
    for (const [, values] of arrays)
      for (let index = 0; index < values.length; index += 1) seen[values[index] as number] = 1;
    const present: number[] = [];
    seen.forEach((flag, value) => flag === 1 && present.push(value));
    return present;
  }
  const seen = new Set<Label>();
  for (const [, values] of arrays) for (let index = 0; index < values.length; index += 1) seen.add(values[index]!);
  return [...seen].sort(compareLabels);
}

function checkLabelsOption(fn: string, labels: unknown): Label[] {
  if (!Array.isArray(labels) && !ArrayBuffer.isView(labels)) {
    throw new TypeError(`${fn}: labels must be an array of class labels, got ${describeValue(labels)}`);
  }
  const list = Array.from(labels as ArrayLike<unknown>);
  const seen = new Set<unknown>();
  list.forEach((label, index) => {
    if (!(typeof label === 'string' || (typeof label === 'number' && Number.isInteger(label)))) {
      throw new TypeError(`${fn}: labels[${index}] = ${describeValue(label)} must be an integer or a string`);
    }
    if (seen.has(label)) throw new RangeError(`${fn}: labels[${index}] = ${describeValue(label)} is listed twice`);
    seen.add(label);
  });
  if (list.length > 0 && list.some((label) => typeof label !== typeof list[0])) {
    throw new TypeError(`${fn}: labels mixes numbers and strings; use one type, as in yTrue and yPred`);
  }
  return list as Label[];
}

/** Checks `sampleWeight`: finite numbers, one per sample; null when not given. */
export function checkWeights(fn: string, sampleWeight: unknown, numSamples: number): Float64Array | null {
  if (sampleWeight === undefined || sampleWeight === null) return null;
  if (!isArrayLike(sampleWeight)) {
    throw new TypeError(`${fn}: sampleWeight must be an array of numbers, got ${describeValue(sampleWeight)}`);
  }
  checkSameLength(fn, 'yTrue', numSamples, 'sampleWeight', sampleWeight.length);
  const weights = new Float64Array(numSamples);
  for (let index = 0; index < numSamples; index += 1) {
    const weight = sampleWeight[index];
    if (typeof weight !== 'number' || !Number.isFinite(weight)) {
      throw new TypeError(`${fn}: sampleWeight[${index}] = ${describeValue(weight)} must be a finite number`);
    }
    weights[index] = weight;
  }
  return weights;
}

/**
 * A column vector (rows of one entry) as the 1-D array it stands for, as scikit-learn's
 * `column_or_1d`: multilabel indicator rows have at least two columns.
 */
function flattenColumn<T>(values: T): T {
  if (!isArrayLike(values) || values.length === 0) return values;
  const rows = values as ArrayLike<unknown>;
  for (let index = 0; index < rows.length; index += 1) {
    const row = rows[index];
    if (typeof row === 'string' || !isArrayLike(row) || row.length !== 1) return values;
  }
  return Array.from(rows, (row) => (row as ArrayLike<unknown>)[0]) as T;
}

function isMultilabel(values: unknown): boolean {
  if (!isArrayLike(values) || values.length === 0) return false;
  const first = (values as ArrayLike<unknown>)[0];
  return typeof first !== 'string' && isArrayLike(first);
}

function indicatorRows(fn: string, name: string, rows: ArrayLike<unknown>, numColumns: number): Uint8Array {
  const flat = new Uint8Array(rows.length * numColumns);
  for (let sample = 0; sample < rows.length; sample += 1) {
    const row = rows[sample];
    if (!isArrayLike(row) || typeof row === 'string') {
      throw new TypeError(
        `${fn}: ${name}[${sample}] = ${describeValue(row)} must be a row of 0/1 indicators (multilabel input)`,
      );
    }
    if (row.length !== numColumns) {
      throw new RangeError(`${fn}: ${name}[${sample}] has ${row.length} columns but ${name}[0] has ${numColumns}`);
    }
    for (let column = 0; column < numColumns; column += 1) {
      const value = row[column];
      if (value === 1 || value === true) flat[sample * numColumns + column] = 1;
      else if (value !== 0 && value !== false) {
        throw new TypeError(
          `${fn}: ${name}[${sample}][${column}] = ${describeValue(value)} must be 0 or 1 (multilabel indicator)`,
        );
      }
    }
  }
  return flat;
}

function resolveMultilabel(
  fn: string,
  yTrue: ArrayLike<unknown>,
  yPred: ArrayLike<unknown>,
  options: LabelOptions,
  weights: Float64Array | null,
): ResolvedTargets {
  if (!isMultilabel(yPred)) {
    throw new TypeError(
      `${fn}: yTrue is multilabel (rows of 0/1 indicators) but yPred is not; pass both in the same form`,
    );
  }
  const numColumns = (yTrue[0] as ArrayLike<unknown>).length;
  const trueRows = indicatorRows(fn, 'yTrue', yTrue, numColumns);
  const predColumns = (yPred[0] as ArrayLike<unknown>).length;
  if (predColumns !== numColumns) {
    throw new RangeError(`${fn}: yPred has ${predColumns} columns but yTrue has ${numColumns}; they must match`);
  }
  const predRows = indicatorRows(fn, 'yPred', yPred, numColumns);
  if (options.numClasses !== undefined && checkNumClasses(fn, options.numClasses) !== numColumns) {
    throw new RangeError(`${fn}: numClasses = ${options.numClasses} but the indicator rows have ${numColumns} columns`);
  }
  const labels = options.labels === undefined ? null : checkLabelsOption(fn, options.labels);
  const columns = Array.from({ length: numColumns }, (_, index) => index);
  let listed = columns;
  let names = columns.map(String);
  if (labels !== null && labels.length > 0 && typeof labels[0] === 'string') {
    if (labels.length !== numColumns) {
      throw new RangeError(
        `${fn}: labels names ${labels.length} classes but the indicator rows have ${numColumns} columns`,
      );
    }
    names = labels as string[];
  } else if (labels !== null) {
    for (const label of labels as number[]) {
      if (label >= numColumns || label < 0) {
        throw new RangeError(
          `${fn}: labels contains ${label}; for multilabel input labels are column indices in [0, ${numColumns})`,
        );
      }
    }
    listed = labels as number[];
    names = listed.map(String);
  }
  const lookup = new Map<unknown, number>(names.map((name, index) => [name, listed[index]!]));
  columns.forEach((column) => lookup.set(column, column));
  return {
    kind: 'multilabel',
    numSamples: yTrue.length,
    weights,
    numAll: numColumns,
    listed,
    names,
    values: columns,
    present: columns,
    labelsGiven: labels !== null && typeof labels[0] === 'number',
    yTrue: new Int32Array(0),
    yPred: new Int32Array(0),
    trueRows,
    predRows,
    indexOf: (value) => lookup.get(value),
  };
}

/**
 * Resolves `yTrue`/`yPred` and the class options of a label-based metric.
 * @param requireSamples Throw on empty input (the metric has no value for it).
 */
export function resolveTargets(
  fn: string,
  yTrue: Targets,
  yPred: Targets,
  options: LabelOptions,
  { allowMultilabel = true }: { allowMultilabel?: boolean } = {},
): ResolvedTargets {
  const numSamples = checkLabelArray(fn, 'yTrue', yTrue, true);
  checkSameLength(fn, 'yTrue', numSamples, 'yPred', checkLabelArray(fn, 'yPred', yPred, true));
  const weights = checkWeights(fn, options.sampleWeight, numSamples);
  yTrue = flattenColumn(yTrue);
  yPred = flattenColumn(yPred);
  if (isMultilabel(yTrue) || isMultilabel(yPred)) {
    if (!allowMultilabel) {
      throw new TypeError(`${fn}: multilabel indicator input is not supported; use multilabelConfusionMatrix`);
    }
    if (!isMultilabel(yTrue)) {
      throw new TypeError(
        `${fn}: yPred is multilabel (rows of 0/1 indicators) but yTrue is not; pass both in the same form`,
      );
    }
    return resolveMultilabel(fn, yTrue, yPred, options, weights);
  }
  const trueLabels = yTrue as LabelArray;
  const predLabels = yPred as LabelArray;
  const present = presentLabels(fn, [
    ['yTrue', trueLabels],
    ['yPred', predLabels],
  ]);
  const labels = options.labels === undefined ? null : checkLabelsOption(fn, options.labels);
  const numClasses = options.numClasses === undefined ? null : checkNumClasses(fn, options.numClasses);
  const indexMode =
    numClasses !== null || (labels !== null && typeof labels[0] === 'string' && typeof present[0] === 'number');
  let values: Label[];
  let names: string[];
  let listedCount: number;
  const lookup = new Map<unknown, number>();
  if (indexMode) {
    // Class indices 0..numClasses-1, optionally named by string labels.
    if (labels !== null && (labels.length === 0 || typeof labels[0] !== 'string')) {
      throw new TypeError(`${fn}: with numClasses, labels must name the classes (strings), got numbers`);
    }
    const count = numClasses ?? labels!.length;
    if (labels !== null && labels.length !== count) {
      throw new RangeError(`${fn}: numClasses = ${count} does not match labels, which lists ${labels.length} classes`);
    }
    values = Array.from({ length: count }, (_, index) => index);
    names = (labels as string[] | null) ?? values.map(String);
    names.forEach((name, index) => lookup.set(name, index));
    values.forEach((value, index) => lookup.set(value, index));
    listedCount = count;
  } else {
    const listedLabels = labels ?? present;
    if (labels !== null && labels.length > 0 && present.length > 0 && typeof labels[0] !== typeof present[0]) {
      throw new TypeError(
        `${fn}: labels holds ${typeof labels[0]}s but yTrue/yPred hold ${typeof present[0]}s; use the same type`,
      );
    }
    const listedSet = new Set<Label>(listedLabels);
    values = [...listedLabels, ...present.filter((label) => !listedSet.has(label))];
    names = listedLabels.map(String);
    values.forEach((value, index) => lookup.set(value, index));
    listedCount = listedLabels.length;
  }
  // Integer labels in [0, DENSE_LIMIT) are looked up in a flat table; others in the Map.
  const denseLookup = new Int32Array(
    values.reduce<number>(
      (size, value) =>
        typeof value === 'number' && value >= 0 && value < DENSE_LIMIT ? Math.max(size, value + 1) : size,
      0,
    ),
  ).fill(-1);
  values.forEach((value, index) => {
    if (typeof value === 'number' && value < denseLookup.length && value >= 0) denseLookup[value] = index;
  });
  const encode = (name: string, source: LabelArray): Int32Array => {
    const encoded = new Int32Array(source.length);
    for (let index = 0; index < source.length; index += 1) {
      const value = source[index];
      const classIndex =
        typeof value === 'number' && value >= 0 && value < denseLookup.length && denseLookup[value]! >= 0
          ? denseLookup[value]
          : lookup.get(value);
      if (classIndex === undefined) {
        const value = source[index];
        throw new RangeError(
          typeof value === 'number'
            ? `${fn}: ${name}[${index}] = ${value} is out of range [0, ${values.length}) (numClasses = ${values.length})`
            : `${fn}: ${name}[${index}] = ${describeValue(value)} is not one of labels ${listChoices(
                names.slice(0, 10),
              )}${names.length > 10 ? ', ...' : ''}`,
        );
      }
      encoded[index] = classIndex;
    }
    return encoded;
  };
  return {
    kind: present.length <= 2 ? 'binary' : 'multiclass',
    numSamples,
    weights,
    numAll: values.length,
    listed: Array.from({ length: listedCount }, (_, index) => index),
    names,
    values,
    present,
    labelsGiven: labels !== null && !indexMode,
    yTrue: encode('yTrue', trueLabels),
    yPred: encode('yPred', predLabels),
    trueRows: new Uint8Array(0),
    predRows: new Uint8Array(0),
    indexOf: (value) => lookup.get(value),
  };
}

/** Weight of sample `index` (1 without weights). */
export function weightOf(targets: ResolvedTargets, index: number): number {
  return targets.weights === null ? 1 : targets.weights[index]!;
}
