import * as tf from '@tensorflow/tfjs';

/** Optimizer names accepted by {@link createOptimizer}. */
export const OPTIMIZER_NAMES = ['adam', 'adamw', 'sgd'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** Optimizer choice: a name or a spec with hyper-parameters. */
export type OptimizerSpec =
  | OptimizerName
  | { name: 'adam'; beta1?: number; beta2?: number; epsilon?: number }
  | { name: 'adamw'; weightDecay?: number; beta1?: number; beta2?: number; epsilon?: number }
  | { name: 'sgd'; momentum?: number; nesterov?: boolean };

/**
 * AdamW (Loshchilov & Hutter): Adam plus decoupled weight decay, applied as PyTorch does
 * (`p ← p · (1 − lr · weightDecay)` before the Adam update). TF.js has no AdamW.
 * @example
 * const optimizer = new AdamWOptimizer(1e-3, 0.01); // or createOptimizer({ name: 'adamw', weightDecay: 0.01 }, 1e-3)
 */
export class AdamWOptimizer extends tf.AdamOptimizer {
  static override get className(): string {
    return 'AdamW';
  }
  constructor(
    learningRate: number,
    readonly weightDecay = 0.01,
    beta1 = 0.9,
    beta2 = 0.999,
    epsilon = 1e-8,
  ) {
    super(learningRate, beta1, beta2, epsilon);
  }
  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    const names = Array.isArray(variableGradients)
      ? variableGradients.map((v: { name: string }) => v.name)
      : Object.keys(variableGradients);
    const decay = 1 - this.learningRate * this.weightDecay;
    tf.tidy(() => {
      for (const name of names) {
        const variable = tf.engine().registeredVariables[name];
        if (variable) variable.assign(tf.mul(variable, decay));
      }
    });
    super.applyGradients(variableGradients);
  }
}

/**
 * `tf.MomentumOptimizer` whose `dispose()` also frees its `-lr` scalar: tfjs-core 4.22's
 * override forgets the one its SGD parent keeps, one leaked tensor per optimizer.
 */
class MomentumOptimizer extends tf.MomentumOptimizer {
  override dispose(): void {
    super.dispose();
    (this as unknown as { c: tf.Scalar }).c.dispose();
  }
}

/**
 * The optimizer's current learning rate (Adam/AdamW/SGD/momentum).
 * @example
 * console.log(getLearningRate(optimizer)); // 0.0001
 */
export function getLearningRate(optimizer: tf.Optimizer): number {
  const lr = (optimizer as unknown as { learningRate?: number }).learningRate;
  if (typeof lr !== 'number') throw new TypeError(`Optimizer ${optimizer.getClassName()} has no numeric learningRate`);
  return lr;
}

/**
 * Sets the learning rate of Adam/AdamW/SGD/momentum optimizers.
 * @example
 * setLearningRate(optimizer, 1e-5);
 */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  const withSetter = optimizer as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  // SGD keeps a cached -lr scalar; its setter refreshes it. Adam reads the field each step.
  if (typeof withSetter.setLearningRate === 'function') withSetter.setLearningRate(learningRate);
  else withSetter.learningRate = learningRate;
}

/**
 * Creates an optimizer by name. Defaults: Adam betas 0.9/0.999, epsilon 1e-8 (PyTorch's);
 * AdamW weightDecay 0.01; SGD momentum 0 (plain SGD) else momentum SGD.
 *
 * @example
 * const optimizer = createOptimizer('adam', 1e-4);
 * const sgd = createOptimizer({ name: 'sgd', momentum: 0.9 }, 0.01);
 */
export function createOptimizer(spec: OptimizerSpec, learningRate: number): tf.Optimizer {
  if (!(learningRate > 0) || !Number.isFinite(learningRate))
    throw new RangeError(`createOptimizer: learningRate must be a positive number, got ${learningRate}`);
  const options = typeof spec === 'string' ? { name: spec } : spec;
  switch (options.name) {
    case 'adam': {
      const o = options as { beta1?: number; beta2?: number; epsilon?: number };
      return new tf.AdamOptimizer(learningRate, o.beta1 ?? 0.9, o.beta2 ?? 0.999, o.epsilon ?? 1e-8);
    }
    case 'adamw': {
      const o = options as { weightDecay?: number; beta1?: number; beta2?: number; epsilon?: number };
      return new AdamWOptimizer(
        learningRate,
        o.weightDecay ?? 0.01,
        o.beta1 ?? 0.9,
        o.beta2 ?? 0.999,
        o.epsilon ?? 1e-8,
      );
    }
    case 'sgd': {
      const o = options as { momentum?: number; nesterov?: boolean };
      if (o.momentum && o.momentum > 0) return new MomentumOptimizer(learningRate, o.momentum, o.nesterov ?? false);
      return new tf.SGDOptimizer(learningRate);
    }
    default:
      throw new RangeError(
        `Unknown optimizer ${JSON.stringify((options as { name: unknown }).name)}; expected one of ${OPTIMIZER_NAMES.join(', ')}`,
      );
  }
}
