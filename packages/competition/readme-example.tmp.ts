import * as tf from '@tensorflow/tfjs';
import { buildEfficientNet, efficientNetConfig, withMultipliers } from '@art/efficientnet';
import {
  argmaxLabels, createDataLoader, generateSyntheticDataset, loadCompetition, predictProbabilities,
  scoreSubmission, seedTestTransform, seedTrainTransform, seedValidTransform, stratifiedHoldout,
  train, writeSubmission,
} from '@art/competition';

await tf.setBackend('cpu');
const synthetic = await generateSyntheticDataset({ outDir: 'tmp/synthetic', numArtists: 4, trainPerArtist: 12, testPerArtist: 3, imageSize: 64, overwrite: true });
const data = await loadCompetition(synthetic.root);
const { labelEncoder } = data;
const split = stratifiedHoldout(data.train.map((r) => r.artist), { validFraction: 0.25, seed: 0 });
const items = (indices: number[]) => indices.map((i) => ({ imagePath: data.train[i]!.imagePath, label: labelEncoder.encode(data.train[i]!.artist) }));
const size = 32;
const trainLoader = createDataLoader({ items: items(split.train), transform: seedTrainTransform('b3', size), batchSize: 8, shuffle: true, seed: 0, workers: 1 });
const validLoader = createDataLoader({ items: items(split.valid), transform: seedValidTransform(size), batchSize: 8 });

const net = buildEfficientNet(withMultipliers(efficientNetConfig('b0'), 0.25, 0.25, 'tiny'), { numClasses: labelEncoder.numClasses, inputSize: size });
const result = await train({
  model: net, trainLoader, validLoader, numClasses: labelEncoder.numClasses, classes: labelEncoder.classes,
  epochs: 2, outDir: 'tmp/run', learningRate: 3e-3, resume: false,
});
console.log('validation macro F1', result.bestMacroF1);

const testLoader = createDataLoader({ items: data.test.map((r) => ({ imagePath: r.imagePath })), transform: seedTestTransform(size), batchSize: 8 });
const probabilities = await predictProbabilities(net.model, testLoader, { tta: 'hflip' });
const labels = argmaxLabels({ ids: data.test.map((r) => r.id), classes: [...labelEncoder.classes], probabilities });
await writeSubmission('tmp/run/submission.csv', { ids: data.test.map((r) => r.id), labels }, { sampleSubmission: synthetic.files.sampleSubmission });
console.log('test', await scoreSubmission('tmp/run/submission.csv', synthetic.files.testAnswers));
await Promise.all([trainLoader.close(), validLoader.close(), testLoader.close()]);
