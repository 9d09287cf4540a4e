import { generateSyntheticDataset } from '../../packages/competition/src/synthetic/index.js';
const t = performance.now();
const d = await generateSyntheticDataset({ outDir: '/tmp/syn/d50', overwrite: true, numArtists: 50, trainPerArtist: 20, testPerArtist: 6, imageSize: 128 });
console.log(d.train.length, d.test.length, ((performance.now() - t) / 1000).toFixed(2), 's');
