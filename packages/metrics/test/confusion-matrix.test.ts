import { readFileSync } from 'node:fs';
import { compile } from 'vega-lite';
import { parse, View } from 'vega';
import { describe, expect, it } from 'vitest';

import {
  ConfusionMatrix,
  JUPYTER_DISPLAY,
  VEGA_LITE_SCHEMA,
  confusionMatrix,
  confusionMatrixVegaLite,
} from '@art/metrics';

const normalizeFixture = JSON.parse(
  readFileSync(new URL('./fixtures/confusion-normalize.json', import.meta.url), 'utf8'),
) as Record<'yTrue' | 'yPred' | 'sampleWeight', number[]> & Record<'true' | 'pred' | 'all', number[][]>;

describe('confusionMatrix', () => {
  // scripts/make_normalize_fixture.py: 9 classes, float weights; row and matrix totals are
  // NumPy's pairwise sums, column totals running sums (a running row sum missed 26 cells).
  it.each(['true', 'pred', 'all'] as const)(
    'normalize %s with float weights equals scikit-learn to the bit',
    (normalize) => {
      const { yTrue, yPred, sampleWeight } = normalizeFixture;
      const matrix = confusionMatrix(yTrue, yPred, { sampleWeight, normalize });
      expect(matrix.toArray()).toEqual(normalizeFixture[normalize]);
    },
  );

  it('matches the confusion_matrix documentation examples', () => {
    expect(confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2])).toEqual([
      [2, 0, 0],
      [0, 0, 1],
      [1, 0, 2],
    ]);
    const animals = confusionMatrix(
      ['cat', 'ant', 'cat', 'cat', 'ant', 'bird'],
      ['ant', 'ant', 'cat', 'cat', 'ant', 'cat'],
      { labels: ['ant', 'bird', 'cat'] },
    );
    expect(animals.toArray()).toEqual([
      [2, 0, 0],
      [0, 0, 1],
      [1, 0, 2],
    ]);
    expect(animals.labels).toEqual(['ant', 'bird', 'cat']);
  });

  it('lists every class even when absent', () => {
    const matrix = confusionMatrix([0, 0], [0, 2], { numClasses: 4 });
    expect(matrix.toArray()).toEqual([
      [1, 0, 1, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
    expect(matrix.numClasses).toBe(4);
    expect(matrix.labels).toEqual(['0', '1', '2', '3']);
  });

  it('normalises over true classes, predictions or all, with 0 for empty totals', () => {
    const yTrue = [0, 0, 0, 1];
    const yPred = [0, 1, 1, 1];
    const options = { numClasses: 3 };
    expect(confusionMatrix(yTrue, yPred, { ...options, normalize: 'true' }).toArray()).toEqual([
      [1 / 3, 2 / 3, 0],
      [0, 1, 0],
      [0, 0, 0],
    ]);
    expect(confusionMatrix(yTrue, yPred, { ...options, normalize: 'pred' }).toArray()).toEqual([
      [1, 2 / 3, 0],
      [0, 1 / 3, 0],
      [0, 0, 0],
    ]);
    const all = confusionMatrix(yTrue, yPred, { ...options, normalize: 'all' });
    expect(all.toArray()).toEqual([
      [0.25, 0.5, 0],
      [0, 0.25, 0],
      [0, 0, 0],
    ]);
    expect(all.normalize).toBe('all');
  });

  it('behaves like number[][]: indexing, iteration, JSON, and plain arrays from map', () => {
    const matrix = confusionMatrix([0, 1, 1], [0, 1, 0]);
    expect(Array.isArray(matrix)).toBe(true);
    expect(matrix[1]![0]).toBe(1);
    expect([...matrix]).toEqual([
      [1, 0],
      [1, 1],
    ]);
    expect(JSON.parse(JSON.stringify(matrix))).toEqual([
      [1, 0],
      [1, 1],
    ]);
    const doubled = matrix.map((row) => row.map((value) => value * 2));
    expect(doubled).not.toBeInstanceOf(ConfusionMatrix);
    expect(doubled).toEqual([
      [2, 0],
      [2, 2],
    ]);
  });

  it('rejects non-square rows and mismatched labels in the constructor', () => {
    expect(() => new ConfusionMatrix([[1, 2], [3]])).toThrow(/rows\[1\] has 1 columns but there are 2 rows/);
    expect(() => new ConfusionMatrix([[1]], ['a', 'b'])).toThrow(/labels lists 2 classes but there are 1 rows/);
  });
});

describe('confusion matrix display', () => {
  const matrix = confusionMatrix(['cat', 'dog', 'dog', '<b>'], ['cat', 'cat', 'dog', '<b>'], {
    labels: ['cat', 'dog', '<b>'],
  });

  it('formats as a labelled text table', () => {
    expect(matrix.toText()).toBe(
      [
        'true \\ pred  cat  dog  <b>',
        'cat            1    0    0',
        'dog            1    1    0',
        '<b>            0    0    1',
        '',
      ].join('\n'),
    );
    expect(String(matrix)).toBe(matrix.toText());
    const normalized = confusionMatrix([0, 0, 0, 1], [0, 1, 1, 1], { normalize: 'true' });
    expect(normalized.toText()).toContain('0.33  0.67');
    expect(normalized.toText(3)).toContain('0.333  0.667');
  });

  it('formats as Markdown with escaped cells', () => {
    const markdown = confusionMatrix(['a|b', 'c'], ['a|b', 'a|b'], { labels: ['a|b', 'c'] }).toMarkdown();
    expect(markdown).toBe(
      ['| true \\\\ predicted | a\\|b | c |', '| :--- | ---: | ---: |', '| a\\|b | 1 | 0 |', '| c | 1 | 0 |', ''].join(
        '\n',
      ),
    );
  });

  it('formats as an HTML table with escaped labels and shaded cells', () => {
    const html = matrix.toHTML();
    expect(html).toMatch(/^<table class="art-confusion-matrix">/);
    expect(html).toContain('<th>&lt;b&gt;</th>');
    expect(html).not.toContain('<th><b></th>');
    expect(html.match(/<tr>/g)).toHaveLength(4);
    expect(html.match(/<td /g)).toHaveLength(9);
    expect(html).toContain('rgba(31,119,180,1.000)">1</td>');
    expect(html).toContain('rgba(31,119,180,0.000)">0</td>');
  });

  it('returns a Jupyter MIME bundle with Vega-Lite, HTML and text', () => {
    expect(JUPYTER_DISPLAY).toBe(Symbol.for('Jupyter.display'));
    const bundle = (matrix as unknown as Record<symbol, () => Record<string, unknown>>)[
      Symbol.for('Jupyter.display')
    ]!();
    expect(Object.keys(bundle).sort()).toEqual(['application/vnd.vegalite.v5+json', 'text/html', 'text/plain']);
    expect(bundle['text/plain']).toBe(matrix.toText());
    expect(bundle['text/html']).toBe(matrix.toHTML());
    expect(bundle['application/vnd.vegalite.v5+json']).toEqual(matrix.toVegaLite());
  });

  it('builds a Vega-Lite v5 heatmap that compiles and renders with every cell', async () => {
    const spec = confusionMatrixVegaLite(matrix, { title: 'Pets' });
    expect(spec.$schema).toBe(VEGA_LITE_SCHEMA);
    expect((spec.data as { values: unknown[] }).values).toContainEqual({
      trueLabel: 'dog',
      predictedLabel: 'cat',
      value: 1,
    });
    const { spec: vegaSpec } = compile(spec as never);
    const view = new View(parse(vegaSpec), { renderer: 'none' });
    const svg = await view.toSVG();
    view.finalize();
    expect(svg).toContain('Pets');
    expect(svg).toContain('dog');
    // One rect mark per cell, and a value label per cell (3 x 3 classes).
    expect(svg.match(/aria-roledescription="rect mark"/g)).toHaveLength(9);
    expect(svg).toContain('aria-label="Predicted label: cat; True label: dog; count: 1');
    expect(svg).toContain('Predicted label');
  });

  it('uses count or share formats and honours options', () => {
    const normalized = confusionMatrix([0, 1, 1], [0, 1, 0], { normalize: 'true' });
    const spec = confusionMatrixVegaLite(normalized, { showValues: false, cellSize: 12, colorScheme: 'greens' });
    expect(spec.layer).toHaveLength(1);
    expect(JSON.stringify(spec)).toContain('"scheme":"greens"');
    expect(JSON.stringify(spec)).toContain('"format":".2f"');
    expect(spec.width).toEqual({ step: 12 });
    const plain = confusionMatrixVegaLite([
      [3, 1],
      [0, 2],
    ]);
    expect(plain.layer).toHaveLength(2);
    expect(JSON.stringify(plain)).toContain('"format":"d"');
    expect(() => confusionMatrixVegaLite([[1, 2]])).toThrow(/matrix\[0\] has 2 columns but the matrix has 1 rows/);
    expect(() => confusionMatrixVegaLite([[1]], { labels: ['a', 'b'] })).toThrow(
      /labels lists 2 classes but the matrix has 1/,
    );
    expect(() => confusionMatrixVegaLite([])).toThrow(/matrix is empty/);
  });
});
