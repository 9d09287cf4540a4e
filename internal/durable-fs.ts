import { type FileHandle, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, basename, join, resolve } from 'node:path';

/**
 * Durable file writes, the one implementation for every @art package that writes files
 * (@art/augment's `writeImage`, @art/efficientnet's savers, everything @art/competition writes).
 * It is source shared at build time, not a package: tsup bundles it into each package's dist,
 * so @art/augment and @art/efficientnet keep depending on nothing of ours. Guarantees:
 * - a write is atomic and durable (temp file, fsync, rename, fsync of the directory);
 * - a failed write removes its temp file (a full disk leaves nothing behind);
 * - errors name the path and say what happened (`EROFS`: read-only file system, ...);
 * - directories are created one level at a time (Node's recursive mkdir loops for ever under `/proc`);
 * - tests can inject a crash or an error at any single operation ({@link setFileOpsHook}).
 */

/** A mutating file operation, as seen by the {@link setFileOpsHook} hook. */
export interface FileOp {
  kind: 'mkdir' | 'open' | 'write' | 'fsync' | 'rename' | 'rm' | 'fsync-dir';
  path: string;
}

/** Called before every mutating file operation; throwing makes that operation fail. */
export type FileOpsHook = (op: FileOp) => void;

let hook: FileOpsHook | null = null;

/**
 * Installs (or with `null` removes) a hook called before every mutating file operation of
 * this package; returns the previous one. For fault-injection tests: a hook that throws at
 * the Nth operation (and at every later one) simulates a crash at that exact point.
 * @internal
 * @example
 * let n = 0;
 * setFileOpsHook(() => { if (n++ >= 5) throw new Error('simulated crash'); });
 */
export function setFileOpsHook(next: FileOpsHook | null): FileOpsHook | null {
  const previous = hook;
  hook = next;
  return previous;
}

function before(kind: FileOp['kind'], path: string): void {
  hook?.({ kind, path });
}

const REASONS: Record<string, string> = {
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a parent is not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  EMFILE: 'too many open files',
};

/**
 * A file operation failed; `path` is the file or directory it was about, `code` the errno
 * code (`EROFS`, `ENOSPC`, ...).
 * @example
 * if (error instanceof FileSystemError && error.code === 'ENOSPC') console.error(`free space for ${error.path}`);
 */
export class FileSystemError extends Error {
  override name = 'FileSystemError';
  constructor(
    readonly operation: string,
    readonly path: string,
    readonly code: string | undefined,
    cause: unknown,
  ) {
    const reason = code ? `${REASONS[code] ?? (cause as Error).message} (${code})` : (cause as Error).message;
    super(`Cannot ${operation} ${JSON.stringify(path)}: ${reason}`, { cause });
  }
}

function wrap(operation: string, path: string, error: unknown): unknown {
  if (error instanceof FileSystemError) return error;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  // Simulated crashes of the fault-injection tests (no errno code) pass through unchanged.
  return typeof code === 'string' ? new FileSystemError(operation, path, code, error) : error;
}

async function existingDirectory(path: string): Promise<boolean | null> {
  try {
    return (await stat(path)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw wrap('inspect', path, error);
  }
}

/**
 * Creates `dir` and its missing parents, one level at a time. (Node's `mkdir({ recursive: true })`
 * loops for ever at 100 % CPU where `mkdir` answers ENOENT for an existing parent, as under
 * `/proc`, and reports ENOENT instead of EROFS on a read-only mount.)
 *
 * @throws {FileSystemError} naming the directory that could not be created and why
 * @example
 * await ensureDir('runs/b3/checkpoints');
 */
export async function ensureDir(dir: string): Promise<void> {
  const target = resolve(dir);
  const missing: string[] = [];
  let current = target;
  for (;;) {
    const isDir = await existingDirectory(current);
    if (isDir === true) break;
    if (isDir === false)
      throw new FileSystemError('create directory', target, 'ENOTDIR', new Error(`${current} is not a directory`));
    missing.push(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const path of missing.reverse()) {
    try {
      before('mkdir', path);
      await mkdir(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && (await existingDirectory(path)) === true) continue;
      throw wrap('create directory', path, error);
    }
  }
}

/**
 * fsync of a directory, so that a rename or a new entry in it survives a power cut. Where a
 * platform cannot open directories (Windows), this is a no-op.
 * @example
 * await syncDir('runs/b3/checkpoints');
 */
export async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    before('fsync-dir', dir);
    handle = await open(dir, 'r');
  } catch (error) {
    if (process.platform === 'win32') return;
    throw wrap('open directory', dir, error);
  }
  try {
    await handle.sync();
  } catch (error) {
    // Some file systems refuse fsync on a directory (EINVAL); their renames are then as durable as they get.
    if (!['EINVAL', 'EPERM', 'EISDIR', 'EBADF'].includes((error as NodeJS.ErrnoException).code ?? ''))
      throw wrap('sync directory', dir, error);
  } finally {
    await handle.close();
  }
}

