/**
 * Downloads of pretrained weights into the caches PyTorch users already have:
 * `$TORCH_HOME/hub/checkpoints` (torch.hub) and the Hugging Face hub cache
 * (`models--org--name/{blobs,snapshots,refs}`). Node's `fetch`, HTTP Range resume of a partial
 * file, SHA-256 checked before the file is kept, retries on 5xx and dropped connections, idle
 * timeouts, and a lock file so two processes never write one file.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { TORCHVISION_WEIGHTS_HOST, pretrainedWeights, type PretrainedWeights } from '../weights/catalogue.js';

/** A download that failed for good: the message names the URL and what to do. */
export class DownloadError extends Error {
  /** HTTP status when there was a response; `null` for network failures. */
  readonly status: number | null;
  /** Why the network gave up (timeouts, refused connections, 5xx after every retry); `null` for a definite answer (404, hash mismatch). */
  readonly networkFailure: string | null;
  constructor(message: string, status: number | null = null, networkFailure: string | null = null) {
    super(message);
    this.name = 'DownloadError';
    this.status = status;
    this.networkFailure = networkFailure;
  }
}

/** Options of {@link downloadFile} and {@link fetchPretrainedWeights}. */
export interface DownloadOptions {
  /** Progress on stderr: `'auto'` (a bar on a TTY, two lines otherwise), `true`, `false`. Default `'auto'`. */
  progress?: boolean | 'auto';
  /** Attempts for 5xx answers and dropped connections (each resumes what is there). Default 4. */
  attempts?: number;
  /** First retry delay, doubled each time. Default 500 ms. */
  retryDelayMs?: number;
  /** Abort when no byte arrives for this long. Default 30,000 ms. */
  idleTimeoutMs?: number;
  /** Give up waiting for another process's lock after this long. Default 15 minutes. */
  lockTimeoutMs?: number;
  /** Environment to read (`TORCH_HOME`, `XDG_CACHE_HOME`, `HF_HOME`, `HF_ENDPOINT`, `ART_WEIGHTS_BASE_URL`, offline flags). Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

interface Expected {
  /** Hex prefix (torch.hub) or full SHA-256. */
  readonly sha256: string | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isTruthy = (value: string | undefined) =>
  value !== undefined && ['1', 'true', 'yes', 'on'].includes(value.trim().toLowerCase());

/** torch.hub's checkpoint folder: `$TORCH_HOME/hub/checkpoints`, `$TORCH_HOME` defaulting to `$XDG_CACHE_HOME/torch` or `~/.cache/torch`. */
export function torchHubCheckpointsDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const torchHome = env.TORCH_HOME || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'torch');
  return join(torchHome, 'hub', 'checkpoints');
}

/** huggingface_hub's cache: `$HF_HUB_CACHE`, else `$HF_HOME/hub`, `$HF_HOME` defaulting to `$XDG_CACHE_HOME/huggingface`. */
export function huggingFaceCacheDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  return join(env.HF_HOME || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'huggingface'), 'hub');
}

/** `true` under `ART_OFFLINE=1` or `HF_HUB_OFFLINE=1`. */
export function isOffline(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return isTruthy(env.ART_OFFLINE) || isTruthy(env.HF_HUB_OFFLINE);
}

/** The URL a weights entry is downloaded from: `ART_WEIGHTS_BASE_URL` replaces torchvision's scheme and host, `HF_ENDPOINT` the hub's. */
export function weightsUrl(
  entry: PretrainedWeights,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  if (entry.source.kind === 'torchvision') {
    const base = env.ART_WEIGHTS_BASE_URL;
    return base
      ? `${base.replace(/\/+$/, '')}${entry.source.url.slice(TORCHVISION_WEIGHTS_HOST.length)}`
      : entry.source.url;
  }
  const endpoint = (env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, '');
  return `${endpoint}/${entry.source.repo}/resolve/${entry.source.revision}/${entry.source.file}`;
}

