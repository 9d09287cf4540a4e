import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Committed copy of the torchvision fixtures (`/work/shared/fixtures/efficientnet`). */
export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), 'fixtures/efficientnet');
export const MANIFEST = resolve(FIXTURES, 'manifest.json');
