/** Vega-Lite v5 heatmap of a confusion matrix, for notebooks and any Vega-Lite renderer. */

import { readOptions } from './options.js';
import { describeValue } from './validate.js';

/** Options of {@link confusionMatrixVegaLite}. */
export interface ConfusionMatrixVegaLiteOptions {
  /** Class names in index order. Default: the matrix's own labels, else `"0"`, `"1"`, ... */
  labels?: readonly string[];
  /** Chart title. Default: `"Confusion matrix"`. */
  title?: string;
  /** Side of one cell in pixels. Default: 40 for up to 10 classes, down to 8 for many classes. */
  cellSize?: number;
  /** Print the value in each cell. Default: true for up to 20 classes. */
  showValues?: boolean;
  /** d3-format of printed values. Default: `"d"` for counts, `".2f"` for normalised matrices. */
  format?: string;
  /** Vega color scheme. Default: `"blues"`. */
  colorScheme?: string;
}

/** A Vega-Lite v5 specification (plain JSON). */
export type VegaLiteSpec = Record<string, unknown>;

/** Schema URL of the Vega-Lite version notebooks render under `application/vnd.vegalite.v5+json`. */
export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/**
 * Builds a Vega-Lite v5 heatmap of a confusion matrix: predicted class on x, true class on y,
 * colour by value, optional value labels. The spec embeds its data, so it renders anywhere
 * (vega-embed, the Vega editor, Jupyter under `application/vnd.vegalite.v5+json`).
 *
 * @param matrix Rows are true classes, columns predicted ones (a `ConfusionMatrix` or `number[][]`).
 * @param options See {@link ConfusionMatrixVegaLiteOptions}.
 * @example
 * const spec = confusionMatrixVegaLite(confusionMatrix([0, 1, 1], [0, 1, 0]), { title: 'Fold 0' });
 * writeFileSync('confusion.vl.json', JSON.stringify(spec));
 */
export function confusionMatrixVegaLite(
  matrix: ArrayLike<ArrayLike<number>> & { labels?: readonly string[]; normalize?: string | undefined },
  options: ConfusionMatrixVegaLiteOptions = {},
): VegaLiteSpec {
  const fn = 'confusionMatrixVegaLite';
  options = readOptions<ConfusionMatrixVegaLiteOptions>(fn, options, [
    'labels',
    'title',
    'cellSize',
    'showValues',
    'format',
    'colorScheme',
  ]);
  const numClasses = matrix.length;
  if (numClasses === 0) throw new RangeError(`${fn}: matrix is empty`);
  for (let row = 0; row < numClasses; row += 1) {
    const cells = matrix[row];
    if (cells === undefined || cells.length !== numClasses) {
      throw new RangeError(
        `${fn}: matrix[${row}] has ${
          cells?.length ?? 0
        } columns but the matrix has ${numClasses} rows; it must be square`,
      );
    }
  }
  const labels = options.labels ?? matrix.labels ?? Array.from({ length: numClasses }, (_, index) => String(index));
  if (labels.length !== numClasses) {
    throw new RangeError(`${fn}: labels lists ${labels.length} classes but the matrix has ${numClasses}`);
  }
  const cellSize = options.cellSize ?? Math.max(8, Math.min(40, Math.floor(400 / numClasses)));
  if (!(cellSize > 0)) throw new RangeError(`${fn}: cellSize = ${describeValue(cellSize)} must be positive`);
  const showValues = options.showValues ?? numClasses <= 20;

  const values: { trueLabel: string; predictedLabel: string; value: number }[] = [];
  let allIntegers = true;
  let largest = 0;
  for (let row = 0; row < numClasses; row += 1) {
    for (let column = 0; column < numClasses; column += 1) {
      const value = matrix[row]![column]!;
      if (!Number.isInteger(value)) allIntegers = false;
      if (value > largest) largest = value;
      values.push({ trueLabel: labels[row]!, predictedLabel: labels[column]!, value });
    }
  }
  const format = options.format ?? (allIntegers && matrix.normalize === undefined ? 'd' : '.2f');
  const valueTitle = matrix.normalize === undefined ? (allIntegers ? 'count' : 'value') : 'share';
  const sortedLabels = [...labels];

  const layers: Record<string, unknown>[] = [
    {
      mark: { type: 'rect' },
      encoding: {
        color: {
          field: 'value',
          type: 'quantitative',
          title: valueTitle,
          scale: { scheme: options.colorScheme ?? 'blues', domainMin: 0 },
        },
        tooltip: [
          { field: 'trueLabel', type: 'nominal', title: 'true' },
          { field: 'predictedLabel', type: 'nominal', title: 'predicted' },
          { field: 'value', type: 'quantitative', title: valueTitle, format },
        ],
      },
    },
  ];
  if (showValues) {
    layers.push({
      mark: { type: 'text', baseline: 'middle', fontSize: Math.max(6, Math.min(12, Math.floor(cellSize / 3))) },
      encoding: {
        text: { field: 'value', type: 'quantitative', format },
        // Dark cells get white text so values stay readable.
        color: { condition: { test: `datum.value > ${largest / 2}`, value: 'white' }, value: 'black' },
      },
    });
  }
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.title ?? 'Confusion matrix',
    data: { values },
    width: { step: cellSize },
    height: { step: cellSize },
    encoding: {
      x: {
        field: 'predictedLabel',
        type: 'nominal',
        sort: sortedLabels,
        title: 'Predicted label',
        axis: { orient: 'top', labelAngle: -45 },
      },
      y: { field: 'trueLabel', type: 'nominal', sort: sortedLabels, title: 'True label' },
    },
    layer: layers,
    config: { view: { stroke: null }, axis: { grid: false } },
  };
}
