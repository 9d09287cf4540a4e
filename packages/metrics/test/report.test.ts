import { inspect } from 'node:util';

import { describe, expect, it } from 'vitest';

import {
  ClassificationReport,
  classificationReport,
  confusionMatrix,
  f1Score,
  precisionScore,
  recallScore,
} from '@art/metrics';

// scikit-learn's classification_report documentation example, output copied verbatim.
const Y_TRUE = [0, 1, 2, 2, 2];
const Y_PRED = [0, 0, 2, 2, 1];
const TARGET_NAMES = ['class 0', 'class 1', 'class 2'];
const SKLEARN_TEXT = `              precision    recall  f1-score   support

     class 0       0.50      1.00      0.67         1
     class 1       0.00      0.00      0.00         1
     class 2       1.00      0.67      0.80         3

    accuracy                           0.60         5
   macro avg       0.50      0.56      0.49         5
weighted avg       0.70      0.60      0.61         5
`;

describe('classificationReport', () => {
  const report = classificationReport(Y_TRUE, Y_PRED, { labels: TARGET_NAMES });

  it('prints exactly scikit-learn text layout', () => {
    expect(report.toText()).toBe(SKLEARN_TEXT);
    expect(String(report)).toBe(SKLEARN_TEXT);
    expect(inspect(report)).toBe(SKLEARN_TEXT);
  });

  it('is a typed object whose values equal the score functions', () => {
    expect(report).toBeInstanceOf(ClassificationReport);
    expect(report.labels).toEqual(TARGET_NAMES);
    expect(report.perClass.map((row) => row.f1Score)).toEqual(f1Score(Y_TRUE, Y_PRED, { average: 'none' }));
    expect(report.perClass.map((row) => row.support)).toEqual([1, 1, 3]);
    expect(report.accuracy).toBe(0.6);
    expect(report.macroAvg.precision).toBe(precisionScore(Y_TRUE, Y_PRED, { average: 'macro' }));
    expect(report.weightedAvg.recall).toBe(recallScore(Y_TRUE, Y_PRED, { average: 'weighted' }));
    expect(report.support).toBe(5);
  });

  it('uses class indices as names by default, honours digits and widens for long names', () => {
    const plain = classificationReport([0, 1, 1], [0, 1, 0], { digits: 4 });
    expect(plain.toText().split('\n')[2]).toBe('           0     0.5000    1.0000    0.6667         1');
    const long = classificationReport([0, 1], [0, 1], { labels: ['a painter with a long name', 'b'] });
    expect(long.toText().split('\n')[2]).toBe('a painter with a long name       1.00      1.00      1.00         1');
  });

  it('rounds ties half to even like Python (0.125 prints as 0.12)', () => {
    // Class 0: precision 1/8 = 0.125 exactly.
    const yTrue = [0, 1, 1, 1, 1, 1, 1, 1];
    const yPred = [0, 0, 0, 0, 0, 0, 0, 0];
    expect(classificationReport(yTrue, yPred).toText()).toContain(
      '           0       0.12      1.00      0.22         1',
    );
  });

  it('formats as Markdown', () => {
    expect(report.toMarkdown()).toBe(
      [
        '| class | precision | recall | f1-score | support |',
        '| :--- | ---: | ---: | ---: | ---: |',
        '| class 0 | 0.50 | 1.00 | 0.67 | 1 |',
        '| class 1 | 0.00 | 0.00 | 0.00 | 1 |',
        '| class 2 | 1.00 | 0.67 | 0.80 | 3 |',
        '| accuracy |  |  | 0.60 | 5 |',
        '| macro avg | 0.50 | 0.56 | 0.49 | 5 |',
        '| weighted avg | 0.70 | 0.60 | 0.61 | 5 |',
        '',
      ].join('\n'),
    );
  });

  it('formats as HTML with summary rows in the footer and escaped names', () => {
    const html = report.toHTML();
    expect(html).toMatch(/^<table class="art-classification-report">/);
    expect(html).toContain(
      '<tr><th>class 2</th><td style="text-align:right">1.00</td><td style="text-align:right">0.67</td><td ' +
        'style="text-align:right">0.80</td><td style="text-align:right">3</td></tr>',
    );
    const footer = html.slice(html.indexOf('<tfoot>'));
    expect(footer).toContain(
      '<th>accuracy</th><td style="text-align:right"></td><td style="text-align:right"></td><td style="text-align:right">0.60</td>',
    );
    expect(footer).toContain('<th>macro avg</th>');
    expect(footer).toContain('<th>weighted avg</th>');
    const escaped = classificationReport(['<i>&'], ['<i>&'], { labels: ['<i>&'] }).toHTML();
    expect(escaped).toContain('<th>&lt;i&gt;&amp;</th>');
  });

  it('returns scikit-learn output_dict layout from toDict and JSON', () => {
    const dict = report.toDict();
    expect(Object.keys(dict)).toEqual(['class 0', 'class 1', 'class 2', 'accuracy', 'macro avg', 'weighted avg']);
    expect(dict['class 2']).toEqual({ precision: 1, recall: 2 / 3, 'f1-score': 0.8, support: 3 });
    expect(dict.accuracy).toBe(0.6);
    expect(JSON.parse(JSON.stringify(report))).toEqual(dict);
  });

  it('returns a Jupyter MIME bundle with HTML, Markdown and text', () => {
    const bundle = (report as unknown as Record<symbol, () => Record<string, string>>)[
      Symbol.for('Jupyter.display')
    ]!();
    expect(bundle).toEqual({
      'text/html': report.toHTML(),
      'text/markdown': report.toMarkdown(),
      'text/plain': SKLEARN_TEXT,
    });
  });

  it('builds from a confusion matrix of counts', () => {
    const fromMatrix = new ClassificationReport(confusionMatrix(Y_TRUE, Y_PRED, { labels: TARGET_NAMES }));
    expect(fromMatrix.toText()).toBe(SKLEARN_TEXT);
    const fromArray = new ClassificationReport(
      [
        [1, 0, 0],
        [1, 0, 0],
        [0, 1, 2],
      ],
      { labels: TARGET_NAMES },
    );
    expect(fromArray).toEqual(report);
  });

  it('prints nan for NaN zeroDivision, like Python', () => {
    const nanReport = classificationReport([0, 0], [0, 0], { numClasses: 2, zeroDivision: Number.NaN });
    expect(nanReport.toText().split('\n')[3]).toBe('           1        nan       nan       nan         0');
  });
});
