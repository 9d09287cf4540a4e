import { createRequire } from 'node:module';
import os from 'node:os';
import { Worker as NodeWorker, type TransferListItem, type WorkerOptions } from 'node:worker_threads';

/** Largest pool tfjs-backend-wasm 4.x pre-creates (PTHREAD_POOL_SIZE) and accepts. */
export const maxWasmThreads = 8;

let shimInstalled = false;

/**
 * Makes the emscripten pthread workers of tfjs-backend-wasm start in Node, without touching
 * node_modules.
 *
 * Two things stop them in stock Node: the worker script is handed to `new Worker()` as a
 * `blob:` URL, which `worker_threads` rejects; and the main script is posted to each worker as
 * a `Blob`, which the emscripten worker can only read from a file path. The emscripten glue
 * assigns `globalThis.Worker = worker_threads.Worker` when the module starts, so a plain
 * assignment would be overwritten: an accessor keeps our subclass in place. It starts the
 * same worker source through `eval: true` and rewrites the `load` message to name the
 * threaded module's file on disk.
 */
export function installWasmWorkerShim(): void {
  if (shimInstalled) return;
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  const packageDir = packageJson.slice(0, -'package.json'.length);
  const mainScript = `${packageDir}wasm-out/tfjs-backend-wasm-threaded-simd.js`;
  const { wasmWorkerContents } = require(`${packageDir}wasm-out/tfjs-backend-wasm-threaded-simd.worker.js`) as {
    wasmWorkerContents: string;
  };
  // The source is a JS file whose string literals contain raw "\n" escapes turned into newlines
  // by the template literal it ships in; tfjs escapes them the same way before making its Blob.
  const workerSource = wasmWorkerContents.replace(/\n/g, '\\n');

  class EmscriptenNodeWorker extends NodeWorker {
    constructor(url: string | URL, options?: WorkerOptions) {
      const name = String(url);
      if (name.startsWith('blob:') || name.endsWith('tfjs-backend-wasm-threaded-simd.worker.js')) {
        super(workerSource, { ...options, eval: true });
      } else {
        super(url, options);
      }
    }

    override postMessage(message: unknown, transferList?: readonly TransferListItem[]): void {
      const load = message as { cmd?: string; urlOrBlob?: unknown } | null;
      if (load !== null && typeof load === 'object' && load.cmd === 'load' && typeof load.urlOrBlob !== 'string') {
        super.postMessage({ ...load, urlOrBlob: mainScript }, transferList);
        return;
      }
      super.postMessage(message, transferList);
    }
  }

  Object.defineProperty(globalThis, 'Worker', {
    configurable: true,
    enumerable: false,
    get: () => EmscriptenNodeWorker,
    // The emscripten glue assigns worker_threads.Worker here at start-up; keep the subclass.
    set: () => {},
  });
  shimInstalled = true;
}

/**
 * Runs `initialise` while `os.cpus()` reports `2 * threads` logical cores.
 *
 * tfjs-backend-wasm caps its XNNPACK thread pool at half the logical cores (it assumes
 * hyper-threading), read once from `os.cpus().length` when the module starts; on a 2-core
 * machine that is one thread whatever `setThreadsCount` asks for.
 */
export async function withReportedCores<T>(threads: number, initialise: () => Promise<T>): Promise<T> {
  const original = os.cpus;
  const real = original.call(os);
  os.cpus = () => Array.from({ length: 2 * threads }, (_, i) => real[i % real.length]!);
  try {
    return await initialise();
  } finally {
    os.cpus = original;
  }
}

/** Logical cores available to this process. */
export function availableCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}
