import { buildEfficientNet, type EfficientNetOptions } from './build.js';
import type { EfficientNet } from './efficientnet.js';
import { EFFICIENTNET_CONFIGS, normalizeVariantName } from './configs.js';
import { loadPretrainedWeights, type PretrainedOptions } from './weights/pretrained.js';

/** {@link efficientNet} options with pretrained weights. */
export interface PretrainedEfficientNetOptions extends EfficientNetOptions, PretrainedOptions {
  /** Weights set: `'DEFAULT'`, `'IMAGENET1K_V1'`, `'IMAGENET1K_V2'` (B1), a timm tag, or the torchvision enum spelling. */
  weights: string;
}

/**
 * Builds any built-in variant by name (`'b0'`..`'b7'`, `'v2-s'`, `'v2-m'`, `'v2-l'`, or
 * torchvision's `efficientnet_b3` spelling). With `weights`, returns a promise of the network
 * with those pretrained weights (torchvision's table; in Node after `import '@art/efficientnet/node'`,
 * downloaded once into `$TORCH_HOME/hub/checkpoints`). With another `numClasses` than 1000 the
 * backbone is pretrained and the classifier new.
 *
 * @example
 * const net = efficientNet('b3', { numClasses: 50 });
 * const pretrained = await efficientNet('b3', { weights: 'IMAGENET1K_V1' });
 */
export function efficientNet(variant: string, options: PretrainedEfficientNetOptions): Promise<EfficientNet>;
export function efficientNet(variant: string, options?: EfficientNetOptions): EfficientNet;
export function efficientNet(
  variant: string,
  options: EfficientNetOptions | PretrainedEfficientNetOptions = {},
): EfficientNet | Promise<EfficientNet> {
  const config = EFFICIENTNET_CONFIGS[normalizeVariantName(variant)];
  if (!('weights' in options) || options.weights === undefined) return buildEfficientNet(config, options);
  const { weights, allowPartial, ...buildOptions } = options;
  // Random init only where the weights leave something to initialise (a new classifier).
  const keepsHead = (buildOptions.numClasses ?? 1000) === 1000 && (buildOptions.head ?? 'replace') === 'replace';
  const net = buildEfficientNet(config, { initializer: keepsHead ? 'zeros' : 'torchvision', ...buildOptions });
  return loadPretrainedWeights(net, variant, weights, allowPartial ? { allowPartial } : {}).then(
    () => net,
    (error: unknown) => {
      net.dispose();
      throw error;
    },
  );
}

/** torchvision `efficientnet_b0`. @example const net = efficientNetB0({ numClasses: 10 }); */
export const efficientNetB0 = (options: EfficientNetOptions = {}): EfficientNet =>
  buildEfficientNet(EFFICIENTNET_CONFIGS.b0, options);
/** torchvision `efficientnet_b1`. @example const net = efficientNetB1({ numClasses: 10 }); */
export const efficientNetB1 = (options: EfficientNetOptions = {}): EfficientNet =>
  buildEfficientNet(EFFICIENTNET_CONFIGS.b1, options);
/** torchvision `efficientnet_b2`. @example const net = efficientNetB2({ numClasses: 10 }); */
export const efficientNetB2 = (options: EfficientNetOptions = {}): EfficientNet =>
  buildEfficientNet(EFFICIENTNET_CONFIGS.b2, options);
/** torchvision `efficientnet_b3`. @example const net = efficientNetB3({ numClasses: 50, inputSize: 300 }); */
export const efficientNetB3 = (options: EfficientNetOptions = {}): EfficientNet =>
  buildEfficientNet(EFFICIENTNET_CONFIGS.b3, options);
/** torchvision `efficientnet_b4`. @example const net = efficientNetB4({ numClasses: 10 }); */
export const efficientNetB4 = (options: EfficientNetOptions = {}): EfficientNet =>
  buildEfficientNet(EFFICIENTNET_CONFIGS.b4, options);
/** torchvision `efficientnet_b5`. @example const net = efficientNetB5({ numClasses: 10 }); */
export const efficientNetB5 = (options: EfficientNetOptions = {}): EfficientNet =>
  buildEfficientNet(EFFICIENTNET_CONFIGS.b5, options);
/** torchvision `efficientnet_b6`. @example const net = efficientNetB6({ numClasses: 10 }); */
export const efficientNetB6 = (options: EfficientNetOptions = {}): EfficientNet =>
  buildEfficientNet(EFFICIENTNET_CONFIGS.b6, options);
/** torchvision `efficientnet_b7`. @example const net = efficientNetB7({ numClasses: 10 }); */
export const efficientNetB7 = (options: EfficientNetOptions = {}): EfficientNet =>
  buildEfficientNet(EFFICIENTNET_CONFIGS.b7, options);
/** torchvision `efficientnet_v2_s`. @example const net = efficientNetV2S({ numClasses: 10 }); */
export const efficientNetV2S = (options: EfficientNetOptions = {}): EfficientNet =>
  buildEfficientNet(EFFICIENTNET_CONFIGS['v2-s'], options);
/** torchvision `efficientnet_v2_m`. @example const net = efficientNetV2M({ numClasses: 50, inputSize: 480 }); */
export const efficientNetV2M = (options: EfficientNetOptions = {}): EfficientNet =>
  buildEfficientNet(EFFICIENTNET_CONFIGS['v2-m'], options);
/** torchvision `efficientnet_v2_l`. @example const net = efficientNetV2L({ numClasses: 10 }); */
export const efficientNetV2L = (options: EfficientNetOptions = {}): EfficientNet =>
  buildEfficientNet(EFFICIENTNET_CONFIGS['v2-l'], options);
