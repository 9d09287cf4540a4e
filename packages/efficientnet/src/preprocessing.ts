import { VARIANT_NAMES, type VariantName } from './configs.js';
import { pretrainedWeights, type Preprocessing } from './weights/catalogue.js';

export type { Preprocessing } from './weights/catalogue.js';

/** Each variant's `IMAGENET1K_V1` preprocessing (torchvision 0.14 weights enums), from the weights catalogue. */
export const PREPROCESSING: Readonly<Record<VariantName, Preprocessing>> = Object.freeze(
  Object.fromEntries(
    VARIANT_NAMES.map((variant) => [variant, pretrainedWeights(variant, 'IMAGENET1K_V1').preprocessing]),
  ) as Record<VariantName, Preprocessing>,
);

/** B1 also has torchvision's `IMAGENET1K_V2` weights, evaluated at 240/255 bilinear. */
export const PREPROCESSING_B1_IMAGENET1K_V2: Preprocessing = pretrainedWeights('b1', 'IMAGENET1K_V2').preprocessing;

/**
 * Evaluation preprocessing of a weights entry: resize the shorter side to `resizeSize`
 * (`interpolation`), centre-crop `cropSize`, scale to [0, 1], subtract `mean`, divide by `std`.
 * Without `weights`, the variant's `IMAGENET1K_V1` entry; `'DEFAULT'` is torchvision's default
 * (B1: `IMAGENET1K_V2`); the enum spelling or a timm tag works alone too.
 *
 * @example
 * preprocessingFor('b3'); // { resizeSize: 320, cropSize: 300, interpolation: 'bicubic', mean: [0.485, ...], ... }
 * preprocessingFor('b1', 'IMAGENET1K_V2'); // { resizeSize: 255, cropSize: 240, interpolation: 'bilinear', ... }
 * preprocessingFor('EfficientNet_V2_L_Weights.IMAGENET1K_V1').mean; // [0.5, 0.5, 0.5]
 */
export function preprocessingFor(variantOrWeights: string, weights = 'IMAGENET1K_V1'): Preprocessing {
  return pretrainedWeights(variantOrWeights, weights).preprocessing;
}
