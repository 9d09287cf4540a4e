import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';

/**
 * Starts a stock TF.js backend (`cpu`, or `wasm` without @art/backend: one thread in Node, no
 * training kernels), for the rows that measure TF.js as shipped.
 */
export async function useStockBackend(name: string): Promise<void> {
  if (name !== 'cpu' && name !== 'wasm')
    throw new RangeError(`--backend with --stock must be cpu or wasm; got ${name}`);
  if (name === 'wasm') {
    const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
    // In Node the loader needs the folder of the .wasm binaries.
    setWasmPaths(`${dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'))}/`);
  }
  if (!(await tf.setBackend(name))) throw new Error(`backend "${name}" failed to initialise`);
  await tf.ready();
}
