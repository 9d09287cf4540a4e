import { buildEfficientNet, type EfficientNet, type EfficientNetOptions } from './build.js';
import { EFFICIENTNET_CONFIGS, normalizeVariantName } from './configs.js';

/**
 * Builds any built-in variant by name (`'b0'`..`'b7'`, `'v2-s'`, `'v2-m'`, `'v2-l'`, or
 * torchvision's `efficientnet_b3` spelling).
 *
 * @example
 * const net = efficientNet('b3', { numClasses: 50 });
 */
export function efficientNet(variant: string, options: EfficientNetOptions = {}): EfficientNet {
  return buildEfficientNet(EFFICIENTNET_CONFIGS[normalizeVariantName(variant)], options);
}

/** torchvision `efficientnet_b0`. @example const net = efficientNetB0({ numClasses: 10 }); */
export const efficientNetB0 = (options: EfficientNetOptions = {}): EfficientNet => buildEfficientNet(EFFICIENTNET_CONFIGS.b0, options);
/** torchvision `efficientnet_b1`. @example const net = efficientNetB1({ numClasses: 10 }); */
export const efficientNetB1 = (options: EfficientNetOptions = {}): EfficientNet => buildEfficientNet(EFFICIENTNET_CONFIGS.b1, options);
/** torchvision `efficientnet_b2`. @example const net = efficientNetB2({ numClasses: 10 }); */
export const efficientNetB2 = (options: EfficientNetOptions = {}): EfficientNet => buildEfficientNet(EFFICIENTNET_CONFIGS.b2, options);
/** torchvision `efficientnet_b3`. @example const net = efficientNetB3({ numClasses: 50, inputSize: 300 }); */
export const efficientNetB3 = (options: EfficientNetOptions = {}): EfficientNet => buildEfficientNet(EFFICIENTNET_CONFIGS.b3, options);
/** torchvision `efficientnet_b4`. @example const net = efficientNetB4({ numClasses: 10 }); */
export const efficientNetB4 = (options: EfficientNetOptions = {}): EfficientNet => buildEfficientNet(EFFICIENTNET_CONFIGS.b4, options);
/** torchvision `efficientnet_b5`. @example const net = efficientNetB5({ numClasses: 10 }); */
export const efficientNetB5 = (options: EfficientNetOptions = {}): EfficientNet => buildEfficientNet(EFFICIENTNET_CONFIGS.b5, options);
/** torchvision `efficientnet_b6`. @example const net = efficientNetB6({ numClasses: 10 }); */
export const efficientNetB6 = (options: EfficientNetOptions = {}): EfficientNet => buildEfficientNet(EFFICIENTNET_CONFIGS.b6, options);
/** torchvision `efficientnet_b7`. @example const net = efficientNetB7({ numClasses: 10 }); */
export const efficientNetB7 = (options: EfficientNetOptions = {}): EfficientNet => buildEfficientNet(EFFICIENTNET_CONFIGS.b7, options);
/** torchvision `efficientnet_v2_s`. @example const net = efficientNetV2S({ numClasses: 10 }); */
export const efficientNetV2S = (options: EfficientNetOptions = {}): EfficientNet => buildEfficientNet(EFFICIENTNET_CONFIGS['v2-s'], options);
/** torchvision `efficientnet_v2_m`. @example const net = efficientNetV2M({ numClasses: 50, inputSize: 480 }); */
export const efficientNetV2M = (options: EfficientNetOptions = {}): EfficientNet => buildEfficientNet(EFFICIENTNET_CONFIGS['v2-m'], options);
/** torchvision `efficientnet_v2_l`. @example const net = efficientNetV2L({ numClasses: 10 }); */
export const efficientNetV2L = (options: EfficientNetOptions = {}): EfficientNet => buildEfficientNet(EFFICIENTNET_CONFIGS['v2-l'], options);
