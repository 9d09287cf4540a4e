import * as tf from '@tensorflow/tfjs';
await tf.setBackend('cpu');
import { createDataLoader, loadCompetition, seedTrainTransform } from '@art/competition';
const data = await loadCompetition('/work/main/examples/.data/synthetic');
const items = data.train.slice(0, 40).map((r) => ({ imagePath: r.imagePath, label: data.labelEncoder.encode(r.artist) as number }));
const loader = createDataLoader({ items, transform: seedTrainTransform('b3', 64), batchSize: 8, shuffle: true, seed: 0, cacheDecoded: true });
let bad = 0, n = 0;
for await (const b of loader.batches(1)) {
  const means: number[] = [];
  const d = await b.x.data();
  b.indices.forEach((idx, i) => { n++; if (items[idx]!.label !== b.labels![i]) bad++; });
  console.log(b.x.shape, b.indices.slice(0, 4), Array.from(b.labels!).slice(0, 4), items.slice(0,0).length, (d as Float32Array).slice(0, 3));
  b.x.dispose();
}
console.log('mismatch', bad, 'of', n);
loader.close();
process.exit(0);
