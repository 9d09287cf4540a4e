/**
 * Input checking shared by every metric. Each public function validates at its boundary and
 * turns labels into dense class indices once, so the counting code never re-checks anything.
 */

/** Class labels of a set of samples: class indices (`0..numClasses-1`) or label strings. */
export type LabelArray = ArrayLike<number | string>;

/**
 * Per-sample class scores (logits or probabilities): one row per sample as `number[][]`
 * (or any array of rows), or a flat row-major `Float32Array`/`Float64Array` of
 * `numSamples * numClasses` values together with `numClasses`.
 */
export type ScoreMatrix = ArrayLike<ArrayLike<number>> | Float32Array | Float64Array;

/** How the classes are named and counted. */
export interface ClassOptions {
  /**
   * Number of classes. Every class `0..numClasses-1` is listed in results, even when absent
   * from both `yTrue` and `yPred`. Default: `labels.length` when `labels` is given, else the
   * row length of the scores, else the largest index seen plus one.
   */
  numClasses?: number;
  /**
   * The classes, in class-index (score column) order. Strings name the classes: string labels
   * in `yTrue` are looked up, numbers are class indices. Numbers (e.g. `[2, 5, 7]`, as
   * scikit-learn's `labels=` of `top_k_accuracy_score`) are the label values themselves:
   * numbers in `yTrue` are looked up, not used as indices.
   */
  labels?: readonly (string | number)[];
}

/** Resolved class space: how many classes and what they are called. */
export interface ClassSpace {
  numClasses: number;
  /** Display names; `String(index)` when no `labels` were given. */
  names: string[];
  /** Lookup of label values; null when no `labels` were given. */
  lookup: Map<string | number, number> | null;
  /** True when `labels` holds numbers: numeric labels are looked up rather than used as indices. */
  numericLabels: boolean;
}

/** Describes a value for an error message: strings quoted, numbers as written. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  return `a value of type ${typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value}`;
}

/** Lists choices for an error message, shortening long lists. */
function listLabels(labels: readonly string[]): string {
  const shown = labels.slice(0, 10).map((label) => JSON.stringify(label));
  return labels.length > 10 ? `[${shown.join(', ')}, ... (${labels.length} labels)]` : `[${shown.join(', ')}]`;
}

/** Lists enum-like choices for an error message: `'a', 'b', 'c'`. */
export function listChoices(choices: readonly (string | number)[]): string {
  return choices.map((choice) => (typeof choice === 'string' ? `'${choice}'` : String(choice))).join(', ');
}

/** True for arrays, typed arrays and other objects with a numeric length. */
export function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { length?: unknown }).length === 'number' &&
    !(value instanceof DataView)
  );
}

/** Checks that `values` is a non-empty array of labels; returns its length. */
export function checkLabelArray(fn: string, name: string, values: unknown, allowEmpty = false): number {
  if (!isArrayLike(values)) {
    throw new TypeError(
      `${fn}: ${name} must be an array or typed array of class indices or label strings, got ${describeValue(values)}`,
    );
  }
  if (values.length === 0 && !allowEmpty) {
    throw new RangeError(`${fn}: ${name} is empty; at least one sample is needed`);
  }
  return values.length;
}

/** Checks that two per-sample arrays have the same length. */
export function checkSameLength(fn: string, nameA: string, lengthA: number, nameB: string, lengthB: number): void {
  if (lengthA !== lengthB) {
    throw new RangeError(`${fn}: ${nameB} has ${lengthB} samples but ${nameA} has ${lengthA}; they must match`);
  }
}

/** Checks `numClasses` when given: a positive integer. */
export function checkNumClasses(fn: string, numClasses: unknown): number {
  if (typeof numClasses !== 'number' || !Number.isInteger(numClasses) || numClasses < 1) {
    throw new RangeError(`${fn}: numClasses = ${describeValue(numClasses)} must be a positive integer`);
  }
  return numClasses;
}

/** Checks the `labels` option: an array of distinct strings, or of distinct integers. */
function checkLabelNames(fn: string, labels: unknown): (string | number)[] {
  if (!Array.isArray(labels)) {
    throw new TypeError(
      `${fn}: labels must be an array of class names (or label values), got ${describeValue(labels)}`,
    );
  }
  if (labels.length === 0) throw new RangeError(`${fn}: labels is empty; list every class name`);
  const seen = new Set<string | number>();
  const kind = typeof labels[0] === 'number' ? 'number' : 'string';
  labels.forEach((label: unknown, index) => {
    if (kind === 'string' ? typeof label !== 'string' : !Number.isInteger(label)) {
      throw new TypeError(
        `${fn}: labels[${index}] = ${describeValue(label)} must be ${
          kind === 'string' ? 'a string' : 'an integer'
        } like labels[0]`,
      );
    }
    if (seen.has(label as string)) {
      throw new RangeError(`${fn}: labels[${index}] = ${describeValue(label)} is listed twice`);
    }
    seen.add(label as string);
  });
  return labels.slice();
}

