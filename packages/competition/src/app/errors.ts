import { dirname } from 'node:path';
import {
  MissingColumnError,
  MissingImagesError,
  NonFiniteLossError,
  PathOutsideRootError,
  ResumeMismatchError,
  SubmissionError,
  UnknownLabelError,
} from '../errors.js';
import { FileSystemError } from '../io.js';

/** An error in what the user asked for (a flag, a file): printed as one line, without a stack. */
export class UserError extends Error {
  override name = 'UserError';
}

/** Errors of weight files and downloads: their reports list details below the first line. */
export const WEIGHT_ERROR_NAMES = [
  'WeightLoadError',
  'CheckpointFormatError',
  'UnsafeCheckpointError',
  'DownloadError',
];

/** Errors a user causes (bad flag, file, data): one line, no stack trace. */
const userErrors = [
  UserError,
  RangeError,
  FileSystemError,
  MissingColumnError,
  MissingImagesError,
  PathOutsideRootError,
  UnknownLabelError,
  SubmissionError,
];

/**
 * The message a command prints for an error: one line naming the culprit and what to do for the
 * errors a user causes (a bad flag or file, a diverging run); the message plus a hint to
 * `--debug` for anything else.
 * @example console.error(errorMessage(error, 'art train'));
 */
export function errorMessage(error: unknown, command: string): string {
  if (error instanceof NonFiniteLossError) {
    const what = error.where === 'training' ? `loss ${error.loss}` : 'validation predictions NaN';
    return (
      `${command}: training diverged at epoch ${error.epoch} step ${error.step} (${what}); lower --lr` +
      `${error.learningRate !== null ? ` (it was ${error.learningRate})` : ''} and train again in a new --out` +
      (error.lastGoodCheckpoint ? `; the last good checkpoint is ${error.lastGoodCheckpoint}` : '')
    );
  }
  if (error instanceof ResumeMismatchError && error.option === 'learningRate') {
    return (
      `${command}: --lr ${error.given} differs from ${error.saved}, the learning rate the run ` +
      `in ${dirname(dirname(error.checkpoint))} started with; --resume continues its schedule: resume with --lr ${error.saved}, or train in a new --out`
    );
  }
  if (error instanceof FileSystemError) {
    const advice: Record<string, string> = {
      ENOSPC: 'free space on that disk',
      EDQUOT: 'free space on that disk',
      EROFS: 'choose a writable --out',
      EACCES: 'choose a writable --out',
    };
    return `${command}: ${error.message}${error.code && advice[error.code] ? `; ${advice[error.code]}` : '; check the path (--out, --data)'}`;
  }
  const parseError = error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS');
  if (error instanceof Error && WEIGHT_ERROR_NAMES.includes(error.name))
    return `${command}: ${error.message.split('\n')[0]}`;
  if (parseError || userErrors.some((kind) => error instanceof kind)) return `${command}: ${(error as Error).message}`;
  return `${command}: ${error instanceof Error ? error.message : String(error)} (an unexpected error: run again with --debug for the stack trace)`;
}
