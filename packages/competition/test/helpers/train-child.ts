// Child process of the kill -9 test: trains the tiny setup slowly, checkpointing every step.
import * as tf from '@tensorflow/tfjs';
import { train } from '../../src/index.js';
import { slowLoader, tinySetup } from './train-setup.js';

await tf.setBackend('cpu');
const outDir = process.argv[2]!;
const options = tinySetup(outDir);
await train({ ...options, trainLoader: slowLoader(options.trainLoader, 120), checkpointEverySteps: 1 });