/** Largest valid class index in a label array, checking that numbers are non-negative integers. */
function scanLargestIndex(fn: string, name: string, values: LabelArray, hasLookup: boolean): number {
  let largest = -1;
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index];
    if (typeof value === 'number' && hasLookup === true && Number.isInteger(value)) continue;
    if (typeof value === 'number') {
      checkIndexShape(fn, name, index, value);
      if (value > largest) largest = value;
    } else if (typeof value === 'string') {
      if (!hasLookup) {
        throw new TypeError(
          `${fn}: ${name}[${index}] = ${describeValue(
            value,
          )} is a string label; pass options.labels listing every class name`,
        );
      }
    } else {
      throw new TypeError(
        `${fn}: ${name}[${index}] = ${describeValue(value)} must be a class index (number) or a label string`,
      );
    }
  }
  return largest;
}

function checkIndexShape(fn: string, name: string, index: number, value: number): void {
  if (!Number.isInteger(value)) {
    throw new TypeError(`${fn}: ${name}[${index}] = ${describeValue(value)} is not an integer class index`);
  }
  if (value < 0) throw new RangeError(`${fn}: ${name}[${index}] = ${value} is out of range [0, ...)`);
}

/**
 * Resolves the class space from the options, the label arrays and (optionally) the row length
 * of a score matrix, in that order of precedence.
 */
export function resolveClassSpace(
  fn: string,
  options: ClassOptions | undefined,
  labelArrays: readonly [name: string, values: LabelArray][],
  scoreRowLength?: number,
): ClassSpace {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError(`${fn}: options must be an object, got ${describeValue(options)}`);
  }
  const labelNames = options?.labels === undefined ? null : checkLabelNames(fn, options.labels);
  let numClasses = options?.numClasses === undefined ? null : checkNumClasses(fn, options.numClasses);
  if (labelNames !== null && numClasses !== null && labelNames.length !== numClasses) {
    throw new RangeError(
      `${fn}: numClasses = ${numClasses} does not match labels, which lists ${labelNames.length} classes`,
    );
  }
  if (numClasses === null && labelNames !== null) numClasses = labelNames.length;
  if (numClasses === null && scoreRowLength !== undefined) numClasses = checkNumClasses(fn, scoreRowLength);
  let largest = -1;
  for (const [name, values] of labelArrays) {
    largest = Math.max(largest, scanLargestIndex(fn, name, values, labelNames !== null));
  }
  if (numClasses === null) {
    if (largest < 0) {
      throw new RangeError(`${fn}: cannot infer the number of classes; pass options.numClasses or options.labels`);
    }
    numClasses = largest + 1;
  }
  const names = labelNames?.map(String) ?? Array.from({ length: numClasses }, (_, index) => String(index));
  const lookup = labelNames === null ? null : new Map(labelNames.map((label, index) => [label, index]));
  return { numClasses, names, lookup, numericLabels: typeof labelNames?.[0] === 'number' };
}

/** Converts labels to dense class indices, checking every value against the class space. */
export function encodeLabels(fn: string, name: string, values: LabelArray, space: ClassSpace): Int32Array {
  const encoded = new Int32Array(values.length);
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index];
    if (typeof value === 'number' && space.numericLabels) {
      const classIndex = space.lookup!.get(value);
      if (classIndex === undefined) {
        throw new RangeError(`${fn}: ${name}[${index}] = ${value} is not one of labels [${space.names.join(', ')}]`);
      }
      encoded[index] = classIndex;
    } else if (typeof value === 'number') {
      checkIndexShape(fn, name, index, value);
      if (value >= space.numClasses) {
        throw new RangeError(`${fn}: ${name}[${index}] = ${value} is out of range [0, ${space.numClasses})`);
      }
      encoded[index] = value;
    } else if (typeof value === 'string') {
      const classIndex = space.lookup?.get(value);
      if (classIndex === undefined) {
        if (space.lookup === null) {
          throw new TypeError(
            `${fn}: ${name}[${index}] = ${describeValue(
              value,
            )} is a string label; pass options.labels listing every class name`,
          );
        }
        throw new RangeError(
          `${fn}: ${name}[${index}] = ${describeValue(value)} is not one of labels ${listLabels(space.names)}`,
        );
      }
      encoded[index] = classIndex;
    } else {
      throw new TypeError(
        `${fn}: ${name}[${index}] = ${describeValue(value)} must be a class index (number) or a label string`,
      );
    }
  }
  return encoded;
}

