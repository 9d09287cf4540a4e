/** `classificationReport`: per-class and averaged scores that print like scikit-learn's. */

import { JUPYTER_DISPLAY, confusionMatrixFromCounts, type MimeBundle } from './confusion-matrix.js';
import { totalsOf } from './counts.js';
import { escapeHtml, formatFixed, markdownTable } from './format.js';
import { checkZeroDivision, perClassScores, scoresFromTotals, type PrecisionRecallFscore } from './prf.js';
import { countLabels } from './scores.js';
import { describeValue, type ClassOptions, type LabelArray } from './validate.js';

/** One row of a classification report. */
export interface ReportRow {
  precision: number;
  recall: number;
  f1Score: number;
  /** Number of samples of the class (or all samples, for the average rows). */
  support: number;
}

/** Options of {@link classificationReport}. */
export interface ClassificationReportOptions extends ClassOptions {
  /** Decimals in the text, Markdown and HTML formats. Default: 2 (as scikit-learn). */
  digits?: number;
  /** Value of 0/0 ratios: 0 (default), 1 or NaN; see {@link precisionRecallFscoreSupport}. */
  zeroDivision?: number;
}

/** scikit-learn's `output_dict` layout: class names, `accuracy`, `macro avg`, `weighted avg`. */
export type ClassificationReportDict = Record<
  string,
  number | { precision: number; recall: number; 'f1-score': number; support: number }
>;

/**
 * A classification report: precision, recall, F1 and support per class, the accuracy, and
 * the macro and weighted averages. Formats itself as scikit-learn's text layout, Markdown or
 * HTML, and displays as a table in notebooks.
 */
export class ClassificationReport {
  /** Class names in index order. */
  readonly labels: readonly string[];
  /** One row per class, in index order. */
  readonly perClass: readonly ReportRow[];
  /** Fraction of samples predicted correctly (scikit-learn's micro average row). */
  readonly accuracy: number;
  /** Unweighted mean over classes. */
  readonly macroAvg: ReportRow;
  /** Mean weighted by support. */
  readonly weightedAvg: ReportRow;
  /** Total number of samples. */
  readonly support: number;
  /** Decimals used by the formatters. */
  readonly digits: number;

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
    options: { labels?: readonly string[]; digits?: number; zeroDivision?: number } = {}
  ) {
    const fn = 'ClassificationReport';
    const digits = options.digits ?? 2;
    if (!Number.isInteger(digits) || digits < 0 || digits > 20) {
      throw new RangeError(`${fn}: digits = ${describeValue(digits)} must be an integer in [0, 20]`);
    }
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
            `${fn}: counts[${row}][${column}] = ${describeValue(count)} must be a non-negative integer count`
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
    const perClass = perClassScores(totals, 1, zeroDivision);
    this.labels = Object.freeze([...labels]);
    this.perClass = Object.freeze(
      perClass.precision.map((precision, index) => ({
        precision,
        recall: perClass.recall[index]!,
        f1Score: perClass.fscore[index]!,
        support: perClass.support[index]!,
      }))
    );
    const row = (average: PrecisionRecallFscore<number>): ReportRow => ({
      precision: average.precision,
      recall: average.recall,
      f1Score: average.fscore,
      support: average.support,
    });
    const micro = scoresFromTotals(totals, 1, 'micro', zeroDivision) as PrecisionRecallFscore<number>;
    // Single-label data with every class listed: micro-F1 is the accuracy, as scikit-learn labels it.
    this.accuracy = micro.fscore;
    this.macroAvg = row(scoresFromTotals(totals, 1, 'macro', zeroDivision) as PrecisionRecallFscore<number>);
    this.weightedAvg = row(scoresFromTotals(totals, 1, 'weighted', zeroDivision) as PrecisionRecallFscore<number>);
    this.support = micro.support;
    this.digits = digits;
  }

  #fixed(value: number): string {
    return formatFixed(value, this.digits);
  }

  /**
   * scikit-learn's text layout, character for character (`classification_report(...,
   * digits)`): a header, one row per class, then `accuracy`, `macro avg`, `weighted avg`.
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
      cell(String(row.support)) +
      '\n';
    let text = `${''.padStart(width)} ${headers.map(cell).join('')}\n\n`;
    this.perClass.forEach((row, index) => {
      text += line(this.labels[index]!, row);
    });
    text += '\n';
    text += `${'accuracy'.padStart(width)} ${cell('')}${cell('')}${cell(this.#fixed(this.accuracy))}${cell(
      String(this.support)
    )}\n`;
    text += line('macro avg', this.macroAvg);
    text += line('weighted avg', this.weightedAvg);
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
      String(row.support),
    ];
    return [
      ...this.perClass.map((row, index) => [this.labels[index]!, ...cells(row)]),
      ['accuracy', '', '', this.#fixed(this.accuracy), String(this.support)],
      ['macro avg', ...cells(this.macroAvg)],
      ['weighted avg', ...cells(this.weightedAvg)],
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
    dict['accuracy'] = this.accuracy;
    dict['macro avg'] = entry(this.macroAvg);
    dict['weighted avg'] = entry(this.weightedAvg);
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

/**
 * Builds a classification report, like scikit-learn's `classification_report`: precision,
 * recall, F1 and support per class, then accuracy, macro average and weighted average. Every
 * class `0..numClasses-1` is listed. The result is a typed object; print it with
 * `report.toText()` (scikit-learn's layout), `toMarkdown()` or `toHTML()`; notebooks show it
 * as a table.
 *
 * @param yTrue True class per sample: indices, or strings with `options.labels`.
 * @param yPred Predicted class per sample, same encoding.
 * @param options `labels` (class names), `numClasses`, `digits` (default 2), `zeroDivision` (default 0).
 * @example
 * const report = classificationReport(['cat', 'dog', 'dog'], ['cat', 'cat', 'dog'], { labels: ['cat', 'dog'] });
 * console.log(report.toText());
 * report.macroAvg.f1Score; // 0.666...
 */
export function classificationReport(
  yTrue: LabelArray,
  yPred: LabelArray,
  options: ClassificationReportOptions = {}
): ClassificationReport {
  const fn = 'classificationReport';
  const { space, counts } = countLabels(fn, yTrue, yPred, options);
  return new ClassificationReport(confusionMatrixFromCounts(counts, space.numClasses, space.names, undefined), {
    digits: options?.digits,
    zeroDivision: options?.zeroDivision,
  });
}
