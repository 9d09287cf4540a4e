import { formatDuration } from '@art/competition';

/** One epoch of a learning curve (either side). */
export interface EpochPoint {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  validLoss: number;
  validAccuracy: number;
  validMacroF1: number;
  seconds: number;
}

export type Side = 'art' | 'pytorch';

/** One training run: a side, a seed, its curve. */
export interface SideRun {
  side: Side;
  seed: number;
  history: EpochPoint[];
  seconds: number;
}

/** Best validation Macro F1 of one side over its seeds. */
export interface SideSummary {
  /** Best validation Macro F1 of each seed (over its epochs), in seed order. */
  best: number[];
  /** 1-based epoch of each seed's best. */
  bestEpoch: number[];
  mean: number;
  /** Sample standard deviation (n − 1, as numpy's `std(ddof=1)`); 0 for a single seed. */
  std: number;
  /** Mean training loss of the first epoch over the seeds. */
  firstEpochLoss: number;
  seconds: number;
}

export interface Comparison {
  art: SideSummary;
  pytorch: SideSummary;
  /** PyTorch's mean − 1 std: the bar @art's mean must reach. */
  threshold: number;
  /** @art's mean >= PyTorch's mean − 1 std. */
  passed: boolean;
}

/**
 * Mean and sample standard deviation (n − 1).
 * @example meanStd([0.3, 0.4, 0.5]); // { mean: 0.4, std: 0.1 }
 */
export function meanStd(values: readonly number[]): { mean: number; std: number } {
  if (values.length === 0) throw new RangeError('meanStd: no values');
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (values.length === 1) return { mean, std: 0 };
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean, std: Math.sqrt(variance) };
}

function summarise(runs: readonly SideRun[]): SideSummary {
  if (runs.length === 0) throw new RangeError('compareSides: a side has no runs');
  const best = runs.map((run) => Math.max(...run.history.map((point) => point.validMacroF1)));
  const bestEpoch = runs.map((run, i) => run.history.findIndex((point) => point.validMacroF1 === best[i]) + 1);
  return {
    best,
    bestEpoch,
    ...meanStd(best),
    firstEpochLoss: meanStd(runs.map((run) => run.history[0]!.trainLoss)).mean,
    seconds: runs.reduce((total, run) => total + run.seconds, 0),
  };
}

/**
 * Summarises each side's best validation Macro F1 and applies the bar: @art's mean
 * must be at least PyTorch's mean − 1 std.
 *
 * @example const { passed } = compareSides(runs);
 */
export function compareSides(runs: readonly SideRun[]): Comparison {
  const art = summarise(runs.filter((run) => run.side === 'art'));
  const pytorch = summarise(runs.filter((run) => run.side === 'pytorch'));
  const threshold = pytorch.mean - pytorch.std;
  return { art, pytorch, threshold, passed: art.mean >= threshold };
}

const sideName: Record<Side, string> = { art: '@art', pytorch: 'PyTorch' };

/** Rows of one curve: epoch, then each run's value (runs in the given order). */
function curveRows(runs: readonly SideRun[], value: (point: EpochPoint) => number, digits: number): string[][] {
  const epochs = Math.max(...runs.map((run) => run.history.length));
  return Array.from({ length: epochs }, (_, epoch) => [
    String(epoch + 1),
    ...runs.map((run) => (run.history[epoch] ? value(run.history[epoch]!).toFixed(digits) : '')),
  ]);
}

function markdownTable(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => ' --- ').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  const line = (cells: string[]): string => `  ${cells.map((cell, c) => cell.padStart(widths[c]!)).join('  ')}`;
  return [line(header), ...rows.map(line)].join('\n');
}

/**
 * The report: both learning curves (train loss, validation Macro F1; one column per side and
 * seed), each side's best validation Macro F1 (per seed, mean ± std) and the verdict, as
 * console text and as markdown.
 */
export function formatReport(
  runs: readonly SideRun[],
  comparison: Comparison,
  setting: Record<string, string>,
  timing: { seconds: number; cacheSeconds: number },
): { text: string; markdown: string } {
  const ordered = [...runs].sort((a, b) => (a.side === b.side ? a.seed - b.seed : a.side === 'art' ? -1 : 1));
  const header = ['epoch', ...ordered.map((run) => `${sideName[run.side]} s${run.seed}`)];
  const loss = curveRows(ordered, (point) => point.trainLoss, 4);
  const f1 = curveRows(ordered, (point) => point.validMacroF1, 4);
  const summaryHeader = [
    '',
    'best validation Macro F1 per seed (epoch)',
    'mean',
    'std',
    'epoch-1 train loss',
    'training time',
  ];
  const summaryRows = (['art', 'pytorch'] as const).map((side) => {
    const s = comparison[side];
    return [
      sideName[side],
      s.best.map((value, i) => `${value.toFixed(4)} (${s.bestEpoch[i]})`).join(', '),
      s.mean.toFixed(4),
      s.std.toFixed(4),
      s.firstEpochLoss.toFixed(3),
      formatDuration(s.seconds),
    ];
  });
  const verdict =
    `@art mean ${comparison.art.mean.toFixed(4)} ${comparison.passed ? '>=' : '<'} PyTorch mean − 1 std = ` +
    `${comparison.pytorch.mean.toFixed(4)} − ${comparison.pytorch.std.toFixed(4)} = ${comparison.threshold.toFixed(4)}: ${comparison.passed ? 'PASS' : 'FAIL'}`;
  const timingLine = `Total ${formatDuration(timing.seconds)} (batch cache ${formatDuration(timing.cacheSeconds)}).`;
  const settingLines = Object.entries(setting).map(([name, value]) => `${name}: ${value}`);
  const text = [
    '',
    ...settingLines,
    '',
    'Training loss per epoch',
    textTable(header, loss),
    '',
    'Validation Macro F1 per epoch',
    textTable(header, f1),
    '',
    textTable(summaryHeader, summaryRows),
    '',
    verdict,
    timingLine,
  ].join('\n');
  const markdown = [
    '# bench:accuracy: @art against PyTorch on the same batches',
    '',
    ...settingLines.map((line) => `- ${line}`),
    '',
    '## Training loss per epoch',
    '',
    markdownTable(header, loss),
    '',
    '## Validation Macro F1 per epoch',
    '',
    markdownTable(header, f1),
    '',
    '## Best validation Macro F1',
    '',
    markdownTable(summaryHeader, summaryRows),
    '',
    `**${verdict}**`,
    '',
    timingLine,
    '',
  ].join('\n');
  return { text, markdown };
}