/** Validated view of a score matrix: row access without copying. */
export interface ScoreRows {
  numSamples: number;
  numClasses: number;
  /** Row `i` of the matrix (a subarray view for flat input). */
  row(sample: number): ArrayLike<number>;
  /** How to name entry (sample, class) in an error message. */
  entryName(sample: number, classIndex: number): string;
}

/** True when `scores` is a flat typed array rather than an array of rows. */
export function isFlatScores(scores: unknown): scores is Float32Array | Float64Array {
  return scores instanceof Float32Array || scores instanceof Float64Array;
}

/**
 * Row length of a score matrix, when it can be read without `numClasses` (array of rows).
 * Flat scores need `numClasses` or `labels` in the options: guessing it from the labels
 * would silently misread the rows.
 */
export function scoreRowLength(fn: string, name: string, scores: unknown, options?: ClassOptions): number | undefined {
  if (isFlatScores(scores)) {
    if (options?.numClasses === undefined && options?.labels === undefined) {
      throw new TypeError(
        `${fn}: options.numClasses (or options.labels) is required when ${name} is a flat ${scores.constructor.name}`,
      );
    }
    return undefined;
  }
  if (!isArrayLike(scores)) {
    throw new TypeError(
      `${fn}: ${name} must be an array of per-sample score rows or a flat Float32Array/Float64Array, got ${describeValue(
        scores,
      )}`,
    );
  }
  if (scores.length === 0) return undefined;
  const first = scores[0];
  if (!isArrayLike(first)) {
    throw new TypeError(`${fn}: ${name}[0] = ${describeValue(first)} must be an array of class scores`);
  }
  return first.length;
}

/**
 * Checks a score matrix's shape against the class space and sample count. NaN entries are
 * found later, while the rows are ranked, so the data is read once.
 */
export function checkScores(
  fn: string,
  name: string,
  scores: ScoreMatrix,
  numSamples: number,
  numClasses: number,
): ScoreRows {
  if (isFlatScores(scores)) {
    if (scores.length !== numSamples * numClasses) {
      throw new RangeError(
        `${fn}: ${name} has ${scores.length} values but ${numSamples} samples x ${numClasses} classes = ${
          numSamples * numClasses
        } were expected`,
      );
    }
    return {
      numSamples,
      numClasses,
      row: (sample) => scores.subarray(sample * numClasses, (sample + 1) * numClasses),
      entryName: (sample, classIndex) =>
        `${name}[${sample * numClasses + classIndex}] (sample ${sample}, class ${classIndex})`,
    };
  }
  if (!isArrayLike(scores)) {
    throw new TypeError(
      `${fn}: ${name} must be an array of per-sample score rows or a flat Float32Array/Float64Array, got ${describeValue(
        scores,
      )}`,
    );
  }
  if (scores.length !== numSamples) {
    throw new RangeError(
      `${fn}: ${name} has ${scores.length} rows but yTrue has ${numSamples} samples; they must match`,
    );
  }
  for (let sample = 0; sample < numSamples; sample += 1) {
    const row = scores[sample];
    if (!isArrayLike(row)) {
      throw new TypeError(`${fn}: ${name}[${sample}] = ${describeValue(row)} must be an array of class scores`);
    }
    if (row.length !== numClasses) {
      throw new RangeError(`${fn}: ${name}[${sample}] has ${row.length} scores but there are ${numClasses} classes`);
    }
  }
  return {
    numSamples,
    numClasses,
    row: (sample) => scores[sample]!,
    entryName: (sample, classIndex) => `${name}[${sample}][${classIndex}]`,
  };
}

/**
 * Checks `k` for top-k metrics: an integer in `[1, numClasses]`, or any positive integer when
 * `allowAboveClasses` (scikit-learn's `top_k_accuracy_score` warns there instead).
 */
export function checkK(fn: string, k: unknown, numClasses: number, name = 'k', allowAboveClasses = false): number {
  if (typeof k !== 'number' || !Number.isInteger(k)) {
    throw new TypeError(`${fn}: ${name} = ${describeValue(k)} must be a positive integer`);
  }
  if (k < 1 || (k > numClasses && !allowAboveClasses)) {
    throw new RangeError(
      allowAboveClasses
        ? `${fn}: ${name} = ${k} must be a positive integer`
        : `${fn}: ${name} = ${k} is out of range [1, ${numClasses}] (numClasses = ${numClasses})`,
    );
  }
  return k;
}
