import { generateSyntheticDataset } from '/work/main/packages/competition/src/synthetic/index.js';
const t = performance.now();
const d = await generateSyntheticDataset({ outDir: process.argv[2] ?? '/tmp/syn/d1', overwrite: true, seed: Number(process.argv[3] ?? 0) });
console.log(d.train.length, d.test.length, ((performance.now() - t) / 1000).toFixed(2), 's');
