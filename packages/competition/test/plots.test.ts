import { describe, expect, it } from 'vitest';
import { confusionMatrixSpec, renderVegaLiteSvg } from '../src/index.js';

describe('training plots', () => {
  it("the confusion matrix is @art/metrics' heat map with the count in every cell", async () => {
    const matrix = [
      [7, 1, 0],
      [2, 5, 13],
      [0, 4, 11],
    ];
    const spec = confusionMatrixSpec(matrix, ['monet', 'degas', 'renoir']);
    expect(spec.layer).toHaveLength(2); // rect + text (the counts)
    const svg = await renderVegaLiteSvg(spec);
    const textsOf = (markup: string) => [...markup.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((match) => match[1]!);
    const texts = textsOf(svg);
    // The text marks of the chart (not the axes' or the legend's labels): every count, zeros included, once per cell.
    const marks = [...svg.matchAll(/<g class="mark-text role-mark[^"]*"[^>]*>(.*?)<\/g>/gs)]
      .map((match) => match[1]!)
      .join('');
    expect(
      textsOf(marks)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual(matrix.flat().sort((a, b) => a - b));
    for (const label of ['monet', 'degas', 'renoir', 'Predicted label', 'True label']) expect(texts).toContain(label);
  });
});
