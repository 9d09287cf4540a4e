/** `classificationReport`: per-class and averaged scores that print like scikit-learn's. */

import { JUPYTER_DISPLAY, type MimeBundle } from './confusion-matrix.js';
import { totalsOf } from './counts.js';
import { escapeHtml, formatFixed, markdownTable } from './format.js';
import { emitWarning, readOptions } from './options.js';
import { checkZeroDivision, computePrf, type Average, type PrecisionRecallFscore, type ZeroDivision } from './prf.js';
import { labelTargets, prfOfTargets } from './scores.js';
import type { LabelOptions, ResolvedTargets, Targets } from './targets.js';
import { describeValue } from './validate.js';
import type { WarningOptions } from './options.js';

/** One row of a classification report. */
export interface ReportRow {
  precision: number;
  recall: number;
  f1Score: number;
  /** Number (sum of weights) of samples of the class (or of all listed classes, for the average rows). */
  support: number;
}

/** Options of {@link classificationReport}. */
export interface ClassificationReportOptions extends LabelOptions, WarningOptions {
  /** Display names of the listed classes, in order (scikit-learn's `target_names`). Default: the labels. */
  targetNames?: readonly string[];
  /** Decimals in the text, Markdown and HTML formats. Default: 2 (as scikit-learn). */
  digits?: number;
  /** Value of 0/0 ratios: `'warn'` (default), 0, 1 or NaN; see {@link precisionRecallFscoreSupport}. */
  zeroDivision?: ZeroDivision;
}

/**
 * scikit-learn's `output_dict` layout: class names, then `accuracy` (or `micro avg`),
 * `macro avg`, `weighted avg` and, for multilabel input, `samples avg`.
 */
export type ClassificationReportDict = Record<
  string,
  number | { precision: number; recall: number; 'f1-score': number; support: number }
>;

/** The summary rows of a report, in print order. */
type AverageName = 'accuracy' | 'micro avg' | 'macro avg' | 'weighted avg' | 'samples avg';

interface ReportData {
  labels: readonly string[];
  perClass: readonly ReportRow[];
  averages: readonly { name: AverageName; row: ReportRow }[];
  digits: number;
  /** Supports are sums of sample weights: printed as Python floats. */
  weightedSupport: boolean;
}

/** Report rows of per-class scores (the first `count`). */
function perClassRows(perClass: PrecisionRecallFscore<number[]>, count = perClass.precision.length): ReportRow[] {
  return perClass.precision.slice(0, count).map((precision, index) => ({
    precision,
    recall: perClass.recall[index]!,
    f1Score: perClass.fscore[index]!,
    support: perClass.support[index]!,
  }));
}

function toRow(scores: PrecisionRecallFscore<number>, support: number): ReportRow {
  return { precision: scores.precision, recall: scores.recall, f1Score: scores.fscore, support };
}

function checkDigits(fn: string, digits: unknown): number {
  const value = digits ?? 2;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 20) {
    throw new RangeError(`${fn}: digits = ${describeValue(value)} must be an integer in [0, 20]`);
  }
  return value;
}

/** A support as Python prints it: integers as they are, weighted sums as floats (`2.0`). */
function formatSupport(support: number, weighted: boolean): string {
  return weighted && Number.isInteger(support) ? `${support}.0` : String(support);
}

/**
 * A classification report: precision, recall, F1 and support per class, the accuracy (or
 * micro average), and the macro and weighted averages (and the samples average for
 * multilabel input). Formats itself as scikit-learn's text layout, Markdown or HTML, and
 * displays as a table in notebooks.
 */
export class ClassificationReport {
  /** Class names in row order. */
  readonly labels: readonly string[];
  /** One row per class, in row order. */
  readonly perClass: readonly ReportRow[];
  /**
   * Fraction (weight) of samples predicted correctly, when the micro average is the accuracy
   * (single-label data, all present classes listed); undefined otherwise (see `microAvg`).
   */
  readonly accuracy: number | undefined;
  /** Micro average over the listed classes (its F1 is the accuracy when `accuracy` is defined). */
  readonly microAvg: ReportRow;
  /** Unweighted mean over classes. */
  readonly macroAvg: ReportRow;
  /** Mean weighted by support. */
  readonly weightedAvg: ReportRow;
  /** Mean over samples; multilabel input only. */
  readonly samplesAvg: ReportRow | undefined;
  /** Total support of the listed classes. */
  readonly support: number;
  /** Decimals used by the formatters. */
  readonly digits: number;
  /** Summary rows in print order. */
  readonly #averages: ReportData['averages'];
  readonly #weightedSupport: boolean;

