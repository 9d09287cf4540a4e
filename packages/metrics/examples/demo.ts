/**
 * `npm run demo -w @art/metrics`: evaluates a synthetic 50-class classifier batch by batch
 * with `MetricsAccumulator`, then prints scikit-learn's classification report and top-k
 * metrics. The data is seeded, so every run prints the same numbers.
 */

import { Mulberry32 } from '../../../internal/rng.js';
import { MetricsAccumulator, classificationReport, confusionMatrixVegaLite } from '../src/index.js';

const NUM_CLASSES = 50;
const NUM_SAMPLES = 2000;
const BATCH_SIZE = 128;

// A seeded generator (internal/rng.ts's Mulberry32, the stream the demo has always printed), so every run prints the same numbers.
const generator = new Mulberry32(42);
const random = (): number => generator.next();
const labelNames = Array.from({ length: NUM_CLASSES }, (_, index) => `artist_${String(index).padStart(2, '0')}`);

/**
 * A fake model: logits are noise plus a boost for the true class whose size varies by class,
 * so some artists are easy and some are often confused with their neighbours.
 */
function fakeBatch(size: number): { labels: Int32Array; logits: Float32Array } {
  const labels = new Int32Array(size);
  const logits = new Float32Array(size * NUM_CLASSES);
  for (let sample = 0; sample < size; sample += 1) {
    const label = Math.floor(random() * NUM_CLASSES);
    labels[sample] = label;
    for (let classIndex = 0; classIndex < NUM_CLASSES; classIndex += 1) {
      logits[sample * NUM_CLASSES + classIndex] = random() * 2;
    }
    const neighbour = (label + 1) % NUM_CLASSES;
    logits[sample * NUM_CLASSES + label]! += 0.8 + (1.4 * label) / NUM_CLASSES;
    logits[sample * NUM_CLASSES + neighbour]! += 1.0;
  }
  return { labels, logits };
}

const metrics = new MetricsAccumulator({ labels: labelNames, topK: [1, 2, 5] });
const allTrue: number[] = [];
const allPredicted: number[] = [];
for (let start = 0; start < NUM_SAMPLES; start += BATCH_SIZE) {
  const { labels, logits } = fakeBatch(Math.min(BATCH_SIZE, NUM_SAMPLES - start));
  metrics.update(labels, logits);
  // Kept here only to show that the one-shot function agrees; a training loop would not.
  for (let sample = 0; sample < labels.length; sample += 1) {
    let best = 0;
    for (let classIndex = 1; classIndex < NUM_CLASSES; classIndex += 1) {
      if (logits[sample * NUM_CLASSES + classIndex]! > logits[sample * NUM_CLASSES + best]!) best = classIndex;
    }
    allTrue.push(labels[sample]!);
    allPredicted.push(best);
  }
}

const summary = metrics.compute();
console.log(`Synthetic ${NUM_CLASSES}-class problem, ${summary.numSamples} samples in batches of ${BATCH_SIZE}\n`);
console.log(metrics.report().toText());
console.log(`balanced accuracy  ${summary.balancedAccuracy.toFixed(4)}`);
for (const topK of summary.topK) {
  console.log(
    `top-${topK.k}: accuracy ${topK.accuracy.toFixed(4)}  macro P ${topK.macroPrecision.toFixed(4)}  ` +
      `R ${topK.macroRecall.toFixed(4)}  F1 ${topK.macroF1.toFixed(4)}`,
  );
}
const oneShot = classificationReport(allTrue, allPredicted, { labels: labelNames });
console.log(`\none-shot report equals the streamed one: ${oneShot.toText() === metrics.report().toText()}`);
const spec = confusionMatrixVegaLite(summary.confusionMatrix, { title: 'Synthetic 50-class confusion matrix' });
console.log(`Vega-Lite heatmap spec: ${(spec.data as { values: unknown[] }).values.length} cells`);
