/** The confusion matrix: an array of rows that can also draw itself. */

import { confusionOf, listedTotals, sampleTotals, totalsOf } from './counts.js';
import { escapeHtml, formatFixed, markdownTable } from './format.js';
import type { WarningOptions } from './options.js';
import { labelTargets } from './scores.js';
import { pairwiseSum } from './summation.js';
import type { LabelOptions, ResolvedTargets, Targets } from './targets.js';
import { describeValue, listChoices } from './validate.js';
import { confusionMatrixVegaLite, type ConfusionMatrixVegaLiteOptions, type VegaLiteSpec } from './vega-lite.js';

/** How a confusion matrix is normalised: over true classes (rows), predictions (columns) or all. */
export type Normalize = 'true' | 'pred' | 'all';

const NORMALIZE_CHOICES: readonly Normalize[] = ['true', 'pred', 'all'];

/** A MIME bundle as notebooks expect it: MIME type to content. */
export type MimeBundle = Record<string, unknown>;

/** The symbol Deno's Jupyter kernel (and compatible kernels) call to display an object. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for('Jupyter.display');

/** Options of {@link confusionMatrix}. */
export interface ConfusionMatrixOptions extends LabelOptions, WarningOptions {
  /**
   * Normalise counts: `'true'` divides each row by its total (recall on the diagonal),
   * `'pred'` each column (precision on the diagonal), `'all'` by the number of samples.
   * Empty rows/columns give 0, as in scikit-learn. Default: raw counts.
   */
  normalize?: Normalize;
}

/**
 * A confusion matrix: `matrix[i][j]` is the number (or share, when normalised) of samples of
 * true class `i` predicted as class `j`. It is a real `Array` of rows, so it indexes, iterates
 * and serialises like `number[][]` (scikit-learn's ndarray), and it also knows its class names
 * and renders itself as text, Markdown, HTML, a Vega-Lite heatmap or a notebook MIME bundle.
 */
export class ConfusionMatrix extends Array<number[]> {
  // map/filter/slice return plain arrays: their results are no longer confusion matrices.
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  readonly #labels: readonly string[];
  readonly #normalize: Normalize | undefined;

  /**
   * @param rows Square matrix, rows true classes, columns predicted (copied).
   * @param labels Class names in index order. Default: `"0"`, `"1"`, ...
   * @param normalize How `rows` were normalised, if at all (affects display only).
   */
  constructor(rows: ArrayLike<ArrayLike<number>>, labels?: readonly string[], normalize?: Normalize) {
    super();
    if (typeof rows === 'number') {
      throw new TypeError('ConfusionMatrix: rows must be an array of rows; use confusionMatrix(yTrue, yPred) to count');
    }
    const numClasses = rows.length;
    for (let row = 0; row < numClasses; row += 1) {
      const cells = rows[row]!;
      if (cells.length !== numClasses) {
        throw new RangeError(
          `ConfusionMatrix: rows[${row}] has ${cells.length} columns but there are ${numClasses} rows`,
        );
      }
      this.push(Array.from(cells));
    }
    const names = labels ?? Array.from({ length: numClasses }, (_, index) => String(index));
    if (names.length !== numClasses) {
      throw new RangeError(`ConfusionMatrix: labels lists ${names.length} classes but there are ${numClasses} rows`);
    }
    this.#labels = Object.freeze([...names]);
    this.#normalize = normalize;
  }

  /** Class names, in index order (`"0"`, `"1"`, ... when none were given). */
  get labels(): readonly string[] {
    return this.#labels;
  }

  /** The normalisation applied, or undefined for raw counts. */
  get normalize(): Normalize | undefined {
    return this.#normalize;
  }

  /** Number of classes (rows). */
  get numClasses(): number {
    return this.length;
  }

  /** A plain `number[][]` copy. */
  toArray(): number[][] {
    return Array.from(this, (row) => row.slice());
  }

