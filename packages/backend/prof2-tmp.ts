import * as tf from '@tensorflow/tfjs';
import { efficientNetB0 } from '@art/efficientnet';
import { initBackend } from './src/index.js';
await initBackend({ backend: 'wasm', threads: 1 });
const net = efficientNetB0({ numClasses: 10, inputSize: 224 });
const model = net.model;
const batch = 2;
const x = tf.randomNormal([batch, 224, 224, 3]);
const y = tf.oneHot(tf.tensor1d([1, 2], 'int32'), 10);
const step = () => tf.tidy(() => { const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar); return grads; });
tf.dispose(step());
const info = await tf.profile(() => { tf.dispose(step()); });
const agg = new Map<string, [number, number]>();
for (const k of info.kernels) {
  
  const key = `${k.name} in=${JSON.stringify(k.inputShapes)} out=${JSON.stringify(k.outputShapes)}`;
  const e = agg.get(key) ?? [0, 0];
  e[0] += k.kernelTimeMs as number; e[1]++;
  agg.set(key, e);
}
for (const [k, [ms, n]] of [...agg].sort((a, b) => b[1][0] - a[1][0]).slice(0, 25)) console.log(ms.toFixed(1).padStart(8), String(n).padStart(4), k.slice(0, 150));
const byName = new Map<string, number>(); let total = 0;
for (const k of info.kernels) { byName.set(k.name, (byName.get(k.name) ?? 0) + (k.kernelTimeMs as number)); total += k.kernelTimeMs as number; }
console.log('total kernel ms', total.toFixed(0), 'heap MiB', ((tf.backend() as any).wasm.HEAPU8.length / 2**20).toFixed(0));
console.log([...byName].sort((a,b)=>b[1]-a[1]).slice(0,16).map(([n,c])=>`${n}:${c.toFixed(0)}`).join(' '));
const names = new Map<string, number>();
for (const k of info.kernels) names.set(k.name, (names.get(k.name) ?? 0) + 1);
console.log([...names].sort((a,b)=>b[1]-a[1]).slice(0,30).map(([n,c])=>`${n}:${c}`).join(' '));
process.exit(0);
