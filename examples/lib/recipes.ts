import { SEED_INPUT_SIZES, seedTestTransform, seedTrainTransform, seedValidTransform, withSeededRandom } from '@art/competition';
import { buildEfficientNet, efficientNetConfig, withMultipliers, type EfficientNet, type EfficientNetHead } from '@art/efficientnet';
import type { Recipe } from './run.js';

/** Scale of width and depth of the reduced network `--smoke` trains (same family, same code path). */
export const smokeScale = 0.25;

/**
 * An EfficientNet of `variant` with one of the seed's heads on the 1000-way ImageNet classifier:
 * `'seed'` (BaseModel: Dropout(`head.dropout`) + Linear) or `'pyramid'` (PyramidNet: ReLU +
 * Linear), the new Linear initialised as `nn.Linear`'s default; seeded initialisation. `scale`
 * < 1 multiplies the variant's own width and depth multipliers (B3 x 0.5 = width 0.6, depth
 * 0.7); `--smoke` uses {@link smokeScale} so the whole path runs in seconds.
 */
export function seedNetwork(
  variant: 'b3' | 'v2-m',
  context: { numClasses: number; imgSize: number; smoke: boolean; seed: number },
  head: { kind: EfficientNetHead; dropout?: number },
  scale = 1,
): EfficientNet {
  const base = efficientNetConfig(variant);
  const factor = context.smoke ? Math.min(scale, smokeScale) : scale;
  const config = factor === 1
    ? base
    : withMultipliers(base, base.widthMultiplier * factor, base.depthMultiplier * factor, `${variant}-x${factor}`);
  const headDropout = head.dropout !== undefined ? { headDropout: head.dropout } : {};
  return withSeededRandom(context.seed, () =>
    buildEfficientNet(config, { numClasses: context.numClasses, inputSize: context.imgSize, head: head.kind, ...headDropout }),
  );
}

/**
 * The seed's B3 recipe (its best: Macro F1 0.77958 after 80 epochs): torchvision EfficientNet-B3
 * (ImageNet weights via `--weights`), seed head with `Dropout(0.3)`, training crops of 150 px
 * from a 300 px resize (b3-train: Resize 300 → RandomCrop 150 → CoarseDropout(4 holes of 64 px,
 * p 0.5) → OneOf(MotionBlur, OpticalDistortion, GaussNoise; p 0.3) → flips → Normalize),
 * validation b3-valid (Resize 300 → RandomCrop 150, imitating the test crops), test b3-test
 * (Resize 150 → Normalize), 80 epochs. The seed shows no CFG for B3: Adam 1e-3 and batch 16 are
 * those of its only CFG, V2-M's (see examples/README.md, "The seed's recipes").
 */
export const b3Recipe: Recipe = {
  name: 'b3',
  summary: 'Seed recipe: EfficientNet-B3 + seed head (Dropout 0.3, Dense), Adam, 150 px crops of a 300 px resize, b3-train/valid/test augmentations.',
  defaults: { epochs: 80, imgSize: SEED_INPUT_SIZES.b3, batchSize: 16, lr: 1e-3, backend: 'auto' },
  smokeDefaults: { epochs: 1, imgSize: 32, batchSize: 8, lr: 1e-3, backend: 'auto' },
  buildNetwork: (context) => seedNetwork('b3', context, { kind: 'seed', dropout: 0.3 }),
  transforms: (size) => ({ train: seedTrainTransform('b3', size), valid: seedValidTransform(size), test: seedTestTransform(size) }),
  scheduler: false,
};

/**
 * The seed's V2-M recipe: torchvision EfficientNetV2-M, seed head with `Dropout(0.5)`, Adam 1e-3,
 * batch 16, 20 epochs, ReduceLROnPlateau(mode max on validation Macro F1, factor 0.1,
 * patience 1); augmentation v2m-train (Resize → flips → ShiftScaleRotate → OneOf(MotionBlur,
 * OpticalDistortion, GaussNoise, CLAHE, Rotate) → Normalize), validation and test Resize →
 * Normalize. The seed gives no image size: 384 px, V2-M's training resolution in its paper.
 */
