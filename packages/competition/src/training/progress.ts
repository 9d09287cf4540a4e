import cliProgress from 'cli-progress';

/** Values shown while an epoch runs. */
export interface ProgressValues {
  loss: number;
  accuracy: number;
  learningRate: number;
}

/** Receives training progress; implement it to route progress elsewhere. */
export interface ProgressReporter {
  epochStart(epoch: number, epochs: number, batches: number, startBatch: number): void;
  batch(batch: number, values: ProgressValues): void;
  epochEnd(line: string): void;
  log(line: string): void;
  close(): void;
}

/** Progress modes of `train`: 'auto' picks 'bar' on a TTY, else 'lines'. */
export const PROGRESS_MODES = ['auto', 'bar', 'lines', 'none'] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];

function format(values: ProgressValues): string {
  return `loss ${values.loss.toFixed(4)} acc ${values.accuracy.toFixed(3)} lr ${values.learningRate.toExponential(2)}`;
}

/** A cli-progress bar (ETA, loss, running accuracy, learning rate) on stderr. */
class BarReporter implements ProgressReporter {
  private bar: cliProgress.SingleBar | null = null;
  epochStart(epoch: number, epochs: number, batches: number, startBatch: number): void {
    this.bar?.stop();
    this.bar = new cliProgress.SingleBar(
      {
        format: `epoch ${epoch + 1}/${epochs} [{bar}] {value}/{total} | ETA {eta_formatted} | {metrics}`,
        hideCursor: true,
        stream: process.stderr,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(batches, startBatch, { metrics: '' });
  }
  batch(batch: number, values: ProgressValues): void {
    this.bar?.update(batch, { metrics: format(values) });
  }
  epochEnd(line: string): void {
    this.bar?.stop();
    this.bar = null;
    process.stderr.write(`${line}\n`);
  }
  log(line: string): void {
    if (this.bar) this.bar.stop();
    process.stderr.write(`${line}\n`);
  }
  close(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

/** Plain lines for logs and CI: one every `intervalSeconds` (default 10) and one per epoch. */
class LinesReporter implements ProgressReporter {
  private epochLabel = '';
  private batches = 0;
  private last = 0;
  private started = 0;
  private startBatch = 0;
  constructor(
    private readonly write: (line: string) => void,
    private readonly intervalSeconds: number,
  ) {}
  epochStart(epoch: number, epochs: number, batches: number, startBatch: number): void {
    this.epochLabel = `epoch ${epoch + 1}/${epochs}`;
    this.batches = batches;
    this.started = this.last = Date.now();
    this.startBatch = startBatch;
  }
  batch(batch: number, values: ProgressValues): void {
    const now = Date.now();
    if (now - this.last < this.intervalSeconds * 1000 && batch < this.batches) return;
    this.last = now;
    const done = batch - this.startBatch;
    const eta = done > 0 ? (((now - this.started) / done) * (this.batches - batch)) / 1000 : NaN;
    this.write(
      `${this.epochLabel} batch ${batch}/${this.batches} ${format(values)} eta ${Number.isFinite(eta) ? `${eta.toFixed(0)}s` : '?'}`,
    );
  }
  epochEnd(line: string): void {
    this.write(line);
  }
  log(line: string): void {
    this.write(line);
  }
  close(): void {}
}

class SilentReporter implements ProgressReporter {
  epochStart(): void {}
  batch(): void {}
  epochEnd(): void {}
  log(): void {}
  close(): void {}
}

/**
 * Creates the progress reporter for a mode: 'bar' (cli-progress on stderr), 'lines' (plain
 * periodic lines on stderr), 'none', or 'auto' (default: 'bar' when stderr is a TTY).
 *
 * @example
 * const reporter = createProgressReporter('lines', { intervalSeconds: 30 });
 */
export function createProgressReporter(
  mode: ProgressMode = 'auto',
  options: { intervalSeconds?: number; write?: (line: string) => void } = {},
): ProgressReporter {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  switch (mode) {
    case 'auto':
      return process.stderr.isTTY ? new BarReporter() : new LinesReporter(write, options.intervalSeconds ?? 10);
    case 'bar':
      return new BarReporter();
    case 'lines':
      return new LinesReporter(write, options.intervalSeconds ?? 10);
    case 'none':
      return new SilentReporter();
    default:
      throw new RangeError(
        `Unknown progress mode ${JSON.stringify(mode)}; expected one of ${PROGRESS_MODES.join(', ')}`,
      );
  }
}
