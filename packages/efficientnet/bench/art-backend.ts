/**
 * Loads @art/backend for the bench without making @art/efficientnet depend on it.
 *
 * @art/backend already has a devDependency on @art/efficientnet, so a static import (or a
 * dependency entry) here would close a cycle in the nx project graph. The specifier is kept in
 * a variable, which neither nx's import scan nor tsc follows; the types below are the subset
 * of @art/backend's API the bench calls, written out for the same reason.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as tf from '@tensorflow/tfjs';

export interface BackendSelection {
  name: string;
  reason: string;
  threads?: number;
}

export interface TrainingMemoryEstimate {
  batchSize: number;
  parameterBytes: number;
  activationBytesPerSample: number;
  peakBytes: number;
  limitBytes: number;
  fits: boolean;
  maxMicroBatchSize: number;
}

export interface ArtBackend {
  backendNames: readonly string[];
  initBackend(options: { backend?: string; threads?: number; verbose?: boolean }): Promise<BackendSelection>;
  createTrainStep(options: {
    model: tf.LayersModel;
    optimizer: tf.Optimizer;
    loss: 'softmaxCrossEntropy';
    microBatchSize?: number;
  }): (x: tf.Tensor, y: tf.Tensor) => Promise<number>;
  estimateTrainingMemory(model: tf.LayersModel, batchSize: number, inputShape?: number[]): TrainingMemoryEstimate;
  wasmMemoryCeilingBytes: number;
}

/** `description`: where @art/backend was loaded from, or why it was not. */
export interface ArtBackendLoad {
  backend: ArtBackend | undefined;
  description: string;
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.slice(0, 200);
}

/**
 * Imports @art/backend if it is resolvable from this package.
 *
 * In the workspace checkout it imports the package's TypeScript source (`src/index.ts`, which
 * tsx runs directly) rather than its `exports` entry: `dist/` is a build output that may be
 * missing or older than the source, and the bench should measure the kernels as checked out.
 * An installed copy without `src/` is imported through its `exports` (`dist/index.js`).
 */
export async function loadArtBackend(): Promise<ArtBackendLoad> {
  const specifier = '@art/backend';
  const require = createRequire(import.meta.url);
  let packageDirectory: string;
  try {
    packageDirectory = dirname(require.resolve(`${specifier}/package.json`));
  } catch (error) {
    return { backend: undefined, description: `${specifier} is not installed (${describe(error)})` };
  }
  const sourceEntry = join(packageDirectory, 'src', 'index.ts');
  const useSource = existsSync(sourceEntry);
  const target = useSource ? pathToFileURL(sourceEntry).href : specifier;
  const source = useSource ? `${specifier} source, ${relative(process.cwd(), sourceEntry)}` : `${specifier} package entry`;
  try {
    const backend = (await import(/* @vite-ignore */ target)) as ArtBackend;
    if (typeof backend.initBackend !== 'function' || typeof backend.createTrainStep !== 'function' || typeof backend.estimateTrainingMemory !== 'function') {
      return { backend: undefined, description: `${source} does not export initBackend, createTrainStep and estimateTrainingMemory` };
    }
    return { backend, description: source };
  } catch (error) {
    return { backend: undefined, description: `${source} failed to load (${describe(error)})` };
  }
}
