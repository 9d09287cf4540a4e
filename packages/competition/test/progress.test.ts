import { describe, expect, it } from 'vitest';
import { createProgressReporter, learningCurvesSpec, renderVegaLiteSvg } from '../src/index.js';

describe('progress reporters', () => {
  it('prints plain lines with loss, accuracy, learning rate and ETA when not on a TTY', () => {
    const lines: string[] = [];
    const reporter = createProgressReporter('lines', { intervalSeconds: 0, write: (line) => void lines.push(line) });
    reporter.epochStart(0, 3, 4, 0);
    reporter.batch(1, { loss: 1.23456, accuracy: 0.5, learningRate: 1e-4 });
    reporter.batch(4, { loss: 1.1, accuracy: 0.625, learningRate: 1e-4 });
    reporter.epochEnd('epoch 1/3 done');
    reporter.close();
    expect(lines[0]).toMatch(/^epoch 1\/3 batch 1\/4 loss 1\.2346 acc 0\.500 lr 1\.00e-4 eta \d+s$/);
    expect(lines[1]).toMatch(/^epoch 1\/3 batch 4\/4 loss 1\.1000 acc 0\.625/);
    expect(lines[2]).toBe('epoch 1/3 done');
  });

  it('rejects unknown modes', () => {
    expect(() => createProgressReporter('fancy' as never)).toThrow(
      /Unknown progress mode "fancy"; expected one of auto, bar, lines, none/,
    );
  });

  it('renders learning curves headless to SVG, with the 1-based history epochs on the x axis', async () => {
    const spec = learningCurvesSpec([
      {
        epoch: 1,
        step: 2,
        learningRate: 1e-3,
        trainLoss: 1,
        trainAccuracy: 0.4,
        validLoss: 1.1,
        validAccuracy: 0.3,
        validMacroF1: 0.25,
        seconds: 1,
      },
      {
        epoch: 2,
        step: 4,
        learningRate: 1e-4,
        trainLoss: 0.8,
        trainAccuracy: 0.6,
        validLoss: 0.9,
        validAccuracy: 0.5,
        validMacroF1: 0.45,
        seconds: 1,
      },
    ]);
    const epochs = new Set((spec as { data: { values: { epoch: number }[] } }).data.values.map((v) => v.epoch));
    expect([...epochs]).toEqual([1, 2]);
    const svg = await renderVegaLiteSvg(spec);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('macro F1');
  });
});
