import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';

/** Backends the scripts and tests can select (applications pick the backend, not the library). */
export const SCRIPT_BACKENDS = ['cpu', 'wasm'] as const;

/**
 * Activates `cpu` or `wasm` for a script/test. For wasm in Node, points the loader at the
 * package's `dist/` folder, where the `.wasm` binaries live.
 */
export async function useBackend(name: string): Promise<void> {
  if (!(SCRIPT_BACKENDS as readonly string[]).includes(name))
    throw new RangeError(`Unknown backend "${name}"; expected one of ${SCRIPT_BACKENDS.join(', ')}`);
  if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
    wasm.setWasmPaths(`${dist}/`);
  }
  if (!(await tf.setBackend(name))) throw new Error(`backend "${name}" failed to initialise`);
  await tf.ready();
}
