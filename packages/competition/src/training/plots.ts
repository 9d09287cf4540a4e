import { confusionMatrixVegaLite, type VegaLiteSpec } from '@art/metrics';
import type { TopLevelSpec } from 'vega-lite';
import { join } from 'node:path';
import { decodeImage, encodePng } from '@art/augment/io';
import { writeFileAtomic } from '../io.js';
import type { EpochRecord } from './history.js';

/**
 * Renders a Vega-Lite spec headless to SVG (no canvas, no browser).
 * @example
 * const svg = await renderVegaLiteSvg(learningCurvesSpec(history));
 */
export async function renderVegaLiteSvg(spec: TopLevelSpec | VegaLiteSpec): Promise<string> {
  // Imported here, not at the top: vega pulls in vega-canvas, whose top-level await would make
  // `require('@art/competition')` fail (ERR_REQUIRE_ASYNC_MODULE) for every CommonJS user.
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(compile(spec as TopLevelSpec).spec), { renderer: 'none' });
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
 * Vega-Lite spec of a training run's confusion matrix (rows: true class, columns: predicted):
 * @art/metrics' `confusionMatrixVegaLite` heat map with the count in every cell, cells large
 * enough to read at 50 classes.
 * @example
 * await writePlot('plots', 'confusion-matrix', confusionMatrixSpec(validation.confusionMatrix, classes));
 */
export function confusionMatrixSpec(matrix: readonly (readonly number[])[], classes: readonly string[]): VegaLiteSpec {
  const labels = matrix.map((_, i) => classes[i] ?? String(i));
  return confusionMatrixVegaLite(matrix, {
    labels,
    title: 'Validation confusion matrix (best epoch)',
    showValues: true,
    cellSize: Math.max(20, Math.min(40, Math.floor(800 / Math.max(1, matrix.length)))),
  });
}

/**
 * Writes `<name>.svg` and `<name>.png` for a Vega-Lite spec into `dir`.
 * @example
 * await writePlot('runs/b3/plots', 'learning-curves', learningCurvesSpec(history));
 */
export async function writePlot(
  dir: string,
  name: string,
  spec: TopLevelSpec | VegaLiteSpec,
): Promise<{ svg: string; png: string }> {
  const svg = await renderVegaLiteSvg(spec);
  const svgPath = join(dir, `${name}.svg`);
  const pngPath = join(dir, `${name}.png`);
  await writeFileAtomic(svgPath, svg);
  await writeFileAtomic(pngPath, await svgToPng(svg));
  return { svg: svgPath, png: pngPath };
}
