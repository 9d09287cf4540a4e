/**
 * The seed's recipes, one typed value each: network and head, augmentation (typed
 * @art/augment pipelines), optimizer, schedule, epochs and sizes. `art train --recipe NAME`
 * trains one; its flags override the values here, and `art train --help` prints them.
 * Where the seed is silent the choice is written next to the value (see
 * examples/README.md, "The seed's recipes").
 */
import type { Compose } from '@art/augment';
import {
  buildEfficientNet,
  efficientNetConfig,
  withMultipliers,
  type EfficientNet,
  type EfficientNetHead,
} from '@art/efficientnet';
import { SEED_INPUT_SIZES, seedTestTransform, seedTrainTransform, seedValidTransform } from '../data/transforms.js';
import { withSeededRandom } from '../random.js';

/** Backends `--backend` accepts (those of @art/backend's `initBackend`). */
export const BACKEND_NAMES = ['auto', 'tensorflow', 'wasm', 'cpu', 'webgpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Scale of width and depth of the reduced network `--smoke` trains (same family, same code path). */
export const SMOKE_SCALE = 0.25;

/** The train / validation / test augmentations of a recipe at one input size. */
export interface RecipeAugmentation {
  train: Compose;
  valid: Compose;
  test: Compose;
}

/** The run-size values of a recipe; each is a flag of `art train` (`--epochs`, `--img-size`, `--batch-size`, `--lr`, `--backend`). */
export interface RecipeSizes {
  epochs: number;
  /** Network input side in px (`--img-size`). */
  imgSize: number;
  batchSize: number;
  /** Adam's learning rate (`--lr`). */
  lr: number;
  backend: BackendName;
}

/** One of the seed's pipelines as data. */
export interface Recipe {
  /** `--recipe NAME`; also the default output folder `runs/<name>`. */
  name: string;
  /** First line of `art train --recipe NAME --help`. */
  summary: string;
  /** An EfficientNet of `variant` with one of the seed's heads; `scale` < 1 multiplies its width and depth multipliers. */
  network: { variant: 'b3' | 'v2-m'; head: EfficientNetHead; headDropout?: number; scale: number };
  /** The seed trains with Adam (its only CFG, V2-M's). */
  optimizer: 'adam';
  /** ReduceLROnPlateau on the validation Macro F1 (mode max), or none. */
  schedule: false | { kind: 'reduce-lr-on-plateau'; factor: number; patience: number };
  /** The seed's run: epochs, input size, batch size, learning rate, backend. */
  sizes: RecipeSizes;
  /** The same under `--smoke` (tiny data, the network at {@link SMOKE_SCALE}): the whole path in seconds. */
  smokeSizes: RecipeSizes;
  /** The augmentations, typed @art/augment pipelines, for an input size. */
  augmentation(imgSize: number): RecipeAugmentation;
  /** Predict with a pyramid of crops (the backbone is trained on `imgSize` crops). */
  pyramid?: { levels: number[]; fusion: 'fixed' | 'soft' | 'hard' | 'adaptive' };
}

/** Smoke sizes shared by the seed's recipes: one epoch of 32 px inputs, batch 8. */
const SMOKE_SIZES: RecipeSizes = { epochs: 1, imgSize: 32, batchSize: 8, lr: 1e-3, backend: 'auto' };

/** b3-train / b3-valid / b3-test of the seed. */
const b3Augmentation = (size: number): RecipeAugmentation => ({
  train: seedTrainTransform('b3', size),
  valid: seedValidTransform(size),
  test: seedTestTransform(size),
});

/**
 * The seed's B3 recipe (its best: Macro F1 0.77958 after 80 epochs): torchvision EfficientNet-B3
 * (ImageNet weights via `--pretrained` or `--weights`), seed head with `Dropout(0.3)`, training
 * crops of 150 px from a 300 px resize (b3-train: Resize 300 → RandomCrop 150 →
 * CoarseDropout(4 holes of 64 px, p 0.5) → OneOf(MotionBlur, OpticalDistortion, GaussNoise; p 0.3)
 * → flips → Normalize), validation b3-valid (Resize 300 → RandomCrop 150, imitating the test
 * crops), test b3-test (Resize 150 → Normalize), 80 epochs. The seed shows no CFG for B3: Adam
 * 1e-3 and batch 16 are those of its only CFG, V2-M's.
 */
export const b3Recipe: Recipe = {
  name: 'b3',
  summary:
    'Seed recipe: EfficientNet-B3 + seed head (Dropout 0.3, Dense), Adam, 150 px crops of a 300 px resize, b3-train/valid/test augmentations.',
  network: { variant: 'b3', head: 'seed', headDropout: 0.3, scale: 1 },
  optimizer: 'adam',
  schedule: false,
  sizes: { epochs: 80, imgSize: SEED_INPUT_SIZES.b3, batchSize: 16, lr: 1e-3, backend: 'auto' },
  smokeSizes: SMOKE_SIZES,
  augmentation: b3Augmentation,
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
  summary:
    'Seed recipe: EfficientNetV2-M + seed head (Dropout 0.5), Adam, ReduceLROnPlateau(factor 0.1, patience 1) on validation Macro F1, v2m-train augmentations.',
  network: { variant: 'v2-m', head: 'seed', headDropout: 0.5, scale: 1 },
  optimizer: 'adam',
  schedule: { kind: 'reduce-lr-on-plateau', factor: 0.1, patience: 1 },
  sizes: { epochs: 20, imgSize: SEED_INPUT_SIZES.v2m, batchSize: 16, lr: 1e-3, backend: 'auto' },
  smokeSizes: SMOKE_SIZES,
  augmentation: (size) => ({
    train: seedTrainTransform('v2m', size),
    valid: seedTestTransform(size),
    test: seedTestTransform(size),
  }),
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
  summary:
    'Seed pyramid recipe: B3 + ReLU + Dense (PyramidNet) on 224 px crops, prediction fused over crop levels [1, 2, 5] with fixed weights 25/4/1.',
  network: { variant: 'b3', head: 'pyramid', scale: 1 },
  optimizer: 'adam',
  schedule: false,
  sizes: { epochs: 10, imgSize: 224, batchSize: 16, lr: 1e-3, backend: 'auto' },
  smokeSizes: SMOKE_SIZES,
  augmentation: (size) => ({ ...b3Augmentation(size), test: seedTestTransform(2 * size) }),
  pyramid: { levels: [1, 2, 5], fusion: 'fixed' },
};

/**
 * The demo preset (`npm run demo`): the B3 recipe (seed head with Dropout 0.3, Adam, b3-train /
 * b3-valid / b3-test augmentations, best checkpoint by validation Macro F1) scaled to run in
 * minutes on two CPU cores with the wasm backend: B3 at half width and depth (width 0.6, depth
 * 0.7; 2.0 M parameters with the seed head), 64 px inputs (train: Resize 128 → RandomCrop 64,
 * i.e. quarter-area crops like the test images), Adam 5e-4, 24 epochs, trained from scratch on
 * the synthetic set (no download). Batch 8 rather than 16: twice the optimizer steps, which a
 * from-scratch network needs, and BatchNorm's running statistics (initialised at 0 / 1, momentum
 * 0.1) settle sooner, so validation is meaningful from the early epochs on.
 */
export const demoRecipe: Recipe = {
  ...b3Recipe,
  name: 'demo',
  summary:
    'Demo: the B3 recipe at B3 x 0.5 width/depth and 64 px on the wasm backend, trained from scratch on the synthetic artists.',
  network: { ...b3Recipe.network, scale: 0.5 },
  sizes: { epochs: 24, imgSize: 64, batchSize: 8, lr: 5e-4, backend: 'wasm' },
  smokeSizes: { ...SMOKE_SIZES, backend: 'wasm' },
};

/** The recipes `art train --recipe NAME` knows, by name. */
export const RECIPES = {
  b3: b3Recipe,
  v2m: v2mRecipe,
  pyramid: pyramidRecipe,
  demo: demoRecipe,
} as const satisfies Record<string, Recipe>;
export type RecipeName = keyof typeof RECIPES;
export const RECIPE_NAMES = Object.keys(RECIPES) as RecipeName[];

/**
 * The recipe named `name`; a RangeError listing the names otherwise.
 * @example const recipe = getRecipe('b3');
 */
export function getRecipe(name: string): Recipe {
  if (!Object.hasOwn(RECIPES, name))
    throw new RangeError(`--recipe: unknown recipe "${name}"; expected one of ${RECIPE_NAMES.join(', ')}`);
  return RECIPES[name as RecipeName];
}

/**
 * Builds a recipe's network with seeded initialisation: an EfficientNet of its variant with its
 * head on the 1000-way ImageNet classifier (`'seed'`: Dropout + Linear; `'pyramid'`: ReLU +
 * Linear), the new Linear initialised as `nn.Linear`'s default. `smoke` reduces width and depth
 * to at most {@link SMOKE_SCALE} of the variant's (same family, same code path).
 *
 * @example const network = buildRecipeNetwork(b3Recipe, { numClasses: 50, imgSize: 150, smoke: false, seed: 0 });
 */
export function buildRecipeNetwork(
  recipe: Pick<Recipe, 'network'>,
  context: { numClasses: number; imgSize: number; smoke: boolean; seed: number },
): EfficientNet {
  const { variant, head, headDropout, scale } = recipe.network;
  const base = efficientNetConfig(variant);
  const factor = context.smoke ? Math.min(scale, SMOKE_SCALE) : scale;
  const config =
    factor === 1
      ? base
      : withMultipliers(base, base.widthMultiplier * factor, base.depthMultiplier * factor, `${variant}-x${factor}`);
  return withSeededRandom(context.seed, () =>
    buildEfficientNet(config, {
      numClasses: context.numClasses,
      inputSize: context.imgSize,
      head,
      seed: context.seed,
      ...(headDropout !== undefined ? { headDropout } : {}),
    }),
  );
}
