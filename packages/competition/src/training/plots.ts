import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { join } from 'node:path';
import { decodeImage, encodePng } from '@art/augment/io';
import { writeFileAtomic } from '../io.js';
import type { EpochRecord } from './history.js';

/**
 * Renders a Vega-Lite spec headless to SVG (no canvas, no browser).
 * @example
 * const svg = await renderVegaLiteSvg(learningCurvesSpec(history));
 */
export async function renderVegaLiteSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Rasterises an SVG to PNG (librsvg via the @art/augment/io codec module).
 * @example
 * await writeFile('curves.png', await svgToPng(svg));
 */
export async function svgToPng(svg: string): Promise<Uint8Array> {
  const image = await decodeImage(new TextEncoder().encode(svg));
  return encodePng(image);
}

/**
 * Vega-Lite spec of the learning curves (loss, accuracy, Macro F1 per epoch, train vs valid).
 * @example
 * await writePlot('runs/b3/plots', 'learning-curves', learningCurvesSpec(history));
 */
export function learningCurvesSpec(history: readonly EpochRecord[]): TopLevelSpec {
  const values: { epoch: number; metric: string; split: string; value: number }[] = [];
  for (const r of history) {
    const push = (metric: string, split: string, value: number | null): void => {
      if (value !== null && Number.isFinite(value)) values.push({ epoch: r.epoch, metric, split, value }); // history epochs are 1-based
    };
    push('loss', 'train', r.trainLoss);
    push('loss', 'valid', r.validLoss);
    push('accuracy', 'train', r.trainAccuracy);
    push('accuracy', 'valid', r.validAccuracy);
    push('macro F1', 'valid', r.validMacroF1);
    push('learning rate', 'train', r.learningRate);
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    data: { values },
    facet: { field: 'metric', type: 'nominal', title: null },
    columns: 2,
    spec: {
      width: 260,
      height: 160,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1 } },
        y: { field: 'value', type: 'quantitative', scale: { zero: false } },
        color: { field: 'split', type: 'nominal' },
      },
    },
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}

/**
 * Vega-Lite spec of a confusion matrix heat map (rows: true class, columns: predicted).
 * @example
 * await writePlot('plots', 'confusion-matrix', confusionMatrixSpec(validation.confusionMatrix, classes));
 */
export function confusionMatrixSpec(matrix: readonly (readonly number[])[], classes: readonly string[]): TopLevelSpec {
  const values: { actual: string; predicted: string; count: number; rate: number }[] = [];
  matrix.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((count, j) => values.push({ actual: classes[i] ?? String(i), predicted: classes[j] ?? String(j), count, rate: total ? count / total : 0 }));
  });
  const side = Math.max(200, Math.min(900, classes.length * 16));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    data: { values },
    width: side,
    height: side,
    mark: 'rect',
    encoding: {
      x: { field: 'predicted', type: 'nominal', sort: [...classes] },
      y: { field: 'actual', type: 'nominal', sort: [...classes] },
      color: { field: 'rate', type: 'quantitative', title: 'row share', scale: { scheme: 'blues', domain: [0, 1] } },
      tooltip: [{ field: 'count', type: 'quantitative' }],
    },
  } as TopLevelSpec;
}

/**
 * Writes `<name>.svg` and `<name>.png` for a Vega-Lite spec into `dir`.
 * @example
 * await writePlot('runs/b3/plots', 'learning-curves', learningCurvesSpec(history));
 */
export async function writePlot(dir: string, name: string, spec: TopLevelSpec): Promise<{ svg: string; png: string }> {
  const svg = await renderVegaLiteSvg(spec);
  const svgPath = join(dir, `${name}.svg`);
  const pngPath = join(dir, `${name}.png`);
  await writeFileAtomic(svgPath, svg);
  await writeFileAtomic(pngPath, await svgToPng(svg));
  return { svg: svgPath, png: pngPath };
}
