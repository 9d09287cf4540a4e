// CommonJS users load this ESM-only package with require() (Node >= 20.19 / 22.12): that fails
// with ERR_REQUIRE_ASYNC_MODULE as soon as anything in an entry's import graph uses top-level
// await (vega-canvas does; the plots import vega lazily for that reason). Run after the build
// (`npm run test:build`): requires every entry point of `exports` from dist.
const { join } = require('node:path');
const manifest = require('../package.json');

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19) || (major === 22 && minor < 12)) {
  console.log(`check-require: Node ${process.versions.node} has no require(esm); skipped`);
  process.exit(0);
}
let failed = false;
for (const [entry, target] of Object.entries(manifest.exports)) {
  const file = typeof target === 'string' ? target : target.default;
  if (file.endsWith('.json')) continue;
  try {
    const loaded = require(join(__dirname, '..', file));
    const names = Object.keys(loaded);
    if (names.length === 0) throw new Error('no exports');
    console.log(`require('${join(manifest.name, entry)}'): ${names.length} exports`);
  } catch (error) {
    failed = true;
    console.error(
      `require('${join(manifest.name, entry)}') (${file}) failed: ${error.code ?? ''} ${error.message.split('\n')[0]}`,
    );
  }
}
process.exit(failed ? 1 : 0);
