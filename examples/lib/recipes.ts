import { seedTestTransform, seedTrainTransform, seedValidTransform, withSeededRandom } from '@art/competition';
import { buildEfficientNet, efficientNetConfig, withMultipliers, type EfficientNet } from '@art/efficientnet';
import type { Recipe } from './run.js';

/** Scale of width and depth of the reduced network `--smoke` trains (same family, same code path). */
export const smokeScale = 0.25;

/**
 * An EfficientNet of `variant` with the seed's head (the 1000-way ImageNet classifier kept,
 * then Dropout and Dense(numClasses)), seeded initialisation. `scale` < 1 multiplies the
 * variant's own width and depth multipliers (B3 x 0.5 = width 0.6, depth 0.7); `--smoke` uses
 * {@link smokeScale} so the whole path runs in seconds.
 */
export function seedNetwork(
  variant: 'b3' | 'v2-m',
  context: { numClasses: number; imgSize: number; smoke: boolean; seed: number },
  headDropout: number,
  scale = 1,
): EfficientNet {
  const base = efficientNetConfig(variant);
  const factor = context.smoke ? Math.min(scale, smokeScale) : scale;
  const config = factor === 1
    ? base
    : withMultipliers(base, base.widthMultiplier * factor, base.depthMultiplier * factor, `${variant}-x${factor}`);
  return withSeededRandom(context.seed, () =>
    buildEfficientNet(config, { numClasses: context.numClasses, inputSize: context.imgSize, head: 'seed', headDropout }),
  );
}

/**
 * The seed's B3 recipe: torchvision EfficientNet-B3 (ImageNet weights via `--weights`), seed
 * head with Dropout 0.5, Adam 3e-4, 300 px, batch 16, 10 epochs; augmentation b3-train
 * (Resize 600 → RandomCrop 300 → CoarseDropout → OneOf(MotionBlur, OpticalDistortion,
 * GaussNoise) → flips → Normalize), validation b3-valid (Resize 2x → RandomCrop, imitating the
 * test crops), test b3-test (Resize 300 → Normalize).
 */
export const b3Recipe: Recipe = {
  name: 'b3',
  summary: 'Seed recipe: EfficientNet-B3 + seed head (Dropout 0.5, Dense), Adam, b3-train/valid/test augmentations.',
  defaults: { epochs: 10, imgSize: 300, batchSize: 16, lr: 3e-4, backend: 'auto' },
  smokeDefaults: { epochs: 1, imgSize: 32, batchSize: 8, lr: 1e-3, backend: 'auto' },
  buildNetwork: (context) => seedNetwork('b3', context, 0.5),
  transforms: (size) => ({ train: seedTrainTransform('b3', size), valid: seedValidTransform(size), test: seedTestTransform(size) }),
  scheduler: false,
};

/**
 * The seed's V2-M recipe: torchvision EfficientNetV2-M, seed head (Dropout 0.5), Adam 1e-4,
 * ReduceLROnPlateau(mode max on validation Macro F1, factor 0.1, patience 1), 300 px, batch 8,
 * 15 epochs; augmentation v2m-train (Resize 300 → flips → ShiftScaleRotate →
 * OneOf(MotionBlur, OpticalDistortion, GaussNoise, CLAHE, Rotate) → Normalize); validation and
 * test: Resize 300 → Normalize.
 */
export const v2mRecipe: Recipe = {
  name: 'v2m',
  summary: 'Seed recipe: EfficientNetV2-M + seed head, Adam, ReduceLROnPlateau(factor 0.1, patience 1) on validation Macro F1, v2m-train augmentations.',
  defaults: { epochs: 15, imgSize: 300, batchSize: 8, lr: 1e-4, backend: 'auto' },
  smokeDefaults: { epochs: 1, imgSize: 32, batchSize: 8, lr: 1e-3, backend: 'auto' },
  buildNetwork: (context) => seedNetwork('v2-m', context, 0.5),
  transforms: (size) => ({ train: seedTrainTransform('v2m', size), valid: seedTestTransform(size), test: seedTestTransform(size) }),
  scheduler: { factor: 0.1, patience: 1 },
};

/**
 * The seed's pyramid recipe: a B3 backbone trained on 224 px inputs (the crop size), then
 * prediction on a pyramid of crops, levels [1, 2, 5] (1 + 4 + 25 = 30 crops of 224 px), fused
 * with the fixed weights 25 / 4 / 1 (class-wise softmax, the seed's fusion without its
 * softmax-over-crops bug). Test images are resized to 2x the crop size before cropping, so
 * crops of the finest level still carry detail.
 */
export const pyramidRecipe: Recipe = {
  name: 'pyramid',
  summary: 'Seed pyramid recipe: B3 backbone on 224 px crops, prediction fused over crop levels [1, 2, 5] with fixed weights 25/4/1.',
  defaults: { epochs: 10, imgSize: 224, batchSize: 16, lr: 3e-4, backend: 'auto' },
  smokeDefaults: { epochs: 1, imgSize: 32, batchSize: 8, lr: 1e-3, backend: 'auto' },
  buildNetwork: (context) => seedNetwork('b3', context, 0.5),
  transforms: (size) => ({ train: seedTrainTransform('b3', size), valid: seedValidTransform(size), test: seedTestTransform(2 * size) }),
  scheduler: false,
  pyramid: { levels: [1, 2, 5], fusion: 'fixed' },
};

/**
 * The demo preset (`npm run demo -w @art/examples`): the B3 recipe (seed head, Adam,
 * b3-train / b3-valid / b3-test augmentations, best checkpoint by validation Macro F1) scaled
 * to run in minutes on two CPU cores with the wasm backend: B3 at half width and depth
 * (width 0.6, depth 0.7; 2.0 M parameters with the seed head), 64 px inputs (train: Resize 128 → RandomCrop 64,
 * i.e. quarter-area crops like the test images), Adam 5e-4, 24 epochs, trained from scratch on
 * the synthetic set (no download). Batch 8 rather than 16: twice the optimizer steps, which a
 * from-scratch network needs, and BatchNorm's moving statistics (initialised at 0 / 1,
 * momentum 0.1) settle sooner, so validation is meaningful from the early epochs on.
 */
export const demoRecipe: Recipe = {
  ...b3Recipe,
  name: 'demo',
  summary: 'Demo: the B3 recipe at B3 x 0.5 width/depth and 64 px on the wasm backend, trained from scratch on the synthetic artists.',
  defaults: { epochs: 24, imgSize: 64, batchSize: 8, lr: 5e-4, backend: 'wasm' },
  smokeDefaults: { ...b3Recipe.smokeDefaults, backend: 'wasm' },
  buildNetwork: (context) => seedNetwork('b3', context, 0.5, 0.5),
};
