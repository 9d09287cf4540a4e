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
  /** Relative improvement threshold, PyTorch's 'rel' mode (default 1e-4). */
  threshold?: number;
  /** Epochs to wait after a reduction (default 0). */
  cooldown?: number;
  /** Lower bound of the learning rate (default 0). */
  minLr?: number;
}

/**
 * PyTorch's `ReduceLROnPlateau` (threshold mode 'rel'): when the monitored metric has not
 * improved for more than `patience` epochs, the learning rate is multiplied by `factor`.
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
  private state: ReduceLROnPlateauState = { best: null, numBadEpochs: 0, cooldownCounter: 0 };

  constructor(options: ReduceLROnPlateauOptions = {}) {
    const { mode = 'max', factor = 0.1, patience = 1, threshold = 1e-4, cooldown = 0, minLr = 0 } = options;
    if (mode !== 'max' && mode !== 'min') throw new RangeError(`ReduceLROnPlateau: unknown mode ${JSON.stringify(mode)}; expected 'max' or 'min'`);
    if (!(factor > 0 && factor < 1)) throw new RangeError(`ReduceLROnPlateau: factor must be in (0, 1), got ${factor}`);
    if (!Number.isInteger(patience) || patience < 0) throw new RangeError(`ReduceLROnPlateau: patience must be an integer >= 0, got ${patience}`);
    this.mode = mode;
    this.factor = factor;
    this.patience = patience;
    this.threshold = threshold;
    this.cooldown = cooldown;
    this.minLr = minLr;
  }

  private isBetter(value: number, best: number): boolean {
    return this.mode === 'max' ? value > best * (1 + (best >= 0 ? this.threshold : -this.threshold)) : value < best * (1 - (best >= 0 ? this.threshold : -this.threshold));
  }

  /** Records one epoch's metric; returns the learning rate to use next. */
  step(metric: number, learningRate: number): number {
    const s = this.state;
    if (s.best === null || this.isBetter(metric, s.best)) {
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
      return Math.max(learningRate * this.factor, this.minLr);
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
    if (!Number.isInteger(patience) || patience < 1) throw new RangeError(`EarlyStopping: patience must be an integer >= 1, got ${patience}`);
    if (mode !== 'max' && mode !== 'min') throw new RangeError(`EarlyStopping: unknown mode ${JSON.stringify(mode)}; expected 'max' or 'min'`);
    this.patience = patience;
    this.minDelta = minDelta;
    this.mode = mode;
  }

  /** Records one epoch; returns true when training should stop. */
  step(metric: number, epoch: number): boolean {
    const s = this.state;
    const improved = s.best === null || (this.mode === 'max' ? metric > s.best + this.minDelta : metric < s.best - this.minDelta);
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
