import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { readFileSync } from 'node:fs';
import { initBackend } from '../../packages/backend/src/index.js';
import { seedNetwork } from '../lib/recipes.js';
const [lrText, headText, scaleText] = process.argv.slice(2);
await initBackend({ backend: 'wasm' });
const root = '/work/main/examples/.data/synthetic';
const rows = readFileSync(`${root}/train.csv`, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
const classes = [...new Set(rows.map((r) => r[2]!))].sort();
const S = 64, N = 160, BS = Number(process.argv[5] ?? 16);
const xs = new Float32Array(N * S * S * 3); const ys: number[] = [];
for (let i = 0; i < N; i++) {
  const buf = await sharp(`${root}/${rows[i]![1]}`).resize(S, S, { fit: 'fill' }).raw().toBuffer();
  for (let j = 0; j < S * S * 3; j++) xs[i * S * S * 3 + j] = (buf[j]! / 255 - 0.45) / 0.225;
  ys.push(classes.indexOf(rows[i]![2]!));
}
const net = seedNetwork('b3', { numClasses: 10, imgSize: S, smoke: false, seed: 0 }, 0.5, Number(scaleText ?? 0.5));
const opt = tf.train.adam(Number(lrText));
const X = tf.tensor4d(xs, [N, S, S, 3]); const Y = tf.oneHot(tf.tensor1d(ys, 'int32'), 10);
for (let epoch = 0; epoch < 5; epoch++) {
  let correct = 0, lossSum = 0; const t = performance.now();
  for (let b = 0; b < N; b += BS) {
    const x = X.slice(b, BS), y = Y.slice(b, BS);
    let logits: tf.Tensor | null = null;
    const loss = opt.minimize(() => { const l = net.model.apply(x, { training: true }) as tf.Tensor; logits = tf.keep(l); return tf.losses.softmaxCrossEntropy(y, l) as tf.Scalar; }, true)!;
    lossSum += (await loss.data())[0]!;
    const pred = await (logits as unknown as tf.Tensor).argMax(1).data(); const truth = await y.argMax(1).data();
    pred.forEach((p, i) => { if (p === truth[i]) correct++; });
    tf.dispose([x, y, loss, logits!]);
  }
  const pe = net.model.predict(X) as tf.Tensor; const pa = await pe.argMax(1).data(); pe.dispose();
  let evalCorrect = 0; pa.forEach((p, i) => { if (p === ys[i]) evalCorrect++; });
  console.log(`lr ${lrText} epoch ${epoch} loss ${(lossSum / (N / BS)).toFixed(3)} trainAcc ${(correct / N).toFixed(3)} evalAccOnTrain ${(evalCorrect / N).toFixed(3)} ${((performance.now() - t) / 1000).toFixed(1)}s`);
}
process.exit(0);
