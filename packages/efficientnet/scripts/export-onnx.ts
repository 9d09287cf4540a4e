/**
 * Writes ONNX files of every variant (full size, seeded torchvision init) and configuration
 * (with/without top, seed head, spatial features, every stage, NCHW/NHWC, a head model) to a
 * folder, for `scripts/check_onnx.py` or netron:
 *   npx tsx scripts/export-onnx.ts /tmp/onnx
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { VARIANT_NAMES, efficientNet, exportOnnx, type EfficientNetOptions } from '../src/index.js';

const out = process.argv[2];
if (out === undefined) {
  console.error('usage: export-onnx.ts <folder>');
  process.exit(2);
}
await tf.setBackend('cpu');
await mkdir(out, { recursive: true });
const configurations: [string, EfficientNetOptions, Parameters<typeof exportOnnx>[1]][] = [
  ['top-nchw', { numClasses: 10 }, { layout: 'NCHW' }],
  ['seed-nhwc', { numClasses: 10, head: 'seed' }, { layout: 'NHWC' }],
  ['pooled', { includeTop: false }, {}],
  ['spatial-224', { includeTop: false, pooling: 'none', inputSize: 224 }, { layout: 'NHWC' }],
];
for (const name of VARIANT_NAMES) {
  for (const [label, options, exportOptions] of name === 'b0' ? configurations : configurations.slice(0, 1)) {
    const net = efficientNet(name, options);
    const file = join(out, `${name}-${label}.onnx`);
    await writeFile(file, exportOnnx(net, exportOptions));
    console.log(file);
    net.dispose();
  }
}
const b0 = efficientNet('b0', { includeTop: false });
const head = tf.sequential({
  layers: [tf.layers.dropout({ inputShape: [1280], rate: 0.5 }), tf.layers.dense({ units: 5, activation: 'softmax' })],
});
await writeFile(
  join(out, 'b0-features-head.onnx'),
  exportOnnx(b0, { head, outputs: ['features.3', 'features.5', 'head'] }),
);
console.log(join(out, 'b0-features-head.onnx'));
