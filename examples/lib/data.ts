import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The examples folder (this file is examples/lib/data.ts), so paths work from any cwd. */
export const examplesRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the examples keep the synthetic sets they generate (git-ignored). */
export const exampleDataDir = join(examplesRoot, '.data');