const formatBytes = (bytes: number) =>
  bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(0)} KiB`;

function progressReporter(
  label: string,
  mode: boolean | 'auto',
): { update(done: number, total: number | null): void; finish(done: number): void } {
  const enabled = mode !== false;
  const bar = enabled && process.stderr.isTTY === true;
  let last = 0;
  let announced = false;
  return {
    update(done, total) {
      if (!enabled) return;
      if (!bar) {
        if (!announced) process.stderr.write(`Downloading ${label}${total ? ` (${formatBytes(total)})` : ''}\n`);
        announced = true;
        return;
      }
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      const width = 30;
      const fraction = total ? Math.min(1, done / total) : 0;
      const filled = Math.round(fraction * width);
      const text = total
        ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(100 * fraction).toFixed(0).padStart(3)} % ${formatBytes(done)} / ${formatBytes(total)}`
        : formatBytes(done);
      process.stderr.write(`\r${label} ${text}`);
    },
    finish(done) {
      if (!enabled) return;
      process.stderr.write(
        bar ? `\r${label} done, ${formatBytes(done)}\x1b[K\n` : `Downloaded ${label} (${formatBytes(done)})\n`,
      );
    },
  };
}

const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Takes `<path>.lock` (O_EXCL); waits while another live process holds it; breaks the lock of a dead one. */
async function acquireLock(path: string, timeoutMs: number): Promise<() => Promise<void>> {
  const lock = `${path}.lock`;
  const started = Date.now();
  for (;;) {
    try {
      const handle = await open(lock, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return () => rm(lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(await readFile(lock, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(owner) && owner > 0 && !processAlive(owner)) {
      await rm(lock, { force: true }); // left by a process that died mid-download
      continue;
    }
    if (Date.now() - started > timeoutMs)
      throw new DownloadError(
        `${path}: another process has held ${lock} for over ${Math.round(timeoutMs / 1000)} s; delete the lock file if no download is running`,
      );
    await sleep(100);
  }
}

async function hashFile(path: string, hash: ReturnType<typeof createHash>): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

/** A retryable failure (5xx, dropped connection, idle timeout). */
class Transient extends Error {}

/**
 * Downloads `url` to `destination`: through `<destination>.partial` (resumed with an HTTP Range
 * request when present), checked against `sha256` (a prefix, as torch.hub, or the full hash)
 * before it is renamed into place, under `<destination>.lock`. Returns at once when the file
 * exists (another process may just have finished it).
 *
 * @example
 * await downloadFile('https://download.pytorch.org/models/efficientnet_b0_rwightman-3dd342df.pth', '/tmp/b0.pth', '3dd342df');
 */
export async function downloadFile(
  url: string,
  destination: string,
  sha256: string | null,
  options: DownloadOptions = {},
): Promise<string> {
  const attempts = options.attempts ?? 4;
  const retryDelayMs = options.retryDelayMs ?? 500;
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  await mkdir(dirname(destination), { recursive: true });
  const release = await acquireLock(destination, options.lockTimeoutMs ?? 15 * 60_000);
  try {
    if (
      await stat(destination).then(
        () => true,
        () => false,
      )
    )
      return destination;
    const partial = `${destination}.partial`;
    const expected: Expected = { sha256: sha256?.toLowerCase() ?? null };
    const progress = progressReporter(destination.split(/[\\/]/).pop()!, options.progress ?? 'auto');
    let lastError: Error | null = null;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      if (attempt > 1) await sleep(retryDelayMs * 2 ** (attempt - 2));
      try {
        const done = await fetchInto(url, partial, idleTimeoutMs, progress);
        const hash = createHash('sha256');
        await hashFile(partial, hash);
        const digest = hash.digest('hex');
        if (expected.sha256 !== null && !digest.startsWith(expected.sha256)) {
          await rm(partial, { force: true });
          throw new DownloadError(
            `${url}: SHA-256 mismatch: expected ${expected.sha256}..., got ${digest}; the download was discarded (nothing kept in ${dirname(destination)})`,
          );
        }
        await rename(partial, destination);
        progress.finish(done);
        return destination;
      } catch (error) {
        if (!(error instanceof Transient)) throw error;
        lastError = error;
      }
    }
    throw new DownloadError(
      `${url}: download failed after ${attempts} attempts (${lastError?.message}). Put the file there by hand: ${destination}` +
        ' (what is already downloaded is kept and resumed next time)',
      null,
      lastError?.message ?? 'unknown',
    );
  } finally {
    await release();
  }
}

/** One HTTP attempt into `partial`, resuming from its size; returns the final size. */
async function fetchInto(
  url: string,
  partial: string,
  idleTimeoutMs: number,
  progress: ReturnType<typeof progressReporter>,
): Promise<number> {
  const have = await stat(partial).then(
    (s) => s.size,
    () => 0,
  );
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(), idleTimeoutMs);
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), idleTimeoutMs);
  };
  let response: Response;
  try {
    response = await fetch(url, {
      headers: have > 0 ? { Range: `bytes=${have}-` } : {},
      signal: controller.signal,
      redirect: 'follow',
    });
  } catch (error) {
    clearTimeout(timer);
    throw new Transient(
      controller.signal.aborted
        ? `no answer within ${idleTimeoutMs} ms`
        : `network ` +
            `error: ${(error as Error).cause ? String((error as Error & { cause: Error }).cause.message ?? (error as Error).cause) : (error as Error).message}`,
    );
  }
  try {
    if (response.status === 416 && have > 0) return have; // the partial file is already complete
    if (response.status >= 500) throw new Transient(`HTTP ${response.status}`);
    if (!response.ok)
      throw new DownloadError(`${url}: HTTP ${response.status} ${response.statusText}`.trim(), response.status);
    const resumed = response.status === 206;
    const length = Number(response.headers.get('content-length') ?? Number.NaN);
    const total = Number.isFinite(length) ? length + (resumed ? have : 0) : null;
    const handle = await open(partial, resumed ? 'a' : 'w');
    let done = resumed ? have : 0;
    try {
      if (!response.body) throw new Transient('empty response body');
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        touch();
        await handle.write(chunk);
        done += chunk.byteLength;
        progress.update(done, total);
      }
    } catch (error) {
      if (error instanceof DownloadError) throw error;
      throw new Transient(
        controller.signal.aborted ? `stalled for ${idleTimeoutMs} ms` : `connection lost after ${done} bytes`,
      );
    } finally {
      await handle.close();
    }
    if (total !== null && done !== total) throw new Transient(`connection closed at ${done} of ${total} bytes`);
    return done;
  } finally {
    clearTimeout(timer);
  }
}