  /**
   * Builds a report from a confusion matrix of counts (rows true, columns predicted), such as
   * `confusionMatrix(...)` or `MetricsAccumulator.compute().confusionMatrix`. Most code calls
   * {@link classificationReport} or `MetricsAccumulator.report()` instead.
   *
   * @param counts Square matrix of non-negative integer counts.
   * @param options `labels` (default: the matrix's labels, else indices), `digits` (default 2),
   *   `zeroDivision` (default 0).
   * @example
   * const report = new ClassificationReport(confusionMatrix(yTrue, yPred), { digits: 3 });
   */
  constructor(
    counts: ArrayLike<ArrayLike<number>> & { labels?: readonly string[]; normalize?: string | undefined },
    options: { labels?: readonly string[]; digits?: number; zeroDivision?: number } = {},
  ) {
    // classificationReport hands over computed rows behind a module-private marker; users pass counts.
    const data =
      counts === REPORT_DATA
        ? (options as unknown as ReportData)
        : reportFromCounts(counts, readOptions(CONSTRUCTOR, options, ['labels', 'digits', 'zeroDivision']));
    this.labels = Object.freeze([...data.labels]);
    this.perClass = Object.freeze(data.perClass.slice());
    const average = (name: AverageName): ReportRow | undefined =>
      data.averages.find((entry) => entry.name === name)?.row;
    const accuracyRow = average('accuracy');
    this.accuracy = accuracyRow?.f1Score;
    this.microAvg = (accuracyRow ?? average('micro avg'))!;
    this.macroAvg = average('macro avg')!;
    this.weightedAvg = average('weighted avg')!;
    this.samplesAvg = average('samples avg');
    this.support = this.macroAvg.support;
    this.digits = data.digits;
    this.#averages = data.averages;
    this.#weightedSupport = data.weightedSupport;
  }

