#!/usr/bin/env node
// Fails when a tracked source line passes 160 characters (`npm run lint`). Biome wraps code at 120 but leaves
// long strings, template literals and comments alone; those are split by hand. No per-line opt-out: only
// generated files and test fixtures are exempt.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const limit = 160;
const sources = ['*.ts', '*.mts', '*.cts', '*.js', '*.mjs', '*.cjs'];
/** Generated files and test fixtures: written by tools, not by hand. */
const exempt = [
  /(^|\/)test\/fixtures\//,
  /(^|\/)dist\//,
  /^packages\/augment\/src\/wasm\/kernels-binary\.ts$/,
  /^packages\/augment\/src\/io\/jpeg-binary\.ts$/,
];

/**
 * Every line over `limit` characters in the git-tracked sources below `root`, as `file:line (N characters)`.
 * @example
 * longLines(process.cwd()); // ['packages/x/src/a.ts:12 (171 characters)']
 */
function longLines(root) {
  const listing = execFileSync('git', ['ls-files', '-z', '--', ...sources], { cwd: root, encoding: 'utf8' });
  const files = listing.split('\0').filter((file) => file !== '' && !exempt.some((pattern) => pattern.test(file)));
  const found = [];
  for (const file of files) {
    let text;
    try {
      text = readFileSync(join(root, file), 'utf8');
    } catch {
      continue; // tracked but deleted in the work tree
    }
    // Characters as an editor counts them (code points), not UTF-16 units.
    text.split(/\r?\n/).forEach((line, index) => {
      const length = [...line].length;
      if (length > limit) found.push(`${file}:${index + 1} (${length} characters)`);
    });
  }
  return found;
}

const found = longLines(process.argv[2] ?? process.cwd());
for (const line of found) console.log(line);
if (found.length > 0) {
  console.log(
    `${found.length} line(s) over ${limit} characters: split long strings ('…' + '…') and ` +
      'template literals, re-wrap comments (there is no per-line exception).',
  );
  process.exit(1);
}
