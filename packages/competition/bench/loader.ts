// Data pipeline throughput, and whether prefetching hides it behind a (simulated) training step.
// Run: npm run bench -w @art/competition  (writes a small synthetic set to a temp dir)
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDataLoader, generateSyntheticDataset, loadCompetition, seedTrainTransform } from '../src/index.js';

await tf.setBackend('cpu');
const dir = await mkdtemp(join(tmpdir(), 'art-bench-loader-'));
try {
  const synthetic = await generateSyntheticDataset({
    outDir: dir,
    numArtists: 4,
    trainPerArtist: 16,
    testPerArtist: 1,
    imageSize: 256,
    seed: 0,
  });
  const data = await loadCompetition(synthetic.root);
  const items = data.train.map((r) => ({ imagePath: r.imagePath, label: data.labelEncoder.encode(r.artist) }));
  const inputSize = 128;
  const stepMs = 150;
  for (const workers of [0, 1, 2]) {
    const loader = createDataLoader({
      items,
      transform: seedTrainTransform('b3', inputSize),
      batchSize: 8,
      shuffle: true,
      workers,
      prefetch: 2,
    });
    let start = performance.now();
    for await (const batch of loader.batches(0)) batch.x.dispose();
    const alone = performance.now() - start;
    // Simulated training: a synchronous step that blocks this thread, as the cpu/wasm backends do.
    let waited = 0;
    start = performance.now();
    let ready = performance.now();
    for await (const batch of loader.batches(1)) {
      waited += performance.now() - ready;
      batch.x.dispose();
      const until = performance.now() + stepMs;
      while (performance.now() < until);
      ready = performance.now();
    }
    const total = performance.now() - start;
    console.log(
      `workers ${workers}: ${((items.length / alone) * 1000).toFixed(1)} images/s alone; with a ${stepMs} ms step per batch: ` +
        `${total.toFixed(0)} ms total, ${waited.toFixed(0)} ms waiting for data (${((waited / total) * 100).toFixed(0)}%)`,
    );
    await loader.close();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
