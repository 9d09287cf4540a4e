/**
 * The OpenCV constants and rounding albumentations' functions use (`cv2.INTER_*`, `cv2.BORDER_*`,
 * `cvRound`, `saturate_cast`), declared in ../cv/ and gathered here for the functional layer.
 */
export { roundHalfEven, saturateUint8, fmaf32 } from '../cv/saturate.js';
export {
  BorderMode,
  BORDER_MODES,
  BORDER_MODE_NAMES,
  borderInterpolate,
  borderValues,
  type BorderModeValue,
} from '../cv/border.js';
export { Interpolation, INTERPOLATIONS, INTERPOLATION_NAMES, type InterpolationValue } from '../cv/interpolation.js';
