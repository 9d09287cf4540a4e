/**
 * Named errors of @art/competition. Each carries the offending file / value as fields so
 * callers (and the CLI) can report them without parsing messages.
 */

/**
 * A CSV file lacks a required column.
 * @example
 * if (error instanceof MissingColumnError) console.error(error.file, error.column, error.header);
 */
export class MissingColumnError extends Error {
  override name = 'MissingColumnError';
  constructor(
    readonly file: string,
    readonly column: string,
    readonly header: string[],
  ) {
    super(`${file}: missing column "${column}"; found header [${header.map((h) => JSON.stringify(h)).join(', ')}]`);
  }
}

/**
 * One or more images are missing or cannot be decoded; `problems` lists every one of them.
 * @example
 * if (error instanceof MissingImagesError) for (const p of error.problems) console.error(p.imagePath, p.reason);
 */
export class MissingImagesError extends Error {
  override name = 'MissingImagesError';
  constructor(readonly problems: { imagePath: string; id?: string; reason: string }[]) {
    const shown = problems
      .slice(0, 20)
      .map((p) => `  ${p.id !== undefined ? `[${p.id}] ` : ''}${p.imagePath}: ${p.reason}`);
    const more = problems.length > 20 ? `\n  ... and ${problems.length - 20} more` : '';
    super(`${problems.length} image(s) missing or unreadable:\n${shown.join('\n')}${more}`);
  }
}

/**
 * A label that the label encoder has never seen.
 * @example
 * if (error instanceof UnknownLabelError) console.error(`not a training artist: ${error.label}`);
 */
export class UnknownLabelError extends Error {
  override name = 'UnknownLabelError';
  constructor(
    readonly label: string,
    readonly classes: readonly string[],
  ) {
    const listed =
      classes.length <= 60 ? classes.map((c) => JSON.stringify(c)).join(', ') : `${classes.length} classes`;
    super(`Unknown label ${JSON.stringify(label)}; expected one of ${listed}`);
  }
}

/**
 * An image path in a CSV resolves outside the data root (and `allowOutsideRoot` is false).
 * @example
 * await loadCompetition(root, { allowOutsideRoot: true }); // accept paths outside the root
 */
export class PathOutsideRootError extends Error {
  override name = 'PathOutsideRootError';
  constructor(
    readonly path: string,
    readonly root: string,
  ) {
    super(
      `Image path ${JSON.stringify(path)} resolves outside the data root ${JSON.stringify(root)}; pass allowOutsideRoot: true to accept it`,
    );
  }
}

/**
 * A submission is incomplete or inconsistent with the sample submission.
 * @example
 * if (error instanceof SubmissionError) console.error(error.details.missing);
 */
export class SubmissionError extends Error {
  override name = 'SubmissionError';
  constructor(
    message: string,
    readonly details: { missing?: string[]; unknown?: string[]; duplicates?: string[] } = {},
  ) {
    super(message);
  }
}

/**
 * Training diverged: the loss (or, after the weights went NaN, the validation predictions)
 * became NaN or infinite. The last good checkpoint is kept. `epoch` and `step` are 1-based
 * (the epoch and the optimizer step that failed).
 * @example
 * if (error instanceof NonFiniteLossError) console.error(`lower the learning rate (${error.learningRate}); last good: ${error.lastGoodCheckpoint}`);
 */
export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
  constructor(
    readonly loss: number,
    readonly epoch: number,
    readonly step: number,
    readonly lastGoodCheckpoint: string | null,
    readonly learningRate: number | null = null,
    readonly where: 'training' | 'validation' = 'training',
  ) {
    super(
      `Training diverged at epoch ${epoch}, step ${step} (${where === 'training' ? `loss ${loss}` : 'validation predictions NaN'}); ` +
        `lower the learning rate${learningRate !== null ? ` (now ${learningRate})` : ''} or check the inputs for NaN. ` +
        (lastGoodCheckpoint
          ? `The last good checkpoint is kept at ${lastGoodCheckpoint}.`
          : 'No checkpoint had been written yet.'),
    );
  }
}

/**
 * A model returned NaN or infinite scores (its weights have diverged, or an input is NaN).
 * @example
 * if (error instanceof NonFinitePredictionsError) console.error(`row ${error.row} is not finite`);
 */
export class NonFinitePredictionsError extends Error {
  override name = 'NonFinitePredictionsError';
  constructor(readonly row: number) {
    super(
      `The model predicts NaN or infinite scores (dataset row ${row}); its weights have probably diverged (lower the learning rate) or the input has NaN`,
    );
  }
}

/**
 * `train` was asked to resume with a setting that differs from the checkpoint's (a new
 * learning rate would otherwise be silently ignored, as the optimizer state carries the old one).
 * @example
 * if (error instanceof ResumeMismatchError) console.error(`${error.option}: checkpoint has ${error.saved}`);
 */
export class ResumeMismatchError extends Error {
  override name = 'ResumeMismatchError';
  constructor(
    readonly option: string,
    readonly given: number,
    readonly saved: number,
    readonly checkpoint: string,
    detail = '',
  ) {
    super(
      `train: ${option} ${given} differs from ${saved}, the ${option} of the checkpoint ${checkpoint}${detail}; ` +
        `resuming continues its schedule: pass ${saved} (or none), or start a new run in another outDir`,
    );
  }
}
