import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FileSystemError, ensureDir, setFileOpsHook, writeFileAtomic, type FileOp } from '../src/io.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'art-io-'));
});
afterEach(() => void setFileOpsHook(null));
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** An error as Node's fs raises it (errno code), for the hook to inject. */
function errnoError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected`), { code });
}

describe('writeFileAtomic', () => {
  it('replaces the file, fsyncs the file and its directory, and leaves no temp file', async () => {
    const file = join(root, 'a', 'b', 'out.json');
    const ops: FileOp[] = [];
    setFileOpsHook((op) => void ops.push(op));
    await writeFileAtomic(file, 'one');
    await writeFileAtomic(file, 'two');
    expect(await readFile(file, 'utf8')).toBe('two');
    expect(await readdir(join(root, 'a', 'b'))).toEqual(['out.json']);
    const second = ops.slice(
      ops.findIndex((op, i) => i > 0 && op.kind === 'open' && ops.slice(0, i).some((o) => o.kind === 'open')),
    );
    expect(second.map((op) => op.kind)).toEqual(['open', 'write', 'fsync', 'rename', 'fsync-dir']);
  });

  it('on a full disk removes its temp file, keeps the old file and names the path', async () => {
    const file = join(root, 'full.csv');
    await writeFileAtomic(file, 'old');
    setFileOpsHook((op) => {
      if (op.kind === 'fsync') throw errnoError('ENOSPC');
    });
    const error = await writeFileAtomic(file, 'new').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileSystemError);
    expect((error as Error).message).toBe(`Cannot write ${JSON.stringify(file)}: no space left on device (ENOSPC)`);
    expect((error as FileSystemError).code).toBe('ENOSPC');
    expect((await readdir(root)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(await readFile(file, 'utf8')).toBe('old');
  });
});

describe('ensureDir', () => {
  it('creates missing parents one level at a time', async () => {
    const dir = join(root, 'x', 'y', 'z');
    await ensureDir(dir);
    await ensureDir(dir); // existing: fine
    expect(existsSync(dir)).toBe(true);
  });

  it.runIf(process.platform === 'linux')('fails at once under /proc instead of looping for ever', async () => {
    await expect(ensureDir('/proc/art-toolkit-test/out')).rejects.toThrow(
      'Cannot create directory "/proc/art-toolkit-test": no such file or directory (ENOENT)',
    );
  });

  it('reports a read-only file system as EROFS, naming the directory', async () => {
    setFileOpsHook((op) => {
      if (op.kind === 'mkdir') throw errnoError('EROFS');
    });
    const dir = join(root, 'readonly', 'out');
    await expect(ensureDir(dir)).rejects.toThrow(
      `Cannot create directory ${JSON.stringify(join(root, 'readonly'))}: read-only file system (EROFS)`,
    );
  });

  it('names a file that is in the way', async () => {
    await writeFile(join(root, 'plain'), 'x');
    await expect(ensureDir(join(root, 'plain', 'sub'))).rejects.toThrow(
      /Cannot create directory ".*plain\/sub": a parent is not a directory \(ENOTDIR\)/,
    );
  });
});
