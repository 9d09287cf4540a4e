import { topKPrecisionRecallFscore } from '@art/metrics';

import { checkFusionMode, FUSION_MODES, fuse, type FusionMode, type FusionOptions } from './fusion.js';
import { cropCount, resolveLevels } from './pyramid.js';

/** A row of the evaluation: a fusion mode, or `'baseline'` (the first level alone: the whole image for levels starting at 1). */
export type EvaluatedMode = FusionMode | 'baseline';

/** Options of {@link evaluatePyramid}. */
export interface PyramidEvaluationOptions extends FusionOptions {
  /** Rows to compute. Default: `baseline`, `hard`, `soft`, `adaptive`, `fixed`, and `learned` when `learnedLogits` is given. */
  modes?: readonly EvaluatedMode[];
  /** The k of the Top-k columns. Default `[1, 2]` (the paper's Table 1). */
  topK?: readonly number[];
  /** Number of classes. Default: the length of the probability rows. */
  numClasses?: number;
}

/** Macro-averaged precision/recall/F at one k. */
export interface TopKScores {
  k: number;
  precision: number;
  recall: number;
  fscore: number;
}

/** One row of {@link PyramidEvaluation}. */
export interface PyramidEvaluationRow {
  mode: EvaluatedMode;
  /** One entry per k of `topK`, in that order. */
  scores: TopKScores[];
}

/** Result of {@link evaluatePyramid}. */
export interface PyramidEvaluation {
  rows: PyramidEvaluationRow[];
  topK: number[];
  numImages: number;
  numClasses: number;
  /** The row of a mode (undefined if it was not evaluated). */
  row(mode: EvaluatedMode): PyramidEvaluationRow | undefined;
  /** The table as aligned text (default) or Markdown, values in percent with two decimals. */
  format(style?: 'text' | 'markdown'): string;
  toString(): string;
}

/**
 * Top-k macro precision, recall and F through `@art/metrics`' `topKPrecisionRecallFscore`: a
 * sample counts as correct at k when its true class is among its k highest scores, otherwise as
 * predicted as its top-1 class (the paper's Table 1 definition).
 */
function topKScores(labels: readonly number[], scores: number[][], k: number, numClasses: number): TopKScores {
  const result = topKPrecisionRecallFscore(labels, scores, { k, numClasses, average: 'macro' });
  return { k, precision: result.precision, recall: result.recall, fscore: result.fscore };
}

/**
 * The paper's Table 1 for any dataset: Top-1 and Top-2 (macro) precision, recall and F of every
 * fusion mode, plus the single-scale baseline, computed from per-crop probabilities of held-out
 * images (`PyramidClassifier.predictCrops` or `predict(...).perCrop`).
 *
 * @param perCropProbabilities `[images][crops][classes]`, crops in pyramid order.
 * @param labels true class index of each image.
 * @example
 * const { perCrop } = await classifier.predict(testImages);
 * const table = evaluatePyramid(perCrop, testLabels, { levels: [1, 2, 5] });
 * console.log(table.format());
 * table.row('adaptive')?.scores[0].fscore; // Top-1 macro F
 */
export function evaluatePyramid(
  perCropProbabilities: readonly (readonly ArrayLike<number>[])[],
  labels: ArrayLike<number>,
  options: PyramidEvaluationOptions = {},
): PyramidEvaluation {
  const levels = resolveLevels(options.levels);
  if (!Array.isArray(perCropProbabilities) || perCropProbabilities.length === 0) {
    throw new RangeError('perCropProbabilities must hold at least one image');
  }
  if (labels.length !== perCropProbabilities.length) {
    throw new RangeError(
      `labels has ${labels.length} entries but perCropProbabilities has ${perCropProbabilities.length} images`,
    );
  }
  const numClasses = options.numClasses ?? perCropProbabilities[0]![0]?.length ?? 0;
  const topK = [...(options.topK ?? [1, 2])];
  for (const k of topK) {
    if (!Number.isInteger(k) || k < 1 || k > numClasses) {
      throw new RangeError(`topK holds ${k}; each k must be an integer in [1, ${numClasses}] (the number of classes)`);
    }
  }
  const modes: EvaluatedMode[] = [
    ...(options.modes ?? [
      'baseline',
      ...FUSION_MODES.filter((mode) => mode !== 'learned' || options.learnedLogits !== undefined),
    ]),
  ];
  const labelList = Array.from(labels);
  const firstLevelCrops = levels[0]! * levels[0]!;
  const total = cropCount(levels);
  const rows = modes.map((mode): PyramidEvaluationRow => {
    let scores: number[][];
    if (mode === 'baseline') {
      scores = perCropProbabilities.map((crops, index) => {
        if (crops.length !== total) {
          throw new RangeError(
            `perCropProbabilities[${index}] must hold ${total} crops for levels ${JSON.stringify(levels)}, got ${crops.length}`,
          );
        }
        const mean = new Array<number>(numClasses).fill(0);
        for (let crop = 0; crop < firstLevelCrops; crop++) {
          for (let c = 0; c < numClasses; c++) mean[c]! += crops[crop]![c]! / firstLevelCrops;
        }
        return mean;
      });
    } else {
      scores = fuse(perCropProbabilities, checkFusionMode(mode, 'modes entry'), { ...options, levels }).fused;
    }
    return { mode, scores: topK.map((k) => topKScores(labelList, scores, k, numClasses)) };
  });
  const evaluation: PyramidEvaluation = {
    rows,
    topK,
    numImages: labelList.length,
    numClasses,
    row: (mode) => rows.find((row) => row.mode === mode),
    format: (style = 'text') => formatTable(rows, topK, style),
    toString: () => formatTable(rows, topK, 'text'),
  };
  return evaluation;
}

function formatTable(
  rows: readonly PyramidEvaluationRow[],
  topK: readonly number[],
  style: 'text' | 'markdown',
): string {
  if (style !== 'text' && style !== 'markdown') {
    throw new RangeError(`Unknown format style ${JSON.stringify(style)}; expected one of "text", "markdown"`);
  }
  const header = ['Fusion', ...topK.flatMap((k) => [`Top-${k} P`, `Top-${k} R`, `Top-${k} F`])];
  const body = rows.map((row) => [
    row.mode,
    ...row.scores.flatMap((score) =>
      [score.precision, score.recall, score.fscore].map((value) => (value * 100).toFixed(2)),
    ),
  ]);
  if (style === 'markdown') {
    const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
    return [line(header), line(header.map((_, index) => (index === 0 ? '---' : '---:'))), ...body.map(line)].join('\n');
  }
  const widths = header.map((cell, column) => Math.max(cell.length, ...body.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...body.map(line)].join('\n');
}