  #cell(value: number, digits: number): string {
    return this.#normalize === undefined && Number.isInteger(value) ? String(value) : formatFixed(value, digits);
  }

  /**
   * Plain-text table with class names; rows true, columns predicted.
   * @param digits Decimals for normalised values. Default: 2.
   */
  toText(digits = 2): string {
    const corner = 'true \\ pred';
    const header = [corner, ...this.#labels];
    const body = this.map((row, index) => [this.#labels[index]!, ...row.map((value) => this.#cell(value, digits))]);
    const widths = header.map((cell, column) => Math.max(cell.length, ...body.map((row) => row[column]!.length)));
    const line = (cells: string[]): string =>
      cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[0]!) : cell.padStart(widths[column]!))).join('  ');
    return `${[line(header), ...body.map(line)].join('\n')}\n`;
  }

  /** The text table (also what `String(matrix)` gives). */
  override toString(): string {
    return this.toText();
  }

  /** Markdown table; rows true, columns predicted. */
  toMarkdown(digits = 2): string {
    return markdownTable(
      ['true \\ predicted', ...this.#labels],
      this.map((row, index) => [this.#labels[index]!, ...row.map((value) => this.#cell(value, digits))]),
      ['left', ...this.#labels.map(() => 'right' as const)],
    );
  }

  /** HTML table with cells shaded by value; rows true, columns predicted. */
  toHTML(digits = 2): string {
    const largest = Math.max(0, ...this.map((row) => Math.max(...row)));
    const headerCells = this.#labels.map((label) => `<th>${escapeHtml(label)}</th>`).join('');
    const bodyRows = this.map((row, index) => {
      const cells = row
        .map((value) => {
          const alpha = largest > 0 ? value / largest : 0;
          const color = alpha > 0.5 ? 'color:white;' : '';
          return `<td style="text-align:right;${color}background-color:rgba(31,119,180,${formatFixed(
            alpha,
            3,
          )})">${this.#cell(value, digits)}</td>`;
        })
        .join('');
      return `<tr><th>${escapeHtml(this.#labels[index]!)}</th>${cells}</tr>`;
    }).join('\n');
    const caption = {
      none: 'counts',
      true: 'normalised over true classes',
      pred: 'normalised over predictions',
      all: 'normalised over all samples',
    }[this.#normalize ?? 'none'];
    return (
      `<table class="art-confusion-matrix">\n<caption>Confusion matrix (rows: true, columns: predicted; ${caption})</caption>\n` +
      `<thead><tr><th>true \\ predicted</th>${headerCells}</tr></thead>\n<tbody>\n${bodyRows}\n</tbody>\n</table>`
    );
  }

  /** Vega-Lite v5 heatmap spec; see {@link confusionMatrixVegaLite}. */
  toVegaLite(options: ConfusionMatrixVegaLiteOptions = {}): VegaLiteSpec {
    return confusionMatrixVegaLite(this, options);
  }

  /**
   * MIME bundle for notebooks (Deno's Jupyter kernel calls this): a Vega-Lite heatmap, an
   * HTML table and a plain-text table; the front end shows the richest it supports.
   */
  [JUPYTER_DISPLAY](): MimeBundle {
    return {
      'application/vnd.vegalite.v5+json': this.toVegaLite(),
      'text/html': this.toHTML(),
      'text/plain': this.toText(),
    };
  }
}

/** Checks the `normalize` option. */
function checkNormalize(fn: string, normalize: unknown): Normalize | undefined {
  if (normalize === undefined) return undefined;
  if (typeof normalize !== 'string' || !(NORMALIZE_CHOICES as readonly string[]).includes(normalize)) {
    throw new RangeError(
      `${fn}: normalize = ${describeValue(normalize)} is not valid; expected one of ${listChoices(
        NORMALIZE_CHOICES,
      )} (or leave it out for counts)`,
    );
  }
  return normalize as Normalize;
}

/**
 * Builds a {@link ConfusionMatrix} from a row-major count buffer, normalising like
 * scikit-learn (`cm / cm.sum(axis=1)` etc., with 0 where a total is 0).
 */
export function confusionMatrixFromCounts(
  counts: Float64Array,
  numClasses: number,
  labels: readonly string[],
  normalize: Normalize | undefined,
): ConfusionMatrix {
  const rows: number[][] = [];
  // In NumPy's order, so weighted counts round as scikit-learn's: `cm.sum(axis=1)` sums each
  // contiguous row pairwise, `cm.sum(axis=0)` adds the rows one by one, `cm.sum()` is pairwise.
  const rowTotals = Float64Array.from({ length: numClasses }, (_, row) =>
    pairwiseSum(counts.subarray(row * numClasses, (row + 1) * numClasses)),
  );
  const columnTotals = totalsOf(counts, numClasses).predictedTotals;
  const total = pairwiseSum(counts);
  for (let row = 0; row < numClasses; row += 1) {
    const cells: number[] = new Array(numClasses);
    for (let column = 0; column < numClasses; column += 1) {
      const count = counts[row * numClasses + column]!;
      const divisor =
        normalize === 'true'
          ? rowTotals[row]!
          : normalize === 'pred'
            ? columnTotals[column]!
            : normalize === 'all'
              ? total
              : 1;
      cells[column] = divisor === 0 ? 0 : count / divisor;
    }
    rows.push(cells);
  }
  return new ConfusionMatrix(rows, labels, normalize);
}

/**
 * Row-major weighted counts of the listed classes (scikit-learn's `confusion_matrix(labels=)`:
 * samples whose true or predicted label is not listed are left out).
 *
 * @throws RangeError when `labels` is empty or names no label of a non-empty `yTrue`.
 */
export function listedConfusion(fn: string, targets: ResolvedTargets): Float64Array {
  if (targets.labelsGiven) {
    if (targets.listed.length === 0) throw new RangeError(`${fn}: labels is empty; list at least one label`);
    const listedTrue = targets.yTrue.some((classIndex) => classIndex < targets.listed.length);
    if (targets.numSamples > 0 && !listedTrue) {
      throw new RangeError(`${fn}: none of labels occurs in yTrue; at least one label must be in yTrue`);
    }
  }
  const all = confusionOf(targets);
  const size = targets.listed.length;
  const counts = new Float64Array(size * size);
  targets.listed.forEach((row, rowIndex) => {
    targets.listed.forEach((column, columnIndex) => {
      counts[rowIndex * size + columnIndex] = all[row * targets.numAll + column]!;
    });
  });
  return counts;
}

/**
 * Confusion matrix of a single-label classification, like scikit-learn's `confusion_matrix`:
 * rows are true classes, columns predicted classes. The classes are the labels present in
 * `yTrue ∪ yPred` (sorted), or `labels` (a subset and order: samples whose true or predicted
 * label is not listed are left out), or the indices `0..numClasses-1`. With `sampleWeight`
 * the cells are sums of weights.
 *
 * @param yTrue True label per sample: numbers or strings.
 * @param yPred Predicted label per sample, same type.
 * @param options `labels`, `numClasses`, `sampleWeight`, and `normalize`
 *   (`'true' | 'pred' | 'all'`; default: counts).
 * @returns A {@link ConfusionMatrix} (an array of rows with display methods).
 * @throws TypeError/RangeError naming the argument and value on bad input.
 * @example
 * const matrix = confusionMatrix(['cat', 'dog', 'dog'], ['cat', 'cat', 'dog']);
 * matrix[1][0]; // 1: one dog predicted as cat
 * confusionMatrix([2, 0, 2, 2], [0, 0, 2, 1], { labels: [2, 0] }); // [[1, 1], [0, 1]]
 * console.log(matrix.toText());
 */
export function confusionMatrix(yTrue: Targets, yPred: Targets, options?: ConfusionMatrixOptions): ConfusionMatrix {
  const fn = 'confusionMatrix';
  const { options: read, targets } = labelTargets<ConfusionMatrixOptions>(fn, yTrue, yPred, options, ['normalize'], {
    allowMultilabel: false,
  });
  const normalize = checkNormalize(fn, read.normalize);
  const counts = listedConfusion(fn, targets);
  const size = targets.listed.length;
  return confusionMatrixFromCounts(counts, size, targets.names, normalize);
}

/** Options of {@link multilabelConfusionMatrix}. */
export interface MultilabelConfusionMatrixOptions extends LabelOptions, WarningOptions {
  /** One matrix per sample (multilabel input only) instead of one per class. Default false. */
  samplewise?: boolean;
}

/**
 * One-vs-rest 2x2 confusion matrices, like scikit-learn's `multilabel_confusion_matrix`:
 * `result[i]` is `[[tn, fp], [fn, tp]]` of class `labels[i]` (single-label input: that class
 * against the rest; multilabel indicator rows: that column). With `samplewise` (multilabel
 * only), one matrix per sample over the listed columns.
 *
 * @param options `labels`, `numClasses`, `sampleWeight`, `samplewise` (default false).
 * @returns `number[][][]`, one `[[tn, fp], [fn, tp]]` per class (or sample).
 * @example
 * multilabelConfusionMatrix([1, 0, 2, 1], [1, 2, 2, 0]);
 * // [[[2, 1], [1, 0]], [[2, 0], [1, 1]], [[2, 1], [0, 1]]]
 * multilabelConfusionMatrix([[1, 0], [1, 1]], [[1, 1], [0, 1]]); // [[[0, 0], [1, 1]], [[0, 1], [0, 1]]]
 */
export function multilabelConfusionMatrix(
  yTrue: Targets,
  yPred: Targets,
  options?: MultilabelConfusionMatrixOptions,
): number[][][] {
  const fn = 'multilabelConfusionMatrix';
  const { options: read, targets } = labelTargets<MultilabelConfusionMatrixOptions>(fn, yTrue, yPred, options, [
    'samplewise',
  ]);
  if (read.samplewise === true) {
    if (targets.kind !== 'multilabel') {
      throw new TypeError(`${fn}: samplewise is only available for multilabel input (rows of 0/1 indicators)`);
    }
    const perSample = sampleTotals(targets);
    return Array.from({ length: targets.numSamples }, (_, sample) => {
      const weight = targets.weights === null ? 1 : targets.weights[sample]!;
      return twoByTwo(
        perSample.truePositives[sample]! * weight,
        perSample.trueTotals[sample]! * weight,
        perSample.predictedTotals[sample]! * weight,
        targets.listed.length * weight,
      );
    });
  }
  const totals = listedTotals(targets);
  let total = 0;
  for (let sample = 0; sample < targets.numSamples; sample += 1) total += targets.weights?.[sample] ?? 1;
  return Array.from(totals.truePositives, (truePositives, index) =>
    twoByTwo(truePositives, totals.trueTotals[index]!, totals.predictedTotals[index]!, total),
  );
}

function twoByTwo(truePositives: number, trueTotal: number, predictedTotal: number, total: number): number[][] {
  const falsePositives = predictedTotal - truePositives;
  const falseNegatives = trueTotal - truePositives;
  return [
    [total - truePositives - falsePositives - falseNegatives, falsePositives],
    [falseNegatives, truePositives],
  ];
}