/**
 * Renames `from` to `to` (a file or a directory, same file system) and syncs the directory of
 * `to`, so the new name is durable when this returns.
 * @example
 * await renameDurable('ckpt/.step-000012.tmp', 'ckpt/step-000012');
 */
export async function renameDurable(from: string, to: string): Promise<void> {
  try {
    before('rename', to);
    await rename(from, to);
  } catch (error) {
    throw wrap(`rename ${JSON.stringify(from)} to`, to, error);
  }
  await syncDir(dirname(to));
}

/**
 * Removes a file or a directory tree; a missing path is fine.
 * @example
 * await removePath('runs/b3/checkpoints/step-000006');
 */
export async function removePath(path: string): Promise<void> {
  try {
    before('rm', path);
    await rm(path, { recursive: true, force: true });
  } catch (error) {
    throw wrap('remove', path, error);
  }
}

let counter = 0;

/** Creates `file` (`flag` 'w' or 'wx'), writes and fsyncs it; removes it again when that fails. */
async function writeSynced(file: string, data: string | Uint8Array, flag: 'w' | 'wx'): Promise<void> {
  let created = false;
  try {
    before('open', file);
    const handle = await open(file, flag);
    created = true;
    try {
      before('write', file);
      await handle.writeFile(data);
      before('fsync', file);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    // (through the hook: a simulated crash leaves the file, as a real one would)
    if (created) await removePath(file).catch(() => undefined);
    throw error;
  }
}

/**
 * Writes `data` to a new file and fsyncs it (no rename: for files inside a temp directory
 * that is itself renamed into place, like a checkpoint folder). A failed write removes the file.
 * @example
 * await writeFileDurable('ckpt/.step-000012.tmp/state.json', json);
 */
export async function writeFileDurable(file: string, data: string | Uint8Array): Promise<void> {
  try {
    await writeSynced(file, data, 'wx');
  } catch (error) {
    throw wrap('write', file, error);
  }
}

/** Whether `name` is one of {@link writeFileAtomic}'s temp files (`.<name>.<pid>.<n>.tmp`). */
export function isAtomicTempName(name: string): boolean {
  return /^\..+\.\d+\.\d+\.tmp$/.test(name);
}

/**
 * Removes the temp files a killed {@link writeFileAtomic} left in `dir` (only one process writes
 * to an output directory, so any of them is garbage). A missing `dir` is fine.
 * @example
 * await removeAtomicTemps('runs/b3');
 */
export async function removeAtomicTemps(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return;
  }
  for (const entry of entries.sort()) if (isAtomicTempName(entry)) await removePath(join(dir, entry));
}

/**
 * Writes `data` to `file` atomically and durably: a temp file in the same directory, fsync,
 * rename, fsync of the directory. A reader (or a run killed at any moment) sees the old file or
 * the new one, never half of one; a failed write (e.g. a full disk) removes its temp file.
 * Missing parent directories are created (unless `options.createParents` is false).
 *
 * @throws {FileSystemError} naming `file` (or the directory that could not be created) and the reason
 * @example
 * await writeFileAtomic('out/summary.json', JSON.stringify(summary));
 */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  options: { createParents?: boolean } = {},
): Promise<void> {
  const dir = dirname(file);
  if (options.createParents !== false) await ensureDir(dir);
  const temp = join(dir, `.${basename(file)}.${process.pid}.${counter++}.tmp`);
  try {
    await writeSynced(temp, data, 'w');
  } catch (error) {
    throw wrap('write', file, error);
  }
  try {
    before('rename', file);
    await rename(temp, file);
  } catch (error) {
    await removePath(temp).catch(() => undefined);
    throw wrap('write', file, error);
  }
  await syncDir(dir);
}
