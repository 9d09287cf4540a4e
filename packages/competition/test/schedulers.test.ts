import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AdamWOptimizer,
  EarlyStopping,
  ReduceLROnPlateau,
  createOptimizer,
  getLearningRate,
  setLearningRate,
} from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('ReduceLROnPlateau', () => {
  it('follows PyTorch semantics in mode max (V2-M recipe: factor 0.1, patience 1)', () => {
    const scheduler = new ReduceLROnPlateau({ mode: 'max', factor: 0.1, patience: 1 });
    let lr = 1e-3;
    const trace: number[] = [];
    for (const f1 of [0.2, 0.3, 0.3, 0.29, 0.31, 0.31, 0.31]) {
      lr = scheduler.step(f1, lr);
      trace.push(lr);
    }
    // bad epochs: 0.3 (1st), 0.29 (2nd > patience → reduce), 0.31 improves, 0.31 (1), 0.31 (2 → reduce)
    expect(trace.map((v) => Number(v.toPrecision(6)))).toEqual([1e-3, 1e-3, 1e-3, 1e-4, 1e-4, 1e-4, 1e-5]);
    const state = scheduler.getState();
    const copy = new ReduceLROnPlateau({ mode: 'max', factor: 0.1, patience: 1 });
    copy.setState(state);
    expect(copy.step(0.31, 1e-5)).toBe(scheduler.step(0.31, 1e-5));
  });

  it('validates its options', () => {
    expect(() => new ReduceLROnPlateau({ mode: 'up' as never })).toThrow(/expected 'max' or 'min'/);
    expect(() => new ReduceLROnPlateau({ factor: 1 })).toThrow(/factor must be in \(0, 1\), got 1/);
    expect(new ReduceLROnPlateau({ minLr: 5e-4 }).step(0, 1e-3)).toBe(1e-3);
  });
});

describe('EarlyStopping', () => {
  it('stops after `patience` epochs without improvement', () => {
    const stopper = new EarlyStopping({ patience: 2 });
    expect([0.1, 0.2, 0.2, 0.15].map((v, e) => stopper.step(v, e))).toEqual([false, false, false, true]);
    expect(stopper.getState()).toEqual({ best: 0.2, bestEpoch: 1, numBadEpochs: 2 });
  });
});

describe('optimizers', () => {
  it('AdamW applies decoupled weight decay before the Adam update (PyTorch order)', () => {
    const w = tf.variable(tf.tensor1d([1, -2]));
    const optimizer = new AdamWOptimizer(0.1, 0.5);
    const g = tf.tensor1d([0, 0]);
    optimizer.applyGradients([{ name: w.name, tensor: g }]);
    // zero gradient: Adam's step is 0, only the decay acts: w * (1 - 0.1 * 0.5)
    expect(Array.from(w.dataSync())).toEqual([0.95, -1.9].map((v) => Math.fround(v)));
    optimizer.dispose();
    tf.dispose([w, g]);
  });

  it('creates optimizers by name and sets learning rates', () => {
    for (const spec of ['adam', 'adamw', 'sgd', { name: 'sgd', momentum: 0.9 }] as const) {
      const optimizer = createOptimizer(spec, 0.01);
      expect(getLearningRate(optimizer)).toBe(0.01);
      setLearningRate(optimizer, 0.001);
      expect(getLearningRate(optimizer)).toBe(0.001);
      optimizer.dispose();
    }
    expect(() => createOptimizer('adam', 0)).toThrow(/learningRate must be a positive number, got 0/);
  });
});
