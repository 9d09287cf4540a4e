/**
 * `npm run parity -w @art/metrics -- <cases.json>`: checks @art/metrics against the
 * scikit-learn values in a cases file, prints one line per metric with the share that
 * matches (absolute tolerance 1e-12), and exits 1 on any mismatch (2 on a usage or file error).
 * The logic lives in parity-check.ts, which the unit tests import.
 */

import { runParityCommand } from './parity-check.js';

process.exitCode = runParityCommand(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
