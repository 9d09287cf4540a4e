// Checks the built package as a user gets it (run by `npm run test:build` after the build):
// importing the Node subpath installs the torch.hub downloader for `efficientNet(..., { weights })`
// (a bundler that drops that side effect breaks the one-line path), and the bin starts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

process.env.ART_OFFLINE = '1';
process.env.TORCH_HOME = mkdtempSync(join(tmpdir(), 'art-check-dist-'));
const { efficientNet } = await import('../dist/index.js');
await import('../dist/node.js');
let message = '';
try {
  await efficientNet('b0', { weights: 'DEFAULT' });
} catch (error) {
  message = error.message;
}
const expected = `put it at ${join(process.env.TORCH_HOME, 'hub/checkpoints/efficientnet_b0_rwightman-3dd342df.pth')}`;
if (!message.endsWith(expected))
  throw new Error(`dist: efficientNet(..., { weights }) did not use the Node cache downloader; got: ${message}`);
const help = execFileSync(process.execPath, [new URL('../dist/cli.js', import.meta.url).pathname, '--help'], {
  encoding: 'utf8',
});
if (!help.startsWith('art-efficientnet: pretrained EfficientNet weights without Python'))
  throw new Error(`dist/cli.js --help printed: ${help.slice(0, 200)}`);
console.log('dist: pretrained path through @art/efficientnet/node and the art-efficientnet bin work');
