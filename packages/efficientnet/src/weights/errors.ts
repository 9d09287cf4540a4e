/**
 * Errors of the checkpoint readers. Each carries a `code` so callers (and the CLI) can tell a
 * damaged file from a hostile one without parsing the message.
 */

/** A file that is not a readable checkpoint: truncated, damaged, over a limit, or an unsupported layout. */
export class CheckpointFormatError extends Error {
  /** `format`, `zip`, `limit`, `legacy`, `byteorder`, `version`, `storage`, `tensor`, `pickle`, `state_dict`. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'CheckpointFormatError';
    this.code = code;
  }
}

/**
 * A pickle that asks for something `torch.load(weights_only=True)` would not allow: a global
 * outside the allow-list (`os.system`, `builtins.eval`, any class), a call of a non-callable,
 * or an opcode that builds arbitrary objects. Nothing from the file is ever executed.
 */
export class UnsafeCheckpointError extends Error {
  /** `module.name` of the refused global, or the refused opcode / operation. */
  readonly culprit: string;
  constructor(culprit: string, message: string) {
    super(message);
    this.name = 'UnsafeCheckpointError';
    this.culprit = culprit;
  }
}
