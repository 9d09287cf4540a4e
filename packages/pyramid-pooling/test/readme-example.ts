import * as tf from '@tensorflow/tfjs';
import { PyramidClassifier, evaluatePyramid, fitFusionWeights } from '@art/pyramid-pooling';

// Your own model: any tf.LayersModel from crops [n, S, S, 3] to logits [n, classes].
const numClasses = 4;
const cropSize = 16;
const model = tf.sequential({
  layers: [
    tf.layers.conv2d({
      inputShape: [cropSize, cropSize, 3],
      filters: 8,
      kernelSize: 3,
      strides: 2,
      activation: 'relu',
    }),
    tf.layers.globalAveragePooling2d({}),
    tf.layers.dense({ units: numClasses }),
  ],
});
model.compile({
  optimizer: 'adam',
  loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred),
});

const classifier = new PyramidClassifier({
  backbone: model,
  levels: [1, 2, 5], // the whole image, 2×2 and 5×5 crops: 30 per image
  cropSize,
  fusion: 'adaptive',
  preprocess: (crops) => tf.div(crops, 255),
  augment: (crops) => tf.image.flipLeftRight(crops), // training only
});

// Images [N, H, W, 3] with values 0..255, any aspect ratio (padded to squares).
const images = tf.randomUniform([4, 40, 56, 3], 0, 255, 'float32', 1) as tf.Tensor4D;
const labels = [0, 1, 2, 3];

// 1. Train the backbone on crops; every crop inherits its image's label.
for (const { xs, ys } of classifier.trainingBatches(images, labels, { batchSize: 64, numClasses, seed: 1 })) {
  await model.trainOnBatch(xs, ys);
  tf.dispose([xs, ys]);
}

// 2. Predict: crops of many images go through the model together, at most 64 at a time.
const { fused, perLevel, perCrop } = await classifier.predict(images, { maxCropsInMemory: 64 });
console.log('image 0:', fused[0], 'levels:', perLevel[0]);

// 3. Fit learned level weights on held-out predictions, then compare every fusion mode (Table 1).
const { learnedLogits, weights } = fitFusionWeights(perCrop, labels);
console.log('learned level weights:', weights);
console.log(evaluatePyramid(perCrop, labels, { learnedLogits }).format());

images.dispose();
model.dispose();