function offlineError(entry: PretrainedWeights, url: string, path: string, why: string): DownloadError {
  return new DownloadError(
    `${entry.id}: ${entry.fileName} is not in the cache and ${why}. Download ${url} by hand and put it at ${path}`,
  );
}

/** Where a weights entry lives (or will live) in the cache, without touching the network. */
export async function cachedWeightsPath(
  entry: PretrainedWeights,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<{ path: string; cached: boolean }> {
  if (entry.source.kind === 'torchvision') {
    const path = join(torchHubCheckpointsDir(env), entry.fileName);
    return {
      path,
      cached: await stat(path).then(
        (s) => s.isFile(),
        () => false,
      ),
    };
  }
  const repoDir = join(huggingFaceCacheDir(env), `models--${entry.source.repo.replace(/\//g, '--')}`);
  const revision = entry.source.revision;
  const commit = /^[0-9a-f]{40}$/.test(revision)
    ? revision
    : (await readFile(join(repoDir, 'refs', revision), 'utf8').catch(() => '')).trim();
  const path = join(repoDir, 'snapshots', commit || revision, entry.source.file);
  return {
    path,
    cached:
      commit !== '' &&
      (await stat(path).then(
        (s) => s.isFile(),
        () => false,
      )),
  };
}

/**
 * The local path of a pretrained weights file, downloaded into the PyTorch / Hugging Face cache
 * when it is not there yet (a user who has it from PyTorch downloads nothing). Offline
 * (`ART_OFFLINE=1`, `HF_HUB_OFFLINE=1`) or when every attempt fails, the error names the file,
 * the URL and where to put it by hand.
 *
 * @example
 * const path = await fetchPretrainedWeights('b3'); // ~/.cache/torch/hub/checkpoints/efficientnet_b3_rwightman-cf984f9c.pth
 */
export async function fetchPretrainedWeights(
  variantOrId: string,
  weights = 'DEFAULT',
  options: DownloadOptions = {},
): Promise<string> {
  return fetchWeights(pretrainedWeights(variantOrId, weights), options);
}

/**
 * {@link fetchPretrainedWeights} for any catalogue entry, including your own (a mirror's file
 * with its SHA-256 prefix, a hub repository).
 *
 * @example
 * const path = await fetchWeights(pretrainedWeights('b1', 'IMAGENET1K_V2'), { progress: false });
 */
export async function fetchWeights(entry: PretrainedWeights, options: DownloadOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const url = weightsUrl(entry, env);
  const { path, cached } = await cachedWeightsPath(entry, env);
  if (cached) return path;
  if (isOffline(env))
    return Promise.reject(
      offlineError(
        entry,
        url,
        path,
        `downloads are off (${isTruthy(env.ART_OFFLINE) ? 'ART_OFFLINE' : 'HF_HUB_OFFLINE'}=1)`,
      ),
    );
  try {
    if (entry.source.kind === 'torchvision') return await downloadFile(url, path, entry.sha256Prefix, options);
    return await downloadFromHub(entry, url, env, options);
  } catch (error) {
    if (error instanceof DownloadError && error.networkFailure !== null)
      throw offlineError(entry, url, path, `the download failed (${error.networkFailure})`);
    throw error;
  }
}

/** huggingface_hub's layout: blobs/<etag>, snapshots/<commit>/<file> → ../../blobs/<etag>, refs/<revision> = commit. */
async function downloadFromHub(
  entry: PretrainedWeights,
  url: string,
  env: Readonly<Record<string, string | undefined>>,
  options: DownloadOptions,
): Promise<string> {
  if (entry.source.kind !== 'huggingface') throw new TypeError('not a hub entry');
  const repoDir = join(huggingFaceCacheDir(env), `models--${entry.source.repo.replace(/\//g, '--')}`);
  let head: Response;
  try {
    head = await fetch(url, {
      method: 'HEAD',
      redirect: 'manual',
      signal: AbortSignal.timeout(options.idleTimeoutMs ?? 30_000),
    });
  } catch (error) {
    throw new DownloadError(`${url}: no answer (${(error as Error).message})`, null, (error as Error).message);
  }
  if (head.status >= 400) throw new DownloadError(`${url}: HTTP ${head.status}`, head.status);
  const commit = head.headers.get('x-repo-commit');
  const etag = (head.headers.get('x-linked-etag') ?? head.headers.get('etag') ?? '')
    .replace(/^W\//, '')
    .replace(/"/g, '');
  if (!commit || !/^[0-9a-f]{40}$/.test(commit) || !/^[0-9a-f]{10,64}$/.test(etag)) {
    throw new DownloadError(
      `${url}: the hub did not send a commit and ETag (X-Repo-Commit, X-Linked-Etag); is HF_ENDPOINT a Hugging Face hub?`,
      head.status,
    );
  }
  const target =
    head.status >= 300 && head.headers.get('location') ? new URL(head.headers.get('location')!, url).toString() : url;
  const blob = join(repoDir, 'blobs', etag);
  // An LFS file's ETag is its SHA-256, so the blob is checked as torch.hub checks its prefix.
  await downloadFile(target, blob, etag.length === 64 ? etag : null, options);
  const snapshot = join(repoDir, 'snapshots', commit, entry.source.file);
  await mkdir(dirname(snapshot), { recursive: true });
  await rm(snapshot, { force: true });
  await symlink(relative(dirname(snapshot), blob), snapshot).catch(async () => {
    await writeFile(snapshot, await readFile(blob)); // filesystems without symlinks, as huggingface_hub does
  });
  await mkdir(join(repoDir, 'refs'), { recursive: true });
  if (!/^[0-9a-f]{40}$/.test(entry.source.revision))
    await writeFile(join(repoDir, 'refs', entry.source.revision), commit);
  return snapshot;
}
