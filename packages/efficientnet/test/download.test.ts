import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { pretrainedWeights, type PretrainedWeights } from '../src/index.js';
import {
  DownloadError,
  fetchPretrainedWeights,
  fetchWeights,
  huggingFaceCacheDir,
  torchHubCheckpointsDir,
  weightsUrl,
} from '../src/node/index.js';

const BODY = randomBytes(300_000);
const SHA = createHash('sha256').update(BODY).digest('hex');
const COMMIT = 'a'.repeat(40);

/** What the loopback server does per path: `ok`, `cut-once`, `500-once`, `stall-once`, `404`, `redirect`, or a hub endpoint. */
const behaviour = new Map<string, string>();
const requests: { method: string; path: string; range: string | undefined }[] = [];
const served = new Map<string, number>();
let server: Server;
let base = '';

function serveBody(request: IncomingMessage, response: ServerResponse, body: Buffer): void {
  const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
  const start = range ? Number(range[1]) : 0;
  if (start >= body.length && range) {
    response.writeHead(416).end();
    return;
  }
  response.writeHead(range ? 206 : 200, {
    'content-length': String(body.length - start),
    ...(range ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
  });
  response.end(body.subarray(start));
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = request.url!;
    requests.push({ method: request.method!, path, range: request.headers.range });
    const count = (served.get(path) ?? 0) + 1;
    served.set(path, count);
    const mode = behaviour.get(path) ?? 'ok';
    if (mode === '404') return void response.writeHead(404).end('not found');
    if (mode === '500-once' && count === 1) return void response.writeHead(500).end('busy');
    if (mode === 'redirect')
      return void response.writeHead(302, { location: path.replace('/models/', '/moved/models/') }).end();
    if (mode === 'cut-once' && count === 1) {
      // Promise the whole file, send a third, then drop the connection.
      response.writeHead(200, { 'content-length': String(BODY.length) });
      response.write(BODY.subarray(0, 100_000), () => response.socket?.destroy());
      return;
    }
    if (mode === 'stall-once' && count === 1) {
      response.writeHead(200, { 'content-length': String(BODY.length) });
      response.write(BODY.subarray(0, 10)); // then nothing: the client's idle timeout must fire
      return;
    }
    if (mode === 'hub' && request.method === 'HEAD') {
      return void response
        .writeHead(302, { location: '/cdn/blob', 'x-repo-commit': COMMIT, 'x-linked-etag': `"${SHA}"` })
        .end();
    }
    if (mode === 'wrong-bytes') return serveBody(request, response, Buffer.from(BODY).fill(7, 0, 10));
    serveBody(request, response, BODY);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const fresh = () => mkdtempSync(join(tmpdir(), 'art-download-'));
/** A torchvision-style entry for BODY, at a torchvision path, with BODY's SHA-256 prefix in its name. */
const entryFor = (stem: string, prefix = SHA.slice(0, 8)): PretrainedWeights => {
  const fileName = `${stem}-${prefix}.pth`;
  return {
    ...pretrainedWeights('b0'),
    fileName,
    sha256Prefix: prefix,
    source: { kind: 'torchvision', url: `https://download.pytorch.org/models/${fileName}` },
  };
};
const options = (torchHome: string, extra: Record<string, string> = {}) => ({
  progress: false as const,
  retryDelayMs: 10,
  idleTimeoutMs: 2_000,
  env: { TORCH_HOME: torchHome, ART_WEIGHTS_BASE_URL: base, ...extra },
});
const hits = (path: string) => requests.filter((r) => r.path === path);

describe('downloads into the torch.hub cache from a loopback server', () => {
  it('cache locations follow torch and huggingface_hub (TORCH_HOME, XDG_CACHE_HOME, HF_HOME, HF_HUB_CACHE)', () => {
    expect(torchHubCheckpointsDir({ TORCH_HOME: '/t' })).toBe('/t/hub/checkpoints');
    expect(torchHubCheckpointsDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/torch/hub/checkpoints');
    expect(huggingFaceCacheDir({ HF_HOME: '/h' })).toBe('/h/hub');
    expect(huggingFaceCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/huggingface/hub');
    expect(huggingFaceCacheDir({ HF_HUB_CACHE: '/c', HF_HOME: '/h' })).toBe('/c');
    expect(weightsUrl(pretrainedWeights('b3'), { ART_WEIGHTS_BASE_URL: 'http://mirror:8080/' })).toBe(
      'http://mirror:8080/models/efficientnet_b3_rwightman-cf984f9c.pth',
    );
    expect(weightsUrl(pretrainedWeights('b3', 'timm/efficientnet_b3.ra2_in1k'), { HF_ENDPOINT: 'http://hub' })).toBe(
      'http://hub/timm/efficientnet_b3.ra2_in1k/resolve/main/model.safetensors',
    );
  });

  it('success: the file lands at $TORCH_HOME/hub/checkpoints/<name>, hash checked; a second call downloads nothing', async () => {
    const home = fresh();
    const entry = entryFor('ok');
    const path = await fetchWeights(entry, options(home));
    expect(path).toBe(join(home, 'hub/checkpoints', entry.fileName));
    expect(readFileSync(path).equals(BODY)).toBe(true);
    expect(readdirSync(join(home, 'hub/checkpoints'))).toEqual([entry.fileName]); // no .partial, no .lock left
    await fetchWeights(entry, options(home));
    expect(hits(`/models/${entry.fileName}`)).toHaveLength(1);
  });

  it('resume: a connection cut mid-file is retried with a Range request for the rest', async () => {
    const home = fresh();
    const entry = entryFor('cut');
    behaviour.set(`/models/${entry.fileName}`, 'cut-once');
    const path = await fetchWeights(entry, options(home));
    expect(readFileSync(path).equals(BODY)).toBe(true);
    const ranges = hits(`/models/${entry.fileName}`).map((r) => r.range);
    expect(ranges[0]).toBeUndefined();
    expect(ranges[1]).toMatch(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(ranges[1]!)![0])).toBeGreaterThan(0);
  });

  it('a partial file left by an earlier run is resumed, not restarted', async () => {
    const home = fresh();
    const entry = entryFor('partial');
    mkdirSync(join(home, 'hub/checkpoints'), { recursive: true });
    writeFileSync(join(home, 'hub/checkpoints', `${entry.fileName}.partial`), BODY.subarray(0, 12_345));
    const path = await fetchWeights(entry, options(home));
    expect(readFileSync(path).equals(BODY)).toBe(true);
    expect(hits(`/models/${entry.fileName}`).map((r) => r.range)).toEqual(['bytes=12345-']);
  });

  it('500 then success: retried', async () => {
    const home = fresh();
    const entry = entryFor('busy');
    behaviour.set(`/models/${entry.fileName}`, '500-once');
    expect(readFileSync(await fetchWeights(entry, options(home))).equals(BODY)).toBe(true);
    expect(hits(`/models/${entry.fileName}`)).toHaveLength(2);
  });

  it('a stalled connection times out and is retried (nothing hangs)', async () => {
    const home = fresh();
    const entry = entryFor('stall');
    behaviour.set(`/models/${entry.fileName}`, 'stall-once');
    const started = Date.now();
    expect(readFileSync(await fetchWeights(entry, { ...options(home), idleTimeoutMs: 300 })).equals(BODY)).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('redirects are followed', async () => {
    const home = fresh();
    const entry = entryFor('redirect');
    behaviour.set(`/models/${entry.fileName}`, 'redirect');
    expect(readFileSync(await fetchWeights(entry, options(home))).equals(BODY)).toBe(true);
    expect(hits(`/moved/models/${entry.fileName}`)).toHaveLength(1);
  });

  it('404: one clear error, not retried, nothing left in the cache', async () => {
    const home = fresh();
    const entry = entryFor('missing');
    behaviour.set(`/models/${entry.fileName}`, '404');
    await expect(fetchWeights(entry, options(home))).rejects.toThrow(
      `${base}/models/${entry.fileName}: HTTP 404 Not Found`,
    );
    expect(hits(`/models/${entry.fileName}`)).toHaveLength(1);
    expect(readdirSync(join(home, 'hub/checkpoints'))).toEqual([]);
  });

  it('hash mismatch: refused, nothing kept in the cache (the real torchvision name and prefix)', async () => {
    const home = fresh();
    const entry = pretrainedWeights('b0'); // BODY does not start with 3dd342df...
    await expect(fetchPretrainedWeights('b0', 'DEFAULT', options(home))).rejects.toThrow(
      new RegExp(
        `${base}/models/efficientnet_b0_rwightman-3dd342df.pth: SHA-256 mismatch: expected 3dd342df\\.\\.\\., got ${SHA}`,
      ),
    );
    expect(hits(`/models/${entry.fileName}`)).toHaveLength(1);
    expect(readdirSync(join(home, 'hub/checkpoints'))).toEqual([]);
  });

  it('two concurrent downloads of one file: one writes (lock), both get it', async () => {
    const home = fresh();
    const entry = entryFor('twice');
    const [a, b] = await Promise.all([fetchWeights(entry, options(home)), fetchWeights(entry, options(home))]);
    expect(a).toBe(b);
    expect(readFileSync(a).equals(BODY)).toBe(true);
    expect(hits(`/models/${entry.fileName}`)).toHaveLength(1);
  });

  it("another live process's lock is waited for, then the download proceeds", async () => {
    const home = fresh();
    const entry = entryFor('waiting');
    const lock = join(home, 'hub/checkpoints', `${entry.fileName}.lock`);
    mkdirSync(join(home, 'hub/checkpoints'), { recursive: true });
    writeFileSync(lock, `${process.pid}\n`); // a live pid: as if another process were downloading
    const started = Date.now();
    setTimeout(() => rmSync(lock), 300);
    expect(readFileSync(await fetchWeights(entry, options(home))).equals(BODY)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(hits(`/models/${entry.fileName}`)).toHaveLength(1);
  });

  it('progress goes to stderr: a start and an end line when stderr is not a TTY', async () => {
    const home = fresh();
    const entry = entryFor('progress');
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      await fetchWeights(entry, { ...options(home), progress: true });
    } finally {
      spy.mockRestore();
    }
    expect(lines).toEqual([`Downloading ${entry.fileName} (293 KiB)\n`, `Downloaded ${entry.fileName} (293 KiB)\n`]);
  });

  it('a lock left by a dead process is broken', async () => {
    const home = fresh();
    const entry = entryFor('stale');
    mkdirSync(join(home, 'hub/checkpoints'), { recursive: true });
    writeFileSync(join(home, 'hub/checkpoints', `${entry.fileName}.lock`), '999999999\n');
    expect(readFileSync(await fetchWeights(entry, options(home))).equals(BODY)).toBe(true);
  });

  it('offline (ART_OFFLINE / HF_HUB_OFFLINE) or unreachable: the error names the file, the URL and where to put it', async () => {
    const home = fresh();
    const where = join(home, 'hub/checkpoints/efficientnet_b3_rwightman-cf984f9c.pth');
    await expect(fetchPretrainedWeights('b3', 'DEFAULT', options(home, { ART_OFFLINE: '1' }))).rejects.toThrow(
      `EfficientNet_B3_Weights.IMAGENET1K_V1: efficientnet_b3_rwightman-cf984f9c.pth is not in the ` +
        `cache and downloads are off (ART_OFFLINE=1). Download ${base}/models/efficientnet_b3_rwightman-cf984f9c.pth by hand and put it at ${where}`,
    );
    await expect(fetchPretrainedWeights('b3', 'DEFAULT', options(home, { HF_HUB_OFFLINE: '1' }))).rejects.toThrow(
      /downloads are off \(HF_HUB_OFFLINE=1\)/,
    );
    const unreachable = {
      ...options(home),
      attempts: 2,
      env: { TORCH_HOME: home, ART_WEIGHTS_BASE_URL: 'http://127.0.0.1:9' },
    };
    await expect(fetchPretrainedWeights('b3', 'DEFAULT', unreachable)).rejects.toThrow(
      /is not in the cache and the download failed .* put it at .*efficientnet_b3_rwightman-cf984f9c\.pth/,
    );
    expect(existsSync(where)).toBe(false);
  });

  it('a file already in the cache is used offline', async () => {
    const home = fresh();
    mkdirSync(join(home, 'hub/checkpoints'), { recursive: true });
    writeFileSync(join(home, 'hub/checkpoints/efficientnet_b3_rwightman-cf984f9c.pth'), 'x');
    expect(await fetchPretrainedWeights('b3', 'DEFAULT', options(home, { ART_OFFLINE: '1' }))).toBe(
      join(home, 'hub/checkpoints/efficientnet_b3_rwightman-cf984f9c.pth'),
    );
  });

  it('Hugging Face hub layout: blobs/<sha256>, snapshots/<commit>/model.safetensors -> blob, refs/main; cached afterwards', async () => {
    const hfHome = fresh();
    behaviour.set('/timm/efficientnet_b3.ra2_in1k/resolve/main/model.safetensors', 'hub');
    const env = { HF_HOME: hfHome, HF_ENDPOINT: base };
    const path = await fetchPretrainedWeights('b3', 'timm/efficientnet_b3.ra2_in1k', { progress: false, env });
    const repo = join(hfHome, 'hub/models--timm--efficientnet_b3.ra2_in1k');
    expect(path).toBe(join(repo, 'snapshots', COMMIT, 'model.safetensors'));
    expect(readlinkSync(path)).toBe(`../../blobs/${SHA}`);
    expect(readFileSync(path).equals(BODY)).toBe(true);
    expect(readFileSync(join(repo, 'refs/main'), 'utf8')).toBe(COMMIT);
    const before = requests.length;
    expect(
      await fetchPretrainedWeights('b3', 'timm/efficientnet_b3.ra2_in1k', {
        progress: false,
        env: { ...env, HF_HUB_OFFLINE: '1' },
      }),
    ).toBe(path);
    expect(requests.length).toBe(before);
  });

  it('a hub blob whose bytes do not match its ETag is refused', async () => {
    const hfHome = fresh();
    behaviour.set('/timm/efficientnet_b3.ra2_in1k/resolve/main/model.safetensors', 'hub');
    behaviour.set('/cdn/blob', 'wrong-bytes');
    await expect(
      fetchPretrainedWeights('b3', 'timm/efficientnet_b3.ra2_in1k', {
        progress: false,
        env: { HF_HOME: hfHome, HF_ENDPOINT: base },
      }),
    ).rejects.toBeInstanceOf(DownloadError);
    expect(readdirSync(join(hfHome, 'hub/models--timm--efficientnet_b3.ra2_in1k/blobs'))).toEqual([]);
    behaviour.delete('/cdn/blob');
  });
});
