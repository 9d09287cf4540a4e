/** Option kinds several transforms share: OpenCV's interpolation and border flags, fill values, sizes. */
import { fillValue, int, enumOf, type OptionSpec } from '../core/schema.js';
import {
  BORDER_MODES,
  BORDER_MODE_NAMES,
  BorderMode,
  INTERPOLATIONS,
  INTERPOLATION_NAMES,
  Interpolation,
  type BorderModeValue,
  type InterpolationValue,
} from '../functional/common.js';

/**
 * An OpenCV interpolation flag (`cv2.INTER_*`). Default 1 (INTER_LINEAR).
 * @example
 * interpolation: interpolation(),
 */
export function interpolation(): OptionSpec<InterpolationValue> {
  return enumOf(INTERPOLATIONS, Interpolation.LINEAR, INTERPOLATION_NAMES);
}

/**
 * An OpenCV border mode (`cv2.BORDER_*`). Default 4 (BORDER_REFLECT_101).
 * @example
 * borderMode: borderMode(),
 */
export function borderMode(): OptionSpec<BorderModeValue> {
  return enumOf(BORDER_MODES, BorderMode.REFLECT_101, BORDER_MODE_NAMES);
}

/** `height` and `width` of an output or crop: positive integers, required. */
export const OUTPUT_SIZE = { height: int({ min: 1 }), width: int({ min: 1 }) };

/** The border fills of geometric transforms: `value` for the image, `maskValue` for masks (null: zeros). */
export const BORDER_FILLS = { value: fillValue(), maskValue: fillValue() };