  #fixed(value: number): string {
    return formatFixed(value, this.digits);
  }

  #support(value: number): string {
    return formatSupport(value, this.#weightedSupport);
  }

  /**
   * scikit-learn's text layout, character for character (`classification_report(...,
   * digits)`): a header, one row per class, then `accuracy` (or `micro avg`), `macro avg`,
   * `weighted avg` (and `samples avg`).
   */
  toText(): string {
    const headers = ['precision', 'recall', 'f1-score', 'support'];
    const width = Math.max(...this.labels.map((label) => label.length), 'weighted avg'.length, this.digits);
    const cell = (text: string): string => ` ${text.padStart(9)}`;
    const line = (name: string, row: ReportRow): string =>
      `${name.padStart(width)} ` +
      cell(this.#fixed(row.precision)) +
      cell(this.#fixed(row.recall)) +
      cell(this.#fixed(row.f1Score)) +
      cell(this.#support(row.support)) +
      '\n';
    let text = `${''.padStart(width)} ${headers.map(cell).join('')}\n\n`;
    this.perClass.forEach((row, index) => {
      text += line(this.labels[index]!, row);
    });
    text += '\n';
    for (const { name, row } of this.#averages) {
      text +=
        name === 'accuracy'
          ? `${name.padStart(width)} ${cell('')}${cell('')}${cell(this.#fixed(row.f1Score))}${cell(
              this.#support(row.support),
            )}\n`
          : line(name, row);
    }
    return text;
  }

  /** The text layout (also what `String(report)` gives). */
  toString(): string {
    return this.toText();
  }

  #tableRows(): string[][] {
    const cells = (row: ReportRow): string[] => [
      this.#fixed(row.precision),
      this.#fixed(row.recall),
      this.#fixed(row.f1Score),
      this.#support(row.support),
    ];
    return [
      ...this.perClass.map((row, index) => [this.labels[index]!, ...cells(row)]),
      ...this.#averages.map(({ name, row }) =>
        name === 'accuracy'
          ? ['accuracy', '', '', this.#fixed(row.f1Score), this.#support(row.support)]
          : [name, ...cells(row)],
      ),
    ];
  }

  /** GitHub-flavoured Markdown table, same rows as the text layout. */
  toMarkdown(): string {
    return markdownTable(['class', 'precision', 'recall', 'f1-score', 'support'], this.#tableRows(), [
      'left',
      'right',
      'right',
      'right',
      'right',
    ]);
  }

  /** HTML table, same rows as the text layout; the summary rows are in a `<tfoot>`. */
  toHTML(): string {
    const rows = this.#tableRows();
    const render = (row: string[]): string =>
      `<tr><th>${escapeHtml(row[0]!)}</th>${row
        .slice(1)
        .map((value) => `<td style="text-align:right">${escapeHtml(value)}</td>`)
        .join('')}</tr>`;
    const body = rows.slice(0, this.labels.length).map(render).join('\n');
    const foot = rows.slice(this.labels.length).map(render).join('\n');
    return (
      '<table class="art-classification-report">\n' +
      '<thead><tr><th></th><th>precision</th><th>recall</th><th>f1-score</th><th>support</th></tr></thead>\n' +
      `<tbody>\n${body}\n</tbody>\n<tfoot>\n${foot}\n</tfoot>\n</table>`
    );
  }

  /** scikit-learn's `output_dict=True` layout (unrounded values). */
  toDict(): ClassificationReportDict {
    const entry = (row: ReportRow) => ({
      precision: row.precision,
      recall: row.recall,
      'f1-score': row.f1Score,
      support: row.support,
    });
    const dict: ClassificationReportDict = {};
    this.perClass.forEach((row, index) => {
      dict[this.labels[index]!] = entry(row);
    });
    // scikit-learn's accuracy entry is the micro-averaged precision (equal to its F1 there).
    for (const { name, row } of this.#averages) dict[name] = name === 'accuracy' ? row.precision : entry(row);
    return dict;
  }

  /** `JSON.stringify(report)` gives {@link toDict}'s layout. */
  toJSON(): ClassificationReportDict {
    return this.toDict();
  }

  /** MIME bundle for notebooks: an HTML table, Markdown and the text layout. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return {
      'text/html': this.toHTML(),
      'text/markdown': this.toMarkdown(),
      'text/plain': this.toText(),
    };
  }

  /** Node's `console.log` and REPL print the text layout. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toText();
  }
}

/** Marks internal construction from computed rows. */
const REPORT_DATA = { length: 0 } as ArrayLike<ArrayLike<number>>;

const CONSTRUCTOR = 'ClassificationReport';

function reportFromCounts(
  counts: ArrayLike<ArrayLike<number>> & { labels?: readonly string[]; normalize?: string | undefined },
  options: { labels?: readonly string[]; digits?: number; zeroDivision?: number },
): ReportData {
  const fn = CONSTRUCTOR;
  const digits = checkDigits(fn, options.digits);
  const zeroDivision = checkZeroDivision(fn, options.zeroDivision);
  if (counts.normalize !== undefined) {
    throw new RangeError(`${fn}: counts is normalised (normalize = '${counts.normalize}'); pass the raw counts`);
  }
  const numClasses = counts.length;
  if (numClasses === 0) throw new RangeError(`${fn}: counts is empty`);
  const flat = new Float64Array(numClasses * numClasses);
  for (let row = 0; row < numClasses; row += 1) {
    const cells = counts[row]!;
    if (cells.length !== numClasses) {
      throw new RangeError(`${fn}: counts[${row}] has ${cells.length} columns but there are ${numClasses} rows`);
    }
    for (let column = 0; column < numClasses; column += 1) {
      const count = cells[column]!;
      if (!Number.isInteger(count) || count < 0) {
        throw new RangeError(
          `${fn}: counts[${row}][${column}] = ${describeValue(count)} must be a non-negative integer count`,
        );
      }
      flat[row * numClasses + column] = count;
    }
  }
  const labels = options.labels ?? counts.labels ?? Array.from({ length: numClasses }, (_, index) => String(index));
  if (labels.length !== numClasses) {
    throw new RangeError(`${fn}: labels lists ${labels.length} classes but counts has ${numClasses}`);
  }
  const totals = totalsOf(flat, numClasses);
  const scores = (average: Average) => computePrf(totals, { fn, beta: 1, average, zeroDivision, warnFor: [] });
  const perClass = scores('none') as PrecisionRecallFscore<number[]>;
  const support = perClass.support.reduce((sum, value) => sum + value, 0);
  // Every class of the matrix is listed, so the micro average is the accuracy.
  const averages = (['micro', 'macro', 'weighted'] as const).map((average) => ({
    name: (average === 'micro' ? 'accuracy' : `${average} avg`) as AverageName,
    row: toRow(scores(average) as PrecisionRecallFscore<number>, support),
  }));
  return { labels, perClass: perClassRows(perClass), averages, digits, weightedSupport: false };
}

/**
 * Builds a classification report, like scikit-learn's `classification_report`: precision,
 * recall, F1 and support per class, then accuracy (or the micro average, when `labels` leaves
 * out a present class, and for multilabel input), macro and weighted averages (and the samples
 * average for multilabel input). The result is a typed object; print it with `report.toText()`
 * (scikit-learn's layout), `toMarkdown()` or `toHTML()`, or take `toDict()` (`output_dict`);
 * notebooks show it as a table.
 *
 * @param yTrue True labels (numbers or strings), or multilabel indicator rows.
 * @param yPred Predictions, same form.
 * @param options `labels` (which classes, in which order), `targetNames` (their display names),
 *   `numClasses`, `sampleWeight`, `digits` (default 2), `zeroDivision` (default `'warn'`), `onWarning`.
 * @example
 * const report = classificationReport(['cat', 'dog', 'dog'], ['cat', 'cat', 'dog']);
 * console.log(report.toText());
 * report.macroAvg.f1Score; // 0.666...
 * classificationReport([0, 1, 1], [0, 1, 0], { targetNames: ['Degas', 'Monet'] }).labels; // ['Degas', 'Monet']
 */
export function classificationReport(
  yTrue: Targets,
  yPred: Targets,
  options?: ClassificationReportOptions,
): ClassificationReport {
  const fn = 'classificationReport';
  const {
    options: read,
    targets,
    onWarning,
  } = labelTargets<ClassificationReportOptions>(fn, yTrue, yPred, options, ['targetNames', 'digits', 'zeroDivision']);
  const digits = checkDigits(fn, read.digits);
  const zeroDivision = checkZeroDivision(fn, read.zeroDivision, true);
  let names = targets.names;
  if (read.targetNames !== undefined) {
    const targetNames = Array.from(read.targetNames, String);
    if (targetNames.length !== targets.listed.length) {
      const message = `labels size, ${targets.listed.length}, does not match size of target_names, ${targetNames.length}`;
      if (!targets.labelsGiven) {
        throw new RangeError(
          `${fn}: number of classes, ${targets.listed.length}, does not match size of targetNames, ${targetNames.length}; pass labels to choose the classes`,
        );
      }
      emitWarning(onWarning, 'UserWarning', `${fn}: ${message}`);
    }
    names = targetNames;
  }
  const scores = (average: Average) =>
    prfOfTargets(
      targets,
      { fn, beta: 1, average, zeroDivision, warnFor: ['precision', 'recall', 'f-score'], onWarning },
      undefined,
    );
  const perClass = scores('none') as PrecisionRecallFscore<number[]>;
  // scikit-learn pairs names and rows with zip(): the shorter list decides.
  const numRows = Math.min(names.length, perClass.precision.length);
  const support = perClass.support.reduce((sum, value) => sum + value, 0);
  const averages = (
    targets.kind === 'multilabel'
      ? (['micro', 'macro', 'weighted', 'samples'] as const)
      : (['micro', 'macro', 'weighted'] as const)
  ).map((average) => ({
    name: (average === 'micro' && microIsAccuracy(targets) ? 'accuracy' : `${average} avg`) as AverageName,
    row: toRow(scores(average) as PrecisionRecallFscore<number>, support),
  }));
  const data: ReportData = {
    labels: names.slice(0, numRows),
    perClass: perClassRows(perClass, numRows),
    averages,
    digits,
    weightedSupport: targets.weights !== null,
  };
  return new ClassificationReport(REPORT_DATA, data as never);
}

/** scikit-learn's `micro_is_accuracy`: single-label data, and `labels` (if given) lists exactly the present classes. */
function microIsAccuracy(targets: ResolvedTargets): boolean {
  if (targets.kind === 'multilabel') return false;
  if (!targets.labelsGiven) return true;
  const listed = new Set(targets.listed.map((index) => targets.values[index]));
  return listed.size === targets.present.length && targets.present.every((label) => listed.has(label));
}