export const v2mRecipe: Recipe = {
  name: 'v2m',
  summary: 'Seed recipe: EfficientNetV2-M + seed head (Dropout 0.5), Adam, ReduceLROnPlateau(factor 0.1, patience 1) on validation Macro F1, v2m-train augmentations.',
  defaults: { epochs: 20, imgSize: SEED_INPUT_SIZES.v2m, batchSize: 16, lr: 1e-3, backend: 'auto' },
  smokeDefaults: { epochs: 1, imgSize: 32, batchSize: 8, lr: 1e-3, backend: 'auto' },
  buildNetwork: (context) => seedNetwork('v2-m', context, { kind: 'seed', dropout: 0.5 }),
  transforms: (size) => ({ train: seedTrainTransform('v2m', size), valid: seedTestTransform(size), test: seedTestTransform(size) }),
  scheduler: { factor: 0.1, patience: 1 },
};

/**
 * The seed's pyramid recipe: its PyramidNet (a B3 with its 1000-way classifier, then ReLU and
 * Linear(1000, n)) as the backbone, trained on 224 px inputs (the crop size), then prediction on
 * a pyramid of crops, levels [1, 2, 5] (1 + 4 + 25 = 30 crops of 224 px), fused with the fixed
 * weights 25 / 4 / 1 (class-wise softmax, the seed's fusion without its softmax-over-crops bug).
 * Test images are resized to 2x the crop size before cropping, so crops of the finest level
 * still carry detail.
 */
export const pyramidRecipe: Recipe = {
  name: 'pyramid',
  summary: 'Seed pyramid recipe: B3 + ReLU + Dense (PyramidNet) on 224 px crops, prediction fused over crop levels [1, 2, 5] with fixed weights 25/4/1.',
  defaults: { epochs: 10, imgSize: 224, batchSize: 16, lr: 1e-3, backend: 'auto' },
  smokeDefaults: { epochs: 1, imgSize: 32, batchSize: 8, lr: 1e-3, backend: 'auto' },
  buildNetwork: (context) => seedNetwork('b3', context, { kind: 'pyramid' }),
  transforms: (size) => ({ train: seedTrainTransform('b3', size), valid: seedValidTransform(size), test: seedTestTransform(2 * size) }),
  scheduler: false,
  pyramid: { levels: [1, 2, 5], fusion: 'fixed' },
};

/**
 * The demo preset (`npm run demo -w @art/examples`): the B3 recipe (seed head with Dropout 0.3,
 * Adam, b3-train / b3-valid / b3-test augmentations, best checkpoint by validation Macro F1)
 * scaled to run in minutes on two CPU cores with the wasm backend: B3 at half width and depth
 * (width 0.6, depth 0.7; 2.0 M parameters with the seed head), 64 px inputs (train: Resize 128 →
 * RandomCrop 64, i.e. quarter-area crops like the test images), Adam 5e-4, 24 epochs, trained
 * from scratch on the synthetic set (no download). Batch 8 rather than 16: twice the optimizer
 * steps, which a from-scratch network needs, and BatchNorm's running statistics (initialised at
 * 0 / 1, momentum 0.1) settle sooner, so validation is meaningful from the early epochs on.
 */
export const demoRecipe: Recipe = {
  ...b3Recipe,
  name: 'demo',
  summary: 'Demo: the B3 recipe at B3 x 0.5 width/depth and 64 px on the wasm backend, trained from scratch on the synthetic artists.',
  defaults: { epochs: 24, imgSize: 64, batchSize: 8, lr: 5e-4, backend: 'wasm' },
  smokeDefaults: { ...b3Recipe.smokeDefaults, backend: 'wasm' },
  buildNetwork: (context) => seedNetwork('b3', context, { kind: 'seed', dropout: 0.3 }, 0.5),
};
