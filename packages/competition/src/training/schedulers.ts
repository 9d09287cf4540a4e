/** Serializable state of {@link ReduceLROnPlateau}. */
export interface ReduceLROnPlateauState {
  best: number | null;
  numBadEpochs: number;
  cooldownCounter: number;
}

export interface ReduceLROnPlateauOptions {
  /** 'max' (default: the metric is Macro F1) or 'min'. */
  mode?: 'max' | 'min';
  /** Multiplier applied on a plateau (default 0.1). */
  factor?: number;
  /** Epochs without improvement before reducing (default 1, the V2-M recipe). */
  patience?: number;
  /** Improvement threshold (default 1e-4). */
  threshold?: number;
  /** `'rel'` (default): better means `> best * (1 + threshold)` (max) or `< best * (1 - threshold)` (min); `'abs'`: `± threshold`. */
  thresholdMode?: 'rel' | 'abs';
  /** A reduction smaller than this is skipped (default 1e-8). */
  eps?: number;
  /** Epochs to wait after a reduction (default 0). */
  cooldown?: number;
  /** Lower bound of the learning rate (default 0). */
  minLr?: number;
}

/**
 * PyTorch's `torch.optim.lr_scheduler.ReduceLROnPlateau`, step for step: when the monitored
 * metric has not improved for more than `patience` epochs, the learning rate is multiplied by
 * `factor` (not below `minLr`; skipped when the change is under `eps`), then `cooldown` epochs
 * pass before bad epochs count again. The same comparisons as PyTorch's `is_better`, including
 * its plain `best * (1 ± threshold)` in 'rel' mode and NaN counting as a bad epoch.
 *
 * @example
 * const scheduler = new ReduceLROnPlateau({ mode: 'max', factor: 0.1, patience: 1 });
 * learningRate = scheduler.step(validMacroF1, learningRate);
 */
export class ReduceLROnPlateau {
  readonly mode: 'max' | 'min';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly cooldown: number;
  readonly minLr: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly eps: number;
  private state: ReduceLROnPlateauState = { best: null, numBadEpochs: 0, cooldownCounter: 0 };

  constructor(options: ReduceLROnPlateauOptions = {}) {
    const {
      mode = 'max',
      factor = 0.1,
      patience = 1,
      threshold = 1e-4,
      cooldown = 0,
      minLr = 0,
      thresholdMode = 'rel',
      eps = 1e-8,
    } = options;
    if (thresholdMode !== 'rel' && thresholdMode !== 'abs')
      throw new RangeError(
        `ReduceLROnPlateau: unknown thresholdMode ${JSON.stringify(thresholdMode)}; expected 'rel' or 'abs'`,
      );
    if (!(threshold >= 0)) throw new RangeError(`ReduceLROnPlateau: threshold must be >= 0, got ${threshold}`);
    if (!Number.isInteger(cooldown) || cooldown < 0)
      throw new RangeError(`ReduceLROnPlateau: cooldown must be an integer >= 0, got ${cooldown}`);
    if (!(minLr >= 0)) throw new RangeError(`ReduceLROnPlateau: minLr must be >= 0, got ${minLr}`);
    if (mode !== 'max' && mode !== 'min')
      throw new RangeError(`ReduceLROnPlateau: unknown mode ${JSON.stringify(mode)}; expected 'max' or 'min'`);
    if (!(factor > 0 && factor < 1)) throw new RangeError(`ReduceLROnPlateau: factor must be in (0, 1), got ${factor}`);
    if (!Number.isInteger(patience) || patience < 0)
      throw new RangeError(`ReduceLROnPlateau: patience must be an integer >= 0, got ${patience}`);
    this.mode = mode;
    this.factor = factor;
    this.patience = patience;
    this.threshold = threshold;
    this.cooldown = cooldown;
    this.minLr = minLr;
    this.thresholdMode = thresholdMode;
    this.eps = eps;
  }

  private isBetter(value: number, best: number): boolean {
    if (this.thresholdMode === 'rel')
      return this.mode === 'max' ? value > best * (1 + this.threshold) : value < best * (1 - this.threshold);
    return this.mode === 'max' ? value > best + this.threshold : value < best - this.threshold;
  }

  /** Records one epoch's metric; returns the learning rate to use next. */
  step(metric: number, learningRate: number): number {
    const s = this.state;
    // PyTorch starts from the worst value (-inf for max), so a NaN first epoch is a bad epoch.
    if (this.isBetter(metric, s.best ?? (this.mode === 'max' ? -Infinity : Infinity))) {
      s.best = metric;
      s.numBadEpochs = 0;
    } else {
      s.numBadEpochs++;
    }
    if (s.cooldownCounter > 0) {
      s.cooldownCounter--;
      s.numBadEpochs = 0;
    }
    if (s.numBadEpochs > this.patience) {
      s.cooldownCounter = this.cooldown;
      s.numBadEpochs = 0;
      const reduced = Math.max(learningRate * this.factor, this.minLr);
      return learningRate - reduced > this.eps ? reduced : learningRate;
    }
    return learningRate;
  }

  getState(): ReduceLROnPlateauState {
    return { ...this.state };
  }
  setState(state: ReduceLROnPlateauState): void {
    this.state = { ...state };
  }
}

/** Serializable state of {@link EarlyStopping}. */
export interface EarlyStoppingState {
  best: number | null;
  bestEpoch: number;
  numBadEpochs: number;
}

/**
 * Stops training when the monitored metric (default: validation Macro F1, mode 'max') has
 * not improved by more than `minDelta` for `patience` epochs.
 *
 * @example
 * const stopper = new EarlyStopping({ patience: 3 });
 * if (stopper.step(macroF1, epoch)) break;
 */
export class EarlyStopping {
  readonly patience: number;
  readonly minDelta: number;
  readonly mode: 'max' | 'min';
  private state: EarlyStoppingState = { best: null, bestEpoch: -1, numBadEpochs: 0 };

  constructor(options: { patience?: number; minDelta?: number; mode?: 'max' | 'min' } = {}) {
    const { patience = 3, minDelta = 0, mode = 'max' } = options;
    if (!Number.isInteger(patience) || patience < 1)
      throw new RangeError(`EarlyStopping: patience must be an integer >= 1, got ${patience}`);
    if (mode !== 'max' && mode !== 'min')
      throw new RangeError(`EarlyStopping: unknown mode ${JSON.stringify(mode)}; expected 'max' or 'min'`);
    this.patience = patience;
    this.minDelta = minDelta;
    this.mode = mode;
  }

  /** Records one epoch; returns true when training should stop. */
  step(metric: number, epoch: number): boolean {
    const s = this.state;
    const improved =
      s.best === null || (this.mode === 'max' ? metric > s.best + this.minDelta : metric < s.best - this.minDelta);
    if (improved) {
      s.best = metric;
      s.bestEpoch = epoch;
      s.numBadEpochs = 0;
    } else {
      s.numBadEpochs++;
    }
    return s.numBadEpochs >= this.patience;
  }

  getState(): EarlyStoppingState {
    return { ...this.state };
  }
  setState(state: EarlyStoppingState): void {
    this.state = { ...state };
  }
}
